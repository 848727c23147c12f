package quota

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/carriers"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
	"github.com/ewaybill/ewaybill/updatemask"
)

const maxQuarantine = 365 * 24 * time.Hour

var (
	rangeActive  = ewaybillv1.NumberRangeState_NUMBER_RANGE_STATE_ACTIVE
	rangeRetired = ewaybillv1.NumberRangeState_NUMBER_RANGE_STATE_RETIRED
)

func poolName(code string) string { return resname.Build("carriers", code, "pool") }

// loadPool returns a carrier's pool record, or an empty one for a carrier
// that has none yet.
func loadPool(tx storage.Tx, code string) (*ewaybillv1.Pool, error) {
	p, err := tx.Pools().Get(code)
	if errors.Is(err, storage.ErrNotFound) {
		return &ewaybillv1.Pool{Name: poolName(code)}, nil
	}
	return p, err
}

func lowWatermark(p *ewaybillv1.Pool) int64 {
	if p.LowWatermark == nil {
		return DefaultLowWatermark
	}
	return p.GetLowWatermark()
}

func quarantine(p *ewaybillv1.Pool) time.Duration {
	if p.GetReuseQuarantine() == nil {
		return DefaultReuseQuarantine
	}
	return p.GetReuseQuarantine().AsDuration()
}

// poolView completes a stored pool with what is computed at read time:
// how many queued numbers are reusable now, and whether the pool is low.
func poolView(tx storage.Tx, code string, p *ewaybillv1.Pool, now time.Time) (*ewaybillv1.Pool, error) {
	var ready int64
	err := tx.ReuseQueue().Each(code, func(q storage.QueuedNumber) error {
		if q.Ready.After(now) {
			return errStopWalk
		}
		ready++
		return nil
	})
	if err != nil && !errors.Is(err, errStopWalk) {
		return nil, err
	}
	p.ReusableNow = ready
	// Serials left in segments are counted as issued in the stored pool
	// (segment.go); to readers they are still available.
	segs, err := liveSegments(tx, code, nil)
	if err != nil {
		return nil, err
	}
	p.Leased = leased(segs)
	p.Available += p.Leased
	p.Issued -= p.Leased
	p.Low = p.GetAvailable() < lowWatermark(p)
	if p.LowWatermark == nil {
		p.LowWatermark = new(int64)
		*p.LowWatermark = DefaultLowWatermark
	}
	if p.ReuseQuarantine == nil {
		p.ReuseQuarantine = durationpb.New(DefaultReuseQuarantine)
	}
	return p, nil
}

var errStopWalk = errors.New("stop walk")

// savePool stores a changed pool and returns its view.
func savePool(tx storage.Tx, code string, p *ewaybillv1.Pool, now time.Time) (*ewaybillv1.Pool, error) {
	p.UpdateTime = timestamppb.New(now)
	if err := tx.Pools().Put(code, p); err != nil {
		return nil, err
	}
	return poolView(tx, code, p, now)
}

// reportLevel tells PoolLevel about a pool's view after a committed change.
func (s *Service) reportLevel(code string, p *ewaybillv1.Pool) {
	if p == nil {
		return
	}
	l := level{available: p.GetAvailable(), lowWatermark: lowWatermark(p)}
	s.memory.setLevel(code, l)
	if s.PoolLevel != nil {
		s.PoolLevel(code, l.available, l.lowWatermark)
	}
}

// GetPool returns a carrier's pool status (admin).
func (s *Service) GetPool(ctx context.Context, p access.Principal, name string) (*ewaybillv1.Pool, error) {
	if err := p.Require("read number pools", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, err
	}
	ids, err := resname.Parse("name", name, "carriers", "*", "pool")
	if err != nil {
		return nil, err
	}
	var pool *ewaybillv1.Pool
	err = s.Store.View(ctx, func(tx storage.Tx) error {
		if _, err := carriers.Load(tx, ids[0]); err != nil {
			return err
		}
		stored, err := loadPool(tx, ids[0])
		if err != nil {
			return err
		}
		pool, err = poolView(tx, ids[0], stored, s.Now())
		return err
	})
	return pool, err
}

