package server_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

const (
	dispositionVoided = ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_VOIDED
	dispositionReuse  = ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_QUEUED_FOR_REUSE
	entryCancelCredit = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_CANCEL_CREDIT
)

// TestCancelInEachState cancels a waybill in every state under the VOID
// policy: ISSUED and PRINTED are cancelled with one unit credited back,
// a repeated cancel replays without a second credit, PICKED_UP is refused.
func TestCancelInEachState(t *testing.T) {
	clock := newFakeClock()
	e := startEnvWith(t, t.TempDir(), serverConfig(clock))
	sf := e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	ctx := as(m.key)
	issued := e.allocate(ctx, "carriers/SF", order("C-1"), "").GetWaybill()
	printed := e.allocate(ctx, "carriers/SF", order("C-2"), "").GetWaybill()
	picked := e.allocate(ctx, "carriers/SF", order("C-3"), "").GetWaybill()

	p, err := e.waybills.MarkWaybillPrinted(ctx, &ewaybillv1.MarkWaybillPrintedRequest{Name: printed.GetName()})
	if err != nil || p.GetWaybill().GetState() != statePrinted || p.GetWaybill().GetPrintCount() != 1 || !p.GetWaybill().GetPrintTime().AsTime().Equal(clock.Now()) {
		t.Fatalf("mark printed: %v %v", p, err)
	}
	pick, err := e.waybills.ReportWaybillPickup(admin(), &ewaybillv1.ReportWaybillPickupRequest{Name: picked.GetName()})
	if err != nil || pick.GetReplayed() || pick.GetWaybill().GetState() != statePickedUp {
		t.Fatalf("pickup: %v %v", pick, err)
	}
	pick, err = e.waybills.ReportWaybillPickup(admin(), &ewaybillv1.ReportWaybillPickupRequest{Name: "waybills/" + picked.GetNumber()})
	if err != nil || !pick.GetReplayed() || pick.GetWaybill().GetState() != statePickedUp {
		t.Fatalf("pickup again: %v %v", pick, err)
	}
	_, err = e.waybills.ReportWaybillPickup(ctx, &ewaybillv1.ReportWaybillPickupRequest{Name: picked.GetName()})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=997 live=3 issued=3 cancelled=0 recycled=0" {
		t.Fatalf("quota before cancels: %s", got)
	}

	clock.Advance(time.Minute)
	for i, w := range []*ewaybillv1.Waybill{issued, printed} {
		resp := e.cancel(ctx, w.GetName(), "order cancelled by the buyer")
		c := resp.GetWaybill().GetCancellation()
		if resp.GetReplayed() || resp.GetWaybill().GetState() != stateCancelled || c.GetQuotaCredited() != 1 ||
			c.GetNumberDisposition() != dispositionVoided || c.GetReusableTime() != nil || c.GetReason() != "order cancelled by the buyer" ||
			!c.GetCancelTime().AsTime().Equal(clock.Now()) || !strings.HasPrefix(c.GetCancelledBy(), "apiKeys/") {
			t.Fatalf("cancel %d: %v", i, resp)
		}
		if resp.GetWaybill().GetNumber() != number(t, sf, int64(i+1)) {
			t.Fatalf("cancel %d changed the number: %v", i, resp.GetWaybill())
		}
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=999 live=1 issued=3 cancelled=2 recycled=0" {
		t.Fatalf("quota after two cancels: %s", got)
	}

	t.Run("cancelled again replays", func(t *testing.T) {
		for _, name := range []string{issued.GetName(), "waybills/" + issued.GetNumber(), "carriers/SF/waybills/" + issued.GetNumber()} {
			resp := e.cancel(ctx, name, "another reason")
			if !resp.GetReplayed() || resp.GetWaybill().GetName() != issued.GetName() ||
				resp.GetWaybill().GetCancellation().GetReason() != "order cancelled by the buyer" {
				t.Fatalf("cancel %s again: %v", name, resp)
			}
		}
		if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=999 live=1 issued=3 cancelled=2 recycled=0" {
			t.Fatalf("quota after replays: %s", got)
		}
	})

	t.Run("picked up is refused", func(t *testing.T) {
		_, err := e.waybills.CancelWaybill(ctx, &ewaybillv1.CancelWaybillRequest{Name: picked.GetName(), Reason: "too late"})
		st := wantError(t, err, codes.FailedPrecondition, "WAYBILL_ALREADY_PICKED_UP")
		if errorMetadata(st)["waybill"] != picked.GetName() {
			t.Fatalf("metadata %v", errorMetadata(st))
		}
		if w := e.getWaybill(ctx, picked.GetName()); w.GetState() != statePickedUp || w.GetCancellation() != nil {
			t.Fatalf("picked-up waybill after the refused cancel: %v", w)
		}
	})

	t.Run("cancelled waybills cannot be printed or picked up", func(t *testing.T) {
		_, err := e.waybills.MarkWaybillPrinted(ctx, &ewaybillv1.MarkWaybillPrintedRequest{Name: issued.GetName()})
		wantError(t, err, codes.FailedPrecondition, "INVALID_STATE_TRANSITION")
		_, err = e.waybills.ReportWaybillPickup(admin(), &ewaybillv1.ReportWaybillPickupRequest{Name: issued.GetName()})
		wantError(t, err, codes.FailedPrecondition, "INVALID_STATE_TRANSITION")
	})

	t.Run("a reason is required", func(t *testing.T) {
		w := e.allocate(ctx, "carriers/SF", order("C-4"), "").GetWaybill()
		_, err := e.waybills.CancelWaybill(ctx, &ewaybillv1.CancelWaybillRequest{Name: w.GetName()})
		st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
		if _, ok := violations(st)["reason"]; !ok {
			t.Fatalf("violations %v", violations(st))
		}
		if got := e.getWaybill(ctx, w.GetName()); got.GetState() != stateIssued {
			t.Fatalf("waybill after a refused cancel: %v", got)
		}
	})

	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=998 live=2 issued=4 cancelled=2 recycled=0" {
		t.Fatalf("quota at the end: %s", got)
	}
	if got := poolCounts(e.pool("SF")); got != "imported=100 available=96 issued=2 voided=2 awaiting=0 reusable=0 low=true" {
		t.Fatalf("pool at the end: %s", got)
	}
	var credits []string
	for _, entry := range e.ledger(ctx, quotaName(m, "SF")) {
		if entry.GetType() == entryCancelCredit {
			credits = append(credits, entry.GetNumber())
			if entry.GetDelta() != 1 || entry.GetReason() != "order cancelled by the buyer" {
				t.Errorf("credit entry %v", entry)
			}
		}
	}
	if strings.Join(credits, ",") != issued.GetNumber()+","+printed.GetNumber() {
		t.Fatalf("CANCEL_CREDIT entries for %v, want one each for %s and %s", credits, issued.GetNumber(), printed.GetNumber())
	}
}

