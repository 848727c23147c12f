package torture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// sinceMargin is taken off the load's start for the incremental listing,
// so that a clock stepping back cannot hide a new waybill; the older
// waybills it lets in are recognised by name.
const sinceMargin = 2 * time.Second

// Sample sizes of the older records checked again each cycle: the full
// listing covers all of them only every FullEvery cycles, these catch an
// old record going missing sooner.
const (
	olderReplays       = 40
	olderFetches       = 40
	cycleCancelReplays = 50
	olderCancelReplays = 10
	olderTopUpReplays  = 5
	// singleReplays are sent one by one, the rest in batches of batchMax.
	singleReplays = 5
	batchMax      = 100
	observeCalls  = 4
)

// observe reads what the verifier needs from the restarted server, which
// nothing else is using: the waybills (all, or those created since), the
// replays of the cycle's allocations, top-ups and cancels and of a sample
// of older ones, every top-up entry, and last the quotas and pools.
func observe(ctx context.Context, cl clients, m *Model, cycle int, since time.Time, full bool, rng *rand.Rand) (*Observation, error) {
	obs := &Observation{Full: full, Fetched: map[string]*ewaybillv1.Waybill{},
		Quotas: map[string]*ewaybillv1.Quota{}, Pools: map[string]*ewaybillv1.Pool{}}
	var err error
	if obs.Waybills, err = listWaybills(ctx, cl, m.Merchant, since, full); err != nil {
		return nil, err
	}
	if obs.TopUpEntries, err = listTopUps(ctx, cl, m.Merchant); err != nil {
		return nil, err
	}
	plan := m.plan(cycle, obs, rng)

	// Names to fetch one by one.
	var mu sync.Mutex
	err = parallel(len(plan.fetch), func(i int) error {
		name := plan.fetch[i]
		resp, err := cl.waybills.GetWaybill(cl.merchant, &ewaybillv1.GetWaybillRequest{Name: name})
		if status.Code(err) == codes.NotFound {
			resp, err = nil, nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		mu.Lock()
		obs.Fetched[name] = resp.GetWaybill()
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	obs.Replays = replayAll(cl, m.Merchant, plan.replays)
	obs.TopUpReplays = make([]TopUpReplay, len(plan.topUps))
	parallel(len(plan.topUps), func(i int) error {
		t := plan.topUps[i]
		r := TopUpReplay{RequestID: t.RequestID}
		resp, err := cl.quotas.TopUpQuota(cl.admin, topUpRequest(m.Merchant, t.RequestID, t.Carrier, t.Amount))
		if err != nil {
			r.Err = err.Error()
		} else {
			r.Entry, r.Replayed = resp.GetEntry(), resp.GetReplayed()
		}
		obs.TopUpReplays[i] = r
		return nil
	})
	obs.CancelReplays = make([]CancelReplay, len(plan.cancels))
	parallel(len(plan.cancels), func(i int) error {
		name := plan.cancels[i]
		r := CancelReplay{Name: name}
		resp, err := cl.waybills.CancelWaybill(cl.merchant, &ewaybillv1.CancelWaybillRequest{Name: name, Reason: "torture cancel"})
		if err != nil {
			r.Err = err.Error()
		} else {
			r.Waybill, r.Replayed = resp.GetWaybill(), resp.GetReplayed()
		}
		obs.CancelReplays[i] = r
		return nil
	})
	// The figures are read after the replays, which must have changed
	// nothing; if one did, the verifier reports it.
	if full {
		obs.Ledgers = map[string]LedgerSum{}
		for _, code := range carrierCodes {
			sum, err := sumLedger(ctx, cl, m.Merchant+"/quotas/"+code)
			if err != nil {
				return nil, err
			}
			obs.Ledgers[code] = sum
		}
	}
	for _, code := range carrierCodes {
		q, err := cl.quotas.GetQuota(cl.merchant, &ewaybillv1.GetQuotaRequest{Name: m.Merchant + "/quotas/" + code})
		if err != nil {
			return nil, fmt.Errorf("read the quota of %s: %w", code, err)
		}
		p, err := cl.pools.GetPool(cl.admin, &ewaybillv1.GetPoolRequest{Name: "carriers/" + code + "/pool"})
		if err != nil {
			return nil, fmt.Errorf("read the pool of %s: %w", code, err)
		}
		obs.Quotas[code], obs.Pools[code] = q.GetQuota(), p.GetPool()
	}
	return obs, nil
}

// listWaybills lists the merchant's waybills, all or those created since
// the load began.
func listWaybills(ctx context.Context, cl clients, merchant string, since time.Time, full bool) ([]*ewaybillv1.Waybill, error) {
	req := &ewaybillv1.ListWaybillsRequest{Parent: merchant, PageSize: 1000}
	if !full {
		req.CreateTimeStart = timestamppb.New(since.Add(-sinceMargin))
	}
	var out []*ewaybillv1.Waybill
	for {
		resp, err := cl.waybills.ListWaybills(cl.merchant, req)
		if err != nil {
			return nil, fmt.Errorf("list waybills: %w", err)
		}
		out = append(out, resp.GetWaybills()...)
		if resp.GetNextPageToken() == "" {
			return out, ctx.Err()
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// listTopUps lists every TOP_UP entry of the merchant's ledgers.
func listTopUps(ctx context.Context, cl clients, merchant string) ([]*ewaybillv1.LedgerEntry, error) {
	req := &ewaybillv1.ListLedgerEntriesRequest{Parent: merchant + "/quotas/-", PageSize: 1000,
		Type: ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_TOP_UP}
	var out []*ewaybillv1.LedgerEntry
	for {
		resp, err := cl.quotas.ListLedgerEntries(cl.admin, req)
		if err != nil {
			return nil, fmt.Errorf("list top-up ledger entries: %w", err)
		}
		out = append(out, resp.GetEntries()...)
		if resp.GetNextPageToken() == "" {
			return out, ctx.Err()
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// sumLedger reads a quota's whole ledger through the API and adds it up.
func sumLedger(ctx context.Context, cl clients, quota string) (LedgerSum, error) {
	var sum LedgerSum
	req := &ewaybillv1.ListLedgerEntriesRequest{Parent: quota, PageSize: 1000}
	for {
		resp, err := cl.quotas.ListLedgerEntries(cl.merchant, req)
		if err != nil {
			return sum, fmt.Errorf("list the ledger of %s: %w", quota, err)
		}
		for _, e := range resp.GetEntries() {
			sum.Entries++
			sum.Sum += e.GetDelta()
			if e.GetSequence() != sum.Entries && sum.Gap == "" {
				sum.Gap = fmt.Sprintf("entry %d follows entry %d", e.GetSequence(), sum.Entries-1)
			}
			sum.LastBalance = e.GetBalanceAfter()
		}
		if resp.GetNextPageToken() == "" {
			return sum, ctx.Err()
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// replayAll sends allocations again: a few one by one, the rest in
// batches, as clients retry both ways.
func replayAll(cl clients, merchant string, vs []AllocView) []Replay {
	out := make([]Replay, len(vs))
	singles := min(singleReplays, len(vs))
	parallel(singles, func(i int) error {
		r := Replay{Key: vs[i].Key}
		resp, err := cl.waybills.AllocateWaybill(cl.merchant, allocRequest(merchant, vs[i]))
		if err != nil {
			r.Err = err.Error()
		} else {
			r.Waybill, r.Replayed = resp.GetWaybill(), resp.GetReplayed()
		}
		out[i] = r
		return nil
	})
	rest := vs[singles:]
	chunks := (len(rest) + batchMax - 1) / batchMax
	parallel(chunks, func(c int) error {
		lo, hi := c*batchMax, min((c+1)*batchMax, len(rest))
		req := &ewaybillv1.BatchAllocateWaybillsRequest{Parent: merchant}
		for _, v := range rest[lo:hi] {
			r := allocRequest(merchant, v)
			req.Items = append(req.Items, &ewaybillv1.BatchAllocateWaybillsItem{Carrier: r.GetCarrier(), Order: r.GetOrder(), RequestId: r.GetRequestId()})
		}
		resp, err := cl.waybills.BatchAllocateWaybills(cl.merchant, req)
		for k, v := range rest[lo:hi] {
			r := Replay{Key: v.Key}
			switch {
			case err != nil:
				r.Err = "batch: " + err.Error()
			case k >= len(resp.GetResults()):
				r.Err = fmt.Sprintf("batch of %d items answered only %d results", hi-lo, len(resp.GetResults()))
			case resp.GetResults()[k].GetError() != nil:
				e := resp.GetResults()[k].GetError()
				r.Err = e.GetReason() + ": " + e.GetMessage()
			default:
				r.Waybill, r.Replayed = resp.GetResults()[k].GetWaybill(), resp.GetResults()[k].GetReplayed()
			}
			out[singles+lo+k] = r
		}
		return nil
	})
	return out
}

// parallel runs fn(0..n-1) on observeCalls goroutines and returns the
// first error.
func parallel(n int, fn func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next int
	)
	for range min(observeCalls, n) {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// observation plan: what to fetch and send again.
type plan struct {
	fetch   []string
	replays []AllocView
	topUps  []TopUpView
	cancels []string
}

// plan chooses, from the model and the listings, what the observation
// reads one by one and what it sends again: everything the cycle committed
// or may have committed (what the listings show of its open requests),
// and a random sample of older records.
func (m *Model) plan(cycle int, obs *Observation, rng *rand.Rand) plan {
	m.mu.Lock()
	defer m.mu.Unlock()
	var p plan
	listed := map[string]bool{}
	listedKeys := map[string]bool{}
	for _, w := range obs.Waybills {
		listed[w.GetName()] = true
		listedKeys[waybillKey(w)] = true
	}
	for _, a := range m.all {
		if a.Cycle != cycle || a.Invalid {
			continue
		}
		if a.Outcome.committed() || a.Outcome == Unknown && listedKeys[a.Key] {
			p.replays = append(p.replays, a.view())
		}
	}
	for _, a := range m.committed {
		// A waybill created earlier and cancelled (or not) by a cancel of
		// this cycle is outside the incremental listing: read it by name.
		if a.CancelSent && a.CancelCycle == cycle && !listed[a.Name] {
			p.fetch = append(p.fetch, a.Name)
		}
	}
	older := func(a *Alloc) bool { return a.Cycle < cycle }
	for _, a := range sample(m.committed, olderFetches, rng, older) {
		if !listed[a.Name] && !slices.Contains(p.fetch, a.Name) {
			p.fetch = append(p.fetch, a.Name)
		}
	}
	for _, a := range sample(m.committed, olderReplays, rng, older) {
		p.replays = append(p.replays, a.view())
	}
	entryIDs := map[string]bool{}
	for _, e := range obs.TopUpEntries {
		entryIDs[e.GetRequestId()] = true
	}
	for _, t := range m.topUpList {
		if t.Cycle == cycle && (t.Outcome.committed() || t.Outcome == Unknown && entryIDs[t.RequestID]) {
			// An open top-up the ledger shows is replayed with what was
			// sent; the verifier settles it first.
			p.topUps = append(p.topUps, TopUpView{RequestID: t.RequestID, Carrier: t.Carrier, Amount: t.Amount, Sequence: t.Sequence})
		}
	}
	for _, t := range sample(m.committedTopUps, olderTopUpReplays, rng, func(t *TopUp) bool { return t.Cycle < cycle }) {
		p.topUps = append(p.topUps, t.view())
	}
	thisCycle := func(a *Alloc) bool { return a.CancelCycle == cycle && a.Cancel == Acked }
	for _, a := range sample(m.cancelled, cycleCancelReplays, rng, thisCycle) {
		p.cancels = append(p.cancels, a.Name)
	}
	for _, a := range sample(m.cancelled, olderCancelReplays, rng, func(a *Alloc) bool { return a.CancelCycle < cycle }) {
		p.cancels = append(p.cancels, a.Name)
	}
	return p
}

// sample returns up to n distinct elements of xs for which keep holds,
// chosen at random.
func sample[T any](xs []T, n int, rng *rand.Rand, keep func(T) bool) []T {
	var pool []T
	for _, x := range xs {
		if keep(x) {
			pool = append(pool, x)
		}
	}
	if len(pool) <= n {
		return pool
	}
	for i := range n {
		j := i + rng.IntN(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	return pool[:n]
}