// ListPools lists the pools of carriers that have one (admin).
func (s *Service) ListPools(ctx context.Context, p access.Principal, size int32, token string) ([]*ewaybillv1.Pool, string, error) {
	if err := p.Require("read number pools", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, "", err
	}
	return paging.List(ctx, s.Store, size, token, nil,
		func(tx storage.Tx, page storage.Page[*ewaybillv1.Pool]) ([]*ewaybillv1.Pool, string, error) {
			list, next, err := tx.Pools().List(page)
			if err != nil {
				return nil, "", err
			}
			now := s.Now()
			for _, pool := range list {
				code, _ := resname.Parse("name", pool.GetName(), "carriers", "*", "pool")
				if _, err := poolView(tx, code[0], pool, now); err != nil {
					return nil, "", err
				}
			}
			return list, next, nil
		})
}

// UpdatePool changes a pool's low_watermark or reuse_quarantine (admin).
func (s *Service) UpdatePool(ctx context.Context, p access.Principal, in *ewaybillv1.Pool, mask *fieldmaskpb.FieldMask) (*ewaybillv1.Pool, error) {
	if err := p.Require("change number pools", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, err
	}
	ids, err := resname.Parse("pool.name", in.GetName(), "carriers", "*", "pool")
	if err != nil {
		return nil, err
	}
	code := ids[0]
	var v fault.Violations
	paths := updatemask.Paths(mask, "imported", "available", "issued", "voided", "awaiting_reuse", "reusable_now", "low")
	if len(paths) == 0 {
		v.Add("update_mask", "required", "update_mask is required: low_watermark and/or reuse_quarantine")
	}
	for _, path := range paths {
		switch path {
		case "low_watermark":
			if in.GetLowWatermark() < 0 {
				v.Add("pool.low_watermark", "non_negative", "pool.low_watermark must be 0 (alert off) or more; got %d", in.GetLowWatermark())
			}
		case "reuse_quarantine":
			if d := in.GetReuseQuarantine(); d == nil || d.CheckValid() != nil || d.AsDuration() < 0 || d.AsDuration() > maxQuarantine {
				v.Add("pool.reuse_quarantine", "range", "pool.reuse_quarantine must be a duration between 0s and 8760h")
			}
		default:
			v.Add("update_mask", "immutable", "%q cannot be changed; only low_watermark and reuse_quarantine can (the counts follow imports, allocations and cancels)", path)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var pool *ewaybillv1.Pool
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		if _, err := carriers.Load(tx, code); err != nil {
			return err
		}
		stored, err := loadPool(tx, code)
		if err != nil {
			return err
		}
		details := map[string]string{"update_mask": strings.Join(paths, ",")}
		if slices.Contains(paths, "low_watermark") {
			details["low_watermark.previous"] = strconv.FormatInt(lowWatermark(stored), 10)
			w := in.GetLowWatermark()
			stored.LowWatermark = &w
			details["low_watermark"] = strconv.FormatInt(w, 10)
		}
		if slices.Contains(paths, "reuse_quarantine") {
			details["reuse_quarantine.previous"] = quarantine(stored).String()
			stored.ReuseQuarantine = in.GetReuseQuarantine()
			details["reuse_quarantine"] = quarantine(stored).String()
		}
		if pool, err = savePool(tx, code, stored, s.Now()); err != nil {
			return err
		}
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{Action: "pool.update", Resources: []string{pool.GetName()}, Details: details}, pool.GetUpdateTime())
	})
	if err == nil {
		s.reportLevel(code, pool)
	}
	return pool, err
}

