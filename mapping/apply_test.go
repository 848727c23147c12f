package mapping

import (
	"math"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

const (
	kgToG     = ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G
	cmToMM    = ewaybillv1.UnitConversion_UNIT_CONVERSION_CM_TO_MM
	yuanToFen = ewaybillv1.UnitConversion_UNIT_CONVERSION_YUAN_TO_FEN
)

// shopOrder is a raw order as a typical shop system sends it: nested
// buyer data, order lines, money as text and weight in kilograms.
const shopOrder = `{
  "tid": " T1 ",
  "buyer": {
    "nick": "买家小王",
    "contact": {"name": "王小明", "mobile": "13800138000"},
    "addr": {"prov": "广东省", "city": "深圳市", "dist": "南山区", "street": "科技园南路 1 号"}
  },
  "lines": [
    {"title": "T恤", "qty": 2, "price": "59.90"},
    {"title": "袜子", "sku": "S-01", "price": 9.9}
  ],
  "weight_kg": 1.2,
  "cod": "19.99"
}`

// shopProfile maps shopOrder; CheckProfile accepts it.
func shopProfile() *ewaybillv1.MappingProfile {
	fixed := func(target, value string) *ewaybillv1.FieldMapping {
		return &ewaybillv1.FieldMapping{Target: target, FixedValue: proto.String(value)}
	}
	from := func(target string, sources ...string) *ewaybillv1.FieldMapping {
		return &ewaybillv1.FieldMapping{Target: target, Sources: sources, Trim: true}
	}
	withUnit := func(fm *ewaybillv1.FieldMapping, u ewaybillv1.UnitConversion) *ewaybillv1.FieldMapping {
		fm.Unit = u
		return fm
	}
	quantity := from("items[].quantity", "lines[].qty")
	quantity.DefaultValue = proto.String("1")
	return &ewaybillv1.MappingProfile{DisplayName: "shop", Fields: []*ewaybillv1.FieldMapping{
		from("order_code", "tid"),
		fixed("sender.name", "演示商贸"),
		fixed("sender.mobile", "13912345678"),
		fixed("sender.province", "浙江省"),
		fixed("sender.city", "杭州市"),
		fixed("sender.address", "文一西路 969 号"),
		from("receiver.name", "buyer.contact.name"),
		from("receiver.mobile", "buyer.contact.mobile"),
		from("receiver.province", "buyer.addr.prov"),
		from("receiver.city", "buyer.addr.city"),
		from("receiver.district", "buyer.addr.dist"),
		from("receiver.address", "buyer.addr.street"),
		from("items[].name", "lines[].title"),
		quantity,
		withUnit(from("items[].declared_value_fen", "lines[].price"), yuanToFen),
		withUnit(from("parcel.weight_grams", "weight_kg"), kgToG),
		withUnit(from("cod_amount_fen", "cod"), yuanToFen),
	}}
}

func rawJSON(t testing.TB, s string) *structpb.Struct {
	t.Helper()
	raw := &structpb.Struct{}
	if err := protojson.Unmarshal([]byte(s), raw); err != nil {
		t.Fatalf("raw order %s: %v", s, err)
	}
	return raw
}

// rules lists "field rule" for each violation, sorted.
func rules(vs []*ewaybillv1.MappingViolation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.GetField() + " " + v.GetRule()
	}
	sort.Strings(out)
	return out
}

