package merchants

import (
	"google.golang.org/protobuf/proto"

	"github.com/ewaybill/ewaybill/access"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/identity"
)

// View returns m as p may see it: admins see identity numbers in full,
// everyone else masked. m itself is left untouched.
func View(p access.Principal, m *ewaybillv1.Merchant) *ewaybillv1.Merchant {
	if p.IsAdmin() || m == nil {
		return m
	}
	c := proto.Clone(m).(*ewaybillv1.Merchant)
	if q := c.GetQualification(); q != nil {
		q.CreditCode = identity.MaskCreditCode(q.GetCreditCode())
		if lr := q.GetLegalRepresentative(); lr != nil && lr.GetIdNumber() != "" {
			lr.IdNumber = identity.MaskResidentID(lr.GetIdNumber())
		}
	}
	return c
}
