package torture

import (
	"strings"
	"testing"
)

// RecordAlloc judges what the nodes an allocation was sent to answered:
// one waybill for the key whichever node answered, exactly one first
// allocation among the answers unless the one that made it may be a
// node whose answer was lost, and a refusal only where every answer is
// one.
func TestRecordAllocAcrossNodes(t *testing.T) {
	w := waybill("w1", "TV1", voidCarrier, "T1-0-0", "", 1)
	other := waybill("w2", "TV2", voidCarrier, "T1-0-0", "", 2)
	first := Answer{Waybill: w}
	replay := Answer{Waybill: w, Replayed: true}
	for _, tc := range []struct {
		name    string
		answers []Answer
		// want is the violation expected ("" none); open that the
		// outcome stays open.
		want string
		open bool
	}{
		{"one node", []Answer{first}, "", false},
		{"one node answers a replay", []Answer{replay}, "first allocation answered as a replay", false},
		{"one allocates, two replay it", []Answer{replay, first, replay}, "", false},
		{"two allocate", []Answer{first, first}, "one idempotency key allocated twice", false},
		{"two waybills", []Answer{first, {Waybill: other, Replayed: true}}, "one idempotency key answered with two waybills", false},
		{"every node replays", []Answer{replay, replay}, "first allocation answered as a replay", false},
		// The node the allocation was first sent to was killed; the one
		// it went on to found it stored.
		{"resent after a kill", []Answer{replay, {Waybill: w, Replayed: true, Resent: true}}, "", false},
		// The lost answer may have been the allocation.
		{"one open", []Answer{{}, replay}, "", false},
		{"allocated and refused", []Answer{first, {Refusal: "INVALID_REQUEST", Message: "bad"}}, "nodes disagree on an allocation", false},
		{"every send open", []Answer{{}, {Resent: true}}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewModel(merchant, map[string]Policy{voidCarrier: Void, reuseCarrier: Reuse})
			a := m.NewAlloc(1, voidCarrier, "T1-0-0", "", false, false)
			m.RecordAlloc(a, opAllocate, tc.answers...)
			var got []string
			for _, v := range m.loadViolations {
				got = append(got, v.What)
			}
			if tc.want == "" && len(got) > 0 || tc.want != "" && (len(got) != 1 || got[0] != tc.want) {
				t.Errorf("violations %q, want %q", got, tc.want)
			}
			if tc.open {
				if a.Outcome != Unknown || m.unknown[opAllocate] != 1 {
					t.Errorf("outcome %s, %d open; want it left open", a.Outcome, m.unknown[opAllocate])
				}
				return
			}
			if a.Outcome != Acked || a.Name != w.GetName() || a.Number != w.GetNumber() {
				t.Errorf("outcome %s as %s (%s), want acknowledged as %s (%s)", a.Outcome, a.Name, a.Number, w.GetName(), w.GetNumber())
			}
			if raced := m.acked[opRaced]; raced != min(len(tc.answers)-1, 1) {
				t.Errorf("counted %d raced keys for %d sends", raced, len(tc.answers))
			}
		})
	}
}

// An invalid order must be refused by every node it went to.
func TestRecordAllocRefusedEverywhere(t *testing.T) {
	m := NewModel(merchant, map[string]Policy{voidCarrier: Void, reuseCarrier: Reuse})
	bad := m.NewAlloc(1, voidCarrier, "T1-0-1", "", true, true)
	m.RecordAlloc(bad, opBatchItem, Answer{Refusal: "INVALID_REQUEST"}, Answer{Refusal: "INVALID_REQUEST", Resent: true})
	if bad.Outcome != Refused || len(m.loadViolations) != 0 || m.acked[opInvalidItem] != 1 {
		t.Errorf("outcome %s, violations %v, %d invalid items counted", bad.Outcome, m.loadViolations, m.acked[opInvalidItem])
	}
	good := m.NewAlloc(1, voidCarrier, "T1-0-2", "", false, false)
	m.RecordAlloc(good, opAllocate, Answer{Refusal: "QUOTA_EXHAUSTED", Message: "no units"})
	if len(m.loadViolations) != 1 || !strings.Contains(m.loadViolations[0].Detail, "QUOTA_EXHAUSTED") {
		t.Errorf("a valid order refused: violations %v", m.loadViolations)
	}
}