func TestApplyShopOrder(t *testing.T) {
	r := Apply(shopProfile(), rawJSON(t, shopOrder))
	if len(r.Violations) != 0 {
		t.Fatalf("violations: %v", r.Violations)
	}
	want := &ewaybillv1.Order{
		OrderCode: "T1",
		Sender:    &ewaybillv1.Party{Name: "演示商贸", Mobile: "13912345678", Province: "浙江省", City: "杭州市", Address: "文一西路 969 号"},
		Receiver:  &ewaybillv1.Party{Name: "王小明", Mobile: "13800138000", Province: "广东省", City: "深圳市", District: "南山区", Address: "科技园南路 1 号"},
		Parcel:    &ewaybillv1.Parcel{WeightGrams: 1200},
		Items: []*ewaybillv1.Item{
			{Name: "T恤", Quantity: 2, DeclaredValueFen: 5990},
			{Name: "袜子", Quantity: 1, DeclaredValueFen: 990},
		},
		CodAmountFen: 1999,
	}
	if !proto.Equal(r.Order, want) {
		t.Errorf("order:\n got %v\nwant %v", r.Order, want)
	}
	wantSources := map[string]string{
		"order.order_code":                  "tid",
		"order.sender.name":                 "",
		"order.sender.mobile":               "",
		"order.sender.province":             "",
		"order.sender.city":                 "",
		"order.sender.address":              "",
		"order.receiver.name":               "buyer.contact.name",
		"order.receiver.mobile":             "buyer.contact.mobile",
		"order.receiver.province":           "buyer.addr.prov",
		"order.receiver.city":               "buyer.addr.city",
		"order.receiver.district":           "buyer.addr.dist",
		"order.receiver.address":            "buyer.addr.street",
		"order.items[0].name":               "lines[0].title",
		"order.items[0].quantity":           "lines[0].qty",
		"order.items[0].declared_value_fen": "lines[0].price",
		"order.items[1].name":               "lines[1].title",
		"order.items[1].quantity":           "", // the default
		"order.items[1].declared_value_fen": "lines[1].price",
		"order.parcel.weight_grams":         "weight_kg",
		"order.cod_amount_fen":              "cod",
	}
	if !mapsEqual(r.Sources, wantSources) {
		t.Errorf("sources:\n got %v\nwant %v", r.Sources, wantSources)
	}
	if len(r.Absent) != 0 {
		t.Errorf("absent = %v, want none", r.Absent)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// One mapping at a time: each transform, each value type, each failure.
func TestApplyTransforms(t *testing.T) {
	type fm = ewaybillv1.FieldMapping
	str := proto.String
	receiver := func(o *ewaybillv1.Order) any { return o.GetReceiver() }
	tests := []struct {
		name       string
		mapping    *fm
		raw        string
		got        func(o *ewaybillv1.Order) any
		want       any
		wantSource string // Sources of the field; "-" when not filled
		wantRule   string // the one violation expected, if any
	}{
		// Text.
		{name: "string copied", mapping: &fm{Target: "receiver.mobile", Sources: []string{"m"}}, raw: `{"m": "13800138000"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetMobile() }, want: "13800138000", wantSource: "m"},
		{name: "JSON number as text", mapping: &fm{Target: "receiver.mobile", Sources: []string{"m"}}, raw: `{"m": 13800138000}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetMobile() }, want: "13800138000", wantSource: "m"},
		{name: "fractional number as text", mapping: &fm{Target: "remark", Sources: []string{"m"}}, raw: `{"m": 1.5}`,
			got: func(o *ewaybillv1.Order) any { return o.GetRemark() }, want: "1.5", wantSource: "m"},
		{name: "trim", mapping: &fm{Target: "receiver.name", Sources: []string{"n"}, Trim: true}, raw: `{"n": " 王小明\t"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetName() }, want: "王小明", wantSource: "n"},
		{name: "no trim keeps spaces", mapping: &fm{Target: "receiver.name", Sources: []string{"n"}}, raw: `{"n": " 王小明 "}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetName() }, want: " 王小明 ", wantSource: "n"},
		{name: "join skips absent sources",
			mapping: &fm{Target: "receiver.address", Sources: []string{"a.prov", "a.city", "a.dist", "a.street"}, JoinSeparator: " ", Trim: true},
			raw:     `{"a": {"prov": "广东省", "city": null, "dist": "", "street": " 科技园南路 1 号 "}}`,
			got:     func(o *ewaybillv1.Order) any { return o.GetReceiver().GetAddress() }, want: "广东省 科技园南路 1 号", wantSource: "a.prov+a.street"},
		{name: "join without separator", mapping: &fm{Target: "receiver.address", Sources: []string{"s", "no"}}, raw: `{"s": "文一西路", "no": 969}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetAddress() }, want: "文一西路969", wantSource: "s+no"},
		{name: "default when missing", mapping: &fm{Target: "receiver.district", Sources: []string{"d"}, DefaultValue: str("市辖区")}, raw: `{}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetDistrict() }, want: "市辖区", wantSource: ""},
		{name: "default when null", mapping: &fm{Target: "receiver.district", Sources: []string{"d"}, DefaultValue: str("市辖区")}, raw: `{"d": null}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetDistrict() }, want: "市辖区", wantSource: ""},
		{name: "default when empty", mapping: &fm{Target: "receiver.district", Sources: []string{"d"}, DefaultValue: str("市辖区")}, raw: `{"d": ""}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetDistrict() }, want: "市辖区", wantSource: ""},
		{name: "default when blank and trimmed", mapping: &fm{Target: "receiver.district", Sources: []string{"d"}, Trim: true, DefaultValue: str("市辖区")}, raw: `{"d": "  "}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetDistrict() }, want: "市辖区", wantSource: ""},
		{name: "default unused when present", mapping: &fm{Target: "receiver.district", Sources: []string{"d"}, DefaultValue: str("市辖区")}, raw: `{"d": "南山区"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetDistrict() }, want: "南山区", wantSource: "d"},
		{name: "fixed value", mapping: &fm{Target: "package_id", FixedValue: str("1")}, raw: `{"package": "9"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetPackageId() }, want: "1", wantSource: ""},
		{name: "missing without default stays empty", mapping: &fm{Target: "receiver.landline", Sources: []string{"tel"}}, raw: `{}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetLandline() }, want: "", wantSource: "-"},
		{name: "missing parent object is absent", mapping: &fm{Target: "receiver.name", Sources: []string{"buyer.contact.name"}}, raw: `{"buyer": {}}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetName() }, want: "", wantSource: "-"},
		{name: "non-ASCII keys", mapping: &fm{Target: "receiver.name", Sources: []string{"收货人.姓名"}}, raw: `{"收货人": {"姓名": "张三"}}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetName() }, want: "张三", wantSource: "收货人.姓名"},
		{name: "bool for text", mapping: &fm{Target: "remark", Sources: []string{"b"}}, raw: `{"b": true}`,
			got: func(o *ewaybillv1.Order) any { return o.GetRemark() }, want: "", wantSource: "-", wantRule: "type"},
		{name: "object for text", mapping: &fm{Target: "receiver.name", Sources: []string{"buyer.contact"}}, raw: `{"buyer": {"contact": {"name": "王"}}}`,
			got: receiver, want: &ewaybillv1.Party{}, wantSource: "-", wantRule: "type"},
		{name: "array for text", mapping: &fm{Target: "receiver.name", Sources: []string{"names"}}, raw: `{"names": ["王"]}`,
			got: receiver, want: &ewaybillv1.Party{}, wantSource: "-", wantRule: "type"},
		{name: "path through a string", mapping: &fm{Target: "receiver.name", Sources: []string{"buyer.contact.name"}}, raw: `{"buyer": {"contact": "王小明"}}`,
			got: receiver, want: &ewaybillv1.Party{}, wantSource: "-", wantRule: "type"},
		{name: "join keeps the good part of a broken join", mapping: &fm{Target: "receiver.address", Sources: []string{"a", "b"}}, raw: `{"a": {"x": 1}, "b": "科技园"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetReceiver().GetAddress() }, want: "科技园", wantSource: "b", wantRule: "type"},

		// Numbers without a unit.
		{name: "integer number", mapping: &fm{Target: "parcel.parcel_count", Sources: []string{"n"}}, raw: `{"n": 3}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetParcelCount() }, want: int32(3), wantSource: "n"},
		{name: "numeric string with spaces", mapping: &fm{Target: "parcel.parcel_count", Sources: []string{"n"}}, raw: `{"n": " 2 "}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetParcelCount() }, want: int32(2), wantSource: "n"},
		{name: "whole number written with zero decimals", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"n"}}, raw: `{"n": "1200.00"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(1200), wantSource: "n"},
		{name: "negative passes through", mapping: &fm{Target: "cod_amount_fen", Sources: []string{"n"}}, raw: `{"n": "-5"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetCodAmountFen() }, want: int64(-5), wantSource: "n"},
		{name: "fraction without unit", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"n"}}, raw: `{"n": 1.2}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(0), wantSource: "-", wantRule: "integer"},
		{name: "not a number", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"n"}}, raw: `{"n": "1.2kg"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(0), wantSource: "-", wantRule: "number"},
		{name: "exponent text refused", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"n"}}, raw: `{"n": "1e3"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(0), wantSource: "-", wantRule: "number"},
		{name: "thousands separator refused", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"n"}}, raw: `{"n": "1,200"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(0), wantSource: "-", wantRule: "number"},
		{name: "exponent number accepted", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"n"}}, raw: `{"n": 1.2e3}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(1200), wantSource: "n"},
		{name: "int32 overflow", mapping: &fm{Target: "parcel.parcel_count", Sources: []string{"n"}}, raw: `{"n": 3000000000}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetParcelCount() }, want: int32(0), wantSource: "-", wantRule: "range"},
		{name: "int64 overflow", mapping: &fm{Target: "cod_amount_fen", Sources: []string{"n"}}, raw: `{"n": "99999999999999999999"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetCodAmountFen() }, want: int64(0), wantSource: "-", wantRule: "range"},
		{name: "bool for number", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"n"}}, raw: `{"n": false}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(0), wantSource: "-", wantRule: "type"},
		{name: "blank number is absent", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"n"}, DefaultValue: str("500")}, raw: `{"n": "  "}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(500), wantSource: ""},

		// Unit conversions.
		{name: "kg to g", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"w"}, Unit: kgToG}, raw: `{"w": 1.2}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(1200), wantSource: "w"},
		{name: "kg to g from text", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"w"}, Unit: kgToG}, raw: `{"w": "0.35"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(350), wantSource: "w"},
		{name: "kg to g rounds half up", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"w"}, Unit: kgToG}, raw: `{"w": "1.2345"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(1235), wantSource: "w"},
		{name: "kg to g rounds down", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"w"}, Unit: kgToG}, raw: `{"w": 1.00049}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(1000), wantSource: "w"},
		{name: "kg default converted", mapping: &fm{Target: "parcel.weight_grams", Sources: []string{"w"}, Unit: kgToG, DefaultValue: str("0.5")}, raw: `{}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetWeightGrams() }, want: int64(500), wantSource: ""},
		{name: "cm to mm", mapping: &fm{Target: "parcel.length_mm", Sources: []string{"l"}, Unit: cmToMM}, raw: `{"l": 30}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetLengthMm() }, want: int64(300), wantSource: "l"},
		{name: "cm to mm rounds", mapping: &fm{Target: "parcel.height_mm", Sources: []string{"h"}, Unit: cmToMM}, raw: `{"h": "12.35"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetParcel().GetHeightMm() }, want: int64(124), wantSource: "h"},
		{name: "yuan to fen exact", mapping: &fm{Target: "cod_amount_fen", Sources: []string{"c"}, Unit: yuanToFen}, raw: `{"c": "19.99"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetCodAmountFen() }, want: int64(1999), wantSource: "c"},
		{name: "yuan to fen from a JSON number", mapping: &fm{Target: "cod_amount_fen", Sources: []string{"c"}, Unit: yuanToFen}, raw: `{"c": 19.99}`,
			got: func(o *ewaybillv1.Order) any { return o.GetCodAmountFen() }, want: int64(1999), wantSource: "c"},
		{name: "yuan to fen 0.29", mapping: &fm{Target: "insured_value_fen", Sources: []string{"c"}, Unit: yuanToFen}, raw: `{"c": 0.29}`,
			got: func(o *ewaybillv1.Order) any { return o.GetInsuredValueFen() }, want: int64(29), wantSource: "c"},
		{name: "yuan to fen one decimal", mapping: &fm{Target: "cod_amount_fen", Sources: []string{"c"}, Unit: yuanToFen}, raw: `{"c": "0.1"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetCodAmountFen() }, want: int64(10), wantSource: "c"},
		{name: "yuan trailing zeros are exact", mapping: &fm{Target: "cod_amount_fen", Sources: []string{"c"}, Unit: yuanToFen}, raw: `{"c": "19.990"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetCodAmountFen() }, want: int64(1999), wantSource: "c"},
		{name: "yuan with three decimals", mapping: &fm{Target: "cod_amount_fen", Sources: []string{"c"}, Unit: yuanToFen}, raw: `{"c": "19.999"}`,
			got: func(o *ewaybillv1.Order) any { return o.GetCodAmountFen() }, want: int64(0), wantSource: "-", wantRule: "decimals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &ewaybillv1.MappingProfile{Fields: []*ewaybillv1.FieldMapping{tt.mapping}}
			r := Apply(p, rawJSON(t, tt.raw))
			got := tt.got(r.Order)
			if m, ok := got.(proto.Message); ok {
				if !proto.Equal(m, tt.want.(proto.Message)) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			} else if got != tt.want {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			field := targetNamed(tt.mapping.GetTarget()).field(-1)
			src, filled := r.Sources[field]
			if !filled {
				src = "-"
			}
			if src != tt.wantSource {
				t.Errorf("Sources[%s] = %q, want %q", field, src, tt.wantSource)
			}
			var wantRules []string
			if tt.wantRule != "" {
				wantRules = []string{field + " " + tt.wantRule}
			}
			if got := rules(r.Violations); strings.Join(got, ",") != strings.Join(wantRules, ",") {
				t.Errorf("violations %v, want %v (%v)", got, wantRules, r.Violations)
			}
			for _, v := range r.Violations {
				if v.GetSource() == "" || v.GetMessage() == "" {
					t.Errorf("violation without source or message: %v", v)
				}
			}
		})
	}
}

