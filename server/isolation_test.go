package server_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// TestWaybillTenantIsolation: another merchant cannot see, cancel, print
// or list a merchant's waybills or quotas, by any name — they do not
// exist for it — and a print station can read (masked) but neither
// allocate nor cancel.
func TestWaybillTenantIsolation(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	a := e.shop(creditCodes[0], "SF")
	b := e.shop(creditCodes[1], "SF")
	theirs := e.allocate(as(a.key), "carriers/SF", order("A-1"), "").GetWaybill()
	mine := e.allocate(as(b.key), "carriers/SF", order("B-1"), "").GetWaybill()
	bCtx := as(b.key)

	names := []string{theirs.GetName(), "waybills/" + theirs.GetNumber(), "carriers/SF/waybills/" + theirs.GetNumber()}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			_, err := e.waybills.GetWaybill(bCtx, &ewaybillv1.GetWaybillRequest{Name: name})
			wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
			_, err = e.waybills.CancelWaybill(bCtx, &ewaybillv1.CancelWaybillRequest{Name: name, Reason: "not mine"})
			wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
			_, err = e.waybills.MarkWaybillPrinted(bCtx, &ewaybillv1.MarkWaybillPrintedRequest{Name: name})
			wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
		})
	}
	notFound := []struct {
		name string
		call func() error
	}{
		{"list waybills", func() error {
			_, err := e.waybills.ListWaybills(bCtx, &ewaybillv1.ListWaybillsRequest{Parent: a.name})
			return err
		}},
		{"allocate for", func() error {
			_, err := e.waybills.AllocateWaybill(bCtx, &ewaybillv1.AllocateWaybillRequest{Parent: a.name, Carrier: "carriers/SF", Order: order("X-1")})
			return err
		}},
		{"batch allocate for", func() error {
			_, err := e.waybills.BatchAllocateWaybills(bCtx, &ewaybillv1.BatchAllocateWaybillsRequest{Parent: a.name,
				Items: []*ewaybillv1.BatchAllocateWaybillsItem{{Carrier: "carriers/SF", Order: order("X-2")}}})
			return err
		}},
		{"get quota", func() error {
			_, err := e.quotas.GetQuota(bCtx, &ewaybillv1.GetQuotaRequest{Name: quotaName(a, "SF")})
			return err
		}},
		{"list quotas", func() error {
			_, err := e.quotas.ListQuotas(bCtx, &ewaybillv1.ListQuotasRequest{Parent: a.name})
			return err
		}},
		{"ledger", func() error {
			_, err := e.quotas.ListLedgerEntries(bCtx, &ewaybillv1.ListLedgerEntriesRequest{Parent: quotaName(a, "SF")})
			return err
		}},
		{"ledger of every carrier", func() error {
			_, err := e.quotas.ListLedgerEntries(bCtx, &ewaybillv1.ListLedgerEntriesRequest{Parent: a.name + "/quotas/-"})
			return err
		}},
		{"update quota", func() error {
			_, err := e.quotas.UpdateQuota(bCtx, &ewaybillv1.UpdateQuotaRequest{Quota: &ewaybillv1.Quota{Name: quotaName(a, "SF"), LowBalanceThreshold: 1}})
			return err
		}},
		{"cancel guard", func() error {
			_, err := e.quotas.GetCancelGuard(bCtx, &ewaybillv1.GetCancelGuardRequest{Name: a.name + "/cancelGuard"})
			return err
		}},
	}
	for _, c := range notFound {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, c.call(), codes.NotFound, "RESOURCE_NOT_FOUND")
		})
	}
	_, err := e.waybills.ListWaybills(bCtx, &ewaybillv1.ListWaybillsRequest{Parent: "merchants/-"})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	list, err := e.waybills.ListWaybills(bCtx, &ewaybillv1.ListWaybillsRequest{Parent: b.name})
	if err != nil || len(list.GetWaybills()) != 1 || list.GetWaybills()[0].GetName() != mine.GetName() {
		t.Fatalf("B's own list: %v %v", list, err)
	}
	code, out := e.rest("POST", "/v1/waybills/"+theirs.GetNumber()+":cancel", b.key, map[string]any{"reason": "not mine"})
	if code != 404 {
		t.Fatalf("REST cancel of another merchant's number: %d %v", code, out)
	}

	// Nothing of A's changed.
	if w := e.getWaybill(as(a.key), theirs.GetName()); w.GetState() != stateIssued || w.GetPrintCount() != 0 {
		t.Fatalf("A's waybill: %v", w)
	}
	if got := balances(e.quota(quotaName(a, "SF"))); got != "granted=1000 available=999 live=1 issued=1 cancelled=0 recycled=0" {
		t.Fatalf("A's quota: %s", got)
	}
	all, err := e.waybills.ListWaybills(admin(), &ewaybillv1.ListWaybillsRequest{Parent: "merchants/-"})
	if err != nil || len(all.GetWaybills()) != 2 {
		t.Fatalf("admin's list of every merchant: %v %v", all, err)
	}
}

