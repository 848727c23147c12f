package torture

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// Observation is what the harness read from the restarted server, with the
// server idle: the verifier's only view of the store.
type Observation struct {
	// Full says Waybills is every waybill of the merchant; otherwise it is
	// those created since the cycle's load began (with a margin, so older
	// ones may appear too).
	Full     bool
	Waybills []*ewaybillv1.Waybill
	// Fetched holds waybills read one by one by name (GetWaybill): those
	// cancelled in this cycle but created before it, and a sample of older
	// ones. A nil value means NOT_FOUND.
	Fetched map[string]*ewaybillv1.Waybill
	// Replays are allocations sent again after the restart.
	Replays []Replay
	// TopUpEntries is every TOP_UP ledger entry of the merchant.
	TopUpEntries []*ewaybillv1.LedgerEntry
	// TopUpReplays are top-ups sent again after the restart.
	TopUpReplays []TopUpReplay
	// CancelReplays are cancels sent again after the restart.
	CancelReplays []CancelReplay
	// Quotas and Pools by carrier code, read last.
	Quotas map[string]*ewaybillv1.Quota
	Pools  map[string]*ewaybillv1.Pool
	// Ledgers adds up each quota's whole ledger, as the API lists it; read
	// in full cycles only (nil otherwise).
	Ledgers map[string]LedgerSum
}

// LedgerSum is a quota's ledger added up.
type LedgerSum struct {
	Entries, Sum, LastBalance int64
	// Gap describes the first break in the sequence numbers, "" if none.
	Gap string
}

// Replay is the answer to an allocation sent again.
type Replay struct {
	Key      string
	Waybill  *ewaybillv1.Waybill
	Replayed bool
	// Err is the error (or item error) instead of an answer.
	Err string
}

// TopUpReplay is the answer to a top-up sent again.
type TopUpReplay struct {
	RequestID string
	Entry     *ewaybillv1.LedgerEntry
	Replayed  bool
	Err       string
}

// CancelReplay is the answer to a cancel sent again.
type CancelReplay struct {
	Name     string
	Waybill  *ewaybillv1.Waybill
	Replayed bool
	Err      string
}

// Verify checks an observation of the restarted store against the model,
// settles every Unknown outcome of the cycle from it (Resolved or Absent),
// and returns every broken invariant, the load's own findings first. It
// asserts:
//   - every committed allocation (acknowledged, or settled earlier) is
//     stored under the same name and number, and every stored waybill is
//     one the harness sent, never a refused or deliberately invalid one,
//     one per idempotency key;
//   - replays after the restart answer the same waybill, replayed;
//   - acknowledged cancels are still cancelled, replays of them change
//     nothing, no waybill is cancelled that nobody cancelled, and each
//     cancelled number was voided or queued as its carrier's policy says;
//   - acknowledged top-ups are in the ledger exactly once, replays of them
//     credit nothing, and no top-up appears that was never sent;
//   - no number is held by two live waybills, a voiding carrier's number
//     by two waybills at all, and a reused number names its previous
//     holder;
//   - each quota and pool equals the harness's own arithmetic: the
//     baseline plus what committed since.
//
// With graceful (a SIGTERM cycle) it also asserts that nothing the store
// committed went unanswered: every request whose answer was lost must be
// absent from the store.
func (m *Model) Verify(cycle int, obs *Observation, graceful bool) Verdict {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := &verifier{m: m, cycle: cycle, obs: obs, graceful: graceful}
	v.out.Violations = append(v.out.Violations, m.loadViolations...)
	m.loadViolations = nil
	v.waybills()
	v.replays()
	v.topUps()
	v.cancelReplays()
	v.numbers()
	v.figures()
	return v.out
}

// Verdict is what Verify found.
type Verdict struct {
	Violations []Violation
	// Resolved counts the cycle's open outcomes (allocations, cancels,
	// top-ups) the store turned out to hold; Absent those it did not.
	Resolved, Absent int
	// Waybills is how many waybills the observation listed.
	Waybills int
}

type verifier struct {
	m        *Model
	cycle    int
	obs      *Observation
	graceful bool
	out      Verdict
}

func (v *verifier) fail(what, format string, args ...any) {
	v.out.Violations = append(v.out.Violations, Violation{Cycle: v.cycle, What: what, Detail: fmt.Sprintf(format, args...)})
}

