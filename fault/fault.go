// Package fault holds the errors that domain code returns to callers. Each
// carries a Kind (which becomes a gRPC code), a stable Reason (which becomes
// google.rpc.ErrorInfo.reason) and a message that says what happened and
// what to do next. The server package maps them to wire errors in one place;
// domain packages never import gRPC.
package fault

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kind classifies an error the way a caller must react to it.
type Kind int

const (
	// KindInternal is a bug or an unexpected failure; the caller may retry.
	KindInternal Kind = iota
	// KindInvalid means the request itself is wrong; retrying will not help.
	KindInvalid
	// KindUnauthenticated means the caller did not prove who it is.
	KindUnauthenticated
	// KindPermissionDenied means the caller's role may not do this.
	KindPermissionDenied
	// KindNotFound means the resource does not exist or is not the caller's.
	KindNotFound
	// KindAlreadyExists means a resource with the same identity exists.
	KindAlreadyExists
	// KindFailedPrecondition means the system is not in a state that allows
	// the action; the message says what must change first.
	KindFailedPrecondition
	// KindResourceExhausted means a quota or limit was reached.
	KindResourceExhausted
	// KindUnavailable means the service cannot serve now; retry later.
	KindUnavailable
)

// Stable reasons, matching ewaybill.v1.ErrorReason without its prefix.
const (
	ReasonInvalidRequest         = "INVALID_REQUEST"
	ReasonAPIKeyMissing          = "API_KEY_MISSING"
	ReasonAPIKeyInvalid          = "API_KEY_INVALID"
	ReasonAPIKeyRevoked          = "API_KEY_REVOKED"
	ReasonRoleNotPermitted       = "ROLE_NOT_PERMITTED"
	ReasonResourceNotFound       = "RESOURCE_NOT_FOUND"
	ReasonAlreadyExists          = "ALREADY_EXISTS"
	ReasonInvalidStateTransition = "INVALID_STATE_TRANSITION"
	ReasonMerchantNotQualified   = "MERCHANT_NOT_QUALIFIED"
	ReasonCarrierDisabled        = "CARRIER_DISABLED"
	ReasonLastAdminKey           = "LAST_ADMIN_KEY"
	ReasonUnavailable            = "UNAVAILABLE"
	ReasonInternal               = "INTERNAL"
	ReasonCarrierNotAuthorized   = "CARRIER_NOT_AUTHORIZED"
	ReasonQuotaExhausted         = "QUOTA_EXHAUSTED"
	ReasonPoolExhausted          = "POOL_EXHAUSTED"
	ReasonIdempotencyKeyReused   = "IDEMPOTENCY_KEY_REUSED"
	ReasonWaybillPickedUp        = "WAYBILL_ALREADY_PICKED_UP"
	ReasonCancelRateExceeded     = "CANCEL_RATE_EXCEEDED"
	ReasonNumberRangeOverlaps    = "NUMBER_RANGE_OVERLAPS"
	ReasonDeductionExceeds       = "DEDUCTION_EXCEEDS_AVAILABLE"
	ReasonRateLimited            = "RATE_LIMITED"
	ReasonOverloaded             = "OVERLOADED"
)

// Reasons lists every reason above; a test keeps it in step with the proto
// enum and the README.
var Reasons = []string{
	ReasonInvalidRequest, ReasonAPIKeyMissing, ReasonAPIKeyInvalid, ReasonAPIKeyRevoked,
	ReasonRoleNotPermitted, ReasonResourceNotFound, ReasonAlreadyExists,
	ReasonInvalidStateTransition, ReasonMerchantNotQualified, ReasonCarrierDisabled,
	ReasonLastAdminKey, ReasonUnavailable, ReasonInternal, ReasonCarrierNotAuthorized,
	ReasonQuotaExhausted, ReasonPoolExhausted, ReasonIdempotencyKeyReused, ReasonWaybillPickedUp,
	ReasonCancelRateExceeded, ReasonNumberRangeOverlaps, ReasonDeductionExceeds,
	ReasonRateLimited, ReasonOverloaded,
}

