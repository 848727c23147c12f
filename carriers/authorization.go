package carriers

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/review"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
)

type authStep = review.Step[ewaybillv1.CarrierAuthorizationState]

var (
	pending = ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_PENDING
	active  = ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_ACTIVE

	applyFor     = authStep{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_SUBMIT, Verb: "apply for", Roles: []ewaybillv1.Role{ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT}}
	approveAuth  = authStep{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_APPROVE, Verb: "approve", Done: "approved", From: []ewaybillv1.CarrierAuthorizationState{pending}, To: active, Roles: []ewaybillv1.Role{ewaybillv1.Role_ROLE_ADMIN}}
	rejectAuth   = authStep{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_REJECT, Verb: "reject", Done: "rejected", From: []ewaybillv1.CarrierAuthorizationState{pending}, To: ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_REJECTED, Roles: []ewaybillv1.Role{ewaybillv1.Role_ROLE_ADMIN}}
	revokeAuth   = authStep{Action: ewaybillv1.ReviewAction_REVIEW_ACTION_REVOKE, Verb: "revoke", Done: "revoked", From: []ewaybillv1.CarrierAuthorizationState{pending, active}, To: ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_REVOKED, Roles: []ewaybillv1.Role{ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT}}
	authResource = "carrier authorizations"
)

var accountPattern = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// CreateAuthorization applies for a merchant's binding to a carrier.
func (s *Service) CreateAuthorization(ctx context.Context, p access.Principal, parent string, in *ewaybillv1.CarrierAuthorization) (*ewaybillv1.CarrierAuthorization, error) {
	if err := applyFor.Permit(p, authResource); err != nil {
		return nil, err
	}
	merchantID, err := visibleMerchant(p, "parent", parent)
	if err != nil {
		return nil, err
	}
	var v fault.Violations
	code, carrierErr := parseCarrierName("carrier_authorization.carrier", in.GetCarrier())
	if carrierErr != nil {
		v.AddErr("carrier_authorization.carrier", carrierErr)
	}
	account := strings.TrimSpace(in.GetSettlementAccount())
	branchCode := strings.TrimSpace(in.GetBranchCode())
	branchName := textrule.Check(&v, "carrier_authorization.branch_name", in.GetBranchName(), 0, 64)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var a *ewaybillv1.CarrierAuthorization
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		m, err := tx.Merchants().Get(merchantID)
		if errors.Is(err, storage.ErrNotFound) {
			return fault.NotFound(parent)
		} else if err != nil {
			return err
		}
		switch m.GetState() {
		case ewaybillv1.MerchantState_MERCHANT_STATE_REJECTED, ewaybillv1.MerchantState_MERCHANT_STATE_SUSPENDED:
			return merchants.NotQualified(m, "apply for a carrier")
		}
		c, err := Load(tx, code)
		if err != nil {
			return err
		}
		if !c.GetEnabled() {
			return carrierDisabled(c)
		}
		if err := checkAccount(c, account, branchCode, branchName); err != nil {
			return err
		}
		existing, _, err := tx.CarrierAuthorizations().List(merchantID, storage.Page[*ewaybillv1.CarrierAuthorization]{
			Limit: 1,
			Keep: func(x *ewaybillv1.CarrierAuthorization) bool {
				return x.GetCarrier() == c.GetName() && (x.GetState() == pending || x.GetState() == active)
			},
		})
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			return fault.New(fault.KindAlreadyExists, fault.ReasonAlreadyExists,
				"merchant already has a %s authorization for %s (%s); revoke it before applying again",
				review.StateName(existing[0].GetState()), c.GetCode(), existing[0].GetName()).With("resource", existing[0].GetName())
		}
		id := uuid.Must(uuid.NewV7()).String()
		now := timestamppb.New(s.Now())
		a = &ewaybillv1.CarrierAuthorization{
			Name:              resname.Build("merchants", merchantID, "carrierAuthorizations", id),
			Carrier:           c.GetName(),
			SettlementAccount: account,
			BranchCode:        branchCode,
			BranchName:        branchName,
			State:             pending,
			ReviewHistory:     []*ewaybillv1.ReviewEvent{applyFor.Event(p, "", nil, now)},
			CreateTime:        now,
			UpdateTime:        now,
		}
		if err := tx.CarrierAuthorizations().Put(merchantID, id, a); err != nil {
			return err
		}
		// A merchant's own application waits for an admin's decision,
		// which is recorded; an admin applying on its behalf is recorded
		// now.
		if !p.IsAdmin() {
			return nil
		}
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{
			Action:    "carrier_authorization.create",
			Merchant:  m.GetName(),
			Resources: []string{a.GetName()},
			Details:   map[string]string{"carrier": c.GetName()},
		}, now)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// checkAccount checks the binding fields against the carrier's kind:
