package torture

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// The verifier is tested on fabricated observations: a consistent one must
// pass and settle the open outcomes, and each kind of damage a crash could
// do must be reported by name.

const merchant = "merchants/m1"

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// waybill fabricates a stored waybill.
func waybill(id, number, carrier, orderCode, requestID string, created int) *ewaybillv1.Waybill {
	return &ewaybillv1.Waybill{Name: merchant + "/waybills/" + id, Number: number, Carrier: "carriers/" + carrier,
		Order: orderFor(orderCode, false), RequestId: requestID, State: ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED,
		CreateTime: timestamppb.New(t0.Add(time.Duration(created) * time.Millisecond))}
}

// cancelled returns w as cancelled under policy.
func cancelled(w *ewaybillv1.Waybill, policy Policy) *ewaybillv1.Waybill {
	c := proto.Clone(w).(*ewaybillv1.Waybill)
	c.State = ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED
	c.Cancellation = &ewaybillv1.Cancellation{QuotaCredited: 1, NumberDisposition: ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_VOIDED}
	if policy == Reuse {
		c.Cancellation.NumberDisposition = ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_QUEUED_FOR_REUSE
	}
	return c
}

func entry(carrier string, seq, delta int64, requestID string) *ewaybillv1.LedgerEntry {
	return &ewaybillv1.LedgerEntry{Name: merchant + "/quotas/" + carrier + "/ledgerEntries/" + strconv.FormatInt(seq, 10), Sequence: seq,
		Type: ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_TOP_UP, Delta: delta, RequestId: requestID}
}

// sendCancel marks a's cancel as sent, as TakeCancelable does for the
// allocation it happens to pick.
func sendCancel(t *testing.T, m *Model, a *Alloc) {
	t.Helper()
	i := slices.Index(m.cancelable, a)
	if i < 0 {
		t.Fatalf("%s is not cancelable", a.Key)
	}
	m.cancelable = slices.Delete(m.cancelable, i, i+1)
	a.CancelSent, a.Cancel, a.CancelCycle = true, Unknown, 1
}

// scenario is one cycle of a small run, as the workers would have
// recorded it, and an observation of a store that kept everything:
//   - w1 (TV, acknowledged, then its cancel acknowledged: voided);
//   - w2 (TR, request id, acknowledged);
//   - w3 (TV, answer lost; the store has it);
//   - T1-4 (TR, answer lost; the store does not have it);
//   - top-up tu-1 (TV, 10, acknowledged as entry 4);
//   - top-up tu-2 (TR, 5, answer lost; the ledger has it as entry 3).
//
// The hand-computed figures: TV spent 2 units, got 1 back and 10 topped
// up; TR spent 1 and got 5.
type scenario struct {
	m                  *Model
	obs                *Observation
	w1, w2, w3         *ewaybillv1.Waybill
	a1, a2, a3, a4     *Alloc
	tu1, tu2           *TopUp
	w1Cancelled        *ewaybillv1.Waybill
	tu1Entry, tu2Entry *ewaybillv1.LedgerEntry
}