// TestCancelByNumber cancels by "waybills/{number}" and
// "carriers/{code}/waybills/{number}", and reads by number over REST.
func TestCancelByNumber(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	ctx := as(m.key)
	a := e.allocate(ctx, "carriers/SF", order("N-1"), "").GetWaybill()
	b := e.allocate(ctx, "carriers/SF", order("N-2"), "").GetWaybill()

	if resp := e.cancel(ctx, "carriers/SF/waybills/"+a.GetNumber(), "wrong address"); resp.GetWaybill().GetName() != a.GetName() || resp.GetWaybill().GetState() != stateCancelled {
		t.Fatalf("cancel by carrier and number: %v", resp)
	}

	code, out := e.rest("GET", "/v1/waybills/"+b.GetNumber(), m.key, nil)
	if code != 200 || out["waybill"].(map[string]any)["name"] != b.GetName() {
		t.Fatalf("REST get by number: %d %v", code, out)
	}
	code, out = e.rest("POST", "/v1/waybills/"+b.GetNumber()+":cancel", m.key, map[string]any{"reason": "buyer cancelled"})
	if code != 200 {
		t.Fatalf("REST cancel by number: %d %v", code, out)
	}
	w := out["waybill"].(map[string]any)
	c := w["cancellation"].(map[string]any)
	if w["name"] != b.GetName() || w["state"] != "WAYBILL_STATE_CANCELLED" || c["quotaCredited"] != "1" ||
		c["numberDisposition"] != "NUMBER_DISPOSITION_VOIDED" || out["replayed"] != nil {
		t.Fatalf("REST cancel response: %v", out)
	}
	code, out = e.rest("POST", "/v1/waybills/"+b.GetNumber()+":cancel", m.key, map[string]any{"reason": "buyer cancelled"})
	if code != 200 || out["replayed"] != true {
		t.Fatalf("REST cancel again: %d %v", code, out)
	}
	code, out = e.rest("POST", "/v1/waybills/SF000000009999:cancel", m.key, map[string]any{"reason": "x"})
	if code != 404 || restReason(out) != "RESOURCE_NOT_FOUND" {
		t.Fatalf("REST cancel of an unknown number: %d %v", code, out)
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=1000 live=0 issued=2 cancelled=2 recycled=0" {
		t.Fatalf("quota: %s", got)
	}
}

