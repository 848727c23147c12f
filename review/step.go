// Package review holds what merchant qualification and carrier
// authorization reviews share: the steps of a state machine, who may take
// them, and the history event each step leaves behind.
package review

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// State is a review state enum of the API (MerchantState,
// CarrierAuthorizationState).
type State interface {
	~int32
	String() string
}

// Step is one edge of a review state machine.
type Step[S State] struct {
	Action ewaybillv1.ReviewAction
	Verb   string // "approve", used in messages and permission errors
	Done   string // "approved"
	From   []S
	To     S
	// Roles may take the step.
	Roles []ewaybillv1.Role
}

// Permit checks that p's role may take the step on kind ("merchants").
func (s Step[S]) Permit(p access.Principal, kind string) error {
	return p.Require(s.Verb+" "+kind, s.Roles...)
}

// Check returns INVALID_STATE_TRANSITION unless current is a From state.
func (s Step[S]) Check(resource string, current S) error {
	if slices.Contains(s.From, current) {
		return nil
	}
	from := make([]string, len(s.From))
	for i, f := range s.From {
		from[i] = StateName(f)
	}
	return fault.InvalidTransition(resource, s.Verb, StateName(current),
		"it can be "+s.Done+" only while "+strings.Join(from, " or "))
}

// Event is the history entry for p taking the step now.
func (s Step[S]) Event(p access.Principal, reason string, fields []string, now *timestamppb.Timestamp) *ewaybillv1.ReviewEvent {
	return &ewaybillv1.ReviewEvent{
		Action: s.Action, Actor: p.Key, ActorRole: p.RoleName(), Reason: reason,
		FieldsToSupplement: fields, Time: now,
	}
}

// Audit describes, for the audit log, the step e just taken on resource
// (of kind, e.g. "merchant", which prefixes the action: "merchant.reject")
// of merchant, which was in state from. It carries what the history event
// says (the reason or comment, the fields to supplement) and the move.
func (s Step[S]) Audit(kind, merchant, resource string, from S, e *ewaybillv1.ReviewEvent) *ewaybillv1.AuditEvent {
	details := map[string]string{"from_state": StateName(from), "to_state": StateName(s.To)}
	if e.GetReason() != "" {
		// An approval's text is a comment; every other step's is its reason.
		key := "reason"
		if s.Action == ewaybillv1.ReviewAction_REVIEW_ACTION_APPROVE {
			key = "comment"
		}
		details[key] = e.GetReason()
	}
	if len(e.GetFieldsToSupplement()) > 0 {
		details["fields_to_supplement"] = strings.Join(e.GetFieldsToSupplement(), ",")
	}
	return &ewaybillv1.AuditEvent{
		Action:    kind + "." + s.Verb,
		Merchant:  merchant,
		Resources: []string{resource},
		Details:   details,
	}
}

// StateName strips the enum prefix: MERCHANT_STATE_APPROVED → APPROVED.
func StateName[S State](s S) string {
	name := s.String()
	for _, prefix := range []string{"MERCHANT_STATE_", "CARRIER_AUTHORIZATION_STATE_"} {
		name = strings.TrimPrefix(name, prefix)
	}
	return name
}