// ImportRange adds a range of serials the carrier granted (admin).
func (s *Service) ImportRange(ctx context.Context, p access.Principal, parent string, first, last int64) (*ewaybillv1.NumberRange, *ewaybillv1.Pool, error) {
	if err := p.Require("import number ranges", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, nil, err
	}
	ids, err := resname.Parse("parent", parent, "carriers", "*")
	if err != nil {
		return nil, nil, err
	}
	code := ids[0]
	var r *ewaybillv1.NumberRange
	var pool *ewaybillv1.Pool
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		c, err := carriers.Load(tx, code)
		if err != nil {
			return err
		}
		format := carriers.NumberFormat(c)
		var v fault.Violations
		if first < 1 {
			v.Add("first_serial", "range", "first_serial must be at least 1; got %d", first)
		}
		if max := int64(format.MaxSerial()); last > max {
			v.Add("last_serial", "range", "last_serial must be at most %d (%s numbers have %d serial digits); got %d", max, code, format.SerialLength, last)
		}
		if last < first {
			v.Add("last_serial", "range", "last_serial must not be below first_serial (%d); got %d", first, last)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := checkNoOverlap(tx, code, first, last); err != nil {
			return err
		}
		now := timestamppb.New(s.Now())
		r = &ewaybillv1.NumberRange{
			Name:        rangeName(code, first),
			FirstSerial: first, LastSerial: last, NextSerial: first,
			State: rangeActive, ImportedBy: p.Key, CreateTime: now, UpdateTime: now,
		}
		fillRangeNumbers(c, r)
		if err := tx.NumberRanges().Put(code, r); err != nil {
			return err
		}
		stored, err := loadPool(tx, code)
		if err != nil {
			return err
		}
		n := last - first + 1
		stored.Imported += n
		stored.Available += n
		if pool, err = savePool(tx, code, stored, s.Now()); err != nil {
			return err
		}
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{
			Action:    "pool.import_range",
			Resources: []string{r.GetName(), pool.GetName()},
			Details: map[string]string{
				"first_serial": strconv.FormatInt(first, 10), "last_serial": strconv.FormatInt(last, 10),
				"first_number": r.GetFirstNumber(), "last_number": r.GetLastNumber(), "count": strconv.FormatInt(n, 10),
			},
		}, now)
	})
	if err != nil {
		return nil, nil, err
	}
	s.reportLevel(code, pool)
	return r, pool, nil
}

func rangeName(code string, first int64) string {
	return resname.Build("carriers", code, "numberRanges", strconv.FormatInt(first, 10))
}

func fillRangeNumbers(c *ewaybillv1.Carrier, r *ewaybillv1.NumberRange) {
	f := carriers.NumberFormat(c)
	r.FirstNumber, _ = f.Number(uint64(r.GetFirstSerial()))
	r.LastNumber, _ = f.Number(uint64(r.GetLastSerial()))
}

// checkNoOverlap refuses [first, last] if any imported range, retired or
// not, shares a serial with it: its numbers may already have been issued.
// Ranges never overlap, so the one starting at or below last is the only
// candidate.
func checkNoOverlap(tx storage.Tx, code string, first, last int64) error {
	r, err := tx.NumberRanges().Floor(code, last)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if r.GetLastSerial() < first {
		return nil
	}
	if r.GetFirstSerial() == first && r.GetLastSerial() == last {
		return fault.New(fault.KindAlreadyExists, fault.ReasonAlreadyExists,
			"range %d–%d of %s was already imported as %s; nothing was added", first, last, code, r.GetName()).
			With("resource", r.GetName())
	}
	return fault.New(fault.KindFailedPrecondition, fault.ReasonNumberRangeOverlaps,
		"range %d–%d of %s overlaps %s (%d–%d); import only serials the carrier granted that were never imported",
		first, last, code, r.GetName(), r.GetFirstSerial(), r.GetLastSerial()).With("resource", r.GetName())
}

// ListRanges lists a carrier's ranges (admin).
func (s *Service) ListRanges(ctx context.Context, p access.Principal, parent string, size int32, token string) ([]*ewaybillv1.NumberRange, string, error) {
	if err := p.Require("read number ranges", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, "", err
	}
	ids, err := resname.Parse("parent", parent, "carriers", "*")
	if err != nil {
		return nil, "", err
	}
	return paging.List(ctx, s.Store, size, token, nil,
		func(tx storage.Tx, page storage.Page[*ewaybillv1.NumberRange]) ([]*ewaybillv1.NumberRange, string, error) {
			if _, err := carriers.Load(tx, ids[0]); err != nil {
				return nil, "", err
			}
			list, next, err := tx.NumberRanges().List(ids[0], page)
			if err != nil {
				return nil, "", err
			}
			live, err := liveSegments(tx, ids[0], nil)
			for i := range list {
				list[i] = rangeView(list[i], live)
			}
			return list, next, err
		})
}

