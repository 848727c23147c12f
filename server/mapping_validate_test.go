package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// TestValidateOrders dry-runs realistic raw orders with a stored and with
// an inline profile: each order comes back mapped, each problem names the
// canonical field, the raw path, the rule and the value (masked), and the
// run writes nothing.
func TestValidateOrders(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	stored := e.createProfile(m, shopProfile("淘宝店铺"))
	e.allocate(as(m.key), "carriers/SF", order("BEFORE-1"), "")
	quotaBefore, poolBefore := balances(e.quota(quotaName(m, "SF"))), poolCounts(e.pool("SF"))

	// T2 shows the transforms: a padded name trimmed, a room joined to the
	// street, a missing quantity defaulted, a price as a JSON number.
	t2 := shopOrder("T2")
	at(t2, "buyer.contact.name", "  王小明 ")
	at(t2, "buyer.addr.room", "2 栋 301")
	at(t2, "buyer.note", "放门卫")
	t2["lines"] = append(t2["lines"].([]any), map[string]any{"title": "袜子", "price": 9.9})
	t2["weight_kg"] = "0.35"
	t2Mapped := shopOrderMapped("T2")
	t2Mapped.Receiver.Address = "科技园南路 1 号 2 栋 301"
	t2Mapped.Remark = "放门卫"
	t2Mapped.Items = append(t2Mapped.Items, &ewaybillv1.Item{Name: "袜子", Quantity: 1, DeclaredValueFen: 990})
	t2Mapped.Parcel.WeightGrams = 350

	bad := shopOrder("T3")
	at(bad, "buyer.contact.mobile", "1380013800")
	at(bad, "buyer.addr.dist", "火星区")
	at(bad, "lines.0.price", "59.901")

	missing := shopOrder("T4")
	delete(missing["buyer"].(map[string]any)["contact"].(map[string]any), "name")
	at(missing, "weight_kg", "1,2")
	at(missing, "buyer.addr.prov", map[string]any{"code": "440000", "name": "广东省"})

	samples := []map[string]any{shopOrder("T1"), t2, bad, missing}
	// want lists each order's problems as "field ← source [rule] value".
	want := [][]string{
		nil,
		nil,
		{
			"order.items[0].declared_value_fen ← lines[0].price [decimals] 59.901",
			"order.receiver.district ← buyer.addr.dist [unknown_division] 火星区",
			"order.receiver.mobile ← buyer.contact.mobile [length] ********00",
		},
		// A value that cannot be mapped is reported once, as a mapping
		// problem, not again as missing.
		{
			"order.receiver.province ← buyer.addr.prov [type] {…}",
			"order.parcel.weight_grams ← weight_kg [number] 1,2",
			"order.receiver.name ← buyer.contact.name [required] ",
		},
	}
	wantOrders := map[int]*ewaybillv1.Order{0: shopOrderMapped("T1"), 1: t2Mapped}

	inline := shopProfile("")
	for _, c := range []struct {
		name string
		req  *ewaybillv1.ValidateOrdersRequest
	}{
		{"stored profile", &ewaybillv1.ValidateOrdersRequest{Parent: m.name, MappingProfile: stored.GetName()}},
		{"inline profile", &ewaybillv1.ValidateOrdersRequest{InlineProfile: inline}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range samples {
				c.req.Orders = append(c.req.Orders, rawStruct(t, s))
			}
			resp, err := e.mappings.ValidateOrders(as(m.key), c.req)
			if err != nil {
				t.Fatal(err)
			}
			checkDryRun(t, resp, want, wantOrders)
			if len(resp.GetWarnings()) != 0 {
				t.Errorf("warnings: %v", resp.GetWarnings())
			}
		})
	}

	inlineJSON := map[string]any{}
	if raw, err := protojson.Marshal(inline); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(raw, &inlineJSON); err != nil {
		t.Fatal(err)
	}
	for name, profile := range map[string]map[string]any{
		"REST stored profile": {"mappingProfile": stored.GetName()},
		"REST inline profile": {"inlineProfile": inlineJSON},
	} {
		t.Run(name, func(t *testing.T) {
			raw := make([]any, len(samples))
			for i, s := range samples {
				raw[i] = s
			}
			profile["orders"] = raw
			code, out := e.rest("POST", "/v1/"+m.name+"/orders:validate", m.key, profile)
			if code != http.StatusOK {
				t.Fatalf("REST validate: %d %v", code, out)
			}
			resp := &ewaybillv1.ValidateOrdersResponse{}
			if err := protojson.Unmarshal(restJSON(t, out), resp); err != nil {
				t.Fatal(err)
			}
			checkDryRun(t, resp, want, wantOrders)
			first := out["results"].([]any)[0].(map[string]any)["order"].(map[string]any)
			if first["parcel"].(map[string]any)["weightGrams"] != "1200" || first["items"].([]any)[0].(map[string]any)["declaredValueFen"] != "5990" {
				t.Fatalf("REST T1 as JSON: %v", first)
			}
		})
	}

	// The dry run wrote nothing: no waybill, no unit, no number, no profile.
	if got := balances(e.quota(quotaName(m, "SF"))); got != quotaBefore {
		t.Errorf("quota after dry runs: %s, before %s", got, quotaBefore)
	}
	if got := poolCounts(e.pool("SF")); got != poolBefore {
		t.Errorf("pool after dry runs: %s, before %s", got, poolBefore)
	}
	if list, err := e.waybills.ListWaybills(admin(), &ewaybillv1.ListWaybillsRequest{Parent: "merchants/-"}); err != nil || len(list.GetWaybills()) != 1 {
		t.Errorf("waybills after dry runs: %v, %v", list.GetWaybills(), err)
	}
	if list, err := e.mappings.ListMappingProfiles(as(m.key), &ewaybillv1.ListMappingProfilesRequest{}); err != nil ||
		len(list.GetMappingProfiles()) != 1 || !proto.Equal(list.GetMappingProfiles()[0], stored) {
		t.Errorf("profiles after dry runs: %v, %v", list.GetMappingProfiles(), err)
	}
}