func newScenario(t *testing.T) *scenario {
	t.Helper()
	s := &scenario{m: NewModel(merchant, map[string]Policy{voidCarrier: Void, reuseCarrier: Reuse})}
	m := s.m
	for _, code := range carrierCodes {
		m.Base[code] = Baseline{Available: 1000, Granted: 1000, LedgerSequence: 1, PoolImported: 100}
	}
	s.w1 = waybill("w1", "TV1", voidCarrier, "T1-0-0", "", 1)
	s.w2 = waybill("w2", "TR1", reuseCarrier, "T1-0-1", "rq-1-0-1", 2)
	s.w3 = waybill("w3", "TV2", voidCarrier, "T1-1-0", "", 3)
	s.w1Cancelled = cancelled(s.w1, Void)

	s.a1 = m.NewAlloc(1, voidCarrier, "T1-0-0", "", false, false)
	m.RecordAlloc(s.a1, opAllocate, Answer{Waybill: s.w1})
	s.a2 = m.NewAlloc(1, reuseCarrier, "T1-0-1", "rq-1-0-1", false, false)
	m.RecordAlloc(s.a2, opAllocate, Answer{Waybill: s.w2})
	s.a3 = m.NewAlloc(1, voidCarrier, "T1-1-0", "", true, false)
	s.a4 = m.NewAlloc(1, reuseCarrier, "T1-1-1", "", false, false)
	sendCancel(t, m, s.a1)
	m.AckCancel(s.a1, s.w1Cancelled, false, false)
	s.tu1 = m.NewTopUp(1, "tu-1", voidCarrier, 10, false)
	s.tu1Entry = entry(voidCarrier, 4, 10, "tu-1")
	m.AckTopUp(s.tu1, s.tu1Entry, false, false)
	s.tu2 = m.NewTopUp(1, "tu-2", reuseCarrier, 5, false)
	s.tu2Entry = entry(reuseCarrier, 3, 5, "tu-2")

	s.obs = &Observation{
		Waybills: []*ewaybillv1.Waybill{s.w1Cancelled, s.w2, s.w3},
		Fetched:  map[string]*ewaybillv1.Waybill{},
		Replays: []Replay{
			{Key: s.a1.Key, Waybill: s.w1Cancelled, Replayed: true},
			{Key: s.a2.Key, Waybill: s.w2, Replayed: true},
			{Key: s.a3.Key, Waybill: s.w3, Replayed: true},
		},
		TopUpEntries:  []*ewaybillv1.LedgerEntry{s.tu1Entry, s.tu2Entry},
		TopUpReplays:  []TopUpReplay{{RequestID: "tu-1", Entry: s.tu1Entry, Replayed: true}},
		CancelReplays: []CancelReplay{{Name: s.w1.GetName(), Waybill: s.w1Cancelled, Replayed: true}},
		Quotas: map[string]*ewaybillv1.Quota{
			voidCarrier: {Name: merchant + "/quotas/TV", Available: 1000 + 10 - 2 + 1, Granted: 1010, Live: 1,
				IssuedTotal: 2, Cancelled: 1, LedgerSequence: 1 + 2 + 1 + 1},
			reuseCarrier: {Name: merchant + "/quotas/TR", Available: 1000 + 5 - 1, Granted: 1005, Live: 1,
				IssuedTotal: 1, LedgerSequence: 1 + 1 + 1},
		},
		Pools: map[string]*ewaybillv1.Pool{
			voidCarrier:  {Imported: 100, Issued: 1, Voided: 1},
			reuseCarrier: {Imported: 100, Issued: 1},
		},
	}
	return s
}

// wantViolation runs Verify and fails unless one violation's What is what
// (and its detail holds each of details).
func wantViolation(t *testing.T, s *scenario, graceful bool, what string, details ...string) Verdict {
	t.Helper()
	v := s.m.Verify(1, s.obs, graceful)
	for _, x := range v.Violations {
		if x.What != what {
			continue
		}
		ok := true
		for _, d := range details {
			ok = ok && strings.Contains(x.Detail, d)
		}
		if ok {
			return v
		}
	}
	t.Fatalf("want violation %q (mentioning %q), got %d:\n%s", what, details, len(v.Violations), violationList(v.Violations))
	return v
}

func violationList(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("  " + v.String() + "\n")
	}
	return b.String()
}

func TestVerifyConsistentStorePassesAndSettlesOpenOutcomes(t *testing.T) {
	s := newScenario(t)
	v := s.m.Verify(1, s.obs, false)
	if len(v.Violations) > 0 {
		t.Fatalf("a store that kept everything was reported:\n%s", violationList(v.Violations))
	}
	if s.a3.Outcome != Resolved || s.a3.Number != "TV2" || s.a4.Outcome != Absent {
		t.Errorf("open allocations settled as %s %q and %s; want resolved TV2 and absent", s.a3.Outcome, s.a3.Number, s.a4.Outcome)
	}
	if s.tu2.Outcome != Resolved || s.tu2.Sequence != 3 {
		t.Errorf("open top-up settled as %s entry %d; want resolved entry 3", s.tu2.Outcome, s.tu2.Sequence)
	}
	if v.Resolved != 2 || v.Absent != 1 {
		t.Errorf("verdict counts %d resolved, %d absent; want 2 and 1", v.Resolved, v.Absent)
	}
}