// TestReusedNumberAcrossMerchants: a number A cancelled and B was issued
// after the quarantine is B's; A keeps its cancelled waybill by name but
// can no longer reach the number, and neither can touch the other's.
func TestReusedNumberAcrossMerchants(t *testing.T) {
	e := newEnv(t)
	c := sfCarrier()
	c.RecyclePolicy = ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED
	e.createCarrier(c)
	e.importRange("SF", 1, 100)
	if _, err := e.pools.UpdatePool(admin(), &ewaybillv1.UpdatePoolRequest{
		Pool:       &ewaybillv1.Pool{Name: "carriers/SF/pool", ReuseQuarantine: durationpb.New(0)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"reuse_quarantine"}},
	}); err != nil {
		t.Fatal(err)
	}
	a := e.shop(creditCodes[0], "SF")
	b := e.shop(creditCodes[1], "SF")
	old := e.allocate(as(a.key), "carriers/SF", order("X-1"), "").GetWaybill()
	e.cancel(as(a.key), old.GetName(), "reuse me")
	reissued := e.allocate(as(b.key), "carriers/SF", order("Y-1"), "").GetWaybill()
	// B gets the number but not A's waybill name (it would leak A's
	// merchant id); the admin sees the link.
	if reissued.GetNumber() != old.GetNumber() || reissued.GetPreviousHolder() != "" {
		t.Fatalf("B's waybill: %v, want %s reissued without previous_holder", reissued, old.GetNumber())
	}
	if w := e.getWaybill(admin(), reissued.GetName()); w.GetPreviousHolder() != old.GetName() {
		t.Fatalf("admin sees previous_holder %q, want %s", w.GetPreviousHolder(), old.GetName())
	}

	if w := e.getWaybill(as(a.key), old.GetName()); w.GetState() != stateCancelled {
		t.Fatalf("A's cancelled waybill: %v", w)
	}
	for _, name := range []string{"waybills/" + old.GetNumber(), "carriers/SF/waybills/" + old.GetNumber()} {
		_, err := e.waybills.GetWaybill(as(a.key), &ewaybillv1.GetWaybillRequest{Name: name})
		wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
		_, err = e.waybills.CancelWaybill(as(a.key), &ewaybillv1.CancelWaybillRequest{Name: name, Reason: "retry"})
		wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	}
	_, err := e.waybills.GetWaybill(as(b.key), &ewaybillv1.GetWaybillRequest{Name: old.GetName()})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	if w := e.getWaybill(as(b.key), "waybills/"+old.GetNumber()); w.GetName() != reissued.GetName() || w.GetState() != stateIssued {
		t.Fatalf("B by number: %v", w)
	}
	// A's replay still answers with A's cancelled waybill.
	if replay := e.allocate(as(a.key), "carriers/SF", order("X-1"), ""); !replay.GetReplayed() || replay.GetWaybill().GetName() != old.GetName() {
		t.Fatalf("A's replay: %v", replay)
	}
}
