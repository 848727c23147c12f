package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

const (
	stateIssued    = ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED
	statePrinted   = ewaybillv1.WaybillState_WAYBILL_STATE_PRINTED
	statePickedUp  = ewaybillv1.WaybillState_WAYBILL_STATE_PICKED_UP
	stateCancelled = ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED
)

// TestAllocateChecksInOrder walks the documented check order — merchant
// approved, authorization ACTIVE, request valid, quota, pool — with each
// refusal given for a request that would also fail every later check,
// and proves no refusal spends anything.
func TestAllocateChecksInOrder(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier()) // authorized, but its pool is empty
	e.importRange("SF", 1, 100)

	pending := e.register(creditCodes[0])
	unbound := e.approvedMerchant(creditCodes[1])
	applied := e.approvedMerchant(creditCodes[2])
	if _, err := e.auths.CreateCarrierAuthorization(as(applied.key), &ewaybillv1.CreateCarrierAuthorizationRequest{
		Parent: applied.name, CarrierAuthorization: authzSF()}); err != nil {
		t.Fatal(err)
	}
	ready := e.shop(creditCodes[3], "SF", "ZTO")
	suspended := e.shop(creditCodes[4], "SF")
	if _, err := e.merchants.SuspendMerchant(admin(), &ewaybillv1.SuspendMerchantRequest{Name: suspended.name, Reason: "unpaid invoices"}); err != nil {
		t.Fatal(err)
	}
	broke := e.shop(creditCodes[5], "SF")
	if _, err := e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{
		Name: quotaName(broke, "SF"), Amount: 1000, Reason: "spent elsewhere", RequestId: "d1"}); err != nil {
		t.Fatal(err)
	}

	badMobile := order("BAD-1")
	badMobile.Receiver.Mobile = "12345"
	cases := []struct {
		name    string
		key     string
		carrier string
		order   *ewaybillv1.Order
		code    codes.Code
		reason  string
		field   string // a BadRequest violation that must be present
		message string // text the message must contain
	}{
		{"pending merchant", pending.key, "carriers/SF", badMobile, codes.FailedPrecondition, "MERCHANT_NOT_QUALIFIED", "", ""},
		{"suspended merchant", suspended.key, "carriers/SF", badMobile, codes.FailedPrecondition, "MERCHANT_NOT_QUALIFIED", "", ""},
		{"no authorization", unbound.key, "carriers/SF", badMobile, codes.FailedPrecondition, "CARRIER_NOT_AUTHORIZED", "", "carrierAuthorizations"},
		{"pending authorization", applied.key, "carriers/SF", badMobile, codes.FailedPrecondition, "CARRIER_NOT_AUTHORIZED", "", "PENDING"},
		{"unknown carrier", ready.key, "carriers/YTO", order("YTO-1"), codes.FailedPrecondition, "CARRIER_NOT_AUTHORIZED", "", ""},
		{"invalid order", ready.key, "carriers/SF", badMobile, codes.InvalidArgument, "INVALID_REQUEST", "order.receiver.mobile", ""},
		{"malformed carrier", ready.key, "SF", order("BAD-2"), codes.InvalidArgument, "INVALID_REQUEST", "carrier", ""},
		{"no order", ready.key, "carriers/SF", nil, codes.InvalidArgument, "INVALID_REQUEST", "order", ""},
		{"quota exhausted", broke.key, "carriers/SF", order("B-1"), codes.ResourceExhausted, "QUOTA_EXHAUSTED", "", "topUp"},
		{"pool exhausted", ready.key, "carriers/ZTO", order("Z-1"), codes.ResourceExhausted, "POOL_EXHAUSTED", "", "numberRanges:import"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.waybills.AllocateWaybill(as(c.key), &ewaybillv1.AllocateWaybillRequest{Carrier: c.carrier, Order: c.order})
			st := wantError(t, err, c.code, c.reason)
			if c.field != "" {
				if _, ok := violations(st)[c.field]; !ok {
					t.Fatalf("no violation for %s: %v", c.field, violations(st))
				}
			}
			if !strings.Contains(st.Message(), c.message) {
				t.Fatalf("message %q lacks %q", st.Message(), c.message)
			}
		})
	}

	t.Run("every bad field at once", func(t *testing.T) {
		o := order("BAD-3")
		o.Receiver.Mobile = "12345"
		o.Sender.Postcode = "51800"
		o.Items = nil
		o.Parcel.WeightGrams = -1
		_, err := e.waybills.AllocateWaybill(as(ready.key), &ewaybillv1.AllocateWaybillRequest{
			Carrier: "carriers/SF", Order: o, RequestId: strings.Repeat("r", 65)})
		st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
		got := violations(st)
		for _, field := range []string{"request_id", "order.receiver.mobile", "order.sender.postcode", "order.items", "order.parcel.weight_grams"} {
			if _, ok := got[field]; !ok {
				t.Errorf("no violation for %s", field)
			}
		}
		if len(got) != 5 {
			t.Fatalf("violations %v, want 5", got)
		}
	})

	t.Run("quota failure detail", func(t *testing.T) {
		_, err := e.waybills.AllocateWaybill(as(broke.key), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: order("B-2")})
		st := wantError(t, err, codes.ResourceExhausted, "QUOTA_EXHAUSTED")
		var subjects []string
		for _, d := range st.Details() {
			if qf, ok := d.(*errdetails.QuotaFailure); ok {
				for _, v := range qf.GetViolations() {
					subjects = append(subjects, v.GetSubject())
				}
			}
		}
		if len(subjects) != 1 || subjects[0] != quotaName(broke, "SF") {
			t.Fatalf("QuotaFailure subjects %v, want [%s]", subjects, quotaName(broke, "SF"))
		}
		if md := errorMetadata(st); md["quota"] != quotaName(broke, "SF") || md["carrier"] != "carriers/SF" {
			t.Fatalf("metadata %v", md)
		}
	})

	// The quota is checked before the pool: a broke merchant on an empty
	// pool hears about its quota.
	e.authorize(broke, "ZTO")
	if _, err := e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{
		Name: quotaName(broke, "ZTO"), Amount: 1000, Reason: "spent elsewhere", RequestId: "d2"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.waybills.AllocateWaybill(as(broke.key), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/ZTO", Order: order("B-3")})
	wantError(t, err, codes.ResourceExhausted, "QUOTA_EXHAUSTED")

	// Nothing was spent by any refusal.
	for _, q := range []struct {
		name, want string
	}{
		{quotaName(ready, "SF"), "granted=1000 available=1000 live=0 issued=0 cancelled=0 recycled=0"},
		{quotaName(ready, "ZTO"), "granted=1000 available=1000 live=0 issued=0 cancelled=0 recycled=0"},
		{quotaName(suspended, "SF"), "granted=1000 available=1000 live=0 issued=0 cancelled=0 recycled=0"},
		{quotaName(broke, "SF"), "granted=0 available=0 live=0 issued=0 cancelled=0 recycled=0"},
	} {
		if got := balances(e.quota(q.name)); got != q.want {
			t.Errorf("%s: %s, want %s", q.name, got, q.want)
		}
	}
	if got := poolCounts(e.pool("SF")); got != "imported=100 available=100 issued=0 voided=0 awaiting=0 reusable=0 low=true" {
		t.Errorf("SF pool after refusals: %s", got)
	}
	list, err := e.waybills.ListWaybills(admin(), &ewaybillv1.ListWaybillsRequest{Parent: "merchants/-"})
	if err != nil || len(list.GetWaybills()) != 0 {
		t.Fatalf("refusals stored waybills: %v %v", list.GetWaybills(), err)
	}

	// With every check passed, numbers come from the lowest serial up.
	first := e.allocate(as(ready.key), "carriers/SF", order("OK-1"), "")
	second := e.allocate(as(ready.key), "carriers/SF", order("OK-2"), "")
	for i, w := range []*ewaybillv1.Waybill{first.GetWaybill(), second.GetWaybill()} {
		if want := number(t, sf, int64(i+1)); w.GetNumber() != want || w.GetState() != stateIssued || w.GetCarrier() != "carriers/SF" ||
			!strings.HasPrefix(w.GetName(), ready.name+"/waybills/") || w.GetOrder().GetPackageId() != "1" {
			t.Fatalf("waybill %d: %v, want number %s", i+1, w, want)
		}
	}
	if got := balances(e.quota(quotaName(ready, "SF"))); got != "granted=1000 available=998 live=2 issued=2 cancelled=0 recycled=0" {
		t.Fatalf("quota after two allocations: %s", got)
	}
	entries := e.ledger(as(ready.key), quotaName(ready, "SF"))
	if len(entries) != 3 {
		t.Fatalf("ledger has %d entries, want 3: %v", len(entries), entries)
	}
	for i, want := range []struct {
		typ            ewaybillv1.LedgerEntryType
		delta, balance int64
		waybill        string
	}{
		{ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_STARTER_GRANT, 1000, 1000, ""},
		{ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_ALLOCATION, -1, 999, first.GetWaybill().GetName()},
		{ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_ALLOCATION, -1, 998, second.GetWaybill().GetName()},
	} {
		got := entries[i]
		if got.GetSequence() != int64(i+1) || got.GetType() != want.typ || got.GetDelta() != want.delta ||
			got.GetBalanceAfter() != want.balance || got.GetWaybill() != want.waybill {
			t.Errorf("ledger entry %d: %v", i+1, got)
		}
	}
	if got := poolCounts(e.pool("SF")); got != "imported=100 available=98 issued=2 voided=0 awaiting=0 reusable=0 low=true" {
		t.Errorf("SF pool: %s", got)
	}
}

// TestAllocateParent: a merchant key may leave the parent empty or name
// itself; an admin allocates for any merchant by naming it; a printer may
// not allocate at all.
func TestAllocateParent(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 10)
	m := e.shop(creditCodes[0], "SF")
	printer := e.createKey(admin(), ewaybillv1.Role_ROLE_PRINTER, m.name)

	for i, c := range []struct {
		name, key, parent string
	}{
		{"empty parent", m.key, ""},
		{"own parent", m.key, m.name},
		{"admin for the merchant", testAdminKey, m.name},
	} {
		resp, err := e.waybills.AllocateWaybill(as(c.key), &ewaybillv1.AllocateWaybillRequest{
			Parent: c.parent, Carrier: "carriers/SF", Order: order("P-" + c.name)})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if w := resp.GetWaybill(); !strings.HasPrefix(w.GetName(), m.name+"/waybills/") || w.GetNumber() != number(t, sf, int64(i+1)) {
			t.Fatalf("%s: %v", c.name, w)
		}
	}
	_, err := e.waybills.AllocateWaybill(admin(), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: order("P-x")})
	wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	_, err = e.waybills.AllocateWaybill(as(printer), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: order("P-y")})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	_, err = e.waybills.BatchAllocateWaybills(as(printer), &ewaybillv1.BatchAllocateWaybillsRequest{
		Items: []*ewaybillv1.BatchAllocateWaybillsItem{{Carrier: "carriers/SF", Order: order("P-z")}}})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=997 live=3 issued=3 cancelled=0 recycled=0" {
		t.Fatalf("quota: %s", got)
	}
}

