package server_test

import (
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

func TestCarrierOrderRulesOnCreate(t *testing.T) {
	e := newEnv(t)
	rules := &ewaybillv1.OrderRules{MaxWeightGrams: 30_000, MaxNameLength: 20, MaxAddressLength: 100, ForbiddenCharacters: "#|"}
	got := e.createCarrier(carrierWith(sfCarrier(), func(c *ewaybillv1.Carrier) { c.OrderRules = rules }))
	if !proto.Equal(got.GetOrderRules(), rules) || !proto.Equal(carrierGet(t, e, "SF").GetOrderRules(), rules) {
		t.Fatalf("order rules returned %v, stored %v; want %v", got.GetOrderRules(), carrierGet(t, e, "SF").GetOrderRules(), rules)
	}
	// Rules with nothing set are the general rules, stored as none.
	zto := e.createCarrier(carrierWith(ztoCarrier(), func(c *ewaybillv1.Carrier) { c.OrderRules = &ewaybillv1.OrderRules{} }))
	if zto.GetOrderRules() != nil {
		t.Fatalf("empty order rules stored as %v", zto.GetOrderRules())
	}

	const f = "carrier.order_rules."
	cases := []struct {
		name  string
		rules *ewaybillv1.OrderRules
		want  map[string]string
	}{
		{"negative weight", &ewaybillv1.OrderRules{MaxWeightGrams: -1}, map[string]string{f + "max_weight_grams": "range"}},
		{"weight over 1000 kg", &ewaybillv1.OrderRules{MaxWeightGrams: 1_000_001}, map[string]string{f + "max_weight_grams": "range"}},
		{"negative name length", &ewaybillv1.OrderRules{MaxNameLength: -5}, map[string]string{f + "max_name_length": "range"}},
		{"name length 65", &ewaybillv1.OrderRules{MaxNameLength: 65}, map[string]string{f + "max_name_length": "range"}},
		{"address length 201", &ewaybillv1.OrderRules{MaxAddressLength: 201}, map[string]string{f + "max_address_length": "range"}},
		{"33 forbidden characters", &ewaybillv1.OrderRules{ForbiddenCharacters: strings.Repeat("#", 33)}, map[string]string{f + "forbidden_characters": "length"}},
		{"space forbidden", &ewaybillv1.OrderRules{ForbiddenCharacters: "# &"}, map[string]string{f + "forbidden_characters": "format"}},
		{"control character forbidden", &ewaybillv1.OrderRules{ForbiddenCharacters: "#\t"}, map[string]string{f + "forbidden_characters": "format"}},
		{"several at once", &ewaybillv1.OrderRules{MaxWeightGrams: -1, MaxAddressLength: 1000},
			map[string]string{f + "max_weight_grams": "range", f + "max_address_length": "range"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := carrierWith(carrierEMS(), func(x *ewaybillv1.Carrier) { x.OrderRules = c.rules })
			_, err := e.carriers.CreateCarrier(admin(), &ewaybillv1.CreateCarrierRequest{Carrier: in})
			carrierWantViolations(t, violations(wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")), c.want)
		})
	}
	// The widest limits are accepted.
	widest := &ewaybillv1.OrderRules{MaxWeightGrams: 1_000_000, MaxNameLength: 64, MaxAddressLength: 200, ForbiddenCharacters: strings.Repeat("＃", 32)}
	if got := e.createCarrier(carrierWith(carrierEMS(), func(c *ewaybillv1.Carrier) { c.OrderRules = widest })); !proto.Equal(got.GetOrderRules(), widest) {
		t.Fatalf("widest rules stored as %v", got.GetOrderRules())
	}
}

func TestCarrierOrderRulesOnUpdate(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(carrierWith(sfCarrier(), func(c *ewaybillv1.Carrier) {
		c.OrderRules = &ewaybillv1.OrderRules{MaxWeightGrams: 30_000, ForbiddenCharacters: "#"}
	}))
	steps := []struct {
		name  string
		rules *ewaybillv1.OrderRules
		paths []string
		want  *ewaybillv1.OrderRules
	}{
		{"one field keeps the others", &ewaybillv1.OrderRules{MaxWeightGrams: 20_000, ForbiddenCharacters: "ignored"},
			[]string{"order_rules.max_weight_grams"}, &ewaybillv1.OrderRules{MaxWeightGrams: 20_000, ForbiddenCharacters: "#"}},
		{"JSON field names", &ewaybillv1.OrderRules{MaxNameLength: 16},
			[]string{"orderRules.maxNameLength"}, &ewaybillv1.OrderRules{MaxWeightGrams: 20_000, MaxNameLength: 16, ForbiddenCharacters: "#"}},
		{"one field back to general", &ewaybillv1.OrderRules{},
			[]string{"order_rules.forbidden_characters"}, &ewaybillv1.OrderRules{MaxWeightGrams: 20_000, MaxNameLength: 16}},
		{"whole rules replaced", &ewaybillv1.OrderRules{MaxAddressLength: 80},
			[]string{"order_rules"}, &ewaybillv1.OrderRules{MaxAddressLength: 80}},
		{"field without stored rules", nil, []string{"order_rules"}, nil},
		{"field into no stored rules", &ewaybillv1.OrderRules{ForbiddenCharacters: "|"},
			[]string{"order_rules.forbidden_characters"}, &ewaybillv1.OrderRules{ForbiddenCharacters: "|"}},
		{"next to another field", &ewaybillv1.OrderRules{MaxWeightGrams: 40_000},
			[]string{"display_name", "order_rules.max_weight_grams"}, &ewaybillv1.OrderRules{MaxWeightGrams: 40_000, ForbiddenCharacters: "|"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			resp, err := e.carriers.UpdateCarrier(admin(), &ewaybillv1.UpdateCarrierRequest{
				Carrier:    &ewaybillv1.Carrier{Name: "carriers/SF", DisplayName: "顺丰速运", OrderRules: s.rules},
				UpdateMask: carrierMask(s.paths...)})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetCarrier().GetOrderRules(); !proto.Equal(got, s.want) {
				t.Fatalf("order rules %v; want %v", got, s.want)
			}
			if stored := carrierGet(t, e, "SF"); !proto.Equal(stored, resp.GetCarrier()) {
				t.Fatalf("stored %v, returned %v", stored, resp.GetCarrier())
			}
		})
	}

	refused := []struct {
		name  string
		rules *ewaybillv1.OrderRules
		paths []string
		want  map[string]string
	}{
		{"weight out of range", &ewaybillv1.OrderRules{MaxWeightGrams: 2_000_000}, []string{"order_rules.max_weight_grams"},
			map[string]string{"carrier.order_rules.max_weight_grams": "range"}},
		{"whole rules out of range", &ewaybillv1.OrderRules{MaxNameLength: 100, ForbiddenCharacters: "a b"}, []string{"order_rules"},
			map[string]string{"carrier.order_rules.max_name_length": "range", "carrier.order_rules.forbidden_characters": "format"}},
		{"unknown field", &ewaybillv1.OrderRules{}, []string{"order_rules.max_height"},
			map[string]string{"update_mask": "unknown_field"}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			before := carrierGet(t, e, "SF")
			_, err := e.carriers.UpdateCarrier(admin(), &ewaybillv1.UpdateCarrierRequest{
				Carrier: &ewaybillv1.Carrier{Name: "carriers/SF", OrderRules: c.rules}, UpdateMask: carrierMask(c.paths...)})
			carrierWantViolations(t, violations(wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")), c.want)
			if after := carrierGet(t, e, "SF"); !proto.Equal(before, after) {
				t.Fatalf("refused update changed the carrier:\n%v\n%v", before, after)
			}
		})
	}
}

// A PATCH whose body is the carrier as read back names order_rules'
// fields in its inferred mask; they update like any other.
func TestCarrierOrderRulesOverREST(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	status, out := e.rest("PATCH", "/v1/carriers/SF", testAdminKey, map[string]any{
		"displayName": "顺丰速运", "orderRules": map[string]any{"maxWeightGrams": "20000", "forbiddenCharacters": "#&"}})
	if status != http.StatusOK {
		t.Fatalf("PATCH: %d %v", status, out)
	}
	if got := carrierRESTField(out, "carrier", "orderRules"); carrierRESTJSON(map[string]any{"r": got}) != `{"r":{"forbiddenCharacters":"#\u0026","maxWeightGrams":"20000"}}` {
		t.Fatalf("order rules after PATCH: %v", got)
	}
	status, out = e.rest("PATCH", "/v1/carriers/SF?update_mask=orderRules.maxWeightGrams", testAdminKey, map[string]any{
		"orderRules": map[string]any{"maxWeightGrams": "5000000"}})
	if status != http.StatusBadRequest || !strings.Contains(carrierRESTJSON(out), `"field":"carrier.order_rules.max_weight_grams"`) {
		t.Fatalf("PATCH out of range: %d %v", status, out)
	}
}

// A carrier's rules decide at allocation: a stricter one refuses what the
// general rules accept, without spending anything; a looser one accepts
// what the general rules refuse.
func TestAllocationAppliesCarrierOrderRules(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(carrierWith(sfCarrier(), func(c *ewaybillv1.Carrier) {
		c.OrderRules = &ewaybillv1.OrderRules{MaxWeightGrams: 1000, ForbiddenCharacters: "|"}
	}))
	e.createCarrier(carrierWith(ztoCarrier(), func(c *ewaybillv1.Carrier) {
		c.OrderRules = &ewaybillv1.OrderRules{MaxWeightGrams: 100_000, MaxAddressLength: 200}
	}))
	e.importRange("SF", 1, 10)
	e.importRange("ZTO", 1, 10)
	m := e.shop(creditCodes[0], "SF", "ZTO")
	before := balances(e.quota(quotaName(m, "SF")))

	heavy := order("HEAVY-1") // 1200 g: within the general 50 kg, over SF's 1 kg
	_, err := e.waybills.AllocateWaybill(as(m.key), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: heavy})
	st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	carrierWantViolations(t, violations(st), map[string]string{"order.parcel.weight_grams": "range"})
	if !strings.Contains(st.Message(), "at most 1000 grams (1 kg)") {
		t.Errorf("message %q does not quote SF's limit", st.Message())
	}

	hash := order("HASH-1") // # is forbidden in general, not by SF
	hash.Parcel.WeightGrams = 800
	hash.Receiver.Address = "文三路 90 号 #501"
	e.allocate(as(m.key), "carriers/SF", hash, "")

	pipe := order("PIPE-1")
	pipe.Parcel.WeightGrams = 800
	pipe.Receiver.Address = "文三路 90 号|501"
	_, err = e.waybills.AllocateWaybill(as(m.key), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: pipe})
	carrierWantViolations(t, violations(wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")),
		map[string]string{"order.receiver.address": "forbidden_character"})

	if after := balances(e.quota(quotaName(m, "SF"))); after == before {
		t.Fatalf("the valid SF order spent nothing: %s", after)
	}
	q := e.quota(quotaName(m, "SF"))
	if q.GetIssuedTotal() != 1 || q.GetLive() != 1 {
		t.Fatalf("refused orders spent quota: %s", balances(q))
	}

	// ZTO takes 60 kg and a 150-character address, which the general
	// rules refuse.
	big := order("BIG-1")
	big.Parcel.WeightGrams = 60_000
	big.Receiver.Address = strings.Repeat("路", 150)
	if w := e.allocate(as(m.key), "carriers/ZTO", big, "").GetWaybill(); w.GetOrder().GetParcel().GetWeightGrams() != 60_000 {
		t.Fatalf("ZTO waybill %v", w)
	}
	// Beyond every carrier's limits the order is refused before the
	// carrier is read.
	huge := order("HUGE-1")
	huge.Parcel.WeightGrams = 1_000_001
	_, err = e.waybills.AllocateWaybill(as(m.key), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/ZTO", Order: huge})
	carrierWantViolations(t, violations(wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")),
		map[string]string{"order.parcel.weight_grams": "range"})
}