// waybills matches the stored waybills with the allocations, settling
// the open ones.
func (v *verifier) waybills() {
	m := v.m
	v.out.Waybills = len(v.obs.Waybills)
	seenKey := map[string]string{}
	seenName := map[string]bool{}
	for _, w := range v.obs.Waybills {
		if seenName[w.GetName()] {
			v.fail("waybill listed twice", "%s (%s) appears twice in one listing", w.GetName(), w.GetNumber())
			continue
		}
		seenName[w.GetName()] = true
		key := waybillKey(w)
		if other, dup := seenKey[key]; dup {
			v.fail("two waybills for one idempotency key", "%s (%s) and %s both answer key %s", other, w.GetNumber(), w.GetName(), key)
			continue
		}
		seenKey[key] = w.GetName()
		a := m.allocs[key]
		if a == nil {
			v.fail("unknown waybill in the store", "%s number %s for order %s (carrier %s, request id %q) matches no allocation the harness sent",
				w.GetName(), w.GetNumber(), w.GetOrder().GetOrderCode(), w.GetCarrier(), w.GetRequestId())
			continue
		}
		v.match(a, w)
	}
	for _, name := range sortedKeys(v.obs.Fetched) {
		w := v.obs.Fetched[name]
		if seenName[name] {
			continue
		}
		a := m.byName[name]
		if a == nil {
			v.fail("harness fetched a waybill it does not know", "%s", name)
			continue
		}
		if w == nil {
			v.fail("acknowledged allocation missing", "%s was committed as %s number %s; after the restart GetWaybill answers NOT_FOUND", a.describe(), a.Name, a.Number)
			continue
		}
		seenName[name] = true
		if waybillKey(w) != a.Key {
			v.fail("waybill changed identity", "%s was committed for %s; the store now holds it for key %s", name, a.describe(), waybillKey(w))
			continue
		}
		v.match(a, w)
	}
	// Every allocation the listing had to include is accounted for; the
	// cycle's open ones missing from it are settled as absent.
	for _, a := range m.all {
		if !v.obs.Full && a.Cycle != v.cycle {
			continue
		}
		if a.Outcome.committed() && !seenName[a.Name] {
			v.fail("acknowledged allocation missing", "%s was %s as %s number %s; the store has no waybill for it after the restart",
				a.describe(), a.Outcome, a.Name, a.Number)
		}
		if a.Outcome == Unknown {
			a.Outcome = Absent
			v.out.Absent++
		}
	}
}

// match checks one stored waybill against its allocation, settling an
// open allocation or cancel from it.
func (v *verifier) match(a *Alloc, w *ewaybillv1.Waybill) {
	m := v.m
	switch a.Outcome {
	case Refused:
		v.fail("refused allocation stored", "%s was refused with %s, which promises nothing was spent, yet the store holds %s number %s",
			a.describe(), a.Refusal, w.GetName(), w.GetNumber())
		return
	case Absent:
		v.fail("absent allocation appeared", "%s was not in the store after an earlier restart, and nobody sent it again; now the store holds %s number %s",
			a.describe(), w.GetName(), w.GetNumber())
		return
	case Unknown:
		if a.Cycle != v.cycle {
			v.fail("harness left an outcome open", "%s is still unknown after its cycle's restart", a.describe())
			return
		}
		if a.Invalid {
			v.fail("invalid order stored", "%s carries a malformed receiver mobile, yet the store holds %s number %s", a.describe(), w.GetName(), w.GetNumber())
			return
		}
		a.Outcome = Resolved
		m.commitLocked(a, w)
		v.out.Resolved++
		if v.graceful {
			v.fail("graceful shutdown left a committed request unanswered",
				"%s never got an answer, yet the store holds %s number %s: a SIGTERM must finish in-flight requests and answer them", a.describe(), a.Name, a.Number)
		}
	default:
		if w.GetName() != a.Name || w.GetNumber() != a.Number {
			v.fail("acknowledged allocation changed", "%s was %s as %s number %s; the store now holds %s number %s for its key",
				a.describe(), a.Outcome, a.Name, a.Number, w.GetName(), w.GetNumber())
			return
		}
	}
	if want := "carriers/" + a.Carrier; w.GetCarrier() != want || w.GetOrder().GetOrderCode() != a.OrderCode ||
		w.GetOrder().GetParcel().GetWeightGrams() != weightOf(a.OrderCode) {
		v.fail("waybill payload changed", "%s (%s): want carrier %s, order %s of %d g; stored carrier %s, order %s of %d g",
			a.Name, a.Number, want, a.OrderCode, weightOf(a.OrderCode), w.GetCarrier(), w.GetOrder().GetOrderCode(), w.GetOrder().GetParcel().GetWeightGrams())
	}
	cancelled := w.GetState() == ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED
	switch {
	case a.CancelSent && a.Cancel == Unknown && cancelled:
		if bad := cancelMismatch(a, m.Policies[a.Carrier], w, false, false); bad != "" {
			v.fail("cancel stored wrongly", "%s", bad)
		}
		a.Cancel = Resolved
		m.cancelled = append(m.cancelled, a)
		v.out.Resolved++
		if v.graceful {
			v.fail("graceful shutdown left a committed request unanswered",
				"the cancel of %s (%s) never got an answer, yet the store has it cancelled", a.Name, a.Number)
		}
	case a.CancelSent && a.Cancel == Unknown:
		// The cancel never reached the store: the waybill may be
		// cancelled again later.
		a.CancelSent, a.Cancel = false, Unknown
		m.cancelable = append(m.cancelable, a)
		v.out.Absent++
		v.wantIssued(a, w)
	case a.CancelSent && a.Cancel.committed():
		if !cancelled {
			v.fail("acknowledged cancel lost", "the cancel of %s (%s, %s) was %s in cycle %d; after the restart the waybill is %s",
				a.Name, a.Number, a.describe(), a.Cancel, a.CancelCycle, w.GetState())
		} else if bad := cancelMismatch(a, m.Policies[a.Carrier], w, false, false); bad != "" {
			v.fail("cancel stored wrongly", "%s", bad)
		}
	default:
		v.wantIssued(a, w)
	}
}