// TestAllocateIdempotency covers both keys (request_id, and order code
// with package id), replays that spend nothing, and reused keys with a
// different payload, which name the fields that differ.
func TestAllocateIdempotency(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	e.importRange("SF", 1, 100)
	e.importRange("ZTO", 1, 100)
	m := e.shop(creditCodes[0], "SF", "ZTO")
	other := e.shop(creditCodes[1], "SF")
	ctx := as(m.key)
	spent := func(want int64) {
		t.Helper()
		if q := e.quota(quotaName(m, "SF")); q.GetAvailable() != 1000-want || q.GetLive() != want {
			t.Fatalf("quota after %d allocations: %s", want, balances(q))
		}
	}

	first := e.allocate(ctx, "carriers/SF", order("O-1"), "req-1")
	if first.GetReplayed() || first.GetWaybill().GetRequestId() != "req-1" || first.GetWaybill().GetNumber() != number(t, sf, 1) {
		t.Fatalf("first allocation: %v", first)
	}
	again := e.allocate(ctx, "carriers/SF", order("O-1"), "req-1")
	if !again.GetReplayed() || !proto.Equal(again.GetWaybill(), first.GetWaybill()) {
		t.Fatalf("replay: %v, want the first waybill replayed", again)
	}
	spent(1)

	t.Run("request_id reused with another payload", func(t *testing.T) {
		changed := order("O-1")
		changed.Receiver.Mobile = "13700137000"
		changed.Remark = "fragile"
		_, err := e.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: changed, RequestId: "req-1"})
		st := wantError(t, err, codes.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED")
		md := errorMetadata(st)
		if md["fields"] != "order.receiver.mobile,order.remark" || md["waybill"] != first.GetWaybill().GetName() {
			t.Fatalf("metadata %v", md)
		}
		if !strings.Contains(st.Message(), first.GetWaybill().GetNumber()) {
			t.Fatalf("message does not name the waybill's number: %s", st.Message())
		}
		_, err = e.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/ZTO", Order: order("O-1"), RequestId: "req-1"})
		st = wantError(t, err, codes.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED")
		if md := errorMetadata(st); md["fields"] != "carrier" {
			t.Fatalf("carrier change: metadata %v", md)
		}
	})

	t.Run("order key", func(t *testing.T) {
		byOrder := e.allocate(ctx, "carriers/SF", order("O-2"), "")
		onePackage := order("O-2")
		onePackage.PackageId = "1" // empty means "1"
		replay := e.allocate(ctx, "carriers/SF", onePackage, "")
		if !replay.GetReplayed() || replay.GetWaybill().GetName() != byOrder.GetWaybill().GetName() {
			t.Fatalf("package 1 replay: %v, want %s", replay, byOrder.GetWaybill().GetName())
		}
		secondPackage := order("O-2")
		secondPackage.PackageId = "2"
		next := e.allocate(ctx, "carriers/SF", secondPackage, "")
		if next.GetReplayed() || next.GetWaybill().GetNumber() != number(t, sf, 3) {
			t.Fatalf("package 2: %v", next)
		}
		// The same order code at another carrier is another key.
		zto := e.allocate(ctx, "carriers/ZTO", order("O-2"), "")
		if zto.GetReplayed() || zto.GetWaybill().GetCarrier() != "carriers/ZTO" {
			t.Fatalf("ZTO allocation: %v", zto)
		}
		changed := order("O-2")
		changed.Sender.Name = "王大明"
		changed.Items[0].Quantity = 3
		_, err := e.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: changed})
		st := wantError(t, err, codes.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED")
		if md := errorMetadata(st); md["fields"] != "order.sender.name,order.items" || md["waybill"] != byOrder.GetWaybill().GetName() {
			t.Fatalf("metadata %v", md)
		}
	})
	spent(3)

	t.Run("keys are per merchant", func(t *testing.T) {
		theirs := e.allocate(as(other.key), "carriers/SF", order("O-1"), "req-1")
		if theirs.GetReplayed() || !strings.HasPrefix(theirs.GetWaybill().GetName(), other.name+"/") || theirs.GetWaybill().GetNumber() != number(t, sf, 4) {
			t.Fatalf("other merchant's req-1: %v", theirs)
		}
	})

	t.Run("replay spends nothing even when the quota is gone", func(t *testing.T) {
		if _, err := e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: quotaName(m, "SF"), Amount: 997, Reason: "drain", RequestId: "drain"}); err != nil {
			t.Fatal(err)
		}
		replay := e.allocate(ctx, "carriers/SF", order("O-1"), "req-1")
		if !replay.GetReplayed() || replay.GetWaybill().GetName() != first.GetWaybill().GetName() {
			t.Fatalf("replay on an empty quota: %v", replay)
		}
		_, err := e.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: order("O-9")})
		wantError(t, err, codes.ResourceExhausted, "QUOTA_EXHAUSTED")
	})

	t.Run("replay after cancel returns the cancelled waybill", func(t *testing.T) {
		e.cancel(ctx, first.GetWaybill().GetName(), "customer changed their mind")
		before := e.quota(quotaName(m, "SF"))
		replay := e.allocate(ctx, "carriers/SF", order("O-1"), "req-1")
		w := replay.GetWaybill()
		if !replay.GetReplayed() || w.GetName() != first.GetWaybill().GetName() || w.GetState() != stateCancelled ||
			w.GetCancellation().GetReason() != "customer changed their mind" {
			t.Fatalf("replay after cancel: %v", replay)
		}
		if after := e.quota(quotaName(m, "SF")); balances(after) != balances(before) || after.GetAvailable() != 1 {
			t.Fatalf("replay after cancel spent: %s -> %s", balances(before), balances(after))
		}
	})

	t.Run("replay comes before every check", func(t *testing.T) {
		if _, err := e.merchants.SuspendMerchant(admin(), &ewaybillv1.SuspendMerchantRequest{Name: m.name, Reason: "audit"}); err != nil {
			t.Fatal(err)
		}
		replay := e.allocate(ctx, "carriers/SF", order("O-2"), "")
		if !replay.GetReplayed() || replay.GetWaybill().GetOrder().GetOrderCode() != "O-2" {
			t.Fatalf("replay for a suspended merchant: %v", replay)
		}
		_, err := e.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: order("O-10")})
		wantError(t, err, codes.FailedPrecondition, "MERCHANT_NOT_QUALIFIED")
	})
}

