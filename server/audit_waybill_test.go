package server_test

import (
	"strings"
	"testing"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// newEvents returns the events of e's audit log (for merchant) that are
// newer than before, oldest first.
func newEvents(e *env, merchant string, before int) []*ewaybillv1.AuditEvent {
	all := e.auditLog(merchant) // newest first
	var out []*ewaybillv1.AuditEvent
	for i := len(all) - before - 1; i >= 0; i-- {
		out = append(out, all[i])
	}
	return out
}

// TestAuditWaybillActions: an admin reading a merchant's waybills in full,
// cancelling one, or setting a cancel guard leaves one event each; the
// merchant doing the same to its own waybills leaves none.
func TestAuditWaybillActions(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	ctx := as(m.key)
	one := e.allocate(ctx, "carriers/SF", order("AU-1"), "").GetWaybill()
	two := e.allocate(ctx, "carriers/SF", order("AU-2"), "").GetWaybill()
	mine := e.allocate(ctx, "carriers/SF", order("AU-3"), "").GetWaybill()

	// The merchant's own reads and cancels are its business, not audited.
	before := len(e.auditLog(m.name))
	if _, err := e.waybills.GetWaybill(ctx, &ewaybillv1.GetWaybillRequest{Name: one.GetName()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waybills.ListWaybills(ctx, &ewaybillv1.ListWaybillsRequest{Parent: m.name}); err != nil {
		t.Fatal(err)
	}
	e.cancel(ctx, mine.GetName(), "buyer cancelled")
	if got := newEvents(e, m.name, before); len(got) != 0 {
		t.Fatalf("a merchant's own reads and cancel left events: %v", got)
	}

	check := func(what string, got []*ewaybillv1.AuditEvent, action string, resources []string, details map[string]string) {
		t.Helper()
		if len(got) != 1 {
			t.Fatalf("%s: %d events, want 1: %v", what, len(got), got)
		}
		ev := got[0]
		if ev.GetAction() != action || ev.GetMerchant() != m.name || strings.Join(ev.GetResources(), " ") != strings.Join(resources, " ") || ev.GetActor() == "" {
			t.Errorf("%s: event %v, want %s on %s for %v", what, ev, action, m.name, resources)
		}
		for k, v := range details {
			if ev.GetDetails()[k] != v {
				t.Errorf("%s: detail %s = %q, want %q", what, k, ev.GetDetails()[k], v)
			}
		}
		for _, v := range ev.GetDetails() {
			if strings.Contains(v, "13800138000") || strings.Contains(v, "13900139000") || strings.Contains(v, "王小明") {
				t.Errorf("%s: personal data in the event: %v", what, ev)
			}
		}
	}

	before = len(e.auditLog(m.name))
	got, err := e.waybills.GetWaybill(admin(), &ewaybillv1.GetWaybillRequest{Name: one.GetName()})
	if err != nil || got.GetWaybill().GetOrder().GetReceiver().GetMobile() != "13900139000" {
		t.Fatalf("admin get: %v %v", got, err)
	}
	check("admin GetWaybill", newEvents(e, m.name, before), "waybill.read_unmasked", []string{one.GetName()},
		map[string]string{"fields": "order.sender,order.receiver", "count": "1"})

	before = len(e.auditLog(m.name))
	page, err := e.waybills.ListWaybills(admin(), &ewaybillv1.ListWaybillsRequest{Parent: m.name, PageSize: 2})
	if err != nil || len(page.GetWaybills()) != 2 || page.GetNextPageToken() == "" {
		t.Fatalf("admin list: %v %v", page, err)
	}
	check("admin ListWaybills", newEvents(e, m.name, before), "waybill.read_unmasked",
		[]string{page.GetWaybills()[0].GetName(), page.GetWaybills()[1].GetName()}, map[string]string{"count": "2"})
	// The page token of an admin's page leads on like anyone's.
	rest, err := e.waybills.ListWaybills(admin(), &ewaybillv1.ListWaybillsRequest{Parent: m.name, PageSize: 2, PageToken: page.GetNextPageToken()})
	if err != nil || len(rest.GetWaybills()) != 1 || rest.GetWaybills()[0].GetName() != mine.GetName() {
		t.Fatalf("admin's second page: %v %v", rest, err)
	}

	before = len(e.auditLog(m.name))
	e.cancel(admin(), two.GetName(), "fraud check")
	check("admin cancel", newEvents(e, m.name, before), "waybill.cancel", []string{two.GetName()},
		map[string]string{"reason": "fraud check", "number_disposition": "VOIDED"})
	// Cancelling again is a replay: no second event.
	before = len(e.auditLog(m.name))
	e.cancel(admin(), two.GetName(), "fraud check")
	if got := newEvents(e, m.name, before); len(got) != 0 {
		t.Errorf("a replayed cancel left events: %v", got)
	}

	before = len(e.auditLog(m.name))
	guard := m.name + "/cancelGuard"
	if _, err := e.quotas.UpdateCancelGuard(admin(), &ewaybillv1.UpdateCancelGuardRequest{CancelGuard: &ewaybillv1.CancelGuard{
		Name: guard, Enabled: true, MaxCancelPercent: 30, MinIssued: 10}}); err != nil {
		t.Fatal(err)
	}
	check("cancel guard", newEvents(e, m.name, before), "cancel_guard.update", []string{guard}, map[string]string{
		"enabled": "true", "enabled.previous": "false", "max_cancel_percent": "30", "max_cancel_percent.previous": "0",
		"min_issued": "10", "min_issued.previous": "0"})
	// A refused update leaves nothing.
	before = len(e.auditLog(m.name))
	if _, err := e.quotas.UpdateCancelGuard(admin(), &ewaybillv1.UpdateCancelGuardRequest{CancelGuard: &ewaybillv1.CancelGuard{
		Name: guard, Enabled: true, MaxCancelPercent: 101}}); err == nil {
		t.Fatal("a 101% guard was accepted")
	}
	if got := newEvents(e, m.name, before); len(got) != 0 {
		t.Errorf("a refused guard update left events: %v", got)
	}
}
