package orders_test

import (
	"reflect"
	"testing"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/orders"
)

func valid() *ewaybillv1.Order {
	return &ewaybillv1.Order{
		OrderCode: " T-1001 ",
		Sender:    &ewaybillv1.Party{Name: "王五", Mobile: "13912345678", Province: "浙江省", City: "杭州市", Address: "文一西路 969 号"},
		Receiver:  &ewaybillv1.Party{Name: "赵六", Landline: "0755-86013388", Province: "广东省", City: "深圳市", District: "南山区", Address: "科技园南路 1 号", Postcode: "518057"},
		Items:     []*ewaybillv1.Item{{Name: "T恤", Quantity: 2, DeclaredValueFen: 9900}},
	}
}

func TestNormalizeFillsDefaultsAndTrims(t *testing.T) {
	var v fault.Violations
	n := orders.Normalize(&v, "order", valid())
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	if n.GetOrderCode() != "T-1001" || n.GetPackageId() != orders.DefaultPackageID || n.GetParcel().GetParcelCount() != 1 {
		t.Errorf("normalised to code %q package %q parcels %d", n.GetOrderCode(), n.GetPackageId(), n.GetParcel().GetParcelCount())
	}
}

// Every broken rule is reported at once, each under its own field.
func TestNormalizeReportsEveryField(t *testing.T) {
	o := valid()
	o.OrderCode = ""
	o.Receiver.Landline = ""
	o.Sender.Mobile = "1391234567"
	o.Sender.Postcode = "51805"
	o.Receiver.Address = "x"
	o.Items = append(o.Items, &ewaybillv1.Item{Name: "", Quantity: 0})
	o.Parcel = &ewaybillv1.Parcel{WeightGrams: -1, ParcelCount: 1000}
	o.CodAmountFen = -5
	var v fault.Violations
	orders.Normalize(&v, "order", o)
	fe, _ := fault.As(v.Err())
	got := map[string]string{}
	for _, x := range fe.Violations {
		got[x.Field] = x.Rule
	}
	want := map[string]string{
		"order.order_code":          "required",
		"order.receiver.mobile":     "contact_required",
		"order.sender.mobile":       "length",
		"order.sender.postcode":     "format",
		"order.receiver.address":    "length",
		"order.items[1].name":       "required",
		"order.items[1].quantity":   "range",
		"order.parcel.weight_grams": "non_negative",
		"order.parcel.parcel_count": "range",
		"order.cod_amount_fen":      "non_negative",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("violations\n got %v\nwant %v", got, want)
	}
}

func TestNormalizeRequiresParties(t *testing.T) {
	var v fault.Violations
	orders.Normalize(&v, "order", &ewaybillv1.Order{OrderCode: "A", Items: []*ewaybillv1.Item{{Name: "x", Quantity: 1}}})
	fe, _ := fault.As(v.Err())
	fields := map[string]bool{}
	for _, x := range fe.Violations {
		fields[x.Field] = true
	}
	if !fields["order.sender"] || !fields["order.receiver"] || len(fields) != 2 {
		t.Errorf("fields %v; want order.sender and order.receiver", fields)
	}
}

func TestDiffNamesChangedFields(t *testing.T) {
	var v fault.Violations
	a := orders.Normalize(&v, "order", valid())
	changed := valid()
	changed.Receiver.Landline = "0755-86013389"
	changed.Items[0].Quantity = 3
	changed.Parcel = &ewaybillv1.Parcel{WeightGrams: 500}
	b := orders.Normalize(&v, "order", changed)
	got := orders.Diff("order", a, b)
	want := []string{"order.receiver.landline", "order.parcel.weight_grams", "order.items"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff = %v; want %v", got, want)
	}
	if d := orders.Diff("order", a, a); len(d) != 0 {
		t.Errorf("Diff of an order with itself = %v", d)
	}
}