// TestCancelRecycleReuseUnprinted: under REUSE_UNPRINTED an unprinted
// number waits out the quarantine and is then issued again, naming its
// previous holder; a printed one is voided.
func TestCancelRecycleReuseUnprinted(t *testing.T) {
	clock := newFakeClock()
	e := startEnvWith(t, t.TempDir(), serverConfig(clock))
	reuse := ztoCarrier()
	reuse.RecyclePolicy = ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED
	zto := e.createCarrier(reuse)
	e.importRange("ZTO", 1, 10)
	m := e.shop(creditCodes[0], "ZTO")
	ctx := as(m.key)
	unprinted := e.allocate(ctx, "carriers/ZTO", order("R-1"), "").GetWaybill()
	printed := e.allocate(ctx, "carriers/ZTO", order("R-2"), "").GetWaybill()
	if _, err := e.waybills.MarkWaybillPrinted(ctx, &ewaybillv1.MarkWaybillPrintedRequest{Name: printed.GetName()}); err != nil {
		t.Fatal(err)
	}

	cancelledAt := clock.Now()
	c := e.cancel(ctx, unprinted.GetName(), "buyer cancelled").GetWaybill().GetCancellation()
	if c.GetNumberDisposition() != dispositionReuse || !c.GetReusableTime().AsTime().Equal(cancelledAt.Add(24*time.Hour)) {
		t.Fatalf("unprinted cancel: %v, want reuse at %v", c, cancelledAt.Add(24*time.Hour))
	}
	c = e.cancel(ctx, printed.GetName(), "buyer cancelled").GetWaybill().GetCancellation()
	if c.GetNumberDisposition() != dispositionVoided || c.GetReusableTime() != nil {
		t.Fatalf("printed cancel: %v", c)
	}
	if got := poolCounts(e.pool("ZTO")); got != "imported=10 available=8 issued=0 voided=1 awaiting=1 reusable=0 low=true" {
		t.Fatalf("pool after cancels: %s", got)
	}
	if got := balances(e.quota(quotaName(m, "ZTO"))); got != "granted=1000 available=1000 live=0 issued=2 cancelled=2 recycled=1" {
		t.Fatalf("quota after cancels: %s", got)
	}

	// During the quarantine, fresh numbers are issued.
	third := e.allocate(ctx, "carriers/ZTO", order("R-3"), "").GetWaybill()
	clock.Advance(24*time.Hour - time.Second)
	fourth := e.allocate(ctx, "carriers/ZTO", order("R-4"), "").GetWaybill()
	if third.GetNumber() != number(t, zto, 3) || fourth.GetNumber() != number(t, zto, 4) || third.GetPreviousHolder() != "" || fourth.GetPreviousHolder() != "" {
		t.Fatalf("allocations during the quarantine: %s %s", third.GetNumber(), fourth.GetNumber())
	}
	if p := e.pool("ZTO"); p.GetAwaitingReuse() != 1 || p.GetReusableNow() != 0 {
		t.Fatalf("pool a second before the quarantine ends: %s", poolCounts(p))
	}

	// Once it is over, the queued number comes first.
	clock.Advance(time.Second)
	if p := e.pool("ZTO"); p.GetReusableNow() != 1 {
		t.Fatalf("pool when the quarantine ends: %s", poolCounts(p))
	}
	reissued := e.allocate(ctx, "carriers/ZTO", order("R-5"), "").GetWaybill()
	if reissued.GetNumber() != unprinted.GetNumber() || reissued.GetPreviousHolder() != unprinted.GetName() || reissued.GetName() == unprinted.GetName() {
		t.Fatalf("reissued waybill: %v, want number %s previously held by %s", reissued, unprinted.GetNumber(), unprinted.GetName())
	}
	if next := e.allocate(ctx, "carriers/ZTO", order("R-6"), "").GetWaybill(); next.GetNumber() != number(t, zto, 5) {
		t.Fatalf("after the reuse, serial 5 is next; got %s", next.GetNumber())
	}
	if got := poolCounts(e.pool("ZTO")); got != "imported=10 available=5 issued=4 voided=1 awaiting=0 reusable=0 low=true" {
		t.Fatalf("pool after the reuse: %s", got)
	}

	// The cancelled holder stays readable and cancelled; the number now
	// names its new holder.
	if old := e.getWaybill(ctx, unprinted.GetName()); old.GetState() != stateCancelled || old.GetNumber() != unprinted.GetNumber() {
		t.Fatalf("previous holder: %v", old)
	}
	if byNumber := e.getWaybill(ctx, "waybills/"+unprinted.GetNumber()); byNumber.GetName() != reissued.GetName() {
		t.Fatalf("waybills/%s is %s, want the new holder %s", unprinted.GetNumber(), byNumber.GetName(), reissued.GetName())
	}
	if resp := e.cancel(ctx, unprinted.GetName(), "again"); !resp.GetReplayed() || resp.GetWaybill().GetName() != unprinted.GetName() {
		t.Fatalf("cancelling the previous holder again: %v", resp)
	}
	if w := e.getWaybill(ctx, reissued.GetName()); w.GetState() != stateIssued {
		t.Fatalf("new holder after the old one's replayed cancel: %v", w)
	}

	// A shorter quarantine applies to cancels from then on; the reissued
	// number can be recycled again.
	if _, err := e.pools.UpdatePool(admin(), &ewaybillv1.UpdatePoolRequest{
		Pool:       &ewaybillv1.Pool{Name: "carriers/ZTO/pool", ReuseQuarantine: durationpb.New(time.Hour)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"reuse_quarantine"}},
	}); err != nil {
		t.Fatal(err)
	}
	c = e.cancel(ctx, reissued.GetName(), "again cancelled").GetWaybill().GetCancellation()
	if c.GetNumberDisposition() != dispositionReuse || !c.GetReusableTime().AsTime().Equal(clock.Now().Add(time.Hour)) {
		t.Fatalf("second recycle: %v", c)
	}
	clock.Advance(time.Hour)
	third2 := e.allocate(ctx, "carriers/ZTO", order("R-7"), "").GetWaybill()
	if third2.GetNumber() != unprinted.GetNumber() || third2.GetPreviousHolder() != reissued.GetName() {
		t.Fatalf("third holder: %v", third2)
	}
	if got := balances(e.quota(quotaName(m, "ZTO"))); got != "granted=1000 available=996 live=4 issued=7 cancelled=3 recycled=2" {
		t.Fatalf("quota at the end: %s", got)
	}
}