// A violation names the concrete source and shows the value masked.
func TestApplyViolationDetails(t *testing.T) {
	p := &ewaybillv1.MappingProfile{Fields: []*ewaybillv1.FieldMapping{
		{Target: "receiver.name", Sources: []string{"buyer.contact.name"}},
		{Target: "items[].name", Sources: []string{"lines[].title"}},
		{Target: "items[].declared_value_fen", Sources: []string{"lines[].price"}, Unit: yuanToFen},
	}}
	r := Apply(p, rawJSON(t, `{"buyer": {"contact": "王小明"}, "lines": [{"title": "T恤", "price": "1"}, {"title": "袜子", "price": "9.999"}, "帽子"]}`))
	want := []*ewaybillv1.MappingViolation{
		{Field: "order.receiver.name", Source: "buyer.contact.name", Rule: "type", Value: "王*明"},
		{Field: "order.items[1].declared_value_fen", Source: "lines[1].price", Rule: "decimals", Value: "9.999"},
		{Field: "order.items[2].name", Source: "lines[2].title", Rule: "type", Value: ""},
		{Field: "order.items[2].declared_value_fen", Source: "lines[2].price", Rule: "type", Value: ""},
	}
	if len(r.Violations) != len(want) {
		t.Fatalf("violations %v, want %d", r.Violations, len(want))
	}
	for i, w := range want {
		g := r.Violations[i]
		if g.GetField() != w.Field || g.GetSource() != w.Source || g.GetRule() != w.Rule {
			t.Errorf("violation %d = %v, want %v", i, g, w)
		}
		if w.Value != "" && g.GetValue() != w.Value {
			t.Errorf("violation %d value %q, want %q", i, g.GetValue(), w.Value)
		}
		if strings.Contains(g.GetMessage(), "王小明") {
			t.Errorf("violation %d message repeats personal data: %s", i, g.GetMessage())
		}
	}
	if _, ok := r.Absent["order.receiver.name"]; ok {
		t.Errorf("a field with a type violation is also reported absent: %v", r.Absent)
	}
	if !strings.Contains(r.Violations[2].GetMessage(), "lines[2] is a string") {
		t.Errorf("message does not say where the path broke: %s", r.Violations[2].GetMessage())
	}
}