// direct-operated carriers bind by settlement account, franchise carriers
// by branch.
func checkAccount(c *ewaybillv1.Carrier, account, branchCode, branchName string) error {
	var v fault.Violations
	if c.GetKind() == ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED {
		switch {
		case account == "":
			v.Add("carrier_authorization.settlement_account", "required",
				"%s is direct-operated: carrier_authorization.settlement_account (月结账号) is required", c.GetCode())
		case len(account) < 4 || len(account) > 32 || !accountPattern.MatchString(account):
			v.Add("carrier_authorization.settlement_account", "format",
				"carrier_authorization.settlement_account must be 4–32 letters, digits or '-'")
		}
		if branchCode != "" || branchName != "" {
			v.Add("carrier_authorization.branch_code", "not_applicable",
				"%s is direct-operated and binds by settlement account; leave branch_code and branch_name empty", c.GetCode())
		}
		return v.Err()
	}
	switch {
	case branchCode == "":
		v.Add("carrier_authorization.branch_code", "required",
			"%s is a franchise carrier: carrier_authorization.branch_code (网点代码) is required", c.GetCode())
	case len(branchCode) < 2 || len(branchCode) > 32 || !accountPattern.MatchString(branchCode):
		v.Add("carrier_authorization.branch_code", "format", "carrier_authorization.branch_code must be 2–32 letters, digits or '-'")
	}
	if branchName == "" {
		v.Add("carrier_authorization.branch_name", "required",
			"%s is a franchise carrier: carrier_authorization.branch_name (网点名称) is required", c.GetCode())
	}
	if account != "" {
		v.Add("carrier_authorization.settlement_account", "not_applicable",
			"%s is a franchise carrier and binds through a branch; leave settlement_account empty", c.GetCode())
	}
	return v.Err()
}

// GetAuthorization returns an authorization p may see.
func (s *Service) GetAuthorization(ctx context.Context, p access.Principal, name string) (*ewaybillv1.CarrierAuthorization, error) {
	merchantID, id, err := parseAuthorizationName(p, name)
	if err != nil {
		return nil, err
	}
	var a *ewaybillv1.CarrierAuthorization
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		a, err = loadAuthorization(tx, merchantID, id)
		return err
	})
	return a, err
}