// RetireRange retires a range (admin): its never-issued numbers and those
// waiting for reuse are withdrawn and counted as voided; numbers already
// issued stay valid.
func (s *Service) RetireRange(ctx context.Context, p access.Principal, name, reason string) (*ewaybillv1.NumberRange, *ewaybillv1.Pool, error) {
	if err := p.Require("retire number ranges", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, nil, err
	}
	ids, err := resname.Parse("name", name, "carriers", "*", "numberRanges", "*")
	if err != nil {
		return nil, nil, err
	}
	code := ids[0]
	first, convErr := strconv.ParseInt(ids[1], 10, 64)
	var v fault.Violations
	if convErr != nil {
		v.Add("name", "resource_name", "name must end in the range's first serial, e.g. carriers/SF/numberRanges/1")
	}
	reason = textrule.Check(&v, "reason", reason, 1, MaxReasonLength)
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	var r *ewaybillv1.NumberRange
	var pool *ewaybillv1.Pool
	err = s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		c, err := carriers.Load(tx, code)
		if err != nil {
			return err
		}
		r, err = tx.NumberRanges().Get(code, first)
		if errors.Is(err, storage.ErrNotFound) {
			return fault.NotFound(name)
		} else if err != nil {
			return err
		}
		if r.GetState() == rangeRetired {
			return fault.InvalidTransition(name, "retire", "retired", "it was retired before; its unissued numbers are already withdrawn")
		}
		stored, err := loadPool(tx, code)
		if err != nil {
			return err
		}
		fresh := r.GetLastSerial() - r.GetNextSerial() + 1
		queued, err := withdrawQueued(tx, c, r, s.Now())
		if err != nil {
			return err
		}
		leased, err := withdrawLeased(tx, code, r)
		if err != nil {
			return err
		}
		now := timestamppb.New(s.Now())
		r.State = rangeRetired
		r.Withdrawn = fresh + leased + queued
		r.RetireReason = reason
		r.UpdateTime = now
		stored.Available -= fresh
		stored.Issued -= leased // the stored pool counts leased serials as issued
		stored.AwaitingReuse -= queued
		stored.Voided += r.GetWithdrawn()
		if err := tx.NumberRanges().Put(code, r); err != nil {
			return err
		}
		if pool, err = savePool(tx, code, stored, s.Now()); err != nil {
			return err
		}
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{
			Action:    "pool.retire_range",
			Resources: []string{r.GetName(), pool.GetName()},
			Details:   map[string]string{"reason": reason, "withdrawn": strconv.FormatInt(r.GetWithdrawn(), 10)},
		}, now)
	})
	if err != nil {
		return nil, nil, err
	}
	s.reportLevel(code, pool)
	return r, pool, nil
}

// withdrawLeased ends the segments leased from range r and returns how
// many serials they had left; a node issuing from one finds it gone and
// leases another.
func withdrawLeased(tx storage.Tx, code string, r *ewaybillv1.NumberRange) (int64, error) {
	segs, err := liveSegments(tx, code, r)
	if err != nil {
		return 0, err
	}
	for _, seg := range segs {
		if err := tx.NumberSegments().Delete(code, seg.GetFirstSerial()); err != nil {
			return 0, err
		}
	}
	return leased(segs), nil
}

// withdrawQueued removes from the reuse queue the numbers of range r, and
// tells each one's cancelled holder that its number will not come back.
func withdrawQueued(tx storage.Tx, c *ewaybillv1.Carrier, r *ewaybillv1.NumberRange, now time.Time) (int64, error) {
	var n int64
	err := tx.ReuseQueue().Each(c.GetCode(), func(q storage.QueuedNumber) error {
		serial, err := numberSerial(c, q.Number)
		if err != nil || serial < r.GetFirstSerial() || serial > r.GetLastSerial() {
			return nil
		}
		n++
		if err := tx.ReuseQueue().Remove(c.GetCode(), q); err != nil {
			return err
		}
		ref, err := tx.Waybills().Holder(c.GetCode(), q.Number)
		if err != nil {
			return fmt.Errorf("queued number %s has no holder: %w", q.Number, err)
		}
		w, err := tx.Waybills().Get(ref)
		if err != nil {
			return err
		}
		w.Cancellation.NumberDisposition = dispositionGone
		w.Cancellation.ReusableTime = nil
		w.UpdateTime = timestamppb.New(now)
		return tx.Waybills().Put(ref, w)
	})
	return n, err
}