// wantIssued checks a waybill nobody cancelled: the harness never prints,
// so it must still be ISSUED.
func (v *verifier) wantIssued(a *Alloc, w *ewaybillv1.Waybill) {
	if w.GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED {
		v.fail("waybill changed state by itself", "%s (%s, %s) was never cancelled (or printed) by the harness, yet it is %s",
			a.Name, a.Number, a.describe(), w.GetState())
	}
}

// replays checks the allocations sent again after the restart.
func (v *verifier) replays() {
	for _, r := range v.obs.Replays {
		a := v.m.allocs[r.Key]
		switch {
		case a == nil:
			v.fail("harness replayed an unknown key", "%s", r.Key)
		case r.Err != "":
			v.fail("replay after restart failed", "%s committed as %s number %s; sending it again failed: %s", a.describe(), a.Name, a.Number, r.Err)
		case !a.Outcome.committed() && r.Replayed:
			v.fail("replay found an allocation the store did not list", "%s was absent from the listing, yet its replay answered %s number %s",
				a.describe(), r.Waybill.GetName(), r.Waybill.GetNumber())
		case !a.Outcome.committed():
			v.fail("harness replayed an absent allocation", "%s was absent; replaying it allocated %s", a.describe(), r.Waybill.GetName())
		default:
			if bad := replayMismatch(a.view(), r.Waybill, r.Replayed); bad != "" {
				v.fail("replay after restart answered differently", "%s", bad)
			}
		}
	}
}

