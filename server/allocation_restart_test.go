package server_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// TestAllocationSurvivesRestart: waybills, quotas, the ledger, the reuse
// queue, idempotency keys and the pool's high-water mark are all on disk:
// after a restart replays still replay and no number is issued twice.
func TestAllocationSurvivesRestart(t *testing.T) {
	clock := newFakeClock()
	e := startEnvWith(t, t.TempDir(), serverConfig(clock))
	c := sfCarrier()
	c.RecyclePolicy = ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED
	sf := e.createCarrier(c)
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	ctx := as(m.key)
	kept := e.allocate(ctx, "carriers/SF", order("S-1"), "req-1").GetWaybill()
	byOrder := e.allocate(ctx, "carriers/SF", order("S-2"), "").GetWaybill()
	cancelled := e.allocate(ctx, "carriers/SF", order("S-3"), "").GetWaybill()
	e.cancel(ctx, cancelled.GetName(), "restart test")
	if _, err := e.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{Name: quotaName(m, "SF"), Amount: 50, Reason: "before restart", RequestId: "t1"}); err != nil {
		t.Fatal(err)
	}
	quotaBefore := e.quota(quotaName(m, "SF"))
	poolBefore := e.pool("SF")
	e.stop()

	r := startEnvWith(t, e.dataDir, serverConfig(clock))
	// The metrics are right before the pool changes again.
	r.wantMetrics(`ewaybill_pool_available{carrier="SF"} 97`, `ewaybill_pool_low{carrier="SF"} 1`)
	if got := r.getWaybill(ctx, kept.GetName()); !proto.Equal(got, kept) {
		t.Fatalf("waybill after restart: %v, want %v", got, kept)
	}
	if got := r.quota(quotaName(m, "SF")); !proto.Equal(got, quotaBefore) || balances(got) != "granted=1050 available=1048 live=2 issued=3 cancelled=1 recycled=1" {
		t.Fatalf("quota after restart: %v, want %v", got, quotaBefore)
	}
	if got := r.pool("SF"); !proto.Equal(got, poolBefore) {
		t.Fatalf("pool after restart: %s, want %s", poolCounts(got), poolCounts(poolBefore))
	}
	for _, c := range []struct {
		order, requestID string
		want             *ewaybillv1.Waybill
	}{
		{"S-1", "req-1", kept},
		{"S-2", "", byOrder},
		{"S-3", "", cancelled},
	} {
		replay := r.allocate(ctx, "carriers/SF", order(c.order), c.requestID)
		if !replay.GetReplayed() || replay.GetWaybill().GetName() != c.want.GetName() || replay.GetWaybill().GetNumber() != c.want.GetNumber() {
			t.Fatalf("replay of %s after restart: %v", c.order, replay)
		}
	}
	top, err := r.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{Name: quotaName(m, "SF"), Amount: 50, Reason: "before restart", RequestId: "t1"})
	if err != nil || !top.GetReplayed() || top.GetQuota().GetAvailable() != 1048 {
		t.Fatalf("top-up replay after restart: %v %v", top, err)
	}
	if resp := r.cancel(ctx, cancelled.GetName(), "again"); !resp.GetReplayed() {
		t.Fatalf("cancel replay after restart: %v", resp)
	}

	// The next number continues after the high-water mark, and the queued
	// number comes back once its quarantine (kept across the restart) ends.
	if next := r.allocate(ctx, "carriers/SF", order("S-4"), "").GetWaybill(); next.GetNumber() != number(t, sf, 4) {
		t.Fatalf("first number after restart: %s, want %s", next.GetNumber(), number(t, sf, 4))
	}
	clock.Advance(24 * time.Hour)
	if next := r.allocate(ctx, "carriers/SF", order("S-5"), "").GetWaybill(); next.GetNumber() != cancelled.GetNumber() || next.GetPreviousHolder() != cancelled.GetName() {
		t.Fatalf("reuse after restart: %v", next)
	}
	if got := balances(r.quota(quotaName(m, "SF"))); got != "granted=1050 available=1046 live=4 issued=5 cancelled=1 recycled=1" {
		t.Fatalf("quota at the end: %s", got)
	}
}