// TestCancelGuard refuses cancels that would lift the merchant's cancel
// rate above its guard, once the merchant issued more than min_issued.
func TestCancelGuard(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	ctx := as(m.key)
	guardName := m.name + "/cancelGuard"

	g, err := e.quotas.GetCancelGuard(ctx, &ewaybillv1.GetCancelGuardRequest{Name: guardName})
	if err != nil || g.GetCancelGuard().GetEnabled() || g.GetCancelGuard().GetName() != guardName {
		t.Fatalf("default guard: %v %v", g, err)
	}
	_, err = e.quotas.UpdateCancelGuard(ctx, &ewaybillv1.UpdateCancelGuardRequest{CancelGuard: &ewaybillv1.CancelGuard{Name: guardName}})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	_, err = e.quotas.UpdateCancelGuard(admin(), &ewaybillv1.UpdateCancelGuardRequest{CancelGuard: &ewaybillv1.CancelGuard{Name: guardName, Enabled: true, MaxCancelPercent: 101}})
	st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	if _, ok := violations(st)["cancel_guard.max_cancel_percent"]; !ok {
		t.Fatalf("violations %v", violations(st))
	}
	if _, err := e.quotas.UpdateCancelGuard(admin(), &ewaybillv1.UpdateCancelGuardRequest{CancelGuard: &ewaybillv1.CancelGuard{
		Name: guardName, Enabled: true, MaxCancelPercent: 50, MinIssued: 2}}); err != nil {
		t.Fatal(err)
	}

	var names []string
	for i := range 2 {
		names = append(names, e.allocate(ctx, "carriers/SF", order("G-"+string(rune('A'+i))), "").GetWaybill().GetName())
	}
	// Two issued is not more than min_issued: the guard does not apply yet.
	e.cancel(ctx, names[0], "test")
	e.cancel(ctx, names[1], "test")
	for i := 2; i < 6; i++ {
		names = append(names, e.allocate(ctx, "carriers/SF", order("G-"+string(rune('A'+i))), "").GetWaybill().GetName())
	}
	// 6 issued, 2 cancelled: a third is 50%, allowed; a fourth is refused.
	e.cancel(ctx, names[2], "test")
	_, err = e.waybills.CancelWaybill(ctx, &ewaybillv1.CancelWaybillRequest{Name: names[3], Reason: "test"})
	st = wantError(t, err, codes.FailedPrecondition, "CANCEL_RATE_EXCEEDED")
	if md := errorMetadata(st); md["cancel_percent"] != "50.0" || md["max_cancel_percent"] != "50" {
		t.Fatalf("metadata %v", md)
	}
	// A replay of an earlier cancel is not a new cancel.
	if resp := e.cancel(ctx, names[0], "test"); !resp.GetReplayed() {
		t.Fatalf("replay under the guard: %v", resp)
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1000 available=997 live=3 issued=6 cancelled=3 recycled=0" {
		t.Fatalf("quota: %s", got)
	}
	if w := e.getWaybill(ctx, names[3]); w.GetState() != stateIssued {
		t.Fatalf("refused cancel changed the waybill: %v", w)
	}
	// Disabled, the guard lets it through.
	if _, err := e.quotas.UpdateCancelGuard(admin(), &ewaybillv1.UpdateCancelGuardRequest{CancelGuard: &ewaybillv1.CancelGuard{Name: guardName}}); err != nil {
		t.Fatal(err)
	}
	e.cancel(ctx, names[3], "test")
}