func TestApplyItems(t *testing.T) {
	str := proto.String
	lines := []*ewaybillv1.FieldMapping{
		{Target: "items[].name", Sources: []string{"order.lines[].goods.title"}},
		{Target: "items[].quantity", Sources: []string{"order.lines[].qty"}, DefaultValue: str("1")},
	}
	tests := []struct {
		name       string
		fields     []*ewaybillv1.FieldMapping
		raw        string
		want       []*ewaybillv1.Item
		wantAbsent map[string]string
		wantRules  []string
	}{
		{name: "one item per element", fields: lines,
			raw:  `{"order": {"lines": [{"goods": {"title": "T恤"}, "qty": 2}, {"goods": {"title": "袜子"}}]}}`,
			want: []*ewaybillv1.Item{{Name: "T恤", Quantity: 2}, {Name: "袜子", Quantity: 1}}},
		{name: "missing name in one element", fields: lines,
			raw:        `{"order": {"lines": [{"qty": 2}]}}`,
			want:       []*ewaybillv1.Item{{Quantity: 2}},
			wantAbsent: map[string]string{"order.items[0].name": "order.lines[0].goods.title"}},
		{name: "empty array gives no items", fields: lines,
			raw: `{"order": {"lines": []}}`, want: nil, wantAbsent: map[string]string{"order.items": "order.lines"}},
		{name: "missing array gives no items", fields: lines,
			raw: `{"order": {}}`, want: nil, wantAbsent: map[string]string{"order.items": "order.lines"}},
		{name: "null array gives no items", fields: lines,
			raw: `{"order": {"lines": null}}`, want: nil, wantAbsent: map[string]string{"order.items": "order.lines"}},
		{name: "object instead of array", fields: lines,
			raw: `{"order": {"lines": {"title": "T恤"}}}`, want: nil, wantRules: []string{"order.items type"}},
		{name: "array of strings",
			fields: []*ewaybillv1.FieldMapping{{Target: "items[].name", Sources: []string{"titles[]"}}},
			raw:    `{"titles": ["T恤", "袜子", 3]}`,
			want:   []*ewaybillv1.Item{{Name: "T恤"}, {Name: "袜子"}, {Name: "3"}}},
		{name: "joined item name",
			fields: []*ewaybillv1.FieldMapping{{Target: "items[].name", Sources: []string{"lines[].title", "lines[].sku"}, JoinSeparator: " "}},
			raw:    `{"lines": [{"title": "T恤", "sku": "S-01"}, {"title": "袜子"}]}`,
			want:   []*ewaybillv1.Item{{Name: "T恤 S-01"}, {Name: "袜子"}}},
		{name: "fixed items only give one item",
			fields: []*ewaybillv1.FieldMapping{{Target: "items[].name", FixedValue: str("日用品")}, {Target: "items[].quantity", FixedValue: str("1")}},
			raw:    `{}`,
			want:   []*ewaybillv1.Item{{Name: "日用品", Quantity: 1}}},
		{name: "fixed field repeated per element",
			fields: []*ewaybillv1.FieldMapping{{Target: "items[].name", Sources: []string{"lines[].title"}}, {Target: "items[].quantity", FixedValue: str("1")}},
			raw:    `{"lines": [{"title": "a"}, {"title": "b"}]}`,
			want:   []*ewaybillv1.Item{{Name: "a", Quantity: 1}, {Name: "b", Quantity: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Apply(&ewaybillv1.MappingProfile{Fields: tt.fields}, rawJSON(t, tt.raw))
			if len(r.Order.GetItems()) != len(tt.want) {
				t.Fatalf("items %v, want %v", r.Order.GetItems(), tt.want)
			}
			for i := range tt.want {
				if !proto.Equal(r.Order.GetItems()[i], tt.want[i]) {
					t.Errorf("item %d = %v, want %v", i, r.Order.GetItems()[i], tt.want[i])
				}
			}
			if tt.wantAbsent == nil {
				tt.wantAbsent = map[string]string{}
			}
			if !mapsEqual(r.Absent, tt.wantAbsent) {
				t.Errorf("absent %v, want %v", r.Absent, tt.wantAbsent)
			}
			if got := rules(r.Violations); strings.Join(got, ",") != strings.Join(tt.wantRules, ",") {
				t.Errorf("violations %v, want %v", got, tt.wantRules)
			}
		})
	}
}

// A profile CheckProfile refuses still maps what it can, and says what it
// skipped under the profile's own field names.
func TestApplyUncheckedProfile(t *testing.T) {
	p := &ewaybillv1.MappingProfile{Fields: []*ewaybillv1.FieldMapping{
		{Target: "receiver.name", Sources: []string{"a"}},
		{Target: "receiver.name", Sources: []string{"b"}},
		{Target: "receiver.mobile", Sources: []string{"bad path"}},
		{Target: "receiver.phone", Sources: []string{"c"}},
		{Target: "items[].name", Sources: []string{"lines[].t"}},
		{Target: "items[].quantity", Sources: []string{"other[].q"}},
	}}
	r := Apply(p, rawJSON(t, `{"a": "张三", "b": "李四", "bad path": "x", "lines": [{"t": "T恤"}], "other": [{"q": 1}, {"q": 2}]}`))
	want := []string{
		"mapping_profile.fields[1].target duplicate",
		"mapping_profile.fields[2].sources[0] path",
		"mapping_profile.fields[3].target unknown_target",
		"mapping_profile.fields[5].sources[0] array",
	}
	if got := rules(r.Violations); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("violations %v, want %v", got, want)
	}
	wantOrder := &ewaybillv1.Order{Sender: &ewaybillv1.Party{}, Receiver: &ewaybillv1.Party{Name: "张三"}, Parcel: &ewaybillv1.Parcel{},
		Items: []*ewaybillv1.Item{{Name: "T恤"}}}
	if !proto.Equal(r.Order, wantOrder) {
		t.Errorf("order %v, want %v", r.Order, wantOrder)
	}
}

