// Package orders checks the canonical order an allocation is made for. It
// normalises what a client may leave implicit (package id, parcel count,
// surrounding spaces) and reports every broken rule at once, naming the
// field, so nothing is spent on an order that cannot become a label.
//
// The limits that differ between carriers (weight, name and address
// length, forbidden characters) come from Rules, built from a carrier's
// configuration; province, city and district are checked against the
// divisions table but kept as the merchant sent them.
package orders

import (
	"regexp"
	"strconv"
	"strings"

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
	// The longest texts, in characters, besides the names and addresses
	// a carrier may bound (Rules).
	MaxOrderCodeLength = 64
	MaxPackageIDLength = 32
	MaxItemNameLength  = 64
	MaxRemarkLength    = 100
	// DefaultPackageID is the package id of an order shipped as one package.
	DefaultPackageID = "1"
)

var postcodePattern = regexp.MustCompile(`^[0-9]{6}$`)

// Normalize returns a trimmed copy of o with defaults filled in, and
// records on v every rule of r it breaks under field (e.g. "order"). The
// copy does not depend on r, so an order normalised under one carrier's
// rules can be checked again under another's.
func Normalize(v *fault.Violations, field string, o *ewaybillv1.Order, r Rules) *ewaybillv1.Order {
	if o == nil {
		v.Add(field, "required", "%s is required: order_code, sender, receiver, parcel and items", field)
		return &ewaybillv1.Order{}
	}
	c := checker{v: v, r: r}
	n := proto.Clone(o).(*ewaybillv1.Order)
	n.OrderCode, _ = c.text(field, ".order_code", o.GetOrderCode(), 1, MaxOrderCodeLength)
	// The default package id is ewaybill's, not the merchant's text (and
	// never printed), so the carrier's forbidden characters do not apply
	// to it, sent or filled in: an order a carrier forbidding "1" accepts
	// without a package id still passes once normalised.
	if id := strings.TrimSpace(o.GetPackageId()); id == "" || id == DefaultPackageID {
		n.PackageId = DefaultPackageID
	} else {
		n.PackageId, _ = c.text(field, ".package_id", o.GetPackageId(), 0, MaxPackageIDLength)
	}
	n.Sender = c.party(field+".sender", o.GetSender())
	n.Receiver = c.party(field+".receiver", o.GetReceiver())
	n.Parcel = c.parcel(field+".parcel", n.GetParcel())
	if len(o.GetItems()) == 0 {
		v.Add(field+".items", "required", "%s.items needs at least one item (name and quantity)", field)
	} else if len(o.GetItems()) > MaxItems {
		v.Add(field+".items", "length", "%s.items may list at most %d items; got %d", field, MaxItems, len(o.GetItems()))
	}
	for i, it := range n.GetItems() {
		f := field + ".items[" + strconv.Itoa(i) + "]"
		it.Name, _ = c.text(f, ".name", it.GetName(), 1, MaxItemNameLength)
		if it.GetQuantity() < 1 || it.GetQuantity() > MaxQuantity {
			v.Add(f+".quantity", "range", "%s.quantity must be between 1 and %d; got %d", f, MaxQuantity, it.GetQuantity())
		}
		nonNegative(v, f+".declared_value_fen", it.GetDeclaredValueFen())
	}
	n.Remark, _ = c.text(field, ".remark", o.GetRemark(), 0, MaxRemarkLength)
	nonNegative(v, field+".cod_amount_fen", o.GetCodAmountFen())
	nonNegative(v, field+".insured_value_fen", o.GetInsuredValueFen())
	return n
}

// checker applies one set of rules while an order is normalised.
type checker struct {
	v *fault.Violations
	r Rules
}

