package merchants

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/protopath"
	"github.com/ewaybill/ewaybill/review"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
)

type step = review.Step[ewaybillv1.MerchantState]

var (
	adminOnly     = []ewaybillv1.Role{ewaybillv1.Role_ROLE_ADMIN}
	adminOrSelf   = []ewaybillv1.Role{ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT}
	pendingReview = []ewaybillv1.MerchantState{ewaybillv1.MerchantState_MERCHANT_STATE_PENDING_REVIEW}

	approve   = step{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_APPROVE, Verb: "approve", Done: "approved", From: pendingReview, To: ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED, Roles: adminOnly}
	reject    = step{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_REJECT, Verb: "reject", Done: "rejected", From: pendingReview, To: ewaybillv1.MerchantState_MERCHANT_STATE_REJECTED, Roles: adminOnly}
	resubmit  = step{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_RESUBMIT, Verb: "resubmit", Done: "resubmitted", From: []ewaybillv1.MerchantState{ewaybillv1.MerchantState_MERCHANT_STATE_REJECTED}, To: ewaybillv1.MerchantState_MERCHANT_STATE_PENDING_REVIEW, Roles: adminOrSelf}
	suspend   = step{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_SUSPEND, Verb: "suspend", Done: "suspended", From: []ewaybillv1.MerchantState{ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED}, To: ewaybillv1.MerchantState_MERCHANT_STATE_SUSPENDED, Roles: adminOnly}
	reinstate = step{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_REINSTATE, Verb: "reinstate", Done: "reinstated", From: []ewaybillv1.MerchantState{ewaybillv1.MerchantState_MERCHANT_STATE_SUSPENDED}, To: ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED, Roles: adminOnly}
)

// Approve qualifies a merchant in review.
func (s *Service) Approve(ctx context.Context, p access.Principal, name, comment string) (*ewaybillv1.Merchant, error) {
	var v fault.Violations
	comment = textrule.Check(&v, "comment", comment, 0, 500)
	return s.apply(ctx, p, name, approve, v.Err(), func(m *ewaybillv1.Merchant, e *ewaybillv1.ReviewEvent) error {
		e.Reason = comment
		m.StateReason, m.FieldsToSupplement = "", nil
		return nil
	})
}

// Reject refuses a merchant in review, saying why and what to supplement.
func (s *Service) Reject(ctx context.Context, p access.Principal, name, reason string, fields []string) (*ewaybillv1.Merchant, error) {
	var v fault.Violations
	reason = textrule.Check(&v, "reason", reason, 1, 500)
	if len(fields) == 0 {
		v.Add("fields_to_supplement", "required", "fields_to_supplement must name at least one of: %s", strings.Join(QualificationFields, ", "))
	}
	for i, f := range fields {
		if !slices.Contains(QualificationFields, f) {
			v.Add("fields_to_supplement["+strconv.Itoa(i)+"]", "enum", "%q is not a qualification field; use one of: %s", f, strings.Join(QualificationFields, ", "))
		}
	}
	fields = slices.Compact(slices.Sorted(slices.Values(fields)))
	return s.apply(ctx, p, name, reject, v.Err(), func(m *ewaybillv1.Merchant, e *ewaybillv1.ReviewEvent) error {
		e.Reason, e.FieldsToSupplement = reason, fields
		m.StateReason, m.FieldsToSupplement = reason, fields
		return nil
	})
}

// Resubmit replaces a rejected merchant's qualification and returns it to
// review.
func (s *Service) Resubmit(ctx context.Context, p access.Principal, name string, q *ewaybillv1.Qualification) (*ewaybillv1.Merchant, error) {
	q, invalid := normalizeQualification(q, "qualification.")
	return s.apply(ctx, p, name, resubmit, invalid, func(m *ewaybillv1.Merchant, _ *ewaybillv1.ReviewEvent) error {
		m.Qualification = q
		m.StateReason, m.FieldsToSupplement = "", nil
		return nil
	}, func(tx storage.Tx, id string) error { return ensureCreditCodeFree(tx, q.GetCreditCode(), id) })
}

// Suspend stops an approved merchant from allocating.
func (s *Service) Suspend(ctx context.Context, p access.Principal, name, reason string) (*ewaybillv1.Merchant, error) {
	return s.decideWithReason(ctx, p, name, reason, suspend)
}

// Reinstate lifts a suspension.
func (s *Service) Reinstate(ctx context.Context, p access.Principal, name, reason string) (*ewaybillv1.Merchant, error) {
	return s.decideWithReason(ctx, p, name, reason, reinstate)
}

func (s *Service) decideWithReason(ctx context.Context, p access.Principal, name, reason string, t step) (*ewaybillv1.Merchant, error) {
	var v fault.Violations
	reason = textrule.Check(&v, "reason", reason, 1, 500)
	return s.apply(ctx, p, name, t, v.Err(), func(m *ewaybillv1.Merchant, e *ewaybillv1.ReviewEvent) error {
		e.Reason = reason
		m.StateReason, m.FieldsToSupplement = reason, nil
		if t.To == ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED {
			m.StateReason = ""
		}
		return nil
	})
}

// apply runs one transition: role check, request check (invalid, computed
// by the caller so that every problem is reported together with none
// spent), state check, then the change and its history event, in one
// transaction. checks run inside the transaction before the change.
func (s *Service) apply(ctx context.Context, p access.Principal, name string, t step, invalid error,
	change func(*ewaybillv1.Merchant, *ewaybillv1.ReviewEvent) error, checks ...func(storage.Tx, string) error) (*ewaybillv1.Merchant, error) {
	if err := t.Permit(p, "merchants"); err != nil {
		return nil, err
	}
	id, err := s.visibleID(p, name, t.Verb+" merchants")
	if err != nil {
		return nil, err
	}
	if invalid != nil {
		return nil, invalid
	}
	var m *ewaybillv1.Merchant
	err = s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		m, err = Load(tx, id)
		if err != nil {
			return err
		}
		if err := t.Check(m.GetName(), m.GetState()); err != nil {
			return err
		}
		for _, check := range checks {
			if err := check(tx, id); err != nil {
				return err
			}
		}
		now := timestamppb.New(s.Now())
		e := t.Event(p, "", nil, now)
		from, before := m.GetState(), m.GetQualification()
		if err := change(m, e); err != nil {
			return err
		}
		m.State = t.To
		m.ReviewHistory = append(m.ReviewHistory, e)
		m.UpdateTime = now
		if err := tx.Merchants().Put(id, m); err != nil {
			return err
		}
		// Admins' decisions go to the audit log; a merchant resubmitting
		// its own qualification is in its review history already.
		if !p.IsAdmin() {
			return nil
		}
		ev := t.Audit("merchant", m.GetName(), m.GetName(), from, e)
		if t.Action == resubmit.Action {
			ev.Details["changed_fields"] = strings.Join(changedFields(before, m.GetQualification()), ",")
		}
		return audit.Record(tx, p, ev, now)
	})
	if err != nil {
		return nil, err
	}
	return View(p, m), nil
}

// changedFields names the qualification fields (QualificationFields) whose
// value differs between before and after: an audit record says what an
// admin changed without copying the personal data itself.
func changedFields(before, after *ewaybillv1.Qualification) []string {
	var changed []string
	for _, path := range QualificationFields {
		b, _, _ := protopath.Get(before.ProtoReflect(), path)
		a, _, _ := protopath.Get(after.ProtoReflect(), path)
		if !b.Equal(a) {
			changed = append(changed, path)
		}
	}
	return changed
}

// submit is the first event of every merchant; it has no from-state.
var submit = step{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_SUBMIT}
