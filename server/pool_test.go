package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// TestNumberRanges imports ranges, refuses overlapping and repeated ones,
// and retires one: its unissued numbers are withdrawn as voided while the
// numbers it already issued stay valid.
func TestNumberRanges(t *testing.T) {
	e := newEnv(t)
	sf := e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())

	imp := e.importRange("SF", 1, 100)
	r := imp.GetNumberRange()
	if r.GetName() != "carriers/SF/numberRanges/1" || r.GetFirstNumber() != number(t, sf, 1) || r.GetLastNumber() != number(t, sf, 100) ||
		r.GetNextSerial() != 1 || r.GetState() != ewaybillv1.NumberRangeState_NUMBER_RANGE_STATE_ACTIVE || !strings.HasPrefix(r.GetImportedBy(), "apiKeys/") {
		t.Fatalf("imported range: %v", r)
	}
	if got := poolCounts(imp.GetPool()); got != "imported=100 available=100 issued=0 voided=0 awaiting=0 reusable=0 low=true" {
		t.Fatalf("pool in the import answer: %s", got)
	}
	e.importRange("SF", 201, 300)
	e.importRange("SF", 101, 200) // fills the gap between them

	for _, c := range []struct {
		name        string
		first, last int64
		code        codes.Code
		reason      string
		resource    string
	}{
		{"identical", 1, 100, codes.AlreadyExists, "ALREADY_EXISTS", "carriers/SF/numberRanges/1"},
		{"identical, later range", 201, 300, codes.AlreadyExists, "ALREADY_EXISTS", "carriers/SF/numberRanges/201"},
		{"inside", 50, 60, codes.FailedPrecondition, "NUMBER_RANGE_OVERLAPS", "carriers/SF/numberRanges/1"},
		{"tail", 250, 400, codes.FailedPrecondition, "NUMBER_RANGE_OVERLAPS", "carriers/SF/numberRanges/201"},
		{"head", 1, 50, codes.FailedPrecondition, "NUMBER_RANGE_OVERLAPS", "carriers/SF/numberRanges/1"},
		{"spanning", 90, 310, codes.FailedPrecondition, "NUMBER_RANGE_OVERLAPS", "carriers/SF/numberRanges/201"},
		{"last serial", 300, 300, codes.FailedPrecondition, "NUMBER_RANGE_OVERLAPS", "carriers/SF/numberRanges/201"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.pools.ImportNumberRange(admin(), &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/SF", FirstSerial: c.first, LastSerial: c.last})
			st := wantError(t, err, c.code, c.reason)
			if md := errorMetadata(st); md["resource"] != c.resource {
				t.Fatalf("metadata %v, want resource %s", md, c.resource)
			}
		})
	}
	for _, c := range []struct {
		name        string
		first, last int64
		field       string
	}{
		{"zero", 0, 10, "first_serial"},
		{"too long", 1_000_000_000_000, 1_000_000_000_000, "last_serial"},
		{"backwards", 500, 400, "last_serial"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.pools.ImportNumberRange(admin(), &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/SF", FirstSerial: c.first, LastSerial: c.last})
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			if _, ok := violations(st)[c.field]; !ok {
				t.Fatalf("violations %v", violations(st))
			}
		})
	}
	_, err := e.pools.ImportNumberRange(admin(), &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/YTO", FirstSerial: 1, LastSerial: 10})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	// Ranges are per carrier: ZTO may use the same serials.
	e.importRange("ZTO", 1, 100)
	if got := poolCounts(e.pool("SF")); got != "imported=300 available=300 issued=0 voided=0 awaiting=0 reusable=0 low=true" {
		t.Fatalf("SF pool: %s", got)
	}

	m := e.shop(creditCodes[0], "SF")
	merchantCtx := as(m.key)
	_, err = e.pools.ImportNumberRange(merchantCtx, &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/SF", FirstSerial: 1000, LastSerial: 2000})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	_, err = e.pools.GetPool(merchantCtx, &ewaybillv1.GetPoolRequest{Name: "carriers/SF/pool"})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	_, err = e.pools.RetireNumberRange(merchantCtx, &ewaybillv1.RetireNumberRangeRequest{Name: "carriers/SF/numberRanges/1", Reason: "x"})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")

	var issued []*ewaybillv1.Waybill
	for _, code := range []string{"A", "B", "C"} {
		issued = append(issued, e.allocate(merchantCtx, "carriers/SF", order("R-"+code), "").GetWaybill())
	}
	list, err := e.pools.ListNumberRanges(admin(), &ewaybillv1.ListNumberRangesRequest{Parent: "carriers/SF"})
	if err != nil || len(list.GetNumberRanges()) != 3 {
		t.Fatalf("ranges: %v %v", list, err)
	}
	var firsts []int64
	for _, nr := range list.GetNumberRanges() {
		firsts = append(firsts, nr.GetFirstSerial())
	}
	if firsts[0] != 1 || firsts[1] != 101 || firsts[2] != 201 || list.GetNumberRanges()[0].GetNextSerial() != 4 {
		t.Fatalf("ranges in order %v, first next serial %d", firsts, list.GetNumberRanges()[0].GetNextSerial())
	}

	ret, err := e.pools.RetireNumberRange(admin(), &ewaybillv1.RetireNumberRangeRequest{Name: "carriers/SF/numberRanges/1", Reason: "carrier recalled the batch"})
	if err != nil {
		t.Fatal(err)
	}
	if r := ret.GetNumberRange(); r.GetState() != ewaybillv1.NumberRangeState_NUMBER_RANGE_STATE_RETIRED || r.GetWithdrawn() != 97 || r.GetRetireReason() != "carrier recalled the batch" {
		t.Fatalf("retired range: %v", r)
	}
	if got := poolCounts(ret.GetPool()); got != "imported=300 available=200 issued=3 voided=97 awaiting=0 reusable=0 low=true" {
		t.Fatalf("pool after retiring: %s", got)
	}
	_, err = e.pools.RetireNumberRange(admin(), &ewaybillv1.RetireNumberRangeRequest{Name: "carriers/SF/numberRanges/1", Reason: "again"})
	wantError(t, err, codes.FailedPrecondition, "INVALID_STATE_TRANSITION")
	_, err = e.pools.RetireNumberRange(admin(), &ewaybillv1.RetireNumberRangeRequest{Name: "carriers/SF/numberRanges/2", Reason: "x"})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	_, err = e.pools.RetireNumberRange(admin(), &ewaybillv1.RetireNumberRangeRequest{Name: "carriers/SF/numberRanges/101"})
	wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	// A retired range still blocks its serials.
	_, err = e.pools.ImportNumberRange(admin(), &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/SF", FirstSerial: 1, LastSerial: 100})
	wantError(t, err, codes.AlreadyExists, "ALREADY_EXISTS")
	_, err = e.pools.ImportNumberRange(admin(), &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/SF", FirstSerial: 5, LastSerial: 5})
	wantError(t, err, codes.FailedPrecondition, "NUMBER_RANGE_OVERLAPS")

	// Numbers issued from the retired range stay valid; new ones come from
	// the next range.
	if w := e.getWaybill(merchantCtx, issued[0].GetName()); w.GetState() != stateIssued {
		t.Fatalf("waybill from the retired range: %v", w)
	}
	if next := e.allocate(merchantCtx, "carriers/SF", order("R-D"), "").GetWaybill(); next.GetNumber() != number(t, sf, 101) {
		t.Fatalf("next number after retiring: %s, want %s", next.GetNumber(), number(t, sf, 101))
	}
	e.cancel(merchantCtx, issued[1].GetName(), "late cancel")
	if got := poolCounts(e.pool("SF")); got != "imported=300 available=199 issued=3 voided=98 awaiting=0 reusable=0 low=true" {
		t.Fatalf("SF pool at the end: %s", got)
	}
}

// TestRetireWithdrawsQueuedNumbers: numbers waiting for reuse in a
// retired range are withdrawn too and never issued again.
func TestRetireWithdrawsQueuedNumbers(t *testing.T) {
	clock := newFakeClock()
	e := startEnvWith(t, t.TempDir(), serverConfig(clock))
	c := ztoCarrier()
	c.RecyclePolicy = ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED
	zto := e.createCarrier(c)
	e.importRange("ZTO", 1, 5)
	e.importRange("ZTO", 6, 10)
	m := e.shop(creditCodes[0], "ZTO")
	ctx := as(m.key)
	a := e.allocate(ctx, "carriers/ZTO", order("Q-1"), "").GetWaybill()
	e.allocate(ctx, "carriers/ZTO", order("Q-2"), "")
	e.cancel(ctx, a.GetName(), "queued")
	if got := poolCounts(e.pool("ZTO")); got != "imported=10 available=8 issued=1 voided=0 awaiting=1 reusable=0 low=true" {
		t.Fatalf("pool before retiring: %s", got)
	}
	ret, err := e.pools.RetireNumberRange(admin(), &ewaybillv1.RetireNumberRangeRequest{Name: "carriers/ZTO/numberRanges/1", Reason: "recalled"})
	if err != nil {
		t.Fatal(err)
	}
	if ret.GetNumberRange().GetWithdrawn() != 4 {
		t.Fatalf("withdrawn %d, want 3 fresh + 1 queued", ret.GetNumberRange().GetWithdrawn())
	}
	if got := poolCounts(ret.GetPool()); got != "imported=10 available=5 issued=1 voided=4 awaiting=0 reusable=0 low=true" {
		t.Fatalf("pool after retiring: %s", got)
	}
	if w := e.getWaybill(ctx, a.GetName()); w.GetCancellation().GetNumberDisposition() != ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_WITHDRAWN ||
		w.GetCancellation().GetReusableTime() != nil {
		t.Fatalf("the queued number's holder after retiring: %v, want WITHDRAWN without a reusable time", w.GetCancellation())
	}
	clock.Advance(48 * time.Hour)
	if next := e.allocate(ctx, "carriers/ZTO", order("Q-3"), "").GetWaybill(); next.GetNumber() != number(t, zto, 6) || next.GetPreviousHolder() != "" {
		t.Fatalf("after the quarantine: %v, want fresh %s", next, number(t, zto, 6))
	}
}

// TestPoolLowWatermark: the pool reports low below its watermark, in
// GetPool and in the ewaybill_pool_* metrics, and the watermark and
// quarantine can be changed, nothing else.
func TestPoolLowWatermark(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	// A carrier without a range has an empty pool.
	if got := poolCounts(e.pool("ZTO")); got != "imported=0 available=0 issued=0 voided=0 awaiting=0 reusable=0 low=true" {
		t.Fatalf("empty pool: %s", got)
	}
	e.importRange("SF", 1, 1500)
	p := e.pool("SF")
	if p.GetLow() || p.GetLowWatermark() != 1000 || p.GetReuseQuarantine().AsDuration().Hours() != 24 {
		t.Fatalf("pool with 1500 numbers: %v", p)
	}
	e.wantMetrics(`ewaybill_pool_available{carrier="SF"} 1500`, `ewaybill_pool_low{carrier="SF"} 0`)

	upd, err := e.pools.UpdatePool(admin(), &ewaybillv1.UpdatePoolRequest{
		Pool:       &ewaybillv1.Pool{Name: "carriers/SF/pool", LowWatermark: proto.Int64(1500)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"low_watermark"}},
	})
	if err != nil || upd.GetPool().GetLow() || upd.GetPool().GetLowWatermark() != 1500 || upd.GetPool().GetAvailable() != 1500 {
		t.Fatalf("watermark at the level: %v %v", upd, err)
	}
	m := e.shop(creditCodes[0], "SF")
	e.allocate(as(m.key), "carriers/SF", order("W-1"), "")
	if p := e.pool("SF"); !p.GetLow() || p.GetAvailable() != 1499 {
		t.Fatalf("pool one below its watermark: %s", poolCounts(p))
	}
	e.wantMetrics(`ewaybill_pool_available{carrier="SF"} 1499`, `ewaybill_pool_low{carrier="SF"} 1`)

	// 0 turns the alert off.
	code, out := e.rest("PATCH", "/v1/carriers/SF/pool", testAdminKey, map[string]any{"lowWatermark": "0"})
	if code != 200 || out["pool"].(map[string]any)["low"] != nil {
		t.Fatalf("REST watermark 0: %d %v", code, out)
	}
	e.wantMetrics(`ewaybill_pool_available{carrier="SF"} 1499`, `ewaybill_pool_low{carrier="SF"} 0`)

	for _, c := range []struct {
		pool  *ewaybillv1.Pool
		paths []string
		field string
	}{
		{&ewaybillv1.Pool{Name: "carriers/SF/pool", Available: 1_000_000}, []string{"available"}, "update_mask"},
		{&ewaybillv1.Pool{Name: "carriers/SF/pool"}, nil, "update_mask"},
		{&ewaybillv1.Pool{Name: "carriers/SF/pool", LowWatermark: proto.Int64(-1)}, []string{"low_watermark"}, "pool.low_watermark"},
		{&ewaybillv1.Pool{Name: "carriers/SF/pool"}, []string{"reuse_quarantine"}, "pool.reuse_quarantine"},
	} {
		_, err := e.pools.UpdatePool(admin(), &ewaybillv1.UpdatePoolRequest{Pool: c.pool, UpdateMask: &fieldmaskpb.FieldMask{Paths: c.paths}})
		st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
		if _, ok := violations(st)[c.field]; !ok {
			t.Fatalf("%v %v: violations %v", c.pool, c.paths, violations(st))
		}
	}

	// A refused allocation from ZTO's empty pool leaves no pool behind.
	e.authorize(m, "ZTO")
	_, err = e.waybills.AllocateWaybill(as(m.key), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/ZTO", Order: order("W-2")})
	wantError(t, err, codes.ResourceExhausted, "POOL_EXHAUSTED")
	list, err := e.pools.ListPools(admin(), &ewaybillv1.ListPoolsRequest{})
	if err != nil || len(list.GetPools()) != 1 || list.GetPools()[0].GetName() != "carriers/SF/pool" || list.GetPools()[0].GetIssued() != 1 {
		t.Fatalf("pools: %v %v", list, err)
	}
}

// metricsText is GET /metrics on the gateway.
func (e *env) metricsText() string {
	e.t.Helper()
	resp, err := http.Get(e.http.URL + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(raw)
}

// wantMetrics fails unless GET /metrics on the gateway shows every line.
func (e *env) wantMetrics(lines ...string) {
	e.t.Helper()
	raw := e.metricsText()
	for _, line := range lines {
		if !strings.Contains(raw, line+"\n") {
			e.t.Fatalf("metrics lack %q:\n%s", line, grepLines(raw, "ewaybill_pool"))
		}
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
