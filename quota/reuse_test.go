package quota_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
)

// One batch takes the reuse queue's ready numbers first, in queue order,
// then serials; numbers still in quarantine stay queued. (The session
// stops looking at the queue once it finds nothing ready there.)
func TestBatchTakesReadyReusedNumbersThenSerials(t *testing.T) {
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED, 1000, 1000)
	ctx := context.Background()
	quarantine := func(d time.Duration) {
		t.Helper()
		if _, err := e.svc.UpdatePool(ctx, adminP, &ewaybillv1.Pool{Name: e.carrier + "/pool", ReuseQuarantine: durationpb.New(d)},
			&fieldmaskpb.FieldMask{Paths: []string{"reuse_quarantine"}}); err != nil {
			t.Fatal(err)
		}
	}
	batch := func(from, n int) []string {
		t.Helper()
		reqs := make([]quota.Request, n)
		for i := range reqs {
			reqs[i] = e.request(from + i)
		}
		results, err := e.svc.BatchAllocate(ctx, e.p, "", reqs)
		if err != nil {
			t.Fatal(err)
		}
		var numbers []string
		for _, r := range results {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			numbers = append(numbers, r.Waybill.GetNumber())
		}
		return numbers
	}
	cancel := func(names ...string) {
		t.Helper()
		for _, n := range names {
			if _, _, err := e.svc.Cancel(ctx, e.p, "waybills/"+n, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}

	quarantine(0)
	first := batch(0, 6) // serials 1..6
	cancel(first[1], first[3])
	quarantine(time.Hour)
	cancel(first[5]) // queued until an hour from now
	quarantine(0)

	got := batch(100, 4)
	want := []string{first[1], first[3]}
	if got[0] != want[0] || got[1] != want[1] {
		t.Errorf("batch took %v, want the ready reused %v first", got, want)
	}
	for _, n := range got[2:] {
		if n <= first[5] {
			t.Errorf("batch took %v: after the ready reused numbers, new serials above %s", got, first[5])
		}
	}
	pool, err := e.svc.GetPool(ctx, adminP, e.carrier+"/pool")
	if err != nil {
		t.Fatal(err)
	}
	if pool.GetAwaitingReuse() != 1 {
		t.Errorf("%d numbers await reuse, want 1 (the one in quarantine)", pool.GetAwaitingReuse())
	}
	e.check(t)
}
