package merchants

import (
	"strings"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/identity"
	"github.com/ewaybill/ewaybill/textrule"
)

// QualificationFields are the paths an admin may list in
// fields_to_supplement when rejecting a merchant.
var QualificationFields = []string{
	"legal_name", "type", "credit_code", "legal_representative.name",
	"legal_representative.id_number", "contact.name", "contact.mobile", "licence_document_ref",
}

// MaxLegalNameLength bounds a qualification's legal name, in characters.
const MaxLegalNameLength = 100

// normalizeQualification checks every field of q, reporting each problem
// under prefix (e.g. "qualification."), and returns a trimmed copy.
func normalizeQualification(q *ewaybillv1.Qualification, prefix string) (*ewaybillv1.Qualification, error) {
	var v fault.Violations
	if q == nil {
		v.Add(strings.TrimSuffix(prefix, "."), "required", "%s is required", strings.TrimSuffix(prefix, "."))
		return nil, v.Err()
	}
	out := &ewaybillv1.Qualification{
		LegalName:           textrule.Check(&v, prefix+"legal_name", q.GetLegalName(), 2, MaxLegalNameLength),
		Type:                q.GetType(),
		CreditCode:          strings.TrimSpace(q.GetCreditCode()),
		LegalRepresentative: &ewaybillv1.Person{IdNumber: strings.TrimSpace(q.GetLegalRepresentative().GetIdNumber())},
		Contact:             &ewaybillv1.Contact{Mobile: strings.TrimSpace(q.GetContact().GetMobile())},
		LicenceDocumentRef:  textrule.Check(&v, prefix+"licence_document_ref", q.GetLicenceDocumentRef(), 1, 512),
	}
	out.LegalRepresentative.Name = textrule.Check(&v, prefix+"legal_representative.name", q.GetLegalRepresentative().GetName(), 1, 50)
	out.Contact.Name = textrule.Check(&v, prefix+"contact.name", q.GetContact().GetName(), 1, 50)

	switch out.Type {
	case ewaybillv1.MerchantType_MERCHANT_TYPE_ENTERPRISE, ewaybillv1.MerchantType_MERCHANT_TYPE_INDIVIDUAL_BUSINESS:
	case ewaybillv1.MerchantType_MERCHANT_TYPE_UNSPECIFIED:
		v.Add(prefix+"type", "required", "%stype is required: MERCHANT_TYPE_ENTERPRISE or MERCHANT_TYPE_INDIVIDUAL_BUSINESS", prefix)
	default:
		v.Add(prefix+"type", "enum", "%stype must be MERCHANT_TYPE_ENTERPRISE or MERCHANT_TYPE_INDIVIDUAL_BUSINESS", prefix)
	}
	v.AddErr(prefix+"credit_code", identity.CheckCreditCode(out.CreditCode))
	if id := out.LegalRepresentative.IdNumber; id != "" {
		v.AddErr(prefix+"legal_representative.id_number", identity.CheckResidentID(id))
	} else if out.Type == ewaybillv1.MerchantType_MERCHANT_TYPE_INDIVIDUAL_BUSINESS {
		v.Add(prefix+"legal_representative.id_number", "required",
			"%slegal_representative.id_number is required for an individual business: the operator's resident ID number", prefix)
	}
	v.AddErr(prefix+"contact.mobile", identity.CheckMobile(out.Contact.Mobile))
	return out, v.Err()
}