func TestApplyNilInputs(t *testing.T) {
	r := Apply(nil, nil)
	if r.Order.GetSender() == nil || r.Order.GetReceiver() == nil || r.Order.GetParcel() == nil {
		t.Errorf("order parts missing: %v", r.Order)
	}
	if got := rules(r.Violations); strings.Join(got, ",") != "mapping_profile required" {
		t.Errorf("violations %v", got)
	}
	r = Apply(shopProfile(), nil)
	if len(r.Violations) != 0 || len(r.Order.GetItems()) != 0 || r.Absent["order.receiver.name"] != "buyer.contact.name" {
		t.Errorf("nil raw order: violations %v, absent %v", r.Violations, r.Absent)
	}
}

// Structs built in Go can hold what JSON cannot: nil values, NaN, nil
// elements. Apply reads them as absent or reports them.
func TestApplyOddStructs(t *testing.T) {
	raw := &structpb.Struct{Fields: map[string]*structpb.Value{
		"tid":   nil,
		"buyer": {},
		"lines": structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{nil, {Kind: &structpb.Value_StructValue{}}}}),
		"cod":   structpb.NewNumberValue(math.NaN()),
	}}
	r := Apply(shopProfile(), raw)
	if got := rules(r.Violations); strings.Join(got, ",") != "order.cod_amount_fen number" {
		t.Errorf("violations %v", got)
	}
	if len(r.Order.GetItems()) != 2 || r.Absent["order.items[1].name"] != "lines[1].title" || r.Absent["order.order_code"] != "tid" {
		t.Errorf("items %v, absent %v", r.Order.GetItems(), r.Absent)
	}
	checkResult(t, r)
}