// checkDryRun compares each result's problems with want and the orders of
// wantOrders, and proves no unmasked phone number left the server.
func checkDryRun(t *testing.T, resp *ewaybillv1.ValidateOrdersResponse, want [][]string, wantOrders map[int]*ewaybillv1.Order) {
	t.Helper()
	if len(resp.GetResults()) != len(want) {
		t.Fatalf("%d results, want %d", len(resp.GetResults()), len(want))
	}
	for i, r := range resp.GetResults() {
		if got := describeAll(r.GetViolations()); !slices.Equal(got, want[i]) {
			t.Errorf("order %d problems:\n%s\nwant\n%s", i+1, strings.Join(got, "\n"), strings.Join(want[i], "\n"))
		}
		if o, ok := wantOrders[i]; ok && !proto.Equal(r.GetOrder(), o) {
			t.Errorf("order %d mapped to\n%v\nwant\n%v", i+1, r.GetOrder(), o)
		}
		for _, v := range r.GetViolations() {
			if v.GetMessage() == "" {
				t.Errorf("order %d: %s has no message", i+1, v.GetField())
			}
		}
	}
	// The orders the merchant sent are its to see; what the report adds
	// (values and messages) masks them.
	for _, r := range resp.GetResults() {
		for _, v := range r.GetViolations() {
			if text := v.GetValue() + v.GetMessage(); strings.Contains(text, "1380013800") || strings.Contains(text, "王小明") {
				t.Errorf("%s shows personal data unmasked: %v", v.GetField(), v)
			}
		}
	}
}

// describeAll writes violations as "field ← source [rule] value".
func describeAll(vs []*ewaybillv1.MappingViolation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.GetField()+" ← "+v.GetSource()+" ["+v.GetRule()+"] "+v.GetValue())
	}
	return out
}