// topUps checks the ledger's top-ups against the ones sent.
func (v *verifier) topUps() {
	m := v.m
	byID := map[string][]*ewaybillv1.LedgerEntry{}
	for _, e := range v.obs.TopUpEntries {
		byID[e.GetRequestId()] = append(byID[e.GetRequestId()], e)
	}
	for _, id := range sortedKeys(byID) {
		entries := byID[id]
		t := m.topUps[id]
		switch {
		case t == nil:
			v.fail("unknown top-up in the ledger", "ledger entry %s credits %d with request id %q, which the harness never sent", entries[0].GetName(), entries[0].GetDelta(), id)
		case len(entries) > 1:
			names := make([]string, len(entries))
			for i, e := range entries {
				names[i] = e.GetName()
			}
			v.fail("top-up credited twice", "request id %s (%d on %s) has %d ledger entries: %s", id, t.Amount, t.Carrier, len(entries), strings.Join(names, ", "))
		case t.Outcome == Refused || t.Outcome == Absent:
			v.fail("top-up appeared", "top-up %s was %s, yet the ledger has %s", id, t.Outcome, entries[0].GetName())
		}
	}
	for _, t := range m.topUpList {
		id := t.RequestID
		entries := byID[id]
		var e *ewaybillv1.LedgerEntry
		if len(entries) > 0 {
			e = entries[0]
		}
		switch {
		case t.Outcome.committed() && e == nil:
			v.fail("acknowledged top-up missing", "top-up %s of %d on %s was %s as ledger entry %d; the ledger has no entry for it after the restart",
				id, t.Amount, t.Carrier, t.Outcome, t.Sequence)
		case t.Outcome.committed() && (e.GetSequence() != t.Sequence || e.GetDelta() != t.Amount || !strings.HasSuffix(quotaOfEntry(e), "/quotas/"+t.Carrier)):
			v.fail("acknowledged top-up changed", "top-up %s was %s as entry %d of %d on %s; the ledger has %s of %d",
				id, t.Outcome, t.Sequence, t.Amount, t.Carrier, e.GetName(), e.GetDelta())
		case t.Outcome == Unknown && e != nil:
			if e.GetDelta() != t.Amount || !strings.HasSuffix(quotaOfEntry(e), "/quotas/"+t.Carrier) {
				v.fail("top-up stored wrongly", "top-up %s of %d on %s is stored as %s of %d", id, t.Amount, t.Carrier, e.GetName(), e.GetDelta())
			}
			t.Outcome, t.Sequence = Resolved, e.GetSequence()
			m.committedTopUps = append(m.committedTopUps, t)
			v.out.Resolved++
			if v.graceful {
				v.fail("graceful shutdown left a committed request unanswered", "top-up %s never got an answer, yet the ledger has it as %s", id, e.GetName())
			}
		case t.Outcome == Unknown:
			t.Outcome = Absent
			v.out.Absent++
		}
	}
	for _, r := range v.obs.TopUpReplays {
		t := m.topUps[r.RequestID]
		switch {
		case t == nil || !t.Outcome.committed():
			v.fail("harness replayed a top-up it does not hold committed", "%s", r.RequestID)
		case r.Err != "":
			v.fail("top-up replay after restart failed", "top-up %s of %d on %s: %s", t.RequestID, t.Amount, t.Carrier, r.Err)
		default:
			if bad := topUpReplayMismatch(t.view(), r.Entry, r.Replayed); bad != "" {
				v.fail("top-up replay after restart answered differently", "%s", bad)
			}
		}
	}
}

// quotaOfEntry is the quota name of a ledger entry's name.
func quotaOfEntry(e *ewaybillv1.LedgerEntry) string {
	name := e.GetName()
	if i := strings.LastIndex(name, "/ledgerEntries/"); i >= 0 {
		return name[:i]
	}
	return name
}

// cancelReplays checks the cancels sent again after the restart.
func (v *verifier) cancelReplays() {
	for _, r := range v.obs.CancelReplays {
		a := v.m.byName[r.Name]
		switch {
		case a == nil || !a.CancelSent || !a.Cancel.committed():
			v.fail("harness replayed a cancel it does not hold committed", "%s", r.Name)
		case r.Err != "":
			v.fail("cancel replay after restart failed", "cancel of %s (%s): %s", a.Name, a.Number, r.Err)
		default:
			if bad := cancelMismatch(a, v.m.Policies[a.Carrier], r.Waybill, true, r.Replayed); bad != "" {
				v.fail("cancel replay after restart answered differently", "%s", bad)
			}
		}
	}
}

// numbers checks number uniqueness over every committed allocation.
func (v *verifier) numbers() {
	holders := map[string][]*Alloc{}
	names := map[string]*Alloc{}
	for _, a := range v.m.committed {
		if other := names[a.Name]; other != nil && other != a {
			v.fail("one waybill name for two allocations", "%s answers both %s and %s", a.Name, other.describe(), a.describe())
		}
		names[a.Name] = a
		k := a.Carrier + "/" + a.Number
		holders[k] = append(holders[k], a)
	}
	for _, k := range sortedKeys(holders) {
		hs := holders[k]
		if len(hs) == 1 {
			if hs[0].PreviousHolder != "" {
				v.fail("reused number names a stranger", "%s (%s) names previous holder %s, which holds no such number", hs[0].Name, k, hs[0].PreviousHolder)
			}
			continue
		}
		slices.SortFunc(hs, func(x, y *Alloc) int {
			return cmp.Or(x.CreateTime.Compare(y.CreateTime), strings.Compare(x.Name, y.Name))
		})
		live := 0
		for _, a := range hs {
			if a.live() {
				live++
			}
		}
		list := make([]string, len(hs))
		for i, a := range hs {
			list[i] = fmt.Sprintf("%s (%s, %s)", a.Name, a.describe(), liveWord(a))
		}
		if live > 1 {
			v.fail("number held by two live waybills", "%s is held by %d live waybills: %s", k, live, strings.Join(list, "; "))
		}
		if v.m.Policies[hs[0].Carrier] == Void {
			v.fail("voided number issued again", "carrier %s voids cancelled numbers, yet %s was issued %d times: %s", hs[0].Carrier, k, len(hs), strings.Join(list, "; "))
			continue
		}
		for i, a := range hs {
			want := ""
			if i > 0 {
				want = hs[i-1].Name
				if hs[i-1].live() {
					v.fail("number reissued while held", "%s was issued to %s while %s still held it", k, a.Name, hs[i-1].Name)
				}
			}
			if a.PreviousHolder != want {
				v.fail("reused number's previous holder wrong", "%s holds %s with previous holder %q; the holder before it was %q", a.Name, k, a.PreviousHolder, want)
			}
		}
	}
}

