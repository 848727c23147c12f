package quota

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/carriers"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
)

// Cancel cancels an ISSUED or PRINTED waybill (the merchant, or admin):
// one quota unit is credited back, exactly once, and the number is voided
// or queued for reuse by the carrier's recycle policy. Cancelling again
// returns the first cancellation (replayed).
func (s *Service) Cancel(ctx context.Context, p access.Principal, name, reason string) (*ewaybillv1.Waybill, bool, error) {
	if err := p.Require("cancel waybills", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, false, err
	}
	var v fault.Violations
	reason = textrule.Check(&v, "reason", reason, 1, MaxReasonLength)
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	var w *ewaybillv1.Waybill
	var replayed bool
	err := s.batch(ctx, func(tx storage.Tx) (error, error) {
		ref, found, err := Resolve(tx, p, "name", name)
		if err != nil {
			return classify(err)
		}
		w, replayed = found, false
		switch w.GetState() {
		case stateCancelled:
			replayed = true
			return nil, nil
		case statePickedUp:
			return fault.New(fault.KindFailedPrecondition, fault.ReasonWaybillPickedUp,
				"%s (%s) was picked up by the carrier at %s and can no longer be cancelled; ask the carrier to return the parcel",
				w.GetName(), w.GetNumber(), w.GetPickupTime().AsTime().Format(time.RFC3339)).With("waybill", w.GetName()), nil
		}
		if refusal, err := checkCancelGuard(tx, ref.MerchantID); refusal != nil || err != nil {
			return refusal, err
		}
		return nil, s.cancel(tx, p, ref, w, reason, s.Now())
	})
	if err != nil {
		return nil, false, err
	}
	// A cancel leaves the pool's available count (the metric) as it was:
	// it voids the number or queues it for reuse.
	return View(p, w), replayed, nil
}

// cancel writes a cancellation: the waybill, the quota credit and its
// ledger entry, and the number's fate in the pool.
func (s *Service) cancel(tx storage.Tx, p access.Principal, ref storage.WaybillRef, w *ewaybillv1.Waybill, reason string, now time.Time) error {
	code := strings.TrimPrefix(w.GetCarrier(), "carriers/")
	c, err := carriers.Load(tx, code)
	if err != nil {
		return err
	}
	pool, err := loadPool(tx, code)
	if err != nil {
		return err
	}
	ts := timestamppb.New(now)
	cancellation := &ewaybillv1.Cancellation{Reason: reason, CancelledBy: p.Key, CancelTime: ts, QuotaCredited: 1, NumberDisposition: dispositionVoid}
	reuse, err := reusable(tx, c, w)
	if err != nil {
		return err
	}
	pool.Issued--
	if reuse {
		ready := now.Add(quarantine(pool))
		if err := tx.ReuseQueue().Push(code, storage.QueuedNumber{Number: w.GetNumber(), Ready: ready}); err != nil {
			return err
		}
		cancellation.NumberDisposition = dispositionReuse
		cancellation.ReusableTime = timestamppb.New(ready)
		pool.AwaitingReuse++
	} else {
		pool.Voided++
	}
	pool.UpdateTime = ts
	if err := tx.Pools().Put(code, pool); err != nil {
		return err
	}
	w.State, w.Cancellation, w.UpdateTime = stateCancelled, cancellation, ts
	if err := tx.Waybills().Put(ref, w); err != nil {
		return err
	}
	if p.IsAdmin() {
		// An admin cancelling a merchant's waybill acts for the merchant.
		if err := audit.Record(tx, p, &ewaybillv1.AuditEvent{Action: "waybill.cancel",
			Merchant: resname.Build("merchants", ref.MerchantID), Resources: []string{w.GetName()},
			Details: map[string]string{"reason": reason, "number_disposition": strings.TrimPrefix(cancellation.NumberDisposition.String(), "NUMBER_DISPOSITION_")}}, ts); err != nil {
			return err
		}
	}
	q, err := loadQuota(tx, ref.MerchantID, code)
	if err != nil {
		return err
	}
	q.Live--
	q.Cancelled++
	if reuse {
		q.Recycled++
	}
	return post(tx, ref.MerchantID, code, q, &ewaybillv1.LedgerEntry{
		Type: entryCancelCredit, Delta: 1, Waybill: w.GetName(), Number: w.GetNumber(), Reason: reason, Operator: p.Key,
	}, now)
}

// reusable reports whether a cancelled waybill's number goes back to the
// pool: only under RECYCLE_POLICY_REUSE_UNPRINTED, only if its label was
// never printed, and only while its range is still active.
func reusable(tx storage.Tx, c *ewaybillv1.Carrier, w *ewaybillv1.Waybill) (bool, error) {
	if c.GetRecyclePolicy() != ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED || w.GetPrintCount() > 0 {
		return false, nil
	}
	serial, err := numberSerial(c, w.GetNumber())
	if err != nil {
		return false, err
	}
	r, err := tx.NumberRanges().Floor(c.GetCode(), serial)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return r.GetState() == rangeActive && serial <= r.GetLastSerial(), nil
}