// TestBatchAllocatePartialSuccess: each item is answered on its own, in
// order, with the error a single call would give; only good items spend.
func TestBatchAllocatePartialSuccess(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	if _, err := e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: quotaName(m, "SF"), Amount: 999, Reason: "leave one", RequestId: "d1"}); err != nil {
		t.Fatal(err)
	}
	invalid := order("B-2")
	invalid.Receiver.Mobile = "1390013900"
	items := []*ewaybillv1.BatchAllocateWaybillsItem{
		{Carrier: "carriers/SF", Order: order("B-1")},
		{Carrier: "carriers/SF", Order: invalid},
		{Carrier: "carriers/SF", Order: order("B-3")},
		{Carrier: "carriers/ZTO", Order: order("B-4")},
	}
	resp, err := e.waybills.BatchAllocateWaybills(as(m.key), &ewaybillv1.BatchAllocateWaybillsRequest{Items: items})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetResults()
	if len(r) != 4 {
		t.Fatalf("%d results, want 4", len(r))
	}
	if r[0].GetError() != nil || r[0].GetWaybill().GetNumber() != number(t, sf, 1) || r[0].GetWaybill().GetOrder().GetOrderCode() != "B-1" {
		t.Fatalf("item 0: %v", r[0])
	}
	wantItemError := func(i int, code codes.Code, reason string) *ewaybillv1.ItemError {
		t.Helper()
		ie := r[i].GetError()
		if r[i].GetWaybill() != nil || ie.GetCode() != int32(code) || ie.GetReason() != reason || ie.GetMessage() == "" {
			t.Fatalf("item %d: %v, want %s %s", i, r[i], code, reason)
		}
		return ie
	}
	ie := wantItemError(1, codes.InvalidArgument, "INVALID_REQUEST")
	if vs := ie.GetFieldViolations(); len(vs) != 1 || vs[0].GetField() != "order.receiver.mobile" || vs[0].GetRule() == "" {
		t.Fatalf("item 1 violations: %v", vs)
	}
	ie = wantItemError(2, codes.ResourceExhausted, "QUOTA_EXHAUSTED")
	if ie.GetMetadata()["quota"] != quotaName(m, "SF") {
		t.Fatalf("item 2 metadata: %v", ie.GetMetadata())
	}
	ie = wantItemError(3, codes.FailedPrecondition, "CARRIER_NOT_AUTHORIZED")
	if ie.GetMetadata()["carrier"] != "carriers/ZTO" {
		t.Fatalf("item 3 metadata: %v", ie.GetMetadata())
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1 available=0 live=1 issued=1 cancelled=0 recycled=0" {
		t.Fatalf("quota after the batch: %s", got)
	}
	if got := poolCounts(e.pool("SF")); got != "imported=100 available=99 issued=1 voided=0 awaiting=0 reusable=0 low=true" {
		t.Fatalf("pool after the batch: %s", got)
	}

	// The same batch again after a top-up: the good item replays, the bad
	// one is still bad, the exhausted one now succeeds.
	if _, err := e.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{Name: quotaName(m, "SF"), Amount: 5, Reason: "more", RequestId: "t1"}); err != nil {
		t.Fatal(err)
	}
	resp, err = e.waybills.BatchAllocateWaybills(as(m.key), &ewaybillv1.BatchAllocateWaybillsRequest{Items: items[:3]})
	if err != nil {
		t.Fatal(err)
	}
	r = resp.GetResults()
	if len(r) != 3 || !r[0].GetReplayed() || r[0].GetWaybill().GetNumber() != number(t, sf, 1) ||
		r[1].GetError().GetReason() != "INVALID_REQUEST" ||
		r[2].GetReplayed() || r[2].GetError() != nil || r[2].GetWaybill().GetNumber() != number(t, sf, 2) {
		t.Fatalf("second batch: %v", r)
	}

	// Two items with one key in one batch: the second replays the first.
	resp, err = e.waybills.BatchAllocateWaybills(as(m.key), &ewaybillv1.BatchAllocateWaybillsRequest{Items: []*ewaybillv1.BatchAllocateWaybillsItem{
		{Carrier: "carriers/SF", Order: order("D-1"), RequestId: "dup"},
		{Carrier: "carriers/SF", Order: order("D-1"), RequestId: "dup"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r = resp.GetResults()
	if len(r) != 2 || r[0].GetReplayed() || !r[1].GetReplayed() || r[0].GetWaybill().GetName() != r[1].GetWaybill().GetName() ||
		r[0].GetWaybill().GetNumber() != number(t, sf, 3) {
		t.Fatalf("duplicate keys in one batch: %v", r)
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=6 available=3 live=3 issued=3 cancelled=0 recycled=0" {
		t.Fatalf("quota at the end: %s", got)
	}

	for _, n := range []int{0, 101} {
		many := make([]*ewaybillv1.BatchAllocateWaybillsItem, n)
		for i := range many {
			many[i] = &ewaybillv1.BatchAllocateWaybillsItem{Carrier: "carriers/SF", Order: order("M-" + strings.Repeat("x", i%5))}
		}
		_, err := e.waybills.BatchAllocateWaybills(as(m.key), &ewaybillv1.BatchAllocateWaybillsRequest{Items: many})
		st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
		if _, ok := violations(st)["items"]; !ok {
			t.Fatalf("%d items: violations %v", n, violations(st))
		}
	}
}

// TestListWaybillsFilters pages and filters a merchant's waybills.
func TestListWaybillsFilters(t *testing.T) {
	clock := newFakeClock()
	e := startEnvWith(t, t.TempDir(), serverConfig(clock))
	e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	e.importRange("SF", 1, 100)
	e.importRange("ZTO", 1, 100)
	m := e.shop(creditCodes[0], "SF", "ZTO")
	ctx := as(m.key)
	start := clock.Now()
	var names []string
	for i, carrier := range []string{"carriers/SF", "carriers/ZTO", "carriers/SF", "carriers/SF", "carriers/ZTO"} {
		o := order("L-" + string(rune('A'+i)))
		if i == 3 {
			o = order("L-A")
			o.PackageId = "2"
		}
		names = append(names, e.allocate(ctx, carrier, o, "").GetWaybill().GetName())
		clock.Advance(time.Hour)
	}
	e.cancel(ctx, names[2], "duplicate")

	cases := []struct {
		name string
		req  *ewaybillv1.ListWaybillsRequest
		want []int
	}{
		{"all", &ewaybillv1.ListWaybillsRequest{}, []int{0, 1, 2, 3, 4}},
		{"carrier", &ewaybillv1.ListWaybillsRequest{Carrier: "carriers/ZTO"}, []int{1, 4}},
		{"order code", &ewaybillv1.ListWaybillsRequest{OrderCode: "L-A"}, []int{0, 3}},
		{"state", &ewaybillv1.ListWaybillsRequest{State: stateCancelled}, []int{2}},
		{"issued SF", &ewaybillv1.ListWaybillsRequest{State: stateIssued, Carrier: "carriers/SF"}, []int{0, 3}},
		{"time window", &ewaybillv1.ListWaybillsRequest{
			CreateTimeStart: timestamppb.New(start.Add(time.Hour)), CreateTimeEnd: timestamppb.New(start.Add(3 * time.Hour))}, []int{1, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.Parent = m.name
			c.req.PageSize = 1
			var got []int
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("paging does not end")
				}
				resp, err := e.waybills.ListWaybills(ctx, c.req)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range resp.GetWaybills() {
					got = append(got, slices.Index(names, w.GetName()))
				}
				if resp.GetNextPageToken() == "" {
					break
				}
				c.req.PageToken = resp.GetNextPageToken()
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got waybills %v, want %v", got, c.want)
			}
		})
	}
	_, err := e.waybills.ListWaybills(ctx, &ewaybillv1.ListWaybillsRequest{Parent: m.name, Carrier: "SF"})
	wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
}

// TestAllocateREST allocates, replays, batches and lists through the
// gateway, with errors carrying the same details as over gRPC.
func TestAllocateREST(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	orderJSON := func(code, mobile string) map[string]any {
		return map[string]any{
			"orderCode": code,
			"sender":    map[string]any{"name": "王小明", "mobile": "13800138000", "province": "广东省", "city": "深圳市", "address": "深南大道 10000 号"},
			"receiver":  map[string]any{"name": "李小红", "mobile": mobile, "province": "浙江省", "city": "杭州市", "address": "文三路 90 号"},
			"parcel":    map[string]any{"weightGrams": 800},
			"items":     []any{map[string]any{"name": "茶叶", "quantity": 1}},
		}
	}
	path := "/v1/" + m.name + "/waybills:allocate"

	code, out := e.rest("POST", path, m.key, map[string]any{"carrier": "carriers/SF", "order": orderJSON("R-1", "13900139000")})
	if code != 200 || out["waybill"].(map[string]any)["number"] != number(t, sf, 1) || out["replayed"] != nil {
		t.Fatalf("REST allocate: %d %v", code, out)
	}
	name := out["waybill"].(map[string]any)["name"]
	code, out = e.rest("POST", path, m.key, map[string]any{"carrier": "carriers/SF", "order": orderJSON("R-1", "13900139000")})
	if code != 200 || out["replayed"] != true || out["waybill"].(map[string]any)["name"] != name {
		t.Fatalf("REST replay: %d %v", code, out)
	}
	code, out = e.rest("POST", path, m.key, map[string]any{"carrier": "carriers/SF", "order": orderJSON("R-1", "13900139001")})
	if code != 400 || restReason(out) != "IDEMPOTENCY_KEY_REUSED" || restMetadata(out)["fields"] != "order.receiver.mobile" || restMetadata(out)["waybill"] != name {
		t.Fatalf("REST payload mismatch: %d %v", code, out)
	}
	code, out = e.rest("POST", path, m.key, map[string]any{"carrier": "carriers/SF", "order": orderJSON("R-2", "139")})
	if code != 400 || restReason(out) != "INVALID_REQUEST" || !restHasViolation(out, "order.receiver.mobile") {
		t.Fatalf("REST invalid order: %d %v", code, out)
	}

	code, out = e.rest("POST", "/v1/"+m.name+"/waybills:batchAllocate", m.key, map[string]any{"items": []any{
		map[string]any{"carrier": "carriers/SF", "order": orderJSON("R-3", "13900139000")},
		map[string]any{"carrier": "carriers/SF", "order": orderJSON("R-4", "139")},
		map[string]any{"carrier": "carriers/SF", "order": orderJSON("R-1", "13900139000")},
	}})
	results, _ := out["results"].([]any)
	if code != 200 || len(results) != 3 {
		t.Fatalf("REST batch: %d %v", code, out)
	}
	first, second, third := results[0].(map[string]any), results[1].(map[string]any), results[2].(map[string]any)
	itemErr, _ := second["error"].(map[string]any)
	violations, _ := itemErr["fieldViolations"].([]any)
	if first["waybill"].(map[string]any)["number"] != number(t, sf, 2) || first["error"] != nil ||
		itemErr["code"] != float64(codes.InvalidArgument) || itemErr["reason"] != "INVALID_REQUEST" || len(violations) != 1 ||
		violations[0].(map[string]any)["field"] != "order.receiver.mobile" ||
		third["replayed"] != true || third["waybill"].(map[string]any)["name"] != name {
		t.Fatalf("REST batch results: %v", results)
	}

	code, out = e.rest("GET", "/v1/"+m.name+"/waybills?orderCode=R-3&state=WAYBILL_STATE_ISSUED&carrier=carriers/SF", m.key, nil)
	if list, _ := out["waybills"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["number"] != number(t, sf, 2) {
		t.Fatalf("REST list with filters: %d %v", code, out)
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=998 live=2 issued=2 cancelled=0 recycled=0" {
		t.Fatalf("quota: %s", got)
	}
}

// restMetadata returns the ErrorInfo metadata of a REST error.
func restMetadata(out map[string]any) map[string]any {
	details, _ := out["details"].([]any)
	for _, d := range details {
		if m, ok := d.(map[string]any); ok && strings.HasSuffix(m["@type"].(string), "ErrorInfo") {
			md, _ := m["metadata"].(map[string]any)
			return md
		}
	}
	return nil
}
