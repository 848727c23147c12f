package torture

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// Outcome is what the harness knows of one request's effect on the store.
type Outcome int

const (
	// Unknown: the request was sent and no answer came back (it was in
	// flight at the kill, or failed in transport), so the store may or may
	// not hold its effect. The verifier settles it from the store after
	// the restart, as Resolved or Absent.
	Unknown Outcome = iota
	// Acked: a successful answer came back, so the store must keep the
	// effect whatever happens to the server afterwards.
	Acked
	// Resolved: was Unknown, and the restarted store held the effect; from
	// then on it is held to the same standard as Acked (replays must
	// return it, it must never vanish).
	Resolved
	// Refused: the server answered with a refusal that promises nothing was
	// written (INVALID_ARGUMENT and the like).
	Refused
	// Absent: was Unknown, and the restarted store did not hold it.
	Absent
)

func (o Outcome) String() string {
	return [...]string{"unknown", "acknowledged", "resolved", "refused", "absent"}[o]
}

// committed reports whether the store is known to hold the effect.
func (o Outcome) committed() bool { return o == Acked || o == Resolved }

// Alloc is one allocation the harness sent: a single AllocateWaybill or one
// item of a batch. Its idempotency key never changes, so a replay is the
// same request sent again.
type Alloc struct {
	// Key is the idempotency identity: "r:" + request id, or
	// "o:" + carrier + "/" + order code (package id always the default).
	Key       string
	Carrier   string // carrier code
	OrderCode string
	RequestID string
	Cycle     int
	Batch     bool
	// Invalid marks an item sent with a deliberately broken order: it must
	// be refused and never stored.
	Invalid bool
	Outcome Outcome
	// Refusal is the reason of a refusal, for messages.
	Refusal string

	// Known once committed, from the answer or from the store.
	Name, Number, PreviousHolder string
	CreateTime                   time.Time

	// CancelSent is set once a cancel was sent; Cancel is then its
	// outcome.
	CancelSent  bool
	Cancel      Outcome
	CancelCycle int
}

// live reports whether a committed allocation still holds its number.
func (a *Alloc) live() bool { return !(a.CancelSent && a.Cancel.committed()) }

func (a *Alloc) describe() string {
	s := fmt.Sprintf("order %s (carrier %s", a.OrderCode, a.Carrier)
	if a.RequestID != "" {
		s += ", request id " + a.RequestID
	}
	if a.Batch {
		s += ", batch item"
	}
	return s + fmt.Sprintf(", sent in cycle %d)", a.Cycle)
}

// TopUp is one admin top-up the harness sent.
type TopUp struct {
	RequestID string
	Carrier   string
	Amount    int64
	Cycle     int
	// Seed marks the seeding's top-ups, which the baseline figures
	// already include.
	Seed    bool
	Outcome Outcome
	// Sequence is the ledger entry the top-up wrote, once committed.
	Sequence int64
}

// topUpReason is a top-up's reason, derived from its request id because a
// replay must send the same.
func topUpReason(requestID string) string { return "torture " + requestID }

// Policy is what a carrier's recycle policy lets the harness expect.
type Policy int

const (
	// Void: a cancelled number is never issued again.
	Void Policy = iota
	// Reuse: a cancelled, never-printed number is issued again (the
	// harness sets the quarantine to zero, so at once).
	Reuse
)

// Baseline is a carrier's quota and pool after seeding, when every
// figure is known; the verifier adds what the harness did since.
type Baseline struct {
	Available, Granted, IssuedTotal, LedgerSequence int64
	PoolImported                                    int64
}

// Violation is a broken invariant, with what was expected and what was
// found.
type Violation struct {
	Cycle  int
	What   string
	Detail string
}

func (v Violation) String() string {
	return fmt.Sprintf("cycle %d: %s: %s", v.Cycle, v.What, v.Detail)
}