func TestVerifyReportsMissingAcknowledgedAllocation(t *testing.T) {
	s := newScenario(t)
	s.obs.Waybills = []*ewaybillv1.Waybill{s.w1Cancelled, s.w3} // w2 lost
	wantViolation(t, s, false, "acknowledged allocation missing", "T1-0-1", "TR1")
}

func TestVerifyReportsMissingAcknowledgedAllocationOnFetch(t *testing.T) {
	s := newScenario(t)
	s.obs.Waybills = []*ewaybillv1.Waybill{s.w2, s.w3}
	s.obs.Fetched[s.w1.GetName()] = nil // an older waybill read by name: NOT_FOUND
	wantViolation(t, s, false, "acknowledged allocation missing", "NOT_FOUND")
}

func TestVerifyReportsChangedNumber(t *testing.T) {
	s := newScenario(t)
	moved := proto.Clone(s.w2).(*ewaybillv1.Waybill)
	moved.Number = "TR9"
	s.obs.Waybills[1] = moved
	wantViolation(t, s, false, "acknowledged allocation changed", "TR1", "TR9")
}

func TestVerifyReportsDuplicateNumber(t *testing.T) {
	s := newScenario(t)
	// The open allocation came back holding w2's number while w2 is live.
	dup := waybill("w4", "TR1", reuseCarrier, "T1-1-1", "", 4)
	s.obs.Waybills = append(s.obs.Waybills, dup)
	wantViolation(t, s, false, "number held by two live waybills", "TR/TR1")
}

func TestVerifyReportsVoidedNumberReissued(t *testing.T) {
	s := newScenario(t)
	// w3 took w1's number; w1 is cancelled, but its carrier voids numbers.
	again := waybill("w3", "TV1", voidCarrier, "T1-1-0", "", 3)
	s.obs.Waybills[2] = again
	s.obs.Replays[2].Waybill = again
	wantViolation(t, s, false, "voided number issued again", "TV/TV1")
}

func TestVerifyChecksReuseChain(t *testing.T) {
	build := func(t *testing.T, prev string) *scenario {
		s := newScenario(t)
		sendCancel(t, s.m, s.a2)
		c := cancelled(s.w2, Reuse)
		s.m.AckCancel(s.a2, c, false, false)
		s.obs.Waybills[1] = c
		s.obs.Replays[1].Waybill = c
		// The lost allocation T1-1-1 was stored with w2's recycled number.
		reused := waybill("w4", "TR1", reuseCarrier, "T1-1-1", "", 4)
		reused.PreviousHolder = prev
		s.obs.Waybills = append(s.obs.Waybills, reused)
		q, p := s.obs.Quotas[reuseCarrier], s.obs.Pools[reuseCarrier]
		// TR: 2 spent, 1 credited back, its number reissued.
		q.Available, q.Live, q.IssuedTotal, q.Cancelled, q.Recycled, q.LedgerSequence = 1000+5-2+1, 1, 2, 1, 1, 1+2+1+1
		p.Issued, p.AwaitingReuse = 1, 0
		return s
	}
	t.Run("consistent", func(t *testing.T) {
		s := build(t, merchant+"/waybills/w2")
		if v := s.m.Verify(1, s.obs, false); len(v.Violations) > 0 {
			t.Fatalf("a correctly reused number was reported:\n%s", violationList(v.Violations))
		}
	})
	t.Run("previous holder missing", func(t *testing.T) {
		s := build(t, "")
		wantViolation(t, s, false, "reused number's previous holder wrong", "w4")
	})
}

func TestVerifyReportsReplayAllocatingAnew(t *testing.T) {
	s := newScenario(t)
	s.obs.Replays[1] = Replay{Key: s.a2.Key, Waybill: waybill("w9", "TR7", reuseCarrier, "T1-0-1", "rq-1-0-1", 9), Replayed: false}
	wantViolation(t, s, false, "replay after restart answered differently", "TR1", "TR7", "replayed=false")
}

func TestVerifyReportsFailedReplay(t *testing.T) {
	s := newScenario(t)
	s.obs.Replays[0] = Replay{Key: s.a1.Key, Err: "rpc error: code = Internal"}
	wantViolation(t, s, false, "replay after restart failed", "Internal")
}

