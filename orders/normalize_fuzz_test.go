package orders_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/orders"
	"github.com/ewaybill/ewaybill/protopath"
)

// textFields are the order's string fields, by the path violations name
// them with; FuzzNormalizeOrder writes its raw text into one of them.
var textFields = []string{
	"order_code", "package_id", "remark", "items[0].name",
	"sender.name", "sender.mobile", "sender.landline", "sender.province", "sender.city", "sender.district", "sender.address", "sender.postcode",
	"receiver.name", "receiver.mobile", "receiver.landline", "receiver.province", "receiver.city", "receiver.district", "receiver.address", "receiver.postcode",
}

// setText sets the text field at path (one of textFields) in o, creating
// the party or first item it belongs to.
func setText(o *ewaybillv1.Order, path, s string) {
	party := func(p **ewaybillv1.Party) *ewaybillv1.Party {
		if *p == nil {
			*p = &ewaybillv1.Party{}
		}
		return *p
	}
	head, leaf, _ := strings.Cut(path, ".")
	var p *ewaybillv1.Party
	switch head {
	case "order_code":
		o.OrderCode = s
		return
	case "package_id":
		o.PackageId = s
		return
	case "remark":
		o.Remark = s
		return
	case "items[0]":
		if len(o.Items) == 0 {
			o.Items = append(o.Items, &ewaybillv1.Item{Quantity: 1})
		}
		if o.Items[0] == nil {
			o.Items[0] = &ewaybillv1.Item{}
		}
		o.Items[0].Name = s
		return
	case "sender":
		p = party(&o.Sender)
	default:
		p = party(&o.Receiver)
	}
	*map[string]*string{
		"name": &p.Name, "mobile": &p.Mobile, "landline": &p.Landline, "province": &p.Province,
		"city": &p.City, "district": &p.District, "address": &p.Address, "postcode": &p.Postcode,
	}[leaf] = s
}

// carrierRules builds the rules a carrier may configure from fuzzed
// limits, keeping each within what carriers accept (carriers'
// checkOrderRules refuses the rest, so orders never sees it).
func carrierRules(maxWeight int64, maxName, maxAddress int32, forbidden string) orders.Rules {
	c := &ewaybillv1.OrderRules{
		MaxWeightGrams:   max(maxWeight, 0) % (orders.MaxRuleWeightGrams + 1),
		MaxNameLength:    max(maxName, 0) % (orders.MaxRuleNameLength + 1),
		MaxAddressLength: max(maxAddress, 0) % (orders.MaxRuleAddressLength + 1),
	}
	if utf8.ValidString(forbidden) && utf8.RuneCountInString(forbidden) <= orders.MaxForbiddenCharacters &&
		strings.IndexFunc(forbidden, func(c rune) bool { return !unicode.IsGraphic(c) || unicode.IsSpace(c) }) < 0 {
		c.ForbiddenCharacters = forbidden
	}
	return orders.RulesFor(c)
}

// names reports whether path names a field of o, as violations name
// them: "receiver.mobile", "items[2].name", or a repeated field as a
// whole, "items" (which protopath.Get, reading values, does not take).
func names(o *ewaybillv1.Order, path string) bool {
	if _, _, ok := protopath.Get(o.ProtoReflect(), path); ok {
		return true
	}
	m := o.ProtoReflect()
	parent, leaf, nested := strings.Cut(path, ".")
	for nested {
		v, fd, ok := protopath.Get(m, parent)
		if !ok || fd.Message() == nil || fd.IsList() && !strings.HasSuffix(parent, "]") {
			return false
		}
		m = v.Message()
		parent, leaf, nested = strings.Cut(leaf, ".")
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(parent))
	return fd != nil && fd.IsList()
}

var ruleName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// report lists v's violations as "field rule", in order.
func report(v *fault.Violations) []string {
	var out []string
	if fe, ok := fault.As(v.Err()); ok {
		for _, x := range fe.Violations {
			out = append(out, x.Field+" "+x.Rule)
		}
	}
	return out
}

