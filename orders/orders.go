// Package orders checks the canonical order an allocation is made for. It
// normalises what a client may leave implicit (package id, parcel count,
// surrounding spaces) and reports every broken rule at once, naming the
// field, so nothing is spent on an order that cannot become a label.
package orders

import (
	"regexp"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/identity"
	"github.com/ewaybill/ewaybill/textrule"
)

// Limits of the canonical order.
const (
	MaxItems       = 100
	MaxParcelCount = 999
	MaxQuantity    = 1_000_000
	// DefaultPackageID is the package id of an order shipped as one package.
	DefaultPackageID = "1"
)

var postcodePattern = regexp.MustCompile(`^[0-9]{6}$`)

// Normalize returns a trimmed copy of o with defaults filled in, and
// records on v every rule it breaks under field (e.g. "order").
func Normalize(v *fault.Violations, field string, o *ewaybillv1.Order) *ewaybillv1.Order {
	if o == nil {
		v.Add(field, "required", "%s is required: order_code, sender, receiver, parcel and items", field)
		return &ewaybillv1.Order{}
	}
	n := proto.Clone(o).(*ewaybillv1.Order)
	n.OrderCode = textrule.Check(v, field+".order_code", o.GetOrderCode(), 1, 64)
	n.PackageId = textrule.Check(v, field+".package_id", o.GetPackageId(), 0, 32)
	if n.PackageId == "" {
		n.PackageId = DefaultPackageID
	}
	n.Sender = party(v, field+".sender", o.GetSender())
	n.Receiver = party(v, field+".receiver", o.GetReceiver())
	n.Parcel = parcel(v, field+".parcel", o.GetParcel())
	if len(o.GetItems()) == 0 {
		v.Add(field+".items", "required", "%s.items needs at least one item (name and quantity)", field)
	} else if len(o.GetItems()) > MaxItems {
		v.Add(field+".items", "length", "%s.items may list at most %d items; got %d", field, MaxItems, len(o.GetItems()))
	}
	for i, it := range n.GetItems() {
		f := field + ".items[" + strconv.Itoa(i) + "]"
		it.Name = textrule.Check(v, f+".name", it.GetName(), 1, 64)
		if it.GetQuantity() < 1 || it.GetQuantity() > MaxQuantity {
			v.Add(f+".quantity", "range", "%s.quantity must be between 1 and %d; got %d", f, MaxQuantity, it.GetQuantity())
		}
		nonNegative(v, f+".declared_value_fen", it.GetDeclaredValueFen())
	}
	n.Remark = textrule.Check(v, field+".remark", o.GetRemark(), 0, 100)
	nonNegative(v, field+".cod_amount_fen", o.GetCodAmountFen())
	nonNegative(v, field+".insured_value_fen", o.GetInsuredValueFen())
	return n
}

func party(v *fault.Violations, field string, p *ewaybillv1.Party) *ewaybillv1.Party {
	if p == nil {
		v.Add(field, "required", "%s is required: name, mobile or landline, province, city and address", field)
		return nil
	}
	n := &ewaybillv1.Party{
		Name:     textrule.Check(v, field+".name", p.GetName(), 1, 32),
		Mobile:   textrule.Check(v, field+".mobile", p.GetMobile(), 0, 20),
		Landline: textrule.Check(v, field+".landline", p.GetLandline(), 0, 24),
		Province: textrule.Check(v, field+".province", p.GetProvince(), 2, 20),
		City:     textrule.Check(v, field+".city", p.GetCity(), 2, 20),
		District: textrule.Check(v, field+".district", p.GetDistrict(), 0, 20),
		Address:  textrule.Check(v, field+".address", p.GetAddress(), 2, 120),
		Postcode: textrule.Check(v, field+".postcode", p.GetPostcode(), 0, 6),
	}
	switch {
	case n.Mobile == "" && n.Landline == "":
		v.Add(field+".mobile", "contact_required", "%s needs a mobile or a landline so the courier can call", field)
	case n.Mobile != "":
		v.AddErr(field+".mobile", identity.CheckMobile(n.Mobile))
	}
	if n.Landline != "" {
		v.AddErr(field+".landline", identity.CheckLandline(n.Landline))
	}
	if n.Postcode != "" && !postcodePattern.MatchString(n.Postcode) {
		v.Add(field+".postcode", "format", "%s.postcode must be 6 digits", field)
	}
	return n
}

func parcel(v *fault.Violations, field string, p *ewaybillv1.Parcel) *ewaybillv1.Parcel {
	n := &ewaybillv1.Parcel{}
	if p != nil {
		n = proto.Clone(p).(*ewaybillv1.Parcel)
	}
	nonNegative(v, field+".weight_grams", n.GetWeightGrams())
	nonNegative(v, field+".length_mm", n.GetLengthMm())
	nonNegative(v, field+".width_mm", n.GetWidthMm())
	nonNegative(v, field+".height_mm", n.GetHeightMm())
	switch c := n.GetParcelCount(); {
	case c == 0:
		n.ParcelCount = 1
	case c < 0 || c > MaxParcelCount:
		v.Add(field+".parcel_count", "range", "%s.parcel_count must be between 1 and %d; got %d", field, MaxParcelCount, c)
	}
	return n
}

func nonNegative(v *fault.Violations, field string, n int64) {
	if n < 0 {
		v.Add(field, "non_negative", "%s must not be negative; got %d", field, n)
	}
}