// checkCancelGuard refuses a cancel that would lift the merchant's cancel
// rate above its guard.
func checkCancelGuard(tx storage.Tx, merchantID string) (refusal, err error) {
	g, err := tx.CancelGuards().Get(merchantID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	} else if err != nil || !g.GetEnabled() {
		return nil, err
	}
	var issued, cancelled int64
	_, _, err = tx.Quotas().List(merchantID, storage.Page[*ewaybillv1.Quota]{Keep: func(q *ewaybillv1.Quota) bool {
		issued += q.GetIssuedTotal()
		cancelled += q.GetCancelled()
		return false
	}})
	if err != nil || issued <= g.GetMinIssued() {
		return nil, err
	}
	if (cancelled+1)*100 <= int64(g.GetMaxCancelPercent())*issued {
		return nil, nil
	}
	percent := strconv.FormatFloat(float64(cancelled)*100/float64(issued), 'f', 1, 64)
	return fault.New(fault.KindFailedPrecondition, fault.ReasonCancelRateExceeded,
		"merchant %s has cancelled %d of %d waybills (%s%%); one more would exceed its cancel guard of %d%%: ship or keep the waybill, or ask an admin to review the guard",
		resname.Build("merchants", merchantID), cancelled, issued, percent, g.GetMaxCancelPercent()).
		With("cancel_percent", percent).With("max_cancel_percent", strconv.Itoa(int(g.GetMaxCancelPercent()))), nil
}

func cancelGuardName(merchantID string) string {
	return resname.Build("merchants", merchantID, "cancelGuard")
}

// GetCancelGuard returns a merchant's cancel-rate guard (admin, or the
// merchant).
func (s *Service) GetCancelGuard(ctx context.Context, p access.Principal, name string) (*ewaybillv1.CancelGuard, error) {
	if err := p.Require("read cancel guards", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, err
	}
	merchantID, err := parseGuardName(p, "name", name)
	if err != nil {
		return nil, err
	}
	var g *ewaybillv1.CancelGuard
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		if _, err := merchants.Load(tx, merchantID); err != nil {
			return err
		}
		g, err = tx.CancelGuards().Get(merchantID)
		if errors.Is(err, storage.ErrNotFound) {
			g, err = &ewaybillv1.CancelGuard{Name: cancelGuardName(merchantID)}, nil
		}
		return err
	})
	return g, err
}

// UpdateCancelGuard sets a merchant's cancel-rate guard (admin).
func (s *Service) UpdateCancelGuard(ctx context.Context, p access.Principal, in *ewaybillv1.CancelGuard) (*ewaybillv1.CancelGuard, error) {
	if err := p.Require("set cancel guards", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, err
	}
	merchantID, err := parseGuardName(p, "cancel_guard.name", in.GetName())
	if err != nil {
		return nil, err
	}
	var v fault.Violations
	if in.GetEnabled() && (in.GetMaxCancelPercent() < 1 || in.GetMaxCancelPercent() > 100) {
		v.Add("cancel_guard.max_cancel_percent", "range", "cancel_guard.max_cancel_percent must be between 1 and 100 when enabled; got %d", in.GetMaxCancelPercent())
	}
	if in.GetMinIssued() < 0 {
		v.Add("cancel_guard.min_issued", "non_negative", "cancel_guard.min_issued must not be negative; got %d", in.GetMinIssued())
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	g := &ewaybillv1.CancelGuard{
		Name: cancelGuardName(merchantID), Enabled: in.GetEnabled(), MaxCancelPercent: in.GetMaxCancelPercent(),
		MinIssued: in.GetMinIssued(), UpdateTime: timestamppb.New(s.Now()),
	}
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		if _, err := merchants.Load(tx, merchantID); err != nil {
			return err
		}
		before, err := tx.CancelGuards().Get(merchantID)
		if errors.Is(err, storage.ErrNotFound) {
			before = &ewaybillv1.CancelGuard{}
		} else if err != nil {
			return err
		}
		if err := tx.CancelGuards().Put(merchantID, g); err != nil {
			return err
		}
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{Action: "cancel_guard.update",
			Merchant: resname.Build("merchants", merchantID), Resources: []string{g.GetName()},
			Details: map[string]string{
				"enabled": strconv.FormatBool(g.GetEnabled()), "enabled.previous": strconv.FormatBool(before.GetEnabled()),
				"max_cancel_percent":          strconv.Itoa(int(g.GetMaxCancelPercent())),
				"max_cancel_percent.previous": strconv.Itoa(int(before.GetMaxCancelPercent())),
				"min_issued":                  strconv.FormatInt(g.GetMinIssued(), 10),
				"min_issued.previous":         strconv.FormatInt(before.GetMinIssued(), 10),
			}}, g.GetUpdateTime())
	})
	return g, err
}

func parseGuardName(p access.Principal, field, name string) (string, error) {
	ids, err := resname.Parse(field, name, "merchants", "*", "cancelGuard")
	if err != nil {
		return "", err
	}
	if !p.SeesMerchant(ids[0]) {
		return "", fault.NotFound(name)
	}
	return ids[0], nil
}