// Kinds of operation, as counted in the report.
const (
	opAllocate     = "allocate"
	opReplay       = "replay"
	opBatch        = "batch"
	opBatchItem    = "batch item"
	opBatchReplay  = "batch replay item"
	opInvalidItem  = "invalid item"
	opCancel       = "cancel"
	opCancelReplay = "cancel replay"
	opTopUp        = "top-up"
	opTopUpReplay  = "top-up replay"
	// opRaced counts the allocations (single or batch items) sent to
	// several nodes at once; opResent the requests sent to another node
	// after the one they went to was killed with them open.
	opRaced  = "raced key"
	opResent = "resent"
)

// changingOps are the operations that change the store: only they leave
// an outcome to settle when their answer is lost (a lost replay changes
// nothing either way).
var changingOps = []string{opAllocate, opBatchItem, opCancel, opTopUp}

// openTotal is how many changing requests open counts.
func openTotal(open map[string]int) int {
	n := 0
	for _, k := range changingOps {
		n += open[k]
	}
	return n
}

// opKinds lists the kinds in the order reports print them.
var opKinds = []string{opAllocate, opReplay, opBatch, opBatchItem, opBatchReplay, opInvalidItem, opCancel, opCancelReplay, opTopUp, opTopUpReplay,
	opRaced, opResent}

// Model is everything the harness knows the store must hold: what was
// acknowledged, what is still open, what the restarted store settled.
// Workers record into it concurrently during the load; the verifier reads
// and settles it while no worker runs.
type Model struct {
	mu sync.Mutex

	// Merchant is "merchants/{id}".
	Merchant string
	Policies map[string]Policy
	Base     map[string]Baseline

	// allocs holds every allocation sent, by key; all the same in the
	// order they were registered, so that checks run in a repeatable order.
	allocs map[string]*Alloc
	all    []*Alloc
	byName map[string]*Alloc
	// committed holds every committed allocation, for replays to pick
	// from; cancelable those with no cancel sent; cancelled those whose
	// cancel committed.
	committed  []*Alloc
	cancelable []*Alloc
	cancelled  []*Alloc

	topUps          map[string]*TopUp
	topUpList       []*TopUp
	committedTopUps []*TopUp

	// Counts of the current cycle by kind; reset by takeCounts.
	acked, unknown map[string]int
	// Violations seen by workers during the load (a replay answering a
	// different number, say).
	loadViolations []Violation
}

// NewModel returns an empty model for merchant, whose carriers recycle by
// policies.
func NewModel(merchant string, policies map[string]Policy) *Model {
	return &Model{Merchant: merchant, Policies: policies, Base: map[string]Baseline{},
		allocs: map[string]*Alloc{}, byName: map[string]*Alloc{}, topUps: map[string]*TopUp{},
		acked: map[string]int{}, unknown: map[string]int{}}
}

// allocKey is the idempotency identity of an allocation.
func allocKey(carrier, orderCode, requestID string) string {
	if requestID != "" {
		return "r:" + requestID
	}
	return "o:" + carrier + "/" + orderCode
}

// waybillKey is allocKey of a stored waybill.
func waybillKey(w *ewaybillv1.Waybill) string {
	return allocKey(carrierCode(w.GetCarrier()), w.GetOrder().GetOrderCode(), w.GetRequestId())
}

// NewAlloc registers an allocation about to be sent, as Unknown: until an
// answer comes, the store may or may not get it.
func (m *Model) NewAlloc(cycle int, carrier, orderCode, requestID string, batch, invalid bool) *Alloc {
	a := &Alloc{Key: allocKey(carrier, orderCode, requestID), Carrier: carrier, OrderCode: orderCode, RequestID: requestID,
		Cycle: cycle, Batch: batch, Invalid: invalid}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.allocs[a.Key]; dup {
		// Order codes and request ids are made unique by cycle, worker
		// and sequence; a repeat is a bug of the harness, not the server.
		panic("torture: allocation key used twice: " + a.Key)
	}
	m.allocs[a.Key] = a
	m.all = append(m.all, a)
	return a
}

