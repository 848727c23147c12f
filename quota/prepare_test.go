package quota_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/storage"
)

// allWaybills lists every waybill of e's merchant, in id order, as a
// client pages through them.
func (e *engine) allWaybills(t *testing.T) []*ewaybillv1.Waybill {
	t.Helper()
	var out []*ewaybillv1.Waybill
	token := ""
	for {
		page, next, err := e.svc.ListWaybills(context.Background(), e.p, e.merchant, quota.WaybillFilter{}, 1000, token)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		token = next
	}
}

// Waybills are prepared (encoded and sealed) outside the writer, in
// parallel, but their ids still follow the order they were committed in:
// listed by id, the numbers (taken from the pool in commit order) and the
// create times only grow. So a client paging through the waybills while
// allocations go on never misses one behind its cursor.
func TestWaybillIDsFollowCommitOrder(t *testing.T) {
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 100_000, 100_000)
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for range 5 {
				if g%2 == 0 {
					if _, _, err := e.svc.Allocate(ctx, e.p, "", e.request(int(next.Add(1)))); err != nil {
						t.Error(err)
					}
					continue
				}
				reqs := make([]quota.Request, 37)
				for i := range reqs {
					reqs[i] = e.request(int(next.Add(1)))
				}
				results, err := e.svc.BatchAllocate(ctx, e.p, "", reqs)
				if err != nil {
					t.Error(err)
					continue
				}
				for _, r := range results {
					if r.Err != nil {
						t.Error(r.Err)
					}
				}
			}
		})
	}
	wg.Wait()
	list := e.allWaybills(t)
	if len(list) != int(next.Load()) {
		t.Fatalf("%d waybills listed, %d allocated", len(list), next.Load())
	}
	for i := 1; i < len(list); i++ {
		a, b := list[i-1], list[i]
		if a.GetNumber() >= b.GetNumber() || a.GetCreateTime().AsTime().After(b.GetCreateTime().AsTime()) {
			t.Fatalf("listed by id, %s (%s, created %s) comes before %s (%s, created %s)", a.GetName(), a.GetNumber(),
				a.GetCreateTime().AsTime(), b.GetName(), b.GetNumber(), b.GetCreateTime().AsTime())
		}
	}
	e.check(t)
}

// rerunStore fails the first run of every Batch function after the
// function has written, so the store rolls it back and runs it again, as
// a group commit does when another function of the group fails.
type rerunStore struct {
	storage.Store
	reruns atomic.Int64
}

func (s *rerunStore) Batch(ctx context.Context, fn func(storage.Tx) error) error {
	first := true
	return s.Store.Batch(ctx, func(tx storage.Tx) error {
		if err := fn(tx); err != nil || !first {
			return err
		}
		first = false
		s.reruns.Add(1)
		return errors.New("injected failure after the writes")
	})
}

// A group run again after a rollback stores the waybills it prepared
// once, whole: the same records, numbers and replays as a first run, and
// books that balance.
func TestAllocationRerunAfterRollback(t *testing.T) {
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 100_000, 100_000)
	ctx := context.Background()
	store := &rerunStore{Store: e.store}
	svc := quota.New(store, e.svc.Now)
	reqs := make([]quota.Request, 50)
	for i := range reqs {
		reqs[i] = e.request(i)
	}
	results, err := svc.BatchAllocate(ctx, e.p, "", reqs)
	if err != nil {
		t.Fatal(err)
	}
	if store.reruns.Load() == 0 {
		t.Fatal("no function was run again")
	}
	for i, r := range results {
		if r.Err != nil || r.Replayed {
			t.Fatalf("item %d: %v (replayed %v)", i, r.Err, r.Replayed)
		}
		if want := fmt.Sprint(i + 1); r.Waybill.GetNumber()[:13] != fmt.Sprintf("%013s", want) {
			t.Errorf("item %d got number %s, want serial %s: a rolled-back run must not use up numbers", i, r.Waybill.GetNumber(), want)
		}
		w, _, err := e.svc.Allocate(ctx, e.p, "", reqs[i])
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(w, r.Waybill) {
			t.Errorf("item %d replays as %v, was answered %v", i, w, r.Waybill)
		}
		if w.GetOrder().GetReceiver().GetMobile() != "13800138000" {
			t.Errorf("item %d lost its receiver: %v", i, w.GetOrder().GetReceiver())
		}
	}
	if got := len(e.allWaybills(t)); got != len(reqs) {
		t.Errorf("%d waybills stored, want %d", got, len(reqs))
	}
	e.check(t)
}
