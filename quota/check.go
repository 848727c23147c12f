package quota

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
)

// Report is what Check found.
type Report struct {
	Carriers, Ranges, Waybills, Quotas, LedgerEntries, IdempotencyKeys int
	// Problems lists every broken invariant; empty means the books balance.
	Problems []string
}

// OK reports whether no invariant is broken.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// checkPage is how many records the checker reads at a time.
const checkPage = 4096

// Check verifies, in one read transaction, every invariant of the
// allocation engine by recounting from the records themselves:
//   - no number is held by two live waybills, every number issued came
//     from an imported range, and the number index names each live holder;
//   - every quota's available equals the sum of its ledger, its granted
//     the sum of its grants, and granted = available + live, with live,
//     issued, cancelled and recycled matching its waybills;
//   - per carrier, imported = available + issued + voided + awaiting
//     reuse, each recounted from ranges, segments, waybills and the reuse
//     queue;
//   - every segment leased to a node lies below the high-water mark of
//     one active range, no two overlap, and no waybill holds a serial a
//     segment has yet to issue;
//   - the idempotency index and the waybills agree, one key per waybill.
func Check(ctx context.Context, store storage.Store) (*Report, error) {
	r := &Report{}
	err := store.View(ctx, func(tx storage.Tx) error {
		c := &checker{tx: tx, report: r, pools: map[string]*poolCount{}, quotas: map[string]*quotaCount{}, keyed: map[storage.WaybillRef]int{}}
		for _, step := range []func() error{c.carriers, c.idempotency, c.waybills, c.ledgers, c.compare} {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	return r, err
}

type poolCount struct {
	carrier                                     *ewaybillv1.Carrier
	ranges                                      []*ewaybillv1.NumberRange
	segments                                    []*ewaybillv1.NumberSegment
	imported, available, issued, voided, queued int64
}

type quotaCount struct {
	live, issued, cancelled, recycled int64
}

type checker struct {
	tx     storage.Tx
	report *Report
	pools  map[string]*poolCount
	quotas map[string]*quotaCount // by quota name
	keyed  map[storage.WaybillRef]int
}

// all pages through a table's List until the end.
func all[T any](list func(storage.Page[T]) ([]T, string, error), fn func(T) error) error {
	after := ""
	for {
		page, next, err := list(storage.Page[T]{After: after, Limit: checkPage})
		if err != nil {
			return err
		}
		for _, x := range page {
			if err := fn(x); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

func (c *checker) carriers() error {
	return all(c.tx.Carriers().List, func(car *ewaybillv1.Carrier) error {
		c.report.Carriers++
		code := car.GetCode()
		pc := &poolCount{carrier: car}
		c.pools[code] = pc
		err := all(func(p storage.Page[*ewaybillv1.NumberRange]) ([]*ewaybillv1.NumberRange, string, error) {
			return c.tx.NumberRanges().List(code, p)
		}, func(nr *ewaybillv1.NumberRange) error {
			c.report.Ranges++
			if n := len(pc.ranges); n > 0 && pc.ranges[n-1].GetLastSerial() >= nr.GetFirstSerial() {
				c.report.problem("%s overlaps %s", nr.GetName(), pc.ranges[n-1].GetName())
			}
			pc.ranges = append(pc.ranges, nr)
			pc.imported += nr.GetLastSerial() - nr.GetFirstSerial() + 1
			pc.voided += nr.GetWithdrawn()
			if nr.GetState() == rangeActive {
				pc.available += nr.GetLastSerial() - nr.GetNextSerial() + 1
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := c.segments(pc); err != nil {
			return err
		}
		return c.tx.ReuseQueue().Each(code, func(q storage.QueuedNumber) error {
			pc.queued++
			if holder, err := c.tx.Waybills().Holder(code, q.Number); err != nil {
				c.report.problem("%s number %s is queued for reuse but no waybill ever held it", code, q.Number)
			} else if w, err := c.tx.Waybills().Get(holder); err != nil || live(w) || w.GetCancellation().GetNumberDisposition() != dispositionReuse {
				c.report.problem("%s number %s is queued for reuse but its holder %s is not a cancelled waybill queued for reuse", code, q.Number, waybillName(holder))
			}
			return nil
		})
	})
}

// segments checks a carrier's segments against its ranges (read first)
// and counts the serials they have left as available.
func (c *checker) segments(pc *poolCount) error {
	code := pc.carrier.GetCode()
	return eachSegment(c.tx, code, func(seg *ewaybillv1.NumberSegment) error {
		name := fmt.Sprintf("segment %d–%d of %s (node %q)", seg.GetFirstSerial(), seg.GetLastSerial(), code, seg.GetNode())
		if seg.GetNextSerial() < seg.GetFirstSerial() || seg.GetNextSerial() > seg.GetLastSerial()+1 {
			c.report.problem("%s has next serial %d outside it", name, seg.GetNextSerial())
		}
		if n := len(pc.segments); n > 0 && pc.segments[n-1].GetLastSerial() >= seg.GetFirstSerial() {
			c.report.problem("%s overlaps the segment from %d", name, pc.segments[n-1].GetFirstSerial())
		}
		pc.segments = append(pc.segments, seg)
		i := slices.IndexFunc(pc.ranges, func(nr *ewaybillv1.NumberRange) bool {
			return seg.GetFirstSerial() >= nr.GetFirstSerial() && seg.GetLastSerial() <= nr.GetLastSerial()
		})
		switch {
		case i < 0:
			c.report.problem("%s lies in no imported range", name)
		case pc.ranges[i].GetState() != rangeActive:
			c.report.problem("%s was leased from %s, which is retired", name, pc.ranges[i].GetName())
		case seg.GetLastSerial() >= pc.ranges[i].GetNextSerial():
			c.report.problem("%s reaches above the high-water mark of %s (next serial %d)", name, pc.ranges[i].GetName(), pc.ranges[i].GetNextSerial())
		}
		pc.available += max(0, remaining(seg))
		return nil
	})
}

func (c *checker) waybills() error {
	type holding struct{ live, total int }
	held := map[string]*holding{}
	err := all(func(p storage.Page[*ewaybillv1.Waybill]) ([]*ewaybillv1.Waybill, string, error) {
		return c.tx.Waybills().List("", p)
	}, func(w *ewaybillv1.Waybill) error {
		c.report.Waybills++
		ids, err := resname.Parse("name", w.GetName(), "merchants", "*", "waybills", "*")
		if err != nil {
			c.report.problem("waybill with malformed name %q", w.GetName())
			return nil
		}
		ref := storage.WaybillRef{MerchantID: ids[0], ID: ids[1]}
		if n := c.keyed[ref]; n != 1 {
			c.report.problem("%s has %d idempotency keys; it must have exactly one", w.GetName(), n)
		}
		code := strings.TrimPrefix(w.GetCarrier(), "carriers/")
		pc := c.pools[code]
		if pc == nil {
			c.report.problem("%s names unknown carrier %s", w.GetName(), w.GetCarrier())
			return nil
		}
		c.checkNumberInRange(pc, w)
		key := code + "/" + w.GetNumber()
		h := held[key]
		if h == nil {
			h = &holding{}
			held[key] = h
		}
		h.total++
		qc := c.quota(quotaName(ref.MerchantID, code))
		qc.issued++
		if live(w) {
			h.live++
			pc.issued++
			qc.live++
			if h.live > 1 {
				c.report.problem("number %s of %s is held by more than one live waybill (one is %s)", w.GetNumber(), code, w.GetName())
			}
			if holder, err := c.tx.Waybills().Holder(code, w.GetNumber()); err != nil || holder != ref {
				c.report.problem("the number index does not point %s of %s at its live holder %s", w.GetNumber(), code, w.GetName())
			}
		} else {
			qc.cancelled++
			switch w.GetCancellation().GetNumberDisposition() {
			case dispositionVoid:
				pc.voided++
			case dispositionReuse, dispositionGone:
				// Withdrawn numbers are counted in their range's withdrawn.
				qc.recycled++
			default:
				c.report.problem("%s is cancelled without saying what became of its number", w.GetName())
			}
		}
		if w.GetPreviousHolder() != "" {
			if prev, err := resname.Parse("name", w.GetPreviousHolder(), "merchants", "*", "waybills", "*"); err != nil {
				c.report.problem("%s names a malformed previous holder %q", w.GetName(), w.GetPreviousHolder())
			} else if _, err := c.tx.Waybills().Get(storage.WaybillRef{MerchantID: prev[0], ID: prev[1]}); err != nil {
				c.report.problem("%s names previous holder %s, which does not exist", w.GetName(), w.GetPreviousHolder())
			}
		}
		return nil
	})
	return err
}

// checkNumberInRange checks that a waybill's number parses in its carrier's
// format and lies below the high-water mark of an imported range.
func (c *checker) checkNumberInRange(pc *poolCount, w *ewaybillv1.Waybill) {
	serial, err := numberSerial(pc.carrier, w.GetNumber())
	if err != nil {
		c.report.problem("%s has number %q, which is not a valid %s number: %v", w.GetName(), w.GetNumber(), pc.carrier.GetCode(), err)
		return
	}
	for _, seg := range pc.segments {
		if serial >= seg.GetNextSerial() && serial <= seg.GetLastSerial() {
			c.report.problem("%s holds %s, which the segment from %d of node %q has yet to issue", w.GetName(), w.GetNumber(), seg.GetFirstSerial(), seg.GetNode())
		}
	}
	for _, nr := range pc.ranges {
		if serial >= nr.GetFirstSerial() && serial <= nr.GetLastSerial() {
			if serial >= nr.GetNextSerial() {
				c.report.problem("%s holds %s, beyond the issued part of %s (next serial %d)", w.GetName(), w.GetNumber(), nr.GetName(), nr.GetNextSerial())
			}
			return
		}
	}
	c.report.problem("%s holds %s, which is in no imported range of %s", w.GetName(), w.GetNumber(), pc.carrier.GetCode())
}

func (c *checker) quota(name string) *quotaCount {
	qc := c.quotas[name]
	if qc == nil {
		qc = &quotaCount{}
		c.quotas[name] = qc
	}
	return qc
}

// idempotency checks each key against its waybill and counts the keys per
// waybill for the waybills step, which runs after it.
func (c *checker) idempotency() error {
	err := all(c.tx.IdempotencyKeys().List, func(e storage.IdempotencyEntry) error {
		c.report.IdempotencyKeys++
		w, err := c.tx.Waybills().Get(e.Ref)
		if err != nil {
			c.report.problem("idempotency key %q points at missing waybill %s", printable(e.Key), waybillName(e.Ref))
			return nil
		}
		c.keyed[e.Ref]++
		parts := strings.Split(e.Key, "\x00")
		var match bool
		switch {
		case len(parts) == 3 && parts[1] == "r":
			match = parts[0] == e.Ref.MerchantID && parts[2] == w.GetRequestId()
		case len(parts) == 5 && parts[1] == "o":
			match = parts[0] == e.Ref.MerchantID && w.GetRequestId() == "" && "carriers/"+parts[2] == w.GetCarrier() &&
				parts[3] == w.GetOrder().GetOrderCode() && parts[4] == w.GetOrder().GetPackageId()
		}
		if !match {
			c.report.problem("idempotency key %q does not describe the waybill it points at, %s", printable(e.Key), w.GetName())
		}
		return nil
	})
	return err
}

func printable(key string) string { return strings.ReplaceAll(key, "\x00", "|") }

func (c *checker) ledgers() error {
	return all(func(p storage.Page[*ewaybillv1.Quota]) ([]*ewaybillv1.Quota, string, error) {
		return c.tx.Quotas().List("", p)
	}, func(q *ewaybillv1.Quota) error {
		c.report.Quotas++
		ids, err := resname.Parse("name", q.GetName(), "merchants", "*", "quotas", "*")
		if err != nil {
			c.report.problem("quota with malformed name %q", q.GetName())
			return nil
		}
		var sum, granted, seq int64
		err = all(func(p storage.Page[*ewaybillv1.LedgerEntry]) ([]*ewaybillv1.LedgerEntry, string, error) {
			return c.tx.Ledger().List(ids[0], ids[1], p)
		}, func(e *ewaybillv1.LedgerEntry) error {
			c.report.LedgerEntries++
			seq++
			if e.GetSequence() != seq {
				c.report.problem("%s ledger jumps from entry %d to %d", q.GetName(), seq-1, e.GetSequence())
				seq = e.GetSequence()
			}
			sum += e.GetDelta()
			switch e.GetType() {
			case entryTopUp, entryDeduction, entryStarterGrant:
				granted += e.GetDelta()
			}
			if e.GetBalanceAfter() != sum {
				c.report.problem("%s entry %d says balance %d, but the entries up to it sum to %d", q.GetName(), e.GetSequence(), e.GetBalanceAfter(), sum)
			}
			return nil
		})
		if err != nil {
			return err
		}
		qc := c.quota(q.GetName())
		for _, x := range []struct {
			what          string
			stored, count int64
		}{
			{"available (sum of its ledger)", q.GetAvailable(), sum},
			{"granted (sum of its grants)", q.GetGranted(), granted},
			{"granted (available + live)", q.GetGranted(), q.GetAvailable() + q.GetLive()},
			{"live (its live waybills)", q.GetLive(), qc.live},
			{"issued_total (its waybills)", q.GetIssuedTotal(), qc.issued},
			{"cancelled (its cancelled waybills)", q.GetCancelled(), qc.cancelled},
			{"recycled (its waybills whose numbers were queued for reuse)", q.GetRecycled(), qc.recycled},
			{"ledger_sequence (its last entry)", q.GetLedgerSequence(), seq},
		} {
			if x.stored != x.count {
				c.report.problem("%s: %s should be %d, but is %d", q.GetName(), x.what, x.count, x.stored)
			}
		}
		delete(c.quotas, q.GetName())
		return nil
	})
}

func (c *checker) compare() error {
	for name, qc := range c.quotas {
		if qc.issued > 0 {
			c.report.problem("%s has %d waybills but no quota record", name, qc.issued)
		}
	}
	for code, pc := range c.pools {
		stored, err := loadPool(c.tx, code)
		if err != nil {
			return err
		}
		// The stored pool counts the serials left in segments as issued;
		// to readers they are available (as in poolView), and the
		// segments were read above.
		pool := stored
		var left int64
		for _, seg := range pc.segments {
			left += max(0, remaining(seg))
		}
		pool.Available += left
		pool.Issued -= left
		for _, x := range []struct {
			what          string
			stored, count int64
		}{
			{"imported (its ranges)", pool.GetImported(), pc.imported},
			{"available (unissued serials of active ranges and segments)", pool.GetAvailable(), pc.available},
			{"issued (live waybills)", pool.GetIssued(), pc.issued},
			{"voided (voided on cancel + withdrawn)", pool.GetVoided(), pc.voided},
			{"awaiting_reuse (the reuse queue)", pool.GetAwaitingReuse(), pc.queued},
			{"imported (available + issued + voided + awaiting reuse)", pc.imported, pool.GetAvailable() + pool.GetIssued() + pool.GetVoided() + pool.GetAwaitingReuse()},
		} {
			if x.stored != x.count {
				c.report.problem("pool of %s: %s should be %d, but is %d", code, x.what, x.count, x.stored)
			}
		}
	}
	return nil
}