// Answer is what one send of an allocation came to: a waybill, a
// definite refusal, or neither (its outcome is open).
type Answer struct {
	Waybill  *ewaybillv1.Waybill
	Replayed bool
	// Refusal and Message are a definite refusal's reason and message.
	Refusal, Message string
	// Resent says the answer came from another node, to which the request
	// went after the node it was sent to was killed with it open: that
	// node may have allocated it, so a replay is as right as a first
	// allocation.
	Resent bool
}

func (x Answer) open() bool { return x.Waybill == nil && x.Refusal == "" }

// RecordAlloc records what came of a first allocation: the answer of the
// one node it was sent to, or of each node it was sent to at once. Every
// waybill answered must be the same one, and at most one answer the
// allocation itself, the rest replays of it; exactly one unless a send
// stayed open or was resent, since the node that allocated it may be the
// one whose answer was lost. Only a deliberately invalid order may be
// refused, and by every node that answered. With no answer at all, the
// outcome stays open.
func (m *Model) RecordAlloc(a *Alloc, kind string, answers ...Answer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var w *ewaybillv1.Waybill
	var refusal *Answer
	firsts, settled := 0, true
	for i, x := range answers {
		switch {
		case x.open():
			settled = false
			continue
		case x.Refusal != "":
			if refusal == nil {
				refusal = &answers[i]
			}
			continue
		}
		settled = settled && !x.Resent
		if !x.Replayed {
			firsts++
		}
		if w == nil {
			w = x.Waybill
		} else if x.Waybill.GetName() != w.GetName() || x.Waybill.GetNumber() != w.GetNumber() {
			m.loadViolations = append(m.loadViolations, Violation{Cycle: a.Cycle, What: "one idempotency key answered with two waybills",
				Detail: fmt.Sprintf("%s, sent to %d nodes at once, came back as %s (%s) and as %s (%s)",
					a.describe(), len(answers), w.GetName(), w.GetNumber(), x.Waybill.GetName(), x.Waybill.GetNumber())})
		}
	}
	switch {
	case w == nil && refusal == nil:
		m.unknown[kind]++
		return
	case w == nil:
		m.refuseAllocLocked(a, refusal.Refusal, refusal.Message)
		return
	case refusal != nil:
		m.loadViolations = append(m.loadViolations, Violation{Cycle: a.Cycle, What: "nodes disagree on an allocation",
			Detail: fmt.Sprintf("%s was allocated as %s (%s) by one node and refused with %s by another: %s",
				a.describe(), w.GetName(), w.GetNumber(), refusal.Refusal, refusal.Message)})
	}
	switch {
	case firsts > 1:
		m.loadViolations = append(m.loadViolations, Violation{Cycle: a.Cycle, What: "one idempotency key allocated twice",
			Detail: fmt.Sprintf("%s, sent to %d nodes at once, came back as a first allocation (replayed=false) from %d of them, as %s (%s)",
				a.describe(), len(answers), firsts, w.GetName(), w.GetNumber())})
	case firsts == 0 && settled:
		// A key sent for the first time cannot have been allocated before.
		m.loadViolations = append(m.loadViolations, Violation{Cycle: a.Cycle, What: "first allocation answered as a replay",
			Detail: fmt.Sprintf("%s was never sent before, yet came back replayed as %s (%s) from every node it went to", a.describe(), w.GetName(), w.GetNumber())})
	}
	if a.Invalid {
		m.loadViolations = append(m.loadViolations, Violation{Cycle: a.Cycle, What: "invalid order allocated",
			Detail: fmt.Sprintf("%s carries a malformed receiver mobile and must be refused with INVALID_REQUEST, got waybill %s (%s)", a.describe(), w.GetName(), w.GetNumber())})
	}
	a.Outcome = Acked
	m.commitLocked(a, w)
	m.acked[kind]++
	if len(answers) > 1 {
		m.acked[opRaced]++
	}
}