// text trims the free-text field prefix+name and checks its length and
// characters; ok reports that the field broke no rule.
func (c checker) text(prefix, name, s string, min, max int) (trimmed string, ok bool) {
	s, ok = c.clean(prefix, name, s, min, max)
	if !ok {
		return s, false
	}
	if bad := c.r.forbiddenIn(s); len(bad) > 0 {
		field := prefix + name
		c.v.Add(field, "forbidden_character", "%s must not contain %s: the carrier refuses %s in any text field; remove or replace them",
			field, strings.Join(bad, " or "), spaced(c.r.ForbiddenCharacters))
		return s, false
	}
	return s, true
}

// clean is textrule.Check of the field prefix+name, whose name is only
// built for a violation: most orders have none, and an order has twenty
// text fields.
func (c checker) clean(prefix, name, s string, min, max int) (trimmed string, ok bool) {
	if t, ok := textrule.Clean(s, min, max); ok {
		return t, true
	}
	return textrule.Check(c.v, prefix+name, s, min, max), false
}

// spaced writes a set of characters one by one, e.g. `' " # &`.
func spaced(chars string) string {
	return strings.Join(strings.Split(chars, ""), " ")
}

func (c checker) party(field string, p *ewaybillv1.Party) *ewaybillv1.Party {
	v := c.v
	if p == nil {
		v.Add(field, "required", "%s is required: name, mobile or landline, province, city and address", field)
		return nil
	}
	n := &ewaybillv1.Party{}
	var place [3]bool
	n.Name, _ = c.text(field, ".name", p.GetName(), 1, c.r.MaxNameLength)
	n.Mobile, _ = c.clean(field, ".mobile", p.GetMobile(), 0, 20)
	n.Landline, _ = c.clean(field, ".landline", p.GetLandline(), 0, 24)
	n.Province, place[0] = c.text(field, ".province", p.GetProvince(), 1, 20)
	n.City, place[1] = c.text(field, ".city", p.GetCity(), 2, 20)
	n.District, place[2] = c.text(field, ".district", p.GetDistrict(), 0, 20)
	n.Address, _ = c.text(field, ".address", p.GetAddress(), 2, c.r.MaxAddressLength)
	n.Postcode, _ = c.clean(field, ".postcode", p.GetPostcode(), 0, 6)
	checkDivisions(v, field, n, place)
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

// parcel checks and fills in p, the normalised order's own copy (nil for
// none), and returns it.
func (c checker) parcel(field string, p *ewaybillv1.Parcel) *ewaybillv1.Parcel {
	v := c.v
	n := p
	if n == nil {
		n = &ewaybillv1.Parcel{}
	}
	// Each bound has its own message, so a weight that is too low is not
	// told a maximum it does not break.
	switch w := n.GetWeightGrams(); {
	case w < 1:
		v.Add(field+".weight_grams", "range",
			"%s.weight_grams must be at least 1 gram; got %d: send the parcel's weight in grams, e.g. 1200 for 1.2 kg", field, w)
	case w > c.r.MaxWeightGrams:
		v.Add(field+".weight_grams", "range",
			"%s.weight_grams must be at most %d grams (%s kg); got %d: send the weight in grams, and split heavier shipments into several packages",
			field, c.r.MaxWeightGrams, kilograms(c.r.MaxWeightGrams), w)
	}
	nonNegative(v, field+".length_mm", n.GetLengthMm())
	nonNegative(v, field+".width_mm", n.GetWidthMm())
	nonNegative(v, field+".height_mm", n.GetHeightMm())
	switch count := n.GetParcelCount(); {
	case count == 0:
		n.ParcelCount = 1
	case count < 0 || count > MaxParcelCount:
		v.Add(field+".parcel_count", "range", "%s.parcel_count must be between 1 and %d; got %d", field, MaxParcelCount, count)
	}
	return n
}

// kilograms writes grams as kilograms without trailing zeros: 50000 → 50,
// 1500 → 1.5.
func kilograms(g int64) string {
	return strconv.FormatFloat(float64(g)/1000, 'f', -1, 64)
}

func nonNegative(v *fault.Violations, field string, n int64) {
	if n < 0 {
		v.Add(field, "non_negative", "%s must not be negative; got %d", field, n)
	}
}