func TestConvert(t *testing.T) {
	none := ewaybillv1.UnitConversion_UNIT_CONVERSION_UNSPECIFIED
	weight, count := targetNamed("parcel.weight_grams"), targetNamed("parcel.parcel_count")
	cod := targetNamed("cod_amount_fen")
	tests := []struct {
		in       string
		unit     ewaybillv1.UnitConversion
		t        *target
		want     int64
		wantRule string
	}{
		{"0", none, weight, 0, ""},
		{"+7", none, weight, 7, ""},
		{"-0", none, weight, 0, ""},
		{"007", none, weight, 7, ""},
		{"5.", none, weight, 5, ""},
		{".5", kgToG, weight, 500, ""},
		{"-1.2345", kgToG, weight, -1235, ""},
		{"0.0004", kgToG, weight, 0, ""},
		{"0.0005", kgToG, weight, 1, ""},
		{"9223372036854775807", none, weight, 9223372036854775807, ""},
		{"-9223372036854775808", none, weight, -9223372036854775808, ""},
		{"9223372036854775808", none, weight, 0, "range"},
		{"-9223372036854775809", none, weight, 0, "range"},
		{"9223372036854775.807", kgToG, weight, 9223372036854775807, ""},
		{"9223372036854775.8075", kgToG, weight, 0, "range"},
		{"00000000000000000000000001", none, weight, 1, ""},
		{"2147483647", none, count, 2147483647, ""},
		{"2147483648", none, count, 0, "range"},
		{"-2147483648", none, count, -2147483648, ""},
		{"92233720368547758.07", yuanToFen, cod, 9223372036854775807, ""},
		{"0.07", yuanToFen, cod, 7, ""},
		{"0.071", yuanToFen, cod, 0, "decimals"},
		{"1.5", none, count, 0, "integer"},
		{"", none, weight, 0, "number"},
		{"-", none, weight, 0, "number"},
		{".", none, weight, 0, "number"},
		{"1.2.3", none, weight, 0, "number"},
		{"١٢", none, weight, 0, "number"},
		{"１２", none, weight, 0, "number"},
		{"0x10", none, weight, 0, "number"},
		{"NaN", none, weight, 0, "number"},
		{"- 1", none, weight, 0, "number"},
	}
	for _, tt := range tests {
		t.Run(tt.in+"/"+tt.unit.String(), func(t *testing.T) {
			got, err := convert(tt.in, tt.unit, tt.t)
			rule := ""
			if err != nil {
				rule = err.rule
			}
			if got != tt.want || rule != tt.wantRule {
				t.Errorf("convert(%q, %s) = %d, %q; want %d, %q", tt.in, tt.unit, got, rule, tt.want, tt.wantRule)
			}
		})
	}
}

func TestMaskValue(t *testing.T) {
	long := strings.Repeat("很", 70)
	tests := []struct {
		field, value, want string
	}{
		{"order.receiver.name", "王小明", "王*明"},
		{"sender.name", "欧阳", "欧*"},
		{"order.receiver.mobile", "13800138000", "138******00"},
		{"order.sender.landline", "0755-86013388", "****-******88"},
		{"order.receiver.address", "科技园南路 1 号 3 栋 502", "科技园南路 1 ****"},
		{"order.receiver.address", "13800138000 科技园南路1号3栋502", "138******00 ****"},
		{"order.items[2].name", "T恤", "T恤"},
		{"order.cod_amount_fen", "19.999", "19.999"},
		{"order.remark", long, strings.Repeat("很", 63) + "…"},
		{"order.remark", "bad\xffutf8", "bad\uFFFDutf8"},
		{"order.remark", "", ""},
	}
	for _, tt := range tests {
		if got := MaskValue(tt.field, tt.value); got != tt.want {
			t.Errorf("MaskValue(%q, %q) = %q, want %q", tt.field, tt.value, got, tt.want)
		}
	}
}
