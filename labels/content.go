package labels

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ewaybill/ewaybill/divisions"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/identity"
	"github.com/ewaybill/ewaybill/printing"
)

// content is what w's label shows: personal data masked unless revealed
// lists it, the routing codes (nil when unrouted), and which print this is.
func content(w *ewaybillv1.Waybill, carrier *ewaybillv1.Carrier, codes *ewaybillv1.RoutingCodes,
	revealed []ewaybillv1.LabelField, copy int32, now time.Time) printing.Content {
	o := w.GetOrder()
	show := func(f ewaybillv1.LabelField) bool { return slices.Contains(revealed, f) }
	return printing.Content{
		Carrier: cmp.Or(carrier.GetDisplayName(), carrier.GetCode()),
		Number:  w.GetNumber(),
		Routing: printing.Routing{
			SortCode:         codes.GetSortCode(),
			ShortDestination: codes.GetShortDestination(),
			Hub:              codes.GetHub(),
		},
		Receiver: party(o.GetReceiver(), show(ewaybillv1.LabelField_LABEL_FIELD_RECEIVER_NAME),
			show(ewaybillv1.LabelField_LABEL_FIELD_RECEIVER_PHONE), show(ewaybillv1.LabelField_LABEL_FIELD_RECEIVER_ADDRESS)),
		Sender: party(o.GetSender(), show(ewaybillv1.LabelField_LABEL_FIELD_SENDER_NAME),
			show(ewaybillv1.LabelField_LABEL_FIELD_SENDER_PHONE), show(ewaybillv1.LabelField_LABEL_FIELD_SENDER_ADDRESS)),
		OrderCode: orderCode(o),
		WeightG:   o.GetParcel().GetWeightGrams(),
		Parcels:   o.GetParcel().GetParcelCount(),
		Items:     itemSummary(o.GetItems()),
		Remark:    o.GetRemark(),
		CODFen:    o.GetCodAmountFen(),
		Printed:   now,
		Copy:      copy,
	}
}

// party prints a sender or receiver: the name, one phone (the mobile,
// which couriers call, else the landline) and the address under its
// province, city and district. Each is masked unless revealed.
func party(p *ewaybillv1.Party, name, phone, address bool) printing.Party {
	out := printing.Party{Name: p.GetName(), Phone: cmp.Or(p.GetMobile(), p.GetLandline()), Address: p.GetAddress()}
	if !name {
		out.Name = identity.MaskName(out.Name)
	}
	if !phone {
		out.Phone = identity.MaskPhone(out.Phone)
	}
	if !address {
		out.Address = identity.MaskAddress(out.Address)
	}
	place := divisions.Place{Province: p.GetProvince(), City: p.GetCity(), District: p.GetDistrict()}
	out.Address = place.String() + out.Address
	return out
}

func orderCode(o *ewaybillv1.Order) string {
	if pkg := o.GetPackageId(); pkg != "" && pkg != "1" {
		return o.GetOrderCode() + " #" + pkg
	}
	return o.GetOrderCode()
}

// itemSummary lists items as "name×quantity", separated by "，"; the
// layout shortens it to fit.
func itemSummary(items []*ewaybillv1.Item) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		s := it.GetName()
		if it.GetQuantity() > 1 {
			s += fmt.Sprintf("×%d", it.GetQuantity())
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "，")
}
