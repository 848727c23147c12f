package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// TestAllocateRawOrder allocates from the merchant's own JSON order: the
// waybill holds the mapped canonical order and the profile version it was
// mapped with, a retry is a replay, and a raw order that breaks a rule is
// refused naming the canonical field and the raw path, spending nothing.
func TestAllocateRawOrder(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	other := e.shop(creditCodes[1], "SF")
	ctx := as(m.key)
	prof := e.createProfile(m, shopProfile("淘宝店铺"))
	theirs := e.createProfile(other, shopProfile("别家店铺"))
	allocateRaw := func(key string, raw map[string]any, profile string) (*ewaybillv1.AllocateWaybillResponse, error) {
		return e.waybills.AllocateWaybill(as(key), &ewaybillv1.AllocateWaybillRequest{
			Carrier: "carriers/SF", RawOrder: rawStruct(t, raw), MappingProfile: profile})
	}

	first, err := allocateRaw(m.key, shopOrder("T1"), prof.GetName())
	if err != nil {
		t.Fatal(err)
	}
	w1 := first.GetWaybill()
	if first.GetReplayed() || w1.GetNumber() != number(t, sf, 1) || w1.GetMappingProfile() != prof.GetName() || w1.GetMappingProfileVersion() != 1 {
		t.Fatalf("first raw allocation: %v", first)
	}
	if !proto.Equal(w1.GetOrder(), shopOrderMapped("T1")) {
		t.Fatalf("waybill order\n%v\nwant the mapped order\n%v", w1.GetOrder(), shopOrderMapped("T1"))
	}
	again, err := allocateRaw(m.key, shopOrder("T1"), prof.GetName())
	if err != nil || !again.GetReplayed() || !proto.Equal(again.GetWaybill(), w1) {
		t.Fatalf("same raw order again: %v, %v; want a replay of %s", again, err, w1.GetName())
	}
	// The same order sent canonical is the same payload: a replay too.
	canonical := e.allocate(ctx, "carriers/SF", shopOrderMapped("T1"), "")
	if !canonical.GetReplayed() || canonical.GetWaybill().GetName() != w1.GetName() {
		t.Fatalf("the mapped order sent canonical: %v", canonical)
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=999 live=1 issued=1 cancelled=0 recycled=0" {
		t.Fatalf("quota after one allocation and two replays: %s", got)
	}

	// A new version maps new orders; waybills keep the version they used.
	next := shopProfile("淘宝店铺")
	next.Name = prof.GetName()
	for _, f := range next.GetFields() {
		if f.GetTarget() == "remark" {
			f.DefaultValue = proto.String("易碎轻放")
		}
	}
	if _, err := e.mappings.UpdateMappingProfile(ctx, &ewaybillv1.UpdateMappingProfileRequest{MappingProfile: next}); err != nil {
		t.Fatal(err)
	}
	second, err := allocateRaw(m.key, shopOrder("T2"), prof.GetName())
	if err != nil {
		t.Fatal(err)
	}
	w2 := second.GetWaybill()
	if w2.GetMappingProfile() != prof.GetName() || w2.GetMappingProfileVersion() != 2 || w2.GetOrder().GetRemark() != "易碎轻放" ||
		w2.GetNumber() != number(t, sf, 2) {
		t.Fatalf("allocation after the update: %v", w2)
	}
	if got := e.getWaybill(ctx, w1.GetName()); got.GetMappingProfileVersion() != 1 || got.GetOrder().GetRemark() != "请尽快发货" {
		t.Fatalf("first waybill after the update: %v", got)
	}
	// The raw order of the first waybill now maps to another order, which
	// the key's waybill does not hold: the merchant is told which field.
	_, err = allocateRaw(m.key, shopOrder("T1"), prof.GetName())
	st := wantError(t, err, codes.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED")
	if md := errorMetadata(st); md["fields"] != "order.remark" || md["waybill"] != w1.GetName() {
		t.Fatalf("T1 under version 2: metadata %v", md)
	}
	// An admin allocates for the merchant with the merchant's profile.
	byAdmin, err := e.waybills.AllocateWaybill(admin(), &ewaybillv1.AllocateWaybillRequest{Parent: m.name,
		Carrier: "carriers/SF", RawOrder: rawStruct(t, shopOrder("T3")), MappingProfile: prof.GetName()})
	if err != nil || byAdmin.GetWaybill().GetMappingProfileVersion() != 2 || !strings.HasPrefix(byAdmin.GetWaybill().GetName(), m.name+"/") {
		t.Fatalf("admin allocation from a raw order: %v, %v", byAdmin, err)
	}
	keyed, err := e.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{
		Carrier: "carriers/SF", RawOrder: rawStruct(t, shopOrder("T5")), MappingProfile: prof.GetName(), RequestId: "raw-5"})
	if err != nil || keyed.GetWaybill().GetRequestId() != "raw-5" {
		t.Fatalf("raw allocation with a request id: %v, %v", keyed, err)
	}
	quotaBefore, poolBefore := balances(e.quota(quotaName(m, "SF"))), poolCounts(e.pool("SF"))

	t.Run("invalid raw order", func(t *testing.T) {
		bad := shopOrder("BAD-1")
		at(bad, "buyer.contact.mobile", "1380013800")
		at(bad, "lines.0.price", "59.901")
		_, err := allocateRaw(m.key, bad, prof.GetName())
		st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
		want := []string{"order.items[0].declared_value_fen decimals", "order.receiver.mobile length"}
		if got := fieldRules(st); !slices.Equal(got, want) {
			t.Fatalf("violations %v, want %v", got, want)
		}
		d := descriptions(st)
		if !strings.HasSuffix(d["order.receiver.mobile"], "(from raw buyer.contact.mobile)") ||
			!strings.HasSuffix(d["order.items[0].declared_value_fen"], "(from raw lines[0].price)") {
			t.Fatalf("descriptions do not name the raw paths: %v", d)
		}
		if strings.Contains(st.String(), "1380013800") {
			t.Fatalf("the refusal repeats the mobile number: %v", st)
		}
	})

	notFound := []string{"mapping_profile not_found"}
	for _, c := range []struct {
		name string
		req  *ewaybillv1.AllocateWaybillRequest
		want []string
	}{
		{"raw order without profile", &ewaybillv1.AllocateWaybillRequest{RawOrder: rawStruct(t, shopOrder("E1"))},
			[]string{"mapping_profile required"}},
		{"order and raw order", &ewaybillv1.AllocateWaybillRequest{Order: order("E2"), RawOrder: rawStruct(t, shopOrder("E2")), MappingProfile: prof.GetName()},
			[]string{"raw_order one_of"}},
		{"profile with a canonical order", &ewaybillv1.AllocateWaybillRequest{Order: order("E3"), MappingProfile: prof.GetName()},
			[]string{"mapping_profile one_of"}},
		{"unknown profile", &ewaybillv1.AllocateWaybillRequest{RawOrder: rawStruct(t, shopOrder("E4")), MappingProfile: m.name + "/mappingProfiles/nope"},
			notFound},
		{"another merchant's profile", &ewaybillv1.AllocateWaybillRequest{RawOrder: rawStruct(t, shopOrder("E5")), MappingProfile: theirs.GetName()},
			notFound},
		{"malformed profile name", &ewaybillv1.AllocateWaybillRequest{RawOrder: rawStruct(t, shopOrder("E6")), MappingProfile: "淘宝店铺"},
			notFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.req.Carrier = "carriers/SF"
			_, err := e.waybills.AllocateWaybill(ctx, c.req)
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			if got := fieldRules(st); !slices.Equal(got, c.want) {
				t.Fatalf("violations %v, want %v", got, c.want)
			}
		})
	}

	// Deleting the profile stops new allocations with it; the waybills
	// keep its name and version.
	if _, err := e.mappings.DeleteMappingProfile(ctx, &ewaybillv1.DeleteMappingProfileRequest{Name: prof.GetName()}); err != nil {
		t.Fatal(err)
	}
	_, err = allocateRaw(m.key, shopOrder("T4"), prof.GetName())
	if st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST"); !slices.Equal(fieldRules(st), notFound) {
		t.Fatalf("deleted profile: %v", fieldRules(st))
	}
	if got := e.getWaybill(ctx, w2.GetName()); got.GetMappingProfile() != prof.GetName() || got.GetMappingProfileVersion() != 2 {
		t.Fatalf("waybill after its profile was deleted: %v", got)
	}
	// A retry under a request id cannot be compared with its waybill
	// without the profile: it is refused for the profile, not told that
	// its payload differs.
	_, err = e.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{
		Carrier: "carriers/SF", RawOrder: rawStruct(t, shopOrder("T5")), MappingProfile: prof.GetName(), RequestId: "raw-5"})
	if st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST"); !slices.Equal(fieldRules(st), notFound) {
		t.Fatalf("retry after the profile was deleted: %v", fieldRules(st))
	}

	if got := balances(e.quota(quotaName(m, "SF"))); got != quotaBefore {
		t.Errorf("refusals spent: quota %s, before %s", got, quotaBefore)
	}
	if got := poolCounts(e.pool("SF")); got != poolBefore {
		t.Errorf("refusals took numbers: pool %s, before %s", got, poolBefore)
	}
	if list, err := e.waybills.ListWaybills(ctx, &ewaybillv1.ListWaybillsRequest{Parent: m.name}); err != nil || len(list.GetWaybills()) != 4 {
		t.Fatalf("waybills: %v, %v", list.GetWaybills(), err)
	}
}