// commitLocked stores what the store says of a committed allocation.
func (m *Model) commitLocked(a *Alloc, w *ewaybillv1.Waybill) {
	a.Name, a.Number, a.PreviousHolder = w.GetName(), w.GetNumber(), w.GetPreviousHolder()
	a.CreateTime = w.GetCreateTime().AsTime()
	m.byName[a.Name] = a
	m.committed = append(m.committed, a)
	if !a.CancelSent {
		m.cancelable = append(m.cancelable, a)
	}
}

// refuseAllocLocked records a definite refusal. Only the deliberately
// invalid items may be refused: the harness keeps quota and pools full,
// so any other refusal is itself a finding.
func (m *Model) refuseAllocLocked(a *Alloc, reason, message string) {
	a.Outcome, a.Refusal = Refused, reason
	if a.Invalid && reason == "INVALID_REQUEST" {
		m.acked[opInvalidItem]++
		return
	}
	m.loadViolations = append(m.loadViolations, Violation{Cycle: a.Cycle, What: "allocation refused",
		Detail: fmt.Sprintf("%s: expected a waybill, got %s: %s", a.describe(), reason, message)})
}

// Count counts an acknowledged operation whose answer needs no record.
func (m *Model) Count(kind string) {
	m.mu.Lock()
	m.acked[kind]++
	m.mu.Unlock()
}

// Lost counts a request whose outcome stays open.
func (m *Model) Lost(kind string, n int) {
	m.mu.Lock()
	m.unknown[kind] += n
	m.mu.Unlock()
}

// AllocView is a copy of a committed allocation's identity and answer,
// safe to use while other workers record.
type AllocView struct {
	Key, Carrier, OrderCode, RequestID string
	Name, Number                       string
}

func (a *Alloc) view() AllocView {
	return AllocView{Key: a.Key, Carrier: a.Carrier, OrderCode: a.OrderCode, RequestID: a.RequestID, Name: a.Name, Number: a.Number}
}

// PickCommitted returns a random committed allocation to replay.
func (m *Model) PickCommitted(rng *rand.Rand) (AllocView, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.committed) == 0 {
		return AllocView{}, false
	}
	return m.committed[rng.IntN(len(m.committed))].view(), true
}

// CheckReplay compares a replay's answer with the first one: the same
// waybill, flagged replayed.
func (m *Model) CheckReplay(cycle int, v AllocView, w *ewaybillv1.Waybill, replayed bool, kind string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if bad := replayMismatch(v, w, replayed); bad != "" {
		m.loadViolations = append(m.loadViolations, Violation{Cycle: cycle, What: "replay during the load answered differently", Detail: bad})
		return
	}
	m.acked[kind]++
}

// replayMismatch describes how a replay's answer differs from the
// committed allocation, "" when it does not.
func replayMismatch(v AllocView, w *ewaybillv1.Waybill, replayed bool) string {
	if replayed && w.GetName() == v.Name && w.GetNumber() == v.Number {
		return ""
	}
	return fmt.Sprintf("order %s (carrier %s, key %s) committed as %s number %s; the replay answered %s number %s with replayed=%v (want the same waybill, replayed=true)",
		v.OrderCode, v.Carrier, v.Key, v.Name, v.Number, w.GetName(), w.GetNumber(), replayed)
}

// RefuseReplay records a replay refused outright, which a committed key
// never may be.
func (m *Model) RefuseReplay(cycle int, v AllocView, reason, message string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loadViolations = append(m.loadViolations, Violation{Cycle: cycle, What: "replay refused",
		Detail: fmt.Sprintf("order %s (carrier %s) committed as %s number %s; its replay was refused with %s: %s", v.OrderCode, v.Carrier, v.Name, v.Number, reason, message)})
}