// Error is a domain error with everything a caller needs to react to it.
type Error struct {
	Kind    Kind
	Reason  string
	Message string
	// Metadata is copied into ErrorInfo.metadata: machine-readable facts
	// such as the current state or the resource name. Never personal data.
	Metadata map[string]string
	// Violations lists field problems for KindInvalid.
	Violations []Violation
	// QuotaSubject names the exhausted quota for KindResourceExhausted
	// (it becomes google.rpc.QuotaFailure), e.g. "merchants/m/quotas/SF".
	QuotaSubject string
	// RetryAfter, when set, is how long the caller should wait before
	// sending the request again (google.rpc.RetryInfo; REST Retry-After).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

// Violation is one broken rule on one request field.
type Violation struct {
	// Field is the request field path, e.g. "qualification.credit_code".
	Field string
	// Rule is a stable snake_case rule name, e.g. "check_character".
	Rule string
	// Message says what is wrong and what a valid value looks like.
	Message string
}

// New builds an Error with a formatted message.
func New(kind Kind, reason, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e with one more metadata entry.
func (e *Error) With(key, value string) *Error {
	c := *e
	c.Metadata = make(map[string]string, len(e.Metadata)+1)
	for k, v := range e.Metadata {
		c.Metadata[k] = v
	}
	c.Metadata[key] = value
	return &c
}

// NotFound reports that resource (a resource name) does not exist or is not
// visible to the caller; both look the same so ids cannot be probed.
func NotFound(resource string) *Error {
	return New(KindNotFound, ReasonResourceNotFound,
		"%s not found; check the name, and that your key belongs to the merchant that owns it", resource).
		With("resource", resource)
}

// KeyReused reports an idempotency key (a request id, an order code) sent
// again with a different payload; metadata "fields" lists what differs,
// comma-separated, so clients can show it without parsing the message.
func KeyReused(differ []string, format string, args ...any) *Error {
	return New(KindFailedPrecondition, ReasonIdempotencyKeyReused, format, args...).
		With("fields", strings.Join(differ, ","))
}

// InvalidTransition reports an action that does not apply in state.
func InvalidTransition(resource, action, state, allowed string) *Error {
	return New(KindFailedPrecondition, ReasonInvalidStateTransition,
		"cannot %s %s while it is %s; %s", action, resource, state, allowed).
		With("resource", resource).With("action", action).With("state", state)
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Violations collects field problems while a request is checked, so the
// caller learns about every bad field at once rather than one per attempt.
type Violations struct {
	list []Violation
}

// Add records one violation.
func (v *Violations) Add(field, rule, format string, args ...any) {
	v.list = append(v.list, Violation{Field: field, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// AddErr records err against field, taking the rule from err when it has a
// RuleName() string method (the identity and text checks do), else
// "invalid". A *fault.Error's own violations are re-homed under field.
func (v *Violations) AddErr(field string, err error) {
	if err == nil {
		return
	}
	if fe, ok := As(err); ok && len(fe.Violations) > 0 {
		for _, x := range fe.Violations {
			v.list = append(v.list, Violation{Field: field, Rule: x.Rule, Message: x.Message})
		}
		return
	}
	rule := "invalid"
	var r interface{ RuleName() string }
	if errors.As(err, &r) {
		rule = r.RuleName()
	}
	v.list = append(v.list, Violation{Field: field, Rule: rule, Message: err.Error()})
}

// Empty reports whether nothing was recorded.
func (v *Violations) Empty() bool { return len(v.list) == 0 }

// Len is how many violations were recorded.
func (v *Violations) Len() int { return len(v.list) }

// Err returns nil when nothing was recorded, else one KindInvalid error
// whose message summarises every violation.
func (v *Violations) Err() error {
	if len(v.list) == 0 {
		return nil
	}
	fields := make([]string, 0, len(v.list))
	seen := map[string]bool{}
	for _, x := range v.list {
		if !seen[x.Field] {
			seen[x.Field] = true
			fields = append(fields, x.Field)
		}
	}
	sort.Strings(fields)
	msg := fmt.Sprintf("invalid request: %s", v.list[0].Message)
	if len(v.list) > 1 {
		msg = fmt.Sprintf("invalid request: %d problems in fields %s; first: %s",
			len(v.list), strings.Join(fields, ", "), v.list[0].Message)
	}
	return &Error{Kind: KindInvalid, Reason: ReasonInvalidRequest, Message: msg,
		Violations: append([]Violation(nil), v.list...)}
}

// Invalid is a shorthand for a single-violation KindInvalid error.
func Invalid(field, rule, format string, args ...any) error {
	var v Violations
	v.Add(field, rule, format, args...)
	return v.Err()
}