func TestVerifyReportsLostCancel(t *testing.T) {
	s := newScenario(t)
	s.obs.Waybills[0] = s.w1 // ISSUED again
	wantViolation(t, s, false, "acknowledged cancel lost", "TV1")
}

func TestVerifyReportsUnaskedCancel(t *testing.T) {
	s := newScenario(t)
	s.obs.Waybills[1] = cancelled(s.w2, Reuse)
	wantViolation(t, s, false, "waybill changed state by itself", "TR1")
}

func TestVerifyReportsTopUpCreditedTwice(t *testing.T) {
	s := newScenario(t)
	s.obs.TopUpEntries = append(s.obs.TopUpEntries, entry(voidCarrier, 6, 10, "tu-1"))
	wantViolation(t, s, false, "top-up credited twice", "tu-1")
}

func TestVerifyReportsMissingTopUp(t *testing.T) {
	s := newScenario(t)
	s.obs.TopUpEntries = []*ewaybillv1.LedgerEntry{s.tu2Entry}
	wantViolation(t, s, false, "acknowledged top-up missing", "tu-1")
}

func TestVerifyReportsTopUpReplayCrediting(t *testing.T) {
	s := newScenario(t)
	s.obs.TopUpReplays[0] = TopUpReplay{RequestID: "tu-1", Entry: entry(voidCarrier, 7, 10, "tu-1"), Replayed: false}
	wantViolation(t, s, false, "top-up replay after restart answered differently", "second credit")
}

func TestVerifyReportsQuotaArithmetic(t *testing.T) {
	s := newScenario(t)
	s.obs.Quotas[voidCarrier].Available++
	wantViolation(t, s, false, "quota differs from the harness's arithmetic", "available", "should be 1009, is 1010")
}

func TestVerifyReportsPoolArithmetic(t *testing.T) {
	s := newScenario(t)
	s.obs.Pools[voidCarrier].Voided = 0
	wantViolation(t, s, false, "pool differs from the harness's arithmetic", "voided")
}

func TestVerifyReportsUnknownWaybill(t *testing.T) {
	s := newScenario(t)
	s.obs.Waybills = append(s.obs.Waybills, waybill("w8", "TV8", voidCarrier, "never-sent", "", 8))
	wantViolation(t, s, false, "unknown waybill in the store", "never-sent")
}

func TestVerifyReportsStoredInvalidItem(t *testing.T) {
	s := newScenario(t)
	bad := s.m.NewAlloc(1, voidCarrier, "T1-2-0-3", "", true, true)
	s.m.RecordAlloc(bad, opBatchItem, Answer{Refusal: "INVALID_REQUEST", Message: "receiver mobile"})
	s.obs.Waybills = append(s.obs.Waybills, waybill("w8", "TV8", voidCarrier, "T1-2-0-3", "", 8))
	wantViolation(t, s, false, "refused allocation stored", "T1-2-0-3")
}

func TestVerifyReportsUnansweredCommitOnGracefulShutdown(t *testing.T) {
	s := newScenario(t)
	// w3's answer never came, yet it committed: after a SIGTERM that is a
	// request the drain failed to answer.
	wantViolation(t, s, true, "graceful shutdown left a committed request unanswered", "T1-1-0")
}

func TestVerifyReportsLoadViolations(t *testing.T) {
	s := newScenario(t)
	// A replay during the load answered a different waybill.
	s.m.CheckReplay(1, s.a1.view(), s.w3, true, opReplay)
	wantViolation(t, s, false, "replay during the load answered differently", "TV1", "TV2")
}

func TestVerifyReportsBalanceOffItsLedger(t *testing.T) {
	s := newScenario(t)
	q := s.obs.Quotas[voidCarrier]
	s.obs.Ledgers = map[string]LedgerSum{
		voidCarrier:  {Entries: q.GetLedgerSequence(), Sum: q.GetAvailable() - 1, LastBalance: q.GetAvailable()},
		reuseCarrier: {Entries: 3, Sum: 1004, LastBalance: 1004},
	}
	v := wantViolation(t, s, false, "balance differs from its ledger", "sum of its listed ledger", "should be 1008, is 1009")
	if len(v.Violations) != 1 {
		t.Errorf("a ledger one unit off should be one violation, got:\n%s", violationList(v.Violations))
	}
}