// TestNumberSharedByTwoCarriers: when two carriers with one format issue
// the same number, "waybills/{number}" is ambiguous and the carrier must
// be named; the number index keeps the two apart.
func TestNumberSharedByTwoCarriers(t *testing.T) {
	e := newEnv(t)
	zto := e.createCarrier(ztoCarrier())
	twin := ztoCarrier()
	twin.Code, twin.DisplayName = "YTO", "圆通速递"
	e.createCarrier(twin)
	e.importRange("ZTO", 1, 10)
	e.importRange("YTO", 1, 10)
	m := e.approvedMerchant(creditCodes[0])
	e.authorize(m, "ZTO")
	e.authorize(m, "YTO")
	ctx := as(m.key)
	a := e.allocate(ctx, "carriers/ZTO", order("T-1"), "").GetWaybill()
	b := e.allocate(ctx, "carriers/YTO", order("T-1"), "").GetWaybill()
	if a.GetNumber() != number(t, zto, 1) || b.GetNumber() != a.GetNumber() {
		t.Fatalf("numbers %s and %s, want both %s", a.GetNumber(), b.GetNumber(), number(t, zto, 1))
	}
	_, err := e.waybills.GetWaybill(ctx, &ewaybillv1.GetWaybillRequest{Name: "waybills/" + a.GetNumber()})
	st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	if !strings.Contains(st.Message(), "carriers/{code}/waybills/"+a.GetNumber()) {
		t.Fatalf("message does not say how to name the carrier: %s", st.Message())
	}
	_, err = e.waybills.CancelWaybill(ctx, &ewaybillv1.CancelWaybillRequest{Name: "waybills/" + a.GetNumber(), Reason: "which one?"})
	wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")

	code, out := e.rest("GET", "/v1/carriers/YTO/waybills/"+b.GetNumber(), m.key, nil)
	if code != 200 || out["waybill"].(map[string]any)["name"] != b.GetName() {
		t.Fatalf("REST get by carrier and number: %d %v", code, out)
	}
	code, out = e.rest("POST", "/v1/carriers/ZTO/waybills/"+a.GetNumber()+":cancel", m.key, map[string]any{"reason": "ZTO one"})
	if code != 200 || out["waybill"].(map[string]any)["name"] != a.GetName() {
		t.Fatalf("REST cancel by carrier and number: %d %v", code, out)
	}
	if w := e.getWaybill(ctx, b.GetName()); w.GetState() != stateIssued {
		t.Fatalf("the YTO waybill after cancelling the ZTO one: %v", w)
	}
}