// TestBatchAllocateRawOrders: in a batch of raw orders, the one that breaks
// a rule fails alone, with its field violations, and spends nothing.
func TestBatchAllocateRawOrders(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	prof := e.createProfile(m, shopProfile("淘宝店铺"))
	quotaBefore, poolBefore := e.quota(quotaName(m, "SF")), e.pool("SF")

	bad := shopOrder("B2")
	at(bad, "buyer.contact.mobile", "1380013800")
	at(bad, "buyer.addr.dist", "火星区")
	var items []*ewaybillv1.BatchAllocateWaybillsItem
	for _, raw := range []map[string]any{shopOrder("B1"), bad, shopOrder("B3")} {
		items = append(items, &ewaybillv1.BatchAllocateWaybillsItem{Carrier: "carriers/SF", RawOrder: rawStruct(t, raw), MappingProfile: prof.GetName()})
	}
	resp, err := e.waybills.BatchAllocateWaybills(as(m.key), &ewaybillv1.BatchAllocateWaybillsRequest{Items: items})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetResults()
	if len(r) != 3 {
		t.Fatalf("%d results, want 3", len(r))
	}
	for i, want := range map[int]struct {
		code   string
		serial int64
	}{0: {"B1", 1}, 2: {"B3", 2}} {
		w := r[i].GetWaybill()
		if r[i].GetError() != nil || r[i].GetReplayed() || w.GetNumber() != number(t, sf, want.serial) ||
			!proto.Equal(w.GetOrder(), shopOrderMapped(want.code)) || w.GetMappingProfile() != prof.GetName() || w.GetMappingProfileVersion() != 1 {
			t.Errorf("item %d: %v", i, r[i])
		}
	}
	ie := r[1].GetError()
	if r[1].GetWaybill() != nil || ie.GetCode() != int32(codes.InvalidArgument) || ie.GetReason() != "INVALID_REQUEST" {
		t.Fatalf("item 1: %v", r[1])
	}
	var got []string
	for _, v := range ie.GetFieldViolations() {
		got = append(got, v.GetField()+" "+v.GetRule())
		if !strings.Contains(v.GetDescription(), "(from raw buyer.") {
			t.Errorf("item 1: %s does not name its raw path: %s", v.GetField(), v.GetDescription())
		}
	}
	if want := []string{"order.receiver.district unknown_division", "order.receiver.mobile length"}; !slices.Equal(got, want) {
		t.Fatalf("item 1 violations %v, want %v", got, want)
	}

	quotaAfter, poolAfter := e.quota(quotaName(m, "SF")), e.pool("SF")
	if quotaBefore.GetAvailable()-quotaAfter.GetAvailable() != 2 || quotaAfter.GetLive()-quotaBefore.GetLive() != 2 ||
		quotaAfter.GetIssuedTotal()-quotaBefore.GetIssuedTotal() != 2 {
		t.Errorf("quota %s -> %s, want exactly two units spent", balances(quotaBefore), balances(quotaAfter))
	}
	if poolAfter.GetIssued()-poolBefore.GetIssued() != 2 || poolBefore.GetAvailable()-poolAfter.GetAvailable() != 2 {
		t.Errorf("pool %s -> %s, want two numbers issued", poolCounts(poolBefore), poolCounts(poolAfter))
	}
	if entries := e.ledger(as(m.key), quotaName(m, "SF")); len(entries) != 3 ||
		entries[1].GetWaybill() != r[0].GetWaybill().GetName() || entries[2].GetWaybill() != r[2].GetWaybill().GetName() {
		t.Errorf("ledger: %v", entries)
	}

	// The batch again: the good items replay, the bad one is still bad.
	resp, err = e.waybills.BatchAllocateWaybills(as(m.key), &ewaybillv1.BatchAllocateWaybillsRequest{Items: items})
	if err != nil {
		t.Fatal(err)
	}
	r2 := resp.GetResults()
	if !r2[0].GetReplayed() || r2[0].GetWaybill().GetName() != r[0].GetWaybill().GetName() || r2[1].GetError().GetReason() != "INVALID_REQUEST" ||
		!r2[2].GetReplayed() || r2[2].GetWaybill().GetName() != r[2].GetWaybill().GetName() {
		t.Fatalf("batch again: %v", r2)
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != balances(quotaAfter) {
		t.Fatalf("replayed batch spent: %s, before %s", got, balances(quotaAfter))
	}
}

// TestAllocateRawOrderREST allocates from a raw order through the gateway.
func TestAllocateRawOrderREST(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	prof := e.createProfile(m, shopProfile("淘宝店铺"))
	path := "/v1/" + m.name + "/waybills:allocate"

	code, out := e.rest("POST", path, m.key, map[string]any{"carrier": "carriers/SF", "rawOrder": shopOrder("R1"), "mappingProfile": prof.GetName()})
	w, _ := out["waybill"].(map[string]any)
	if code != http.StatusOK || w["number"] != number(t, sf, 1) || w["mappingProfile"] != prof.GetName() || w["mappingProfileVersion"] != "1" {
		t.Fatalf("REST raw allocation: %d %v", code, out)
	}
	o := w["order"].(map[string]any)
	if o["orderCode"] != "R1" || o["parcel"].(map[string]any)["weightGrams"] != "1200" ||
		o["items"].([]any)[0].(map[string]any)["declaredValueFen"] != "5990" || o["receiver"].(map[string]any)["mobile"] != "13800138000" {
		t.Fatalf("REST raw allocation order: %v", o)
	}

	bad := at(shopOrder("R2"), "buyer.contact.mobile", "1380013800")
	code, out = e.rest("POST", path, m.key, map[string]any{"carrier": "carriers/SF", "rawOrder": bad, "mappingProfile": prof.GetName()})
	if code != http.StatusBadRequest || restReason(out) != "INVALID_REQUEST" || !restHasViolation(out, "order.receiver.mobile") ||
		!strings.Contains(string(restJSON(t, out)), "(from raw buyer.contact.mobile)") {
		t.Fatalf("REST invalid raw order: %d %v", code, out)
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=999 live=1 issued=1 cancelled=0 recycled=0" {
		t.Fatalf("quota: %s", got)
	}
}

// TestAllocateRawOrderCarrierRules: the carrier's own order rules apply to
// a mapped order, and its refusal names the raw path too.
func TestAllocateRawOrderCarrierRules(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(carrierWith(sfCarrier(), func(c *ewaybillv1.Carrier) {
		c.OrderRules = &ewaybillv1.OrderRules{MaxWeightGrams: 1000}
	}))
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	prof := e.createProfile(m, shopProfile("淘宝店铺"))

	_, err := e.waybills.AllocateWaybill(as(m.key), &ewaybillv1.AllocateWaybillRequest{
		Carrier: "carriers/SF", RawOrder: rawStruct(t, shopOrder("H1")), MappingProfile: prof.GetName()})
	st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	if got := fieldRules(st); !slices.Equal(got, []string{"order.parcel.weight_grams range"}) {
		t.Fatalf("1.2 kg at a 1 kg carrier: %v", got)
	}
	if d := descriptions(st)["order.parcel.weight_grams"]; !strings.Contains(d, "at most 1000 grams") || !strings.HasSuffix(d, "(from raw weight_kg)") {
		t.Fatalf("description %q", d)
	}
	light := at(shopOrder("H2"), "weight_kg", "0.95")
	resp, err := e.waybills.AllocateWaybill(as(m.key), &ewaybillv1.AllocateWaybillRequest{
		Carrier: "carriers/SF", RawOrder: rawStruct(t, light), MappingProfile: prof.GetName()})
	if err != nil || resp.GetWaybill().GetOrder().GetParcel().GetWeightGrams() != 950 || resp.GetWaybill().GetNumber() != number(t, sf, 1) {
		t.Fatalf("0.95 kg: %v, %v", resp, err)
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=999 live=1 issued=1 cancelled=0 recycled=0" {
		t.Fatalf("quota: %s", got)
	}
}