// TakeCancelable picks a committed, uncancelled allocation and marks its
// cancel as sent (Unknown until answered), so no other worker cancels it.
func (m *Model) TakeCancelable(cycle int, rng *rand.Rand) (*Alloc, AllocView, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.cancelable) == 0 {
		return nil, AllocView{}, false
	}
	i := rng.IntN(len(m.cancelable))
	a := m.cancelable[i]
	last := len(m.cancelable) - 1
	m.cancelable[i] = m.cancelable[last]
	m.cancelable = m.cancelable[:last]
	a.CancelSent, a.Cancel, a.CancelCycle = true, Unknown, cycle
	return a, a.view(), true
}

// AckCancel records the answer to a first cancel; resent says it came
// from another node after the one the cancel went to was killed with it
// open, so it may be a replay of that node's cancel.
func (m *Model) AckCancel(a *Alloc, w *ewaybillv1.Waybill, replayed, resent bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if bad := cancelMismatch(a, m.Policies[a.Carrier], w, resent && replayed, replayed); bad != "" {
		m.loadViolations = append(m.loadViolations, Violation{Cycle: a.CancelCycle, What: "cancel answered wrongly", Detail: bad})
	}
	a.Cancel = Acked
	m.cancelled = append(m.cancelled, a)
	m.acked[opCancel]++
}

// cancelMismatch describes how a cancel's answer is wrong for a, "" when
// it is right: the same waybill, CANCELLED, one unit credited, the number
// disposed of by the carrier's policy, replayed as expected.
func cancelMismatch(a *Alloc, policy Policy, w *ewaybillv1.Waybill, wantReplayed, replayed bool) string {
	want := ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_VOIDED
	if policy == Reuse {
		want = ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_QUEUED_FOR_REUSE
	}
	c := w.GetCancellation()
	if w.GetName() == a.Name && w.GetState() == ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED && replayed == wantReplayed &&
		c.GetQuotaCredited() == 1 && c.GetNumberDisposition() == want {
		return ""
	}
	return fmt.Sprintf("cancel of %s (%s, %s): want %s CANCELLED, 1 unit credited, %s, replayed=%v; got %s %s, %d credited, %s, replayed=%v",
		a.Name, a.Number, a.describe(), a.Name, want, wantReplayed, w.GetName(), w.GetState(), c.GetQuotaCredited(), c.GetNumberDisposition(), replayed)
}

// RefuseCancel records a refused cancel: nothing the harness cancels is
// ever picked up, so no refusal is expected.
func (m *Model) RefuseCancel(a *Alloc, reason, message string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a.Cancel = Refused
	m.loadViolations = append(m.loadViolations, Violation{Cycle: a.CancelCycle, What: "cancel refused",
		Detail: fmt.Sprintf("cancel of %s (%s, %s) was refused with %s: %s", a.Name, a.Number, a.describe(), reason, message)})
}

// PickCancelled returns a committed cancel to send again.
func (m *Model) PickCancelled(rng *rand.Rand) (*Alloc, AllocView, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.cancelled) == 0 {
		return nil, AllocView{}, false
	}
	a := m.cancelled[rng.IntN(len(m.cancelled))]
	return a, a.view(), true
}

// CheckCancelReplay checks the answer to a cancel sent again: the first
// cancellation, replayed, nothing credited twice.
func (m *Model) CheckCancelReplay(cycle int, a *Alloc, w *ewaybillv1.Waybill, replayed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if bad := cancelMismatch(a, m.Policies[a.Carrier], w, true, replayed); bad != "" {
		m.loadViolations = append(m.loadViolations, Violation{Cycle: cycle, What: "cancel replay answered wrongly", Detail: bad})
		return
	}
	m.acked[opCancelReplay]++
}

// NewTopUp registers a top-up about to be sent, as Unknown.
func (m *Model) NewTopUp(cycle int, requestID, carrier string, amount int64, seed bool) *TopUp {
	t := &TopUp{RequestID: requestID, Carrier: carrier, Amount: amount, Cycle: cycle, Seed: seed}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.topUps[requestID]; dup {
		panic("torture: top-up request id used twice: " + requestID)
	}
	m.topUps[requestID] = t
	m.topUpList = append(m.topUpList, t)
	return t
}