// restJSON re-encodes a decoded REST answer, to read it as a message.
func restJSON(t *testing.T, out map[string]any) []byte {
	t.Helper()
	s, err := structpb.NewStruct(out)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := protojson.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestValidateOrdersWarnings: a mapping that is likely wrong shows over
// the samples as a warning naming the field, the profile's source and
// the first suspicious value, masked.
func TestValidateOrdersWarnings(t *testing.T) {
	e := newEnv(t)
	m := e.approvedMerchant(creditCodes[0])
	var raws []*structpb.Struct
	for i, mobile := range []string{"0755-86013388", "13800138000", "010-62345678"} {
		o := shopOrder("W" + string(rune('1'+i)))
		at(o, "buyer.contact.mobile", mobile)
		raws = append(raws, rawStruct(t, o))
	}
	resp, err := e.mappings.ValidateOrders(as(m.key), &ewaybillv1.ValidateOrdersRequest{InlineProfile: shopProfile(""), Orders: raws})
	if err != nil {
		t.Fatal(err)
	}
	ws := resp.GetWarnings()
	if len(ws) != 1 || describeAll(ws)[0] != "order.receiver.mobile ← buyer.contact.mobile [looks_like_landline] ****-******88" ||
		!strings.Contains(ws[0].GetMessage(), "2 of 3 sample orders") || !strings.Contains(ws[0].GetMessage(), "receiver.landline") {
		t.Fatalf("warnings: %v", ws)
	}
	// Each landline also fails the mobile rule on its own order.
	for i, r := range resp.GetResults() {
		got := describeAll(r.GetViolations())
		if wantBad := i != 1; wantBad != (len(got) == 1 && strings.HasPrefix(got[0], "order.receiver.mobile ← buyer.contact.mobile [")) {
			t.Errorf("order %d: %v", i+1, got)
		}
	}

	// Half the samples make a pattern; one in three does not.
	resp, err = e.mappings.ValidateOrders(as(m.key), &ewaybillv1.ValidateOrdersRequest{InlineProfile: shopProfile(""), Orders: raws[:2]})
	if err != nil || len(resp.GetWarnings()) != 1 {
		t.Fatalf("1 of 2: %v, %v", resp.GetWarnings(), err)
	}
	resp, err = e.mappings.ValidateOrders(as(m.key), &ewaybillv1.ValidateOrdersRequest{InlineProfile: shopProfile(""),
		Orders: []*structpb.Struct{raws[1], raws[0], raws[1]}})
	if err != nil || len(resp.GetWarnings()) != 0 {
		t.Fatalf("1 of 3: %v, %v", resp.GetWarnings(), err)
	}

	// Weights in grams sent to a mapping that converts kilograms.
	heavy := shopOrder("W9")
	heavy["weight_kg"] = 1200
	resp, err = e.mappings.ValidateOrders(as(m.key), &ewaybillv1.ValidateOrdersRequest{InlineProfile: shopProfile(""),
		Orders: []*structpb.Struct{rawStruct(t, heavy)}})
	if err != nil || len(resp.GetWarnings()) != 1 || resp.GetWarnings()[0].GetRule() != "weight_unit" ||
		resp.GetWarnings()[0].GetField() != "order.parcel.weight_grams" || resp.GetWarnings()[0].GetSource() != "weight_kg" {
		t.Fatalf("grams as kilograms: %v, %v", resp.GetWarnings(), err)
	}
}

// TestValidateOrdersCarrierRules: with a carrier named, its own order
// rules apply, so a stricter carrier refuses what the general rules take.
func TestValidateOrdersCarrierRules(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(carrierWith(sfCarrier(), func(c *ewaybillv1.Carrier) {
		c.OrderRules = &ewaybillv1.OrderRules{MaxWeightGrams: 1000, ForbiddenCharacters: "|"}
	}))
	e.createCarrier(ztoCarrier())
	m := e.approvedMerchant(creditCodes[0])
	stored := e.createProfile(m, shopProfile("店铺"))
	withPipe := shopOrder("C2")
	at(withPipe, "buyer.addr.street", "科技园南路 1 号 | 2 栋")
	at(withPipe, "weight_kg", 0.8)
	withHash := shopOrder("C3")
	at(withHash, "buyer.addr.street", "科技园南路 1 号 #2 栋")
	at(withHash, "weight_kg", 0.8)
	raws := []*structpb.Struct{rawStruct(t, shopOrder("C1")), rawStruct(t, withPipe), rawStruct(t, withHash)}

	for _, c := range []struct {
		carrier string
		want    [][]string
	}{
		{"", [][]string{nil, nil, {"order.receiver.address ← buyer.addr.street [forbidden_character] 科技园南路 1****"}}},
		{"carriers/ZTO", [][]string{nil, nil, {"order.receiver.address ← buyer.addr.street [forbidden_character] 科技园南路 1****"}}},
		{"carriers/SF", [][]string{
			{"order.parcel.weight_grams ← weight_kg [range] 1200"},
			{"order.receiver.address ← buyer.addr.street [forbidden_character] 科技园南路 1****"},
			nil,
		}},
	} {
		name := c.carrier
		if name == "" {
			name = "general rules"
		}
		t.Run(name, func(t *testing.T) {
			resp, err := e.mappings.ValidateOrders(as(m.key), &ewaybillv1.ValidateOrdersRequest{
				MappingProfile: stored.GetName(), Carrier: c.carrier, Orders: raws})
			if err != nil {
				t.Fatal(err)
			}
			checkDryRun(t, resp, c.want, map[int]*ewaybillv1.Order{0: shopOrderMapped("C1")})
			if c.carrier == "carriers/SF" && !strings.Contains(resp.GetResults()[0].GetViolations()[0].GetMessage(), "at most 1000 grams") {
				t.Errorf("SF weight message: %s", resp.GetResults()[0].GetViolations()[0].GetMessage())
			}
		})
	}
}

// TestValidateOrdersRefused: malformed dry runs are refused before any
// order is looked at.
func TestValidateOrdersRefused(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	m := e.approvedMerchant(creditCodes[0])
	stored := e.createProfile(m, shopProfile("店铺"))
	one := []*structpb.Struct{rawStruct(t, shopOrder("X1"))}
	many := make([]*structpb.Struct, 101)
	for i := range many {
		many[i] = one[0]
	}
	brokenProfile := shopProfile("")
	brokenProfile.Fields = append(brokenProfile.Fields, &ewaybillv1.FieldMapping{Target: "order_code", Sources: []string{"no"}})

	cases := []struct {
		name   string
		req    *ewaybillv1.ValidateOrdersRequest
		code   codes.Code
		reason string
		want   []string
	}{
		{"no orders", &ewaybillv1.ValidateOrdersRequest{MappingProfile: stored.GetName()},
			codes.InvalidArgument, "INVALID_REQUEST", []string{"orders length"}},
		{"101 orders", &ewaybillv1.ValidateOrdersRequest{MappingProfile: stored.GetName(), Orders: many},
			codes.InvalidArgument, "INVALID_REQUEST", []string{"orders length"}},
		{"no profile", &ewaybillv1.ValidateOrdersRequest{Orders: one},
			codes.InvalidArgument, "INVALID_REQUEST", []string{"mapping_profile one_of"}},
		{"both profiles", &ewaybillv1.ValidateOrdersRequest{MappingProfile: stored.GetName(), InlineProfile: shopProfile(""), Orders: one},
			codes.InvalidArgument, "INVALID_REQUEST", []string{"mapping_profile one_of"}},
		{"malformed carrier", &ewaybillv1.ValidateOrdersRequest{MappingProfile: stored.GetName(), Carrier: "SF", Orders: one},
			codes.InvalidArgument, "INVALID_REQUEST", []string{"carrier resource_name"}},
		{"unknown carrier", &ewaybillv1.ValidateOrdersRequest{MappingProfile: stored.GetName(), Carrier: "carriers/YTO", Orders: one},
			codes.NotFound, "RESOURCE_NOT_FOUND", nil},
		{"unknown profile", &ewaybillv1.ValidateOrdersRequest{MappingProfile: m.name + "/mappingProfiles/nope", Orders: one},
			codes.NotFound, "RESOURCE_NOT_FOUND", nil},
		{"broken inline profile", &ewaybillv1.ValidateOrdersRequest{InlineProfile: brokenProfile, Orders: one},
			codes.InvalidArgument, "INVALID_REQUEST", []string{"inline_profile.fields[18].target duplicate"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.mappings.ValidateOrders(as(m.key), c.req)
			st := wantError(t, err, c.code, c.reason)
			if got := fieldRules(st); !slices.Equal(got, c.want) {
				t.Fatalf("violations %v, want %v", got, c.want)
			}
		})
	}
}
