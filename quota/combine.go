package quota

import (
	"cmp"
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/storage"
)

// maxGroupItems bounds the allocations one group commits, so that a burst
// cannot make one transaction (and its commit) arbitrarily large.
const maxGroupItems = 1000

// allocation is one Allocate or BatchAllocate call's checked items waiting
// to be committed: todo indexes the items that still need a number, and
// results receives their outcomes.
type allocation struct {
	ctx        context.Context
	p          access.Principal
	merchantID string
	items      []item
	todo       []int
	results    []Result
	err        error
	done       chan struct{}
	// ready is closed when the caller has prepared the waybills of its
	// valid items (prepareErr says if that failed); a group waits for it
	// before it runs.
	ready      chan struct{}
	prepareErr error
}

// combiner gathers the allocations that arrive while a group is being
// committed into the next group, which runs as one Batch function over one
// session. The store's group commit already shares the fsync between
// calls; this also shares the reads and writes of the merchant, quota,
// pool and range that every allocation of a peak touches, which are most
// of an allocation's work inside the single-writer transaction. Groups run
// one at a time, so the next one fills while the last commits.
type combiner struct {
	mu      sync.Mutex
	pending []*allocation
	running bool
}

// enqueue adds a and gives each of its valid items the record its waybill
// will be stored as; it reports whether the caller must lead, i.e. run the
// groups, because no one is running them. Ids are time-ordered (UUIDv7,
// increasing within the process) and given here, in queue order, which is
// the order groups commit in: so a waybill's id is above those of every
// waybill committed before it, and a listing that pages through ids while
// allocations go on never skips one.
func (c *combiner) enqueue(a *allocation) (lead bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, i := range a.todo {
		if a.items[i].invalid == nil {
			a.items[i].ref = storage.WaybillRef{MerchantID: a.merchantID, ID: uuid.Must(uuid.NewV7()).String()}
		}
	}
	c.pending = append(c.pending, a)
	lead = !c.running
	c.running = true
	return lead
}

// next takes the next group: pending allocations up to maxGroupItems, at
// least one. With nothing pending it returns nil and stops running.
func (c *combiner) next() []*allocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		c.running = false
		return nil
	}
	n, items := 0, 0
	for n < len(c.pending) && (n == 0 || items+len(c.pending[n].todo) <= maxGroupItems) {
		items += len(c.pending[n].todo)
		n++
	}
	group := c.pending[:n:n]
	c.pending = c.pending[n:]
	return group
}

// commit issues numbers for a's todo items and waits until they are
// committed (or have failed). The caller that finds no group running runs
// the first (which holds its own allocation) and hands the rest to a
// goroutine that runs groups until none is pending, so no caller waits for
// other callers' groups after its own is done.
func (s *Service) commit(ctx context.Context, a *allocation) error {
	a.done, a.ready = make(chan struct{}), make(chan struct{})
	lead := s.combiner.enqueue(a)
	s.prepareWaybills(a)
	if lead {
		s.runGroup(s.combiner.next())
		go func() {
			for group := s.combiner.next(); group != nil; group = s.combiner.next() {
				s.runGroup(group)
			}
		}()
	}
	<-a.done
	return a.err
}

// prepareWaybills builds the waybill of each of a's valid items and has
// the store encode and seal it for its record (Store.PrepareWaybill),
// here, in the caller's goroutine, so that the single writer only inserts
// it. Then a may run.
func (s *Service) prepareWaybills(a *allocation) {
	defer close(a.ready)
	for _, i := range a.todo {
		it := &a.items[i]
		if it.invalid != nil {
			continue
		}
		it.waybill = newWaybill(it.ref, a.p, *it)
		it.prepared, a.prepareErr = s.Store.PrepareWaybill(it.ref, it.waybill)
		if a.prepareErr != nil {
			return
		}
	}
}

// runGroup commits group's allocations in one Batch function and tells
// each its outcome. If the function fails, each allocation is retried in a
// group of its own, so one failure gets its own verdict and does not fail
// the others. Allocations whose callers have gone are dropped unrun.
func (s *Service) runGroup(group []*allocation) {
	live := group[:0:0]
	for _, a := range group {
		<-a.ready
		if err := cmp.Or(a.prepareErr, a.ctx.Err()); err != nil {
			a.err = err
			close(a.done)
			continue
		}
		live = append(live, a)
	}
	if len(live) == 0 {
		return
	}
	var sess *session
	// Once queued in the store, the group is waited for whatever happens
	// to any one caller.
	err := s.batchLocked(context.Background(), func() []string { return quotaLocks(live) }, func(tx storage.Tx) error {
		sess = s.newSession(tx)
		for _, a := range live {
			acct := sess.account(a.merchantID)
			for _, i := range a.todo {
				a.results[i] = Result{}
				if err := s.allocateOne(sess, acct, a.p, a.items[i], &a.results[i]); err != nil {
					return err
				}
			}
		}
		return sess.flush()
	})
	if err != nil && len(live) > 1 {
		for _, a := range live {
			s.runGroup([]*allocation{a})
		}
		return
	}
	if err == nil {
		sess.committed()
	}
	for _, a := range live {
		a.err = err
		close(a.done)
	}
}

// quotaLocks names, once each, the quotas group's allocations may
// charge. Nodes over one database that charge the same quota would abort
// each other's transactions; holding these while committing makes them
// take turns.
func quotaLocks(group []*allocation) []string {
	var keys []string
	seen := map[string]bool{}
	for _, a := range group {
		for _, i := range a.todo {
			it := a.items[i]
			if it.invalid != nil || it.code == "" {
				continue
			}
			if key := "quota/" + a.merchantID + "/" + it.code; !seen[key] {
				seen[key] = true
				keys = append(keys, key)
			}
		}
	}
	return keys
}

// batchLocked is Store.Batch holding locks on the keys locks names where
// the store is shared by several nodes (storage.KeyLocker); a store of one
// process has one writer, which needs none, so locks is not called there.
func (s *Service) batchLocked(ctx context.Context, locks func() []string, fn func(storage.Tx) error) error {
	if l, ok := s.Store.(storage.KeyLocker); ok {
		if keys := locks(); len(keys) > 0 {
			return l.BatchLocked(ctx, keys, fn)
		}
	}
	return s.Store.Batch(ctx, fn)
}
