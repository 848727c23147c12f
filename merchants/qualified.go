package merchants

import (
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/review"
)

// NotQualified explains why merchant m, not APPROVED, may not do what,
// and what to do about it (MERCHANT_NOT_QUALIFIED).
func NotQualified(m *ewaybillv1.Merchant, what string) error {
	state := review.StateName(m.GetState())
	remedy := map[ewaybillv1.MerchantState]string{
		ewaybillv1.MerchantState_MERCHANT_STATE_PENDING_REVIEW: "wait for an admin to review the qualification",
		ewaybillv1.MerchantState_MERCHANT_STATE_REJECTED:       "correct the fields named in fields_to_supplement and resubmit (ResubmitMerchant)",
		ewaybillv1.MerchantState_MERCHANT_STATE_SUSPENDED:      "contact the platform to have the suspension lifted",
	}[m.GetState()]
	return fault.New(fault.KindFailedPrecondition, fault.ReasonMerchantNotQualified,
		"merchant %s is %s and may not %s; %s", m.GetName(), state, what, remedy).
		With("merchant", m.GetName()).With("state", state)
}