func liveWord(a *Alloc) string {
	if a.live() {
		return "live"
	}
	return "cancelled"
}

// figures compares each quota and pool with the harness's arithmetic. The
// model is complete at this point: every request of the cycle is settled,
// so every unit granted, spent and credited back is known.
func (v *verifier) figures() {
	type counts struct{ allocs, cancels, reissued, topUps, topUpUnits int64 }
	per := map[string]*counts{}
	for code := range v.m.Policies {
		per[code] = &counts{}
	}
	for _, a := range v.m.committed {
		c := per[a.Carrier]
		c.allocs++
		if !a.live() {
			c.cancels++
		}
		if a.PreviousHolder != "" {
			c.reissued++
		}
	}
	for _, t := range v.m.committedTopUps {
		if !t.Seed {
			per[t.Carrier].topUps++
			per[t.Carrier].topUpUnits += t.Amount
		}
	}
	for _, code := range sortedKeys(v.m.Policies) {
		c, base := per[code], v.m.Base[code]
		q, p := v.obs.Quotas[code], v.obs.Pools[code]
		if q == nil || p == nil {
			v.fail("quota or pool not read", "carrier %s: quota %v, pool %v", code, q != nil, p != nil)
			continue
		}
		recycled, voided, awaiting := int64(0), c.cancels, int64(0)
		if v.m.Policies[code] == Reuse {
			recycled, voided, awaiting = c.cancels, 0, c.cancels-c.reissued
		}
		breakdown := fmt.Sprintf("baseline available %d + %d top-up units - %d allocations + %d cancels", base.Available, c.topUpUnits, c.allocs, c.cancels)
		for _, x := range []struct {
			what      string
			want, got int64
		}{
			{"available (" + breakdown + ")", base.Available + c.topUpUnits - c.allocs + c.cancels, q.GetAvailable()},
			{"granted", base.Granted + c.topUpUnits, q.GetGranted()},
			{"live", c.allocs - c.cancels, q.GetLive()},
			{"issued_total", base.IssuedTotal + c.allocs, q.GetIssuedTotal()},
			{"cancelled", c.cancels, q.GetCancelled()},
			{"recycled", recycled, q.GetRecycled()},
			{"ledger_sequence", base.LedgerSequence + c.allocs + c.cancels + c.topUps, q.GetLedgerSequence()},
		} {
			if x.want != x.got {
				v.fail("quota differs from the harness's arithmetic", "%s: %s should be %d, is %d", q.GetName(), x.what, x.want, x.got)
			}
		}
		if l, ok := v.obs.Ledgers[code]; ok {
			if l.Gap != "" {
				v.fail("ledger has a gap", "%s: %s", q.GetName(), l.Gap)
			}
			for _, x := range []struct {
				what      string
				want, got int64
			}{
				{"available (the sum of its listed ledger)", l.Sum, q.GetAvailable()},
				{"available (its last entry's balance_after)", l.LastBalance, q.GetAvailable()},
				{"ledger_sequence (its listed entries)", l.Entries, q.GetLedgerSequence()},
			} {
				if x.want != x.got {
					v.fail("balance differs from its ledger", "%s: %s should be %d, is %d", q.GetName(), x.what, x.want, x.got)
				}
			}
		}
		for _, x := range []struct {
			what      string
			want, got int64
		}{
			{"issued (live waybills)", c.allocs - c.cancels, p.GetIssued()},
			{"voided", voided, p.GetVoided()},
			{"awaiting_reuse (cancels - reissues)", awaiting, p.GetAwaitingReuse()},
			{"imported", base.PoolImported, p.GetImported()},
		} {
			if x.want != x.got {
				v.fail("pool differs from the harness's arithmetic", "carriers/%s/pool: %s should be %d, is %d", code, x.what, x.want, x.got)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// carrierCode strips "carriers/".
func carrierCode(name string) string { return strings.TrimPrefix(name, "carriers/") }
