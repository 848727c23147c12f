package quota_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ewaybill/ewaybill/carriers"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
)

// node is a second allocation engine over e's store: another serving node.
func (e *engine) node(id string, segmentSize int64, now func() time.Time) *quota.Service {
	svc := quota.New(e.store, now)
	svc.NodeID, svc.SegmentSize = id, segmentSize
	return svc
}

// serial reads the serial of one of the engine's carrier's numbers.
func (e *engine) serial(t *testing.T, number string) int64 {
	t.Helper()
	f := carriers.NumberFormat(&ewaybillv1.Carrier{NumberFormat: &ewaybillv1.NumberFormat{SerialLength: 13,
		CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD10}})
	s, err := f.Parse(number)
	if err != nil {
		t.Fatal(err)
	}
	return int64(s)
}

func (e *engine) allocateSerial(t *testing.T, svc *quota.Service, i int) int64 {
	t.Helper()
	w, _, err := svc.Allocate(context.Background(), e.p, "", e.request(i))
	if err != nil {
		t.Fatal(err)
	}
	return e.serial(t, w.GetNumber())
}

// Two nodes over one store each issue from segments of their own: every
// segment's serials go to one node, none twice, and the pool's view counts
// what is left of the segments as available.
func TestNodesIssueFromTheirOwnSegments(t *testing.T) {
	const size, perNode = 100, 150
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 10_000, 10_000)
	nodes := map[string]*quota.Service{"a": e.node("a", size, time.Now), "b": e.node("b", size, time.Now)}
	var mu sync.Mutex
	owner := map[int64]string{} // segment index → node
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for id, svc := range nodes {
		for g := range 5 {
			wg.Go(func() {
				for i := range perNode / 5 {
					w, _, err := svc.Allocate(context.Background(), e.p, "", e.request(int(id[0])*1000+g*100+i))
					if err != nil {
						t.Error(err)
						return
					}
					s := e.serial(t, w.GetNumber())
					mu.Lock()
					if seen[s] {
						t.Errorf("serial %d issued twice", s)
					}
					seen[s] = true
					if o, ok := owner[(s-1)/size]; ok && o != id {
						t.Errorf("serial %d issued by node %s from node %s's segment", s, id, o)
					}
					owner[(s-1)/size] = id
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	// Each node used one segment up and half of a second: four leased in
	// all, 50 serials left in each half-used one.
	if len(seen) != 2*perNode || len(owner) != 4 {
		t.Fatalf("%d serials from %d segments; want %d from 4", len(seen), len(owner), 2*perNode)
	}
	pool, err := e.svc.GetPool(context.Background(), adminP, e.carrier+"/pool")
	if err != nil {
		t.Fatal(err)
	}
	if pool.GetAvailable() != 10_000-2*perNode || pool.GetIssued() != 2*perNode || pool.GetLeased() != 2*(2*size-perNode) {
		t.Errorf("pool available %d, issued %d, leased %d; want %d, %d, %d", pool.GetAvailable(), pool.GetIssued(), pool.GetLeased(),
			10_000-2*perNode, 2*perNode, 2*(2*size-perNode))
	}
	ranges, _, err := e.svc.ListRanges(context.Background(), adminP, e.carrier, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	// The lowest serial not issued is in the first half-used segment.
	lowest := int64(0)
	for s := int64(1); lowest == 0; s++ {
		if !seen[s] {
			lowest = s
		}
	}
	if got := ranges[0].GetNextSerial(); got != lowest {
		t.Errorf("range next_serial %d, want the lowest serial not issued, %d", got, lowest)
	}
	e.check(t)
}

// A node that restarts with its id goes on with its segment; a node whose
// segment has been idle past the takeover time loses it to another node,
// which goes on where it stopped; nothing is skipped.
func TestSegmentsResumeAfterRestartAndAreTakenOver(t *testing.T) {
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 1000, 1000)
	var clock struct {
		sync.Mutex
		t time.Time
	}
	clock.t = time.Now()
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.t }
	step := []struct {
		node string
		want int64
	}{
		{"a", 1},   // a leases 1–100
		{"a2", 2},  // a, restarted: same id, same segment
		{"b", 101}, // b leases 101–200: a's segment is not idle
	}
	svcs := map[string]*quota.Service{"a": e.node("a", 100, now), "a2": e.node("a", 100, now), "b": e.node("b", 100, now)}
	for i, s := range step {
		if got := e.allocateSerial(t, svcs[s.node], i); got != s.want {
			t.Fatalf("step %d: node %s issued serial %d, want %d", i, s.node, got, s.want)
		}
	}
	clock.Lock()
	clock.t = clock.t.Add(quota.DefaultSegmentTakeover + time.Second)
	clock.Unlock()
	// c finds both segments idle and takes over the lowest: a's.
	if got := e.allocateSerial(t, e.node("c", 100, now), 10); got != 3 {
		t.Fatalf("node c issued serial %d, want 3 (a's segment, taken over)", got)
	}
	// a finds its segment taken, and b's idle too: it takes that over.
	if got := e.allocateSerial(t, svcs["a"], 11); got != 102 {
		t.Fatalf("node a issued serial %d after losing its segment, want 102 (b's, taken over)", got)
	}
	// b finds none idle now, and leases a new one.
	if got := e.allocateSerial(t, svcs["b"], 12); got != 201 {
		t.Fatalf("node b issued serial %d, want 201", got)
	}
	e.check(t)
}

// Retiring a range withdraws the serials left in segments leased from it,
// and the node then issues from the next range.
func TestRetireWithdrawsLeasedSerials(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 100, 1000)
	e.svc.SegmentSize = 30
	for i := range 5 {
		e.allocateSerial(t, e.svc, i)
	}
	if _, _, err := e.svc.ImportRange(ctx, adminP, e.carrier, 1000, 1099); err != nil {
		t.Fatal(err)
	}
	r, pool, err := e.svc.RetireRange(ctx, adminP, e.carrier+"/numberRanges/1", "carrier withdrew it")
	if err != nil {
		t.Fatal(err)
	}
	// 70 never leased, 25 left in the segment 1–30.
	if r.GetWithdrawn() != 95 || pool.GetVoided() != 95 || pool.GetAvailable() != 100 || pool.GetIssued() != 5 || pool.GetLeased() != 0 {
		t.Errorf("withdrawn %d; pool voided %d, available %d, issued %d, leased %d; want 95, 95, 100, 5, 0",
			r.GetWithdrawn(), pool.GetVoided(), pool.GetAvailable(), pool.GetIssued(), pool.GetLeased())
	}
	if got := e.allocateSerial(t, e.svc, 6); got != 1000 {
		t.Errorf("after the retirement the node issued serial %d, want 1000", got)
	}
	e.check(t)
}