// ListAuthorizations pages through one merchant's authorizations, or every
// merchant's for parent "merchants/-" (admin).
func (s *Service) ListAuthorizations(ctx context.Context, p access.Principal, parent string,
	state ewaybillv1.CarrierAuthorizationState, carrier string, size int32, token string) ([]*ewaybillv1.CarrierAuthorization, string, error) {
	if err := p.Require("list "+authResource, ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, "", err
	}
	merchantID := ""
	if parent != "merchants/-" {
		var err error
		if merchantID, err = visibleMerchant(p, "parent", parent); err != nil {
			return nil, "", err
		}
	} else if !p.IsAdmin() {
		return nil, "", p.Require("list every merchant's "+authResource+" (use parent merchants/{your merchant})", ewaybillv1.Role_ROLE_ADMIN)
	}
	var v fault.Violations
	if _, known := ewaybillv1.CarrierAuthorizationState_name[int32(state)]; !known {
		v.Add("state", "enum", "state %d is not a CarrierAuthorizationState", state)
	}
	if carrier != "" {
		if _, err := parseCarrierName("carrier", carrier); err != nil {
			v.AddErr("carrier", err)
		}
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	keep := func(a *ewaybillv1.CarrierAuthorization) bool {
		return (state == 0 || a.GetState() == state) && (carrier == "" || a.GetCarrier() == carrier)
	}
	return paging.List(ctx, s.Store, size, token, keep,
		func(tx storage.Tx, page storage.Page[*ewaybillv1.CarrierAuthorization]) ([]*ewaybillv1.CarrierAuthorization, string, error) {
			return tx.CarrierAuthorizations().List(merchantID, page)
		})
}

// ApproveAuthorization activates a pending authorization (admin). The
// merchant must be approved and the carrier enabled at that moment.
func (s *Service) ApproveAuthorization(ctx context.Context, p access.Principal, name, comment string) (*ewaybillv1.CarrierAuthorization, error) {
	var v fault.Violations
	comment = textrule.Check(&v, "comment", comment, 0, 500)
	return s.decide(ctx, p, name, approveAuth, comment, v.Err(), func(tx storage.Tx, merchantID string, a *ewaybillv1.CarrierAuthorization) error {
		m, err := tx.Merchants().Get(merchantID)
		if err != nil {
			return err
		}
		if m.GetState() != ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED {
			return merchants.NotQualified(m, "be bound to a carrier")
		}
		c, err := Load(tx, strings.TrimPrefix(a.GetCarrier(), "carriers/"))
		if err != nil {
			return err
		}
		if !c.GetEnabled() {
			return carrierDisabled(c)
		}
		if s.Activated != nil {
			return s.Activated(tx, p, merchantID, c.GetCode(), s.Now())
		}
		return nil
	})
}

// RejectAuthorization refuses a pending authorization (admin).
func (s *Service) RejectAuthorization(ctx context.Context, p access.Principal, name, reason string) (*ewaybillv1.CarrierAuthorization, error) {
	var v fault.Violations
	reason = textrule.Check(&v, "reason", reason, 1, 500)
	return s.decide(ctx, p, name, rejectAuth, reason, v.Err(), nil)
}

// RevokeAuthorization withdraws a pending or active authorization (admin
// or the merchant itself).
func (s *Service) RevokeAuthorization(ctx context.Context, p access.Principal, name, reason string) (*ewaybillv1.CarrierAuthorization, error) {
	var v fault.Violations
	reason = textrule.Check(&v, "reason", reason, 1, 500)
	return s.decide(ctx, p, name, revokeAuth, reason, v.Err(), nil)
}

// decide takes one review step on an authorization in one transaction.
func (s *Service) decide(ctx context.Context, p access.Principal, name string, step authStep, reason string, invalid error,
	precondition func(storage.Tx, string, *ewaybillv1.CarrierAuthorization) error) (*ewaybillv1.CarrierAuthorization, error) {
	if err := step.Permit(p, authResource); err != nil {
		return nil, err
	}
	merchantID, id, err := parseAuthorizationName(p, name)
	if err != nil {
		return nil, err
	}
	if invalid != nil {
		return nil, invalid
	}
	var a *ewaybillv1.CarrierAuthorization
	err = s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		a, err = loadAuthorization(tx, merchantID, id)
		if err != nil {
			return err
		}
		if err := step.Check(a.GetName(), a.GetState()); err != nil {
			return err
		}
		if precondition != nil {
			if err := precondition(tx, merchantID, a); err != nil {
				return err
			}
		}
		now := timestamppb.New(s.Now())
		e := step.Event(p, reason, nil, now)
		from := a.GetState()
		a.ReviewHistory = append(a.ReviewHistory, e)
		a.State = step.To
		a.StateReason = ""
		if step.To != active {
			a.StateReason = reason
		}
		a.UpdateTime = now
		if err := tx.CarrierAuthorizations().Put(merchantID, id, a); err != nil {
			return err
		}
		// Admins' decisions are audited; a merchant withdrawing its own
		// authorization is in its review history.
		if !p.IsAdmin() {
			return nil
		}
		ev := step.Audit("carrier_authorization", resname.Build("merchants", merchantID), a.GetName(), from, e)
		ev.Details["carrier"] = a.GetCarrier()
		return audit.Record(tx, p, ev, now)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func visibleMerchant(p access.Principal, field, name string) (string, error) {
	ids, err := resname.Parse(field, name, "merchants", "*")
	if err != nil {
		return "", err
	}
	if !p.SeesMerchant(ids[0]) {
		return "", fault.NotFound(name)
	}
	return ids[0], nil
}

func parseAuthorizationName(p access.Principal, name string) (merchantID, id string, err error) {
	if err := p.Require("read "+authResource, ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return "", "", err
	}
	ids, err := resname.Parse("name", name, "merchants", "*", "carrierAuthorizations", "*")
	if err != nil {
		return "", "", err
	}
	if !p.SeesMerchant(ids[0]) {
		return "", "", fault.NotFound(name)
	}
	return ids[0], ids[1], nil
}

func loadAuthorization(tx storage.Tx, merchantID, id string) (*ewaybillv1.CarrierAuthorization, error) {
	a, err := tx.CarrierAuthorizations().Get(merchantID, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fault.NotFound(resname.Build("merchants", merchantID, "carrierAuthorizations", id))
	}
	return a, err
}

func carrierDisabled(c *ewaybillv1.Carrier) error {
	return fault.New(fault.KindFailedPrecondition, fault.ReasonCarrierDisabled,
		"carrier %s is disabled and takes no new authorizations; choose another carrier or ask an admin to enable it", c.GetCode()).
		With("carrier", c.GetName())
}
