package quota_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
)

// Hundreds of goroutines allocate 150 keys, most keys raced by several of
// them, while a fifth cancel what they got and cancelled numbers are
// reissued at once (quarantine 0). Every key must end with exactly one
// waybill, no number may be live twice, and the books must balance.
func TestConcurrentAllocateCancelKeepsInvariants(t *testing.T) {
	const goroutines, keys, starter = 400, 150, 100_000
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED, 10_000, starter)
	ctx := context.Background()
	if _, err := e.svc.UpdatePool(ctx, adminP, &ewaybillv1.Pool{Name: e.carrier + "/pool", ReuseQuarantine: durationpb.New(0)},
		&fieldmaskpb.FieldMask{Paths: []string{"reuse_quarantine"}}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	byKey := map[int]map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := i % keys
			w, _, err := e.svc.Allocate(ctx, e.p, "", e.request(key))
			if err != nil {
				errs <- fmt.Errorf("allocate key %d: %w", key, err)
				return
			}
			mu.Lock()
			if byKey[key] == nil {
				byKey[key] = map[string]bool{}
			}
			byKey[key][w.GetName()] = true
			mu.Unlock()
			if i%5 == 0 {
				if _, _, err := e.svc.Cancel(ctx, e.p, w.GetName(), "buyer cancelled"); err != nil {
					errs <- fmt.Errorf("cancel %s: %w", w.GetName(), err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for key, names := range byKey {
		if len(names) != 1 {
			t.Errorf("key %d got %d different waybills: %v", key, len(names), names)
		}
	}
	if len(byKey) != keys {
		t.Errorf("%d keys allocated, want %d", len(byKey), keys)
	}

	list, _, err := e.svc.ListWaybills(ctx, e.p, e.merchant, quota.WaybillFilter{}, 1000, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != keys {
		t.Errorf("store holds %d waybills, want one per key: %d", len(list), keys)
	}
	liveNumbers := map[string]string{}
	var live, cancelled int64
	for _, w := range list {
		if w.GetState() == ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED {
			cancelled++
			continue
		}
		live++
		if other, dup := liveNumbers[w.GetNumber()]; dup {
			t.Errorf("number %s is live on %s and %s", w.GetNumber(), other, w.GetName())
		}
		liveNumbers[w.GetNumber()] = w.GetName()
	}
	// Keys 0, 5, 10, … were cancelled by the goroutine i with i%5 == 0;
	// i%150 for those i covers every key that is a multiple of 5.
	if want := int64(keys / 5); cancelled != want {
		t.Errorf("%d cancelled waybills, want %d", cancelled, want)
	}
	q, err := e.svc.GetQuota(ctx, e.p, e.merchant+"/quotas/ZTO")
	if err != nil {
		t.Fatal(err)
	}
	if q.GetAvailable() != starter-live || q.GetLive() != live || q.GetIssuedTotal() != keys || q.GetCancelled() != cancelled {
		t.Errorf("quota available=%d live=%d issued=%d cancelled=%d; want %d %d %d %d",
			q.GetAvailable(), q.GetLive(), q.GetIssuedTotal(), q.GetCancelled(), starter-live, live, keys, cancelled)
	}
	e.check(t)
}

// When far more distinct orders race for a quota than it holds, exactly
// the quota's worth succeed and the rest are told QUOTA_EXHAUSTED, with
// nothing spent for them.
func TestConcurrentAllocationNeverOverspendsQuota(t *testing.T) {
	const goroutines, starter = 200, 37
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 1_000, starter)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, exhausted int
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := e.svc.Allocate(ctx, e.p, "", e.request(i))
			mu.Lock()
			defer mu.Unlock()
			if fe, isFault := fault.As(err); isFault && fe.Reason == fault.ReasonQuotaExhausted {
				exhausted++
			} else if err == nil {
				ok++
			} else {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != starter || exhausted != goroutines-starter {
		t.Errorf("%d allocated and %d refused; want %d and %d", ok, exhausted, starter, goroutines-starter)
	}
	pool, err := e.svc.GetPool(ctx, adminP, e.carrier+"/pool")
	if err != nil {
		t.Fatal(err)
	}
	if pool.GetIssued() != starter || pool.GetAvailable() != 1_000-starter {
		t.Errorf("pool issued=%d available=%d; want %d and %d", pool.GetIssued(), pool.GetAvailable(), starter, 1_000-starter)
	}
	e.check(t)
}

// Concurrent allocations are committed in groups that take many numbers
// from a range kept in memory and stored once; with ranges of seven
// serials, groups run ranges out mid-way and move on to the next. Every
// serial must be issued exactly once, the rest refused POOL_EXHAUSTED, and
// each range must record how far it was used.
func TestConcurrentAllocationAcrossSmallRanges(t *testing.T) {
	const ranges, size, goroutines = 10, 7, 120
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, size, 1_000)
	ctx := context.Background()
	for r := int64(1); r < ranges; r++ {
		if _, _, err := e.svc.ImportRange(ctx, adminP, e.carrier, r*100, r*100+size-1); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	numbers := map[string]bool{}
	exhausted := 0
	for i := range goroutines {
		wg.Go(func() {
			w, _, err := e.svc.Allocate(ctx, e.p, "", e.request(i))
			mu.Lock()
			defer mu.Unlock()
			if fe, isFault := fault.As(err); isFault && fe.Reason == fault.ReasonPoolExhausted {
				exhausted++
			} else if err != nil {
				t.Error(err)
			} else if numbers[w.GetNumber()] {
				t.Errorf("number %s issued twice", w.GetNumber())
			} else {
				numbers[w.GetNumber()] = true
			}
		})
	}
	wg.Wait()
	if len(numbers) != ranges*size || exhausted != goroutines-ranges*size {
		t.Errorf("%d numbers issued and %d refused; want %d and %d", len(numbers), exhausted, ranges*size, goroutines-ranges*size)
	}
	list, _, err := e.svc.ListRanges(ctx, adminP, e.carrier, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.GetNextSerial() != r.GetLastSerial()+1 {
			t.Errorf("range %s: next serial %d, want %d (used up)", r.GetName(), r.GetNextSerial(), r.GetLastSerial()+1)
		}
	}
	if len(list) != ranges {
		t.Errorf("%d ranges listed, want %d", len(list), ranges)
	}
	e.check(t)
}

// A caller that has gone before its allocation is committed is told so,
// and nothing is spent for it.
func TestAllocationOfAGoneCallerSpendsNothing(t *testing.T) {
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 100, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := e.svc.Allocate(ctx, e.p, "", e.request(1)); err == nil {
		t.Fatal("allocation with a cancelled context succeeded")
	}
	q, err := e.svc.GetQuota(context.Background(), e.p, e.merchant+"/quotas/ZTO")
	if err != nil {
		t.Fatal(err)
	}
	if q.GetAvailable() != 10 || q.GetLive() != 0 {
		t.Errorf("quota available=%d live=%d; want 10 and 0", q.GetAvailable(), q.GetLive())
	}
	e.check(t)
}