// FuzzNormalizeOrder normalises arbitrary orders (JSON as REST sends
// them, or protobuf as gRPC does) under arbitrary carrier rules, with raw
// text (invalid UTF-8, controls, anything) in any one text field. It
// checks that Normalize never panics or changes its input; that every
// violation names a field the order has, a snake_case rule and a UTF-8
// message (it travels in a gRPC status); that the normalised order does
// not depend on the rules and normalises to itself with the same
// violations; and that an order without violations keeps every promise
// the rules make. The seed corpus is in testdata/fuzz/FuzzNormalizeOrder.
func FuzzNormalizeOrder(f *testing.F) {
	seed, err := protojson.Marshal(valid())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed, uint8(0), "T-1", int64(0), int32(0), int32(0), "")
	f.Add(seed, uint8(13), "\xff", int64(1000), int32(2), int32(3), "&")
	f.Add([]byte(`{"items":[{},{"quantity":-1}],"parcel":{"parcelCount":1000}}`), uint8(7), " \t", int64(-1), int32(-1), int32(-1), "\x00")
	f.Add([]byte{}, uint8(2), "", int64(0), int32(0), int32(0), "")
	f.Fuzz(func(t *testing.T, data []byte, which uint8, text string, maxWeight int64, maxName, maxAddress int32, forbidden string) {
		var o *ewaybillv1.Order // no data: no order at all
		if len(data) > 0 {
			o = &ewaybillv1.Order{}
			if protojson.Unmarshal(data, o) != nil && proto.Unmarshal(data, o) != nil {
				o = &ewaybillv1.Order{}
			}
			setText(o, textFields[int(which)%len(textFields)], text)
		}
		r := carrierRules(maxWeight, maxName, maxAddress, forbidden)
		sent := proto.Clone(o)

		var v fault.Violations
		n := orders.Normalize(&v, "order", o, r)
		if !proto.Equal(o, sent) {
			t.Fatalf("Normalize changed its input")
		}
		if fe, ok := fault.As(v.Err()); ok {
			if fe.Kind != fault.KindInvalid || fe.Reason != fault.ReasonInvalidRequest || !utf8.ValidString(fe.Message) {
				t.Fatalf("error %+v", fe)
			}
			for _, x := range fe.Violations {
				path, under := strings.CutPrefix(x.Field, "order.")
				if !ruleName.MatchString(x.Rule) || x.Message == "" || !utf8.ValidString(x.Message) {
					t.Fatalf("violation %+v", x)
				}
				if x.Field == "order" && o == nil {
					continue
				}
				if !under || !names(o, path) {
					t.Fatalf("violation on %s, which the order does not have", x.Field)
				}
			}
		} else if v.Err() != nil {
			t.Fatalf("error %v is not a fault", v.Err())
		}

		var general fault.Violations
		if g := orders.Normalize(&general, "order", o, orders.RulesFor(nil)); !proto.Equal(g, n) {
			t.Fatalf("the normalised order depends on the rules:\n%v\n%v", n, g)
		}
		if o == nil {
			return // n is a placeholder, not a normalised order
		}
		var again fault.Violations
		if n2 := orders.Normalize(&again, "order", n, r); !proto.Equal(n2, n) || !slices.Equal(report(&again), report(&v)) {
			t.Fatalf("normalising again changed the order or its violations:\n%v %v\n%v %v", n, report(&v), n2, report(&again))
		}
		if v.Len() == 0 {
			checkClean(t, n, r)
		}
	})
}

// checkClean fails t unless n, an order Normalize accepted under r, meets
// every rule: the promises a label and a carrier rely on.
func checkClean(t *testing.T, n *ewaybillv1.Order, r orders.Rules) {
	t.Helper()
	text := func(field, s string, maxLen int, free bool) {
		t.Helper()
		switch {
		case !utf8.ValidString(s) || s != strings.TrimSpace(s) || strings.IndexFunc(s, unicode.IsControl) >= 0:
			t.Fatalf("%s = %q passed: not trimmed, valid text", field, s)
		case utf8.RuneCountInString(s) > maxLen:
			t.Fatalf("%s = %q passed with more than %d characters", field, s, maxLen)
		case free && strings.ContainsAny(s, r.ForbiddenCharacters):
			t.Fatalf("%s = %q passed with a character of %q", field, s, r.ForbiddenCharacters)
		}
	}
	text("order_code", n.GetOrderCode(), 64, true)
	text("package_id", n.GetPackageId(), 32, true)
	text("remark", n.GetRemark(), 100, true)
	for _, p := range []struct {
		field string
		party *ewaybillv1.Party
	}{{"sender", n.GetSender()}, {"receiver", n.GetReceiver()}} {
		if p.party == nil || p.party.GetName() == "" || p.party.GetProvince() == "" || p.party.GetCity() == "" || p.party.GetAddress() == "" {
			t.Fatalf("%s %v passed without name, province, city and address", p.field, p.party)
		}
		if p.party.GetMobile() == "" && p.party.GetLandline() == "" {
			t.Fatalf("%s passed without a phone", p.field)
		}
		if pc := p.party.GetPostcode(); pc != "" && (len(pc) != 6 || strings.Trim(pc, "0123456789") != "") {
			t.Fatalf("%s.postcode %q passed", p.field, pc)
		}
		text(p.field+".name", p.party.GetName(), r.MaxNameLength, true)
		text(p.field+".mobile", p.party.GetMobile(), 20, false)
		text(p.field+".landline", p.party.GetLandline(), 24, false)
		text(p.field+".province", p.party.GetProvince(), 20, true)
		text(p.field+".city", p.party.GetCity(), 20, true)
		text(p.field+".district", p.party.GetDistrict(), 20, true)
		text(p.field+".address", p.party.GetAddress(), r.MaxAddressLength, true)
	}
	if w := n.GetParcel().GetWeightGrams(); w < 1 || w > r.MaxWeightGrams {
		t.Fatalf("weight %d passed under a limit of %d", w, r.MaxWeightGrams)
	}
	if c := n.GetParcel().GetParcelCount(); c < 1 || c > orders.MaxParcelCount {
		t.Fatalf("parcel count %d passed", c)
	}
	p := n.GetParcel()
	if p.GetLengthMm() < 0 || p.GetWidthMm() < 0 || p.GetHeightMm() < 0 || n.GetCodAmountFen() < 0 || n.GetInsuredValueFen() < 0 {
		t.Fatalf("a negative size or amount passed: %v", n)
	}
	if len(n.GetItems()) < 1 || len(n.GetItems()) > orders.MaxItems {
		t.Fatalf("%d items passed", len(n.GetItems()))
	}
	for _, it := range n.GetItems() {
		if it.GetName() == "" || it.GetQuantity() < 1 || it.GetQuantity() > orders.MaxQuantity || it.GetDeclaredValueFen() < 0 {
			t.Fatalf("item %v passed", it)
		}
		text("items[].name", it.GetName(), 64, true)
	}
}