// AckTopUp records the answer to a first top-up; resent as for
// AckCancel.
func (m *Model) AckTopUp(t *TopUp, e *ewaybillv1.LedgerEntry, replayed, resent bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if replayed && !resent || e.GetDelta() != t.Amount || e.GetRequestId() != t.RequestID {
		m.loadViolations = append(m.loadViolations, Violation{Cycle: t.Cycle, What: "top-up answered wrongly",
			Detail: fmt.Sprintf("first top-up %s of %d on %s: got entry %s delta %d request id %q, replayed=%v (want a new entry of %d, replayed=false)",
				t.RequestID, t.Amount, t.Carrier, e.GetName(), e.GetDelta(), e.GetRequestId(), replayed, t.Amount)})
	}
	t.Outcome, t.Sequence = Acked, e.GetSequence()
	m.committedTopUps = append(m.committedTopUps, t)
	if !t.Seed {
		m.acked[opTopUp]++
	}
}

// RefuseTopUp records a refused top-up; the harness sends only valid ones.
func (m *Model) RefuseTopUp(t *TopUp, reason, message string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t.Outcome = Refused
	m.loadViolations = append(m.loadViolations, Violation{Cycle: t.Cycle, What: "top-up refused",
		Detail: fmt.Sprintf("top-up %s of %d on %s was refused with %s: %s", t.RequestID, t.Amount, t.Carrier, reason, message)})
}

// TopUpView is a copy of a committed top-up.
type TopUpView struct {
	RequestID, Carrier string
	Amount, Sequence   int64
}

func (t *TopUp) view() TopUpView {
	return TopUpView{RequestID: t.RequestID, Carrier: t.Carrier, Amount: t.Amount, Sequence: t.Sequence}
}

// PickTopUp returns a committed top-up to send again.
func (m *Model) PickTopUp(rng *rand.Rand) (TopUpView, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.committedTopUps) == 0 {
		return TopUpView{}, false
	}
	return m.committedTopUps[rng.IntN(len(m.committedTopUps))].view(), true
}

// topUpReplayMismatch describes how a top-up replay's answer differs from
// the first top-up, "" when it does not.
func topUpReplayMismatch(t TopUpView, e *ewaybillv1.LedgerEntry, replayed bool) string {
	if replayed && e.GetSequence() == t.Sequence && e.GetDelta() == t.Amount {
		return ""
	}
	return fmt.Sprintf("top-up %s of %d on %s committed as ledger entry %d; sending it again answered entry %d (delta %d) with replayed=%v (want entry %d, replayed=true: a second credit)",
		t.RequestID, t.Amount, t.Carrier, t.Sequence, e.GetSequence(), e.GetDelta(), replayed, t.Sequence)
}

// CheckTopUpReplay checks the answer to a top-up sent again.
func (m *Model) CheckTopUpReplay(cycle int, t TopUpView, e *ewaybillv1.LedgerEntry, replayed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if bad := topUpReplayMismatch(t, e, replayed); bad != "" {
		m.loadViolations = append(m.loadViolations, Violation{Cycle: cycle, What: "top-up replay answered wrongly", Detail: bad})
		return
	}
	m.acked[opTopUpReplay]++
}

// AddViolation records a violation found outside the recording methods.
func (m *Model) AddViolation(v Violation) {
	m.mu.Lock()
	m.loadViolations = append(m.loadViolations, v)
	m.mu.Unlock()
}

// takeCounts returns the cycle's counts and starts the next cycle's.
func (m *Model) takeCounts() (acked, unknown map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	acked, unknown = m.acked, m.unknown
	m.acked, m.unknown = map[string]int{}, map[string]int{}
	return acked, unknown
}

// Waybills returns how many allocations are committed and how many of
// them hold a number another, cancelled waybill held before.
func (m *Model) Waybills() (n, reused int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.committed {
		if a.PreviousHolder != "" {
			reused++
		}
	}
	return len(m.committed), reused
}