// takeNumber takes the next number of a carrier's pool: first a queued
// number whose quarantine has ended, else the next serial of the node's
// segment. It changes nothing and returns POOL_EXHAUSTED when neither
// exists.
func (s *session) takeNumber(c *ewaybillv1.Carrier) (string, error) {
	code := c.GetCode()
	if !s.noneReady[code] {
		q, err := s.tx.ReuseQueue().First(code)
		switch {
		case err == nil && !q.Ready.After(s.now):
			pool, err := s.pool(code)
			if err != nil {
				return "", err
			}
			if err := s.tx.ReuseQueue().Remove(code, q); err != nil {
				return "", err
			}
			pool.AwaitingReuse--
			pool.Issued++
			s.taken[code] = true
			return q.Number, nil
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return "", err
		}
		// Nothing is queued ready at the session's time, and nothing will
		// be while it lasts: the session only takes numbers off the queue,
		// and cancels, which queue them, never run inside its Batch
		// function.
		s.noneReady[code] = true
	}
	return s.takeSerial(c)
}

// takeSerial takes the next serial of the node's segment.
func (s *session) takeSerial(c *ewaybillv1.Carrier) (string, error) {
	code := c.GetCode()
	seg, err := s.segment(code)
	if err != nil {
		return "", err
	}
	if seg == nil {
		pool, err := s.pool(code)
		if err != nil {
			return "", err
		}
		return "", poolExhausted(code, pool)
	}
	number, err := carriers.NumberFormat(c).Number(uint64(seg.GetNextSerial()))
	if err != nil {
		return "", err
	}
	seg.NextSerial++
	s.fromSegments[code]++
	return number, nil
}

// openRange returns the range the carrier's next serial comes from, nil
// when every range is used up or retired.
func (s *session) openRange(code string) (*ewaybillv1.NumberRange, error) {
	r, seen := s.ranges[code]
	switch {
	case seen && r == nil: // none was open, and no range is imported mid-transaction
		return nil, nil
	case r != nil && r.GetNextSerial() <= r.GetLastSerial():
		return r, nil
	case r != nil: // used up: store it, so the search below passes it by
		r.UpdateTime = timestamppb.New(s.now)
		if err := s.tx.NumberRanges().Put(code, r); err != nil {
			return nil, err
		}
	}
	open, _, err := s.tx.NumberRanges().List(code, storage.Page[*ewaybillv1.NumberRange]{Limit: 1, Keep: func(r *ewaybillv1.NumberRange) bool {
		return r.GetState() == rangeActive && r.GetNextSerial() <= r.GetLastSerial()
	}})
	if err != nil {
		return nil, err
	}
	s.ranges[code] = nil
	if len(open) > 0 {
		s.ranges[code] = open[0]
	}
	return s.ranges[code], nil
}

func poolExhausted(code string, pool *ewaybillv1.Pool) error {
	msg := "carrier %s has no number to issue (%d awaiting reuse are still in quarantine); nothing was spent: an admin imports a new range (ewaybill pool import, or POST /v1/carriers/%s/numberRanges:import)"
	return fault.New(fault.KindResourceExhausted, fault.ReasonPoolExhausted, msg, code, pool.GetAwaitingReuse(), code).
		With("carrier", resname.Build("carriers", code))
}

// numberSerial reads the serial of one of c's numbers.
func numberSerial(c *ewaybillv1.Carrier, number string) (int64, error) {
	serial, err := carriers.NumberFormat(c).Parse(number)
	return int64(serial), err
}

// ReportLevels tells PoolLevel about every pool, so the metrics are right
// from the start rather than from each pool's next change.
func (s *Service) ReportLevels(ctx context.Context) error {
	return s.Store.View(ctx, func(tx storage.Tx) error {
		return all(tx.Pools().List, func(pool *ewaybillv1.Pool) error {
			ids, err := resname.Parse("name", pool.GetName(), "carriers", "*", "pool")
			if err != nil {
				return nil
			}
			view, err := poolView(tx, ids[0], pool, s.Now())
			if err == nil {
				s.reportLevel(ids[0], view)
			}
			return err
		})
	})
}
