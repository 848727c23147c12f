package orders_test

import (
	"reflect"
	"strings"
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
		Parcel:    &ewaybillv1.Parcel{WeightGrams: 1200},
		Items:     []*ewaybillv1.Item{{Name: "T恤", Quantity: 2, DeclaredValueFen: 9900}},
	}
}

var general = orders.RulesFor(nil)

// violations normalises o under r and returns its violations by field.
func violations(o *ewaybillv1.Order, r orders.Rules) map[string]fault.Violation {
	var v fault.Violations
	orders.Normalize(&v, "order", o, r)
	got := map[string]fault.Violation{}
	if fe, ok := fault.As(v.Err()); ok {
		for _, x := range fe.Violations {
			got[x.Field] = x
		}
	}
	return got
}

func TestNormalizeFillsDefaultsAndTrims(t *testing.T) {
	var v fault.Violations
	n := orders.Normalize(&v, "order", valid(), general)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	if n.GetOrderCode() != "T-1001" || n.GetPackageId() != orders.DefaultPackageID || n.GetParcel().GetParcelCount() != 1 {
		t.Errorf("normalised to code %q package %q parcels %d", n.GetOrderCode(), n.GetPackageId(), n.GetParcel().GetParcelCount())
	}
}

// Province, city and district are checked, never rewritten: a merchant's
// short forms reach the label as sent.
func TestNormalizeKeepsDivisionsAsSent(t *testing.T) {
	o := valid()
	o.Receiver.Province, o.Receiver.City, o.Receiver.District = "广东", "深圳", "南山"
	var v fault.Violations
	n := orders.Normalize(&v, "order", o, general)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	r := n.GetReceiver()
	if r.GetProvince() != "广东" || r.GetCity() != "深圳" || r.GetDistrict() != "南山" {
		t.Errorf("receiver normalised to %q %q %q; want the values sent", r.GetProvince(), r.GetCity(), r.GetDistrict())
	}
}

// Every broken rule is reported at once, each under its own field.
func TestNormalizeReportsEveryField(t *testing.T) {
	o := valid()
	o.OrderCode = ""
	o.Receiver.Landline = ""
	o.Sender.Mobile = "1391234567"
	o.Sender.Postcode = "51805"
	o.Sender.City = "深圳市"
	o.Receiver.Address = "x"
	o.Items = append(o.Items, &ewaybillv1.Item{Name: "", Quantity: 0})
	o.Parcel = &ewaybillv1.Parcel{WeightGrams: -1, ParcelCount: 1000}
	o.CodAmountFen = -5
	o.Remark = "易碎 & 轻放"
	got := map[string]string{}
	for f, x := range violations(o, general) {
		got[f] = x.Rule
	}
	want := map[string]string{
		"order.order_code":          "required",
		"order.receiver.mobile":     "contact_required",
		"order.sender.mobile":       "length",
		"order.sender.postcode":     "format",
		"order.sender.city":         "unknown_division",
		"order.receiver.address":    "length",
		"order.items[1].name":       "required",
		"order.items[1].quantity":   "range",
		"order.parcel.weight_grams": "range",
		"order.parcel.parcel_count": "range",
		"order.cod_amount_fen":      "non_negative",
		"order.remark":              "forbidden_character",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("violations\n got %v\nwant %v", got, want)
	}
}

func TestNormalizeRequiresParties(t *testing.T) {
	var v fault.Violations
	orders.Normalize(&v, "order", &ewaybillv1.Order{OrderCode: "A", Parcel: &ewaybillv1.Parcel{WeightGrams: 1}, Items: []*ewaybillv1.Item{{Name: "x", Quantity: 1}}}, general)
	fe, _ := fault.As(v.Err())
	fields := map[string]bool{}
	for _, x := range fe.Violations {
		fields[x.Field] = true
	}
	if !fields["order.sender"] || !fields["order.receiver"] || len(fields) != 2 {
		t.Errorf("fields %v; want order.sender and order.receiver", fields)
	}
}

// ruleCase changes a valid order and names the one violation expected (no
// field means the order stays valid); message, when set, must be part of
// the violation's message.
type ruleCase struct {
	name    string
	rules   orders.Rules
	change  func(o *ewaybillv1.Order)
	field   string
	rule    string
	message string
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := valid()
			c.change(o)
			r := c.rules
			if r == (orders.Rules{}) {
				r = general
			}
			got := violations(o, r)
			if c.field == "" {
				if len(got) != 0 {
					t.Fatalf("want a valid order; got %v", got)
				}
				return
			}
			x, found := got[c.field]
			if !found || len(got) != 1 || x.Rule != c.rule {
				t.Fatalf("want only %s on %s; got %v", c.rule, c.field, got)
			}
			if !strings.Contains(x.Message, c.message) {
				t.Errorf("message %q does not say %q", x.Message, c.message)
			}
		})
	}
}

func carrier(r *ewaybillv1.OrderRules) orders.Rules { return orders.RulesFor(r) }

func TestWeightRule(t *testing.T) {
	weight := func(g int64) func(*ewaybillv1.Order) {
		return func(o *ewaybillv1.Order) { o.Parcel = &ewaybillv1.Parcel{WeightGrams: g} }
	}
	const f = "order.parcel.weight_grams"
	runRuleCases(t, []ruleCase{
		{name: "one gram", change: weight(1)},
		{name: "general maximum", change: weight(50_000)},
		{name: "zero", change: weight(0), field: f, rule: "range", message: "at least 1 gram; got 0"},
		{name: "no parcel", change: func(o *ewaybillv1.Order) { o.Parcel = nil }, field: f, rule: "range"},
		{name: "negative", change: weight(-1), field: f, rule: "range"},
		{name: "over the general maximum", change: weight(50_001), field: f, rule: "range", message: "at most 50000 grams (50 kg); got 50001"},
		{name: "carrier's lower maximum", rules: carrier(&ewaybillv1.OrderRules{MaxWeightGrams: 20_000}), change: weight(20_001), field: f, rule: "range", message: "at most 20000 grams (20 kg)"},
		{name: "carrier's higher maximum", rules: carrier(&ewaybillv1.OrderRules{MaxWeightGrams: 100_000}), change: weight(60_000)},
		{name: "kilograms sent as grams", change: weight(1_200_000), field: f, rule: "range", message: "send the weight in grams"},
	})
}

func TestForbiddenCharacterRule(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "address with #", change: func(o *ewaybillv1.Order) { o.Receiver.Address = "科技园南路 1 号 #502" },
			field: "order.receiver.address", rule: "forbidden_character", message: "must not contain #:"},
		{name: "several named once each", change: func(o *ewaybillv1.Order) { o.Sender.Name = `王"五"&<` },
			field: "order.sender.name", rule: "forbidden_character", message: `must not contain " or & or <:`},
		{name: "backslash in item name", change: func(o *ewaybillv1.Order) { o.Items[0].Name = `T恤\L` },
			field: "order.items[0].name", rule: "forbidden_character", message: `\`},
		{name: "order code", change: func(o *ewaybillv1.Order) { o.OrderCode = "T+1001" },
			field: "order.order_code", rule: "forbidden_character", message: "+"},
		{name: "package id", change: func(o *ewaybillv1.Order) { o.PackageId = "1%" },
			field: "order.package_id", rule: "forbidden_character", message: "%"},
		{name: "remark", change: func(o *ewaybillv1.Order) { o.Remark = "it's fragile" },
			field: "order.remark", rule: "forbidden_character", message: "'"},
		{name: "district", change: func(o *ewaybillv1.Order) { o.Receiver.District = "南山区>" },
			field: "order.receiver.district", rule: "forbidden_character"},
		{name: "message lists the carrier's set", change: func(o *ewaybillv1.Order) { o.Receiver.Address = "1号>" },
			field: "order.receiver.address", rule: "forbidden_character", message: `refuses ' " # & + < > % \ in any text field`},
		{name: "hyphens, slashes and full-width signs pass", change: func(o *ewaybillv1.Order) { o.Receiver.Address = "科技园南路 1-3 号/502 室（＃后门）" }},
		{name: "carrier's own set replaces the general one", rules: carrier(&ewaybillv1.OrderRules{ForbiddenCharacters: "|"}),
			change: func(o *ewaybillv1.Order) { o.Receiver.Address = "科技园南路 1 号 #502|3" },
			field:  "order.receiver.address", rule: "forbidden_character", message: "must not contain |: the carrier refuses |"},
		{name: "phones are judged by their format", change: func(o *ewaybillv1.Order) { o.Sender.Mobile = "+8613912345678" },
			field: "order.sender.mobile", rule: "charset"},
	})
}

func TestLengthRules(t *testing.T) {
	name := func(n int) func(*ewaybillv1.Order) {
		return func(o *ewaybillv1.Order) { o.Receiver.Name = strings.Repeat("张", n) }
	}
	address := func(n int) func(*ewaybillv1.Order) {
		return func(o *ewaybillv1.Order) { o.Sender.Address = strings.Repeat("路", n) }
	}
	short := carrier(&ewaybillv1.OrderRules{MaxNameLength: 10, MaxAddressLength: 50})
	long := carrier(&ewaybillv1.OrderRules{MaxNameLength: 64, MaxAddressLength: 200})
	runRuleCases(t, []ruleCase{
		{name: "name at the general limit", change: name(32)},
		{name: "name over the general limit", change: name(33), field: "order.receiver.name", rule: "length", message: "at most 32 characters; got 33"},
		{name: "empty name", change: name(0), field: "order.receiver.name", rule: "required"},
		{name: "name over a carrier's lower limit", rules: short, change: name(11), field: "order.receiver.name", rule: "length", message: "at most 10"},
		{name: "name within a carrier's higher limit", rules: long, change: name(64)},
		{name: "address at the general limit", change: address(120)},
		{name: "address over the general limit", change: address(121), field: "order.sender.address", rule: "length", message: "at most 120"},
		{name: "address too short", change: address(1), field: "order.sender.address", rule: "length"},
		{name: "address over a carrier's lower limit", rules: short, change: address(51), field: "order.sender.address", rule: "length", message: "at most 50"},
		{name: "address within a carrier's higher limit", rules: long, change: address(200)},
	})
}

func TestDivisionRule(t *testing.T) {
	receiver := func(province, city, district string) func(*ewaybillv1.Order) {
		return func(o *ewaybillv1.Order) {
			o.Receiver.Province, o.Receiver.City, o.Receiver.District = province, city, district
		}
	}
	const rule = "unknown_division"
	runRuleCases(t, []ruleCase{
		{name: "official names", change: receiver("广东省", "深圳市", "南山区")},
		{name: "short forms", change: receiver("粤", "深圳", "南山")},
		{name: "no district", change: receiver("广东", "深圳市", "")},
		{name: "autonomous region and prefecture", change: receiver("广西", "百色市", "田阳区")},
		{name: "municipality", change: receiver("北京", "北京市", "朝阳区")},
		{name: "municipality 市辖区", change: receiver("上海市", "市辖区", "浦东新区")},
		{name: "county-level city under its province", change: receiver("湖北省", "仙桃市", "沙嘴街道")},
		{name: "city without districts", change: receiver("广东省", "东莞市", "长安镇")},
		{name: "hong kong is not judged below the province", change: receiver("香港特别行政区", "香港", "中西区")},
		{name: "province typo", change: receiver("广冬省", "深圳市", "南山区"),
			field: "order.receiver.province", rule: rule, message: "did you mean 广东省?"},
		{name: "province holding the whole address", change: receiver("广东省深圳市", "深圳市", "南山区"),
			field: "order.receiver.province", rule: rule, message: "did you mean 广东省?"},
		{name: "province holding a city", change: receiver("深圳市", "深圳市", "南山区"),
			field: "order.receiver.province", rule: rule, message: "the value is a city of 广东省"},
		{name: "province unknown", change: receiver("Guangdong", "深圳市", "南山区"),
			field: "order.receiver.province", rule: rule, message: "e.g. 广东省, 广东 or 粤"},
		{name: "city typo", change: receiver("广东省", "深证市", "南山区"),
			field: "order.receiver.city", rule: rule, message: "not a city of 广东省; did you mean 深圳市?"},
		{name: "city of another province", change: receiver("浙江省", "深圳市", "南山区"),
			field: "order.receiver.city", rule: rule, message: "the value is a city of 广东省: check the province"},
		{name: "district sent as the city", change: receiver("广东省", "南山区", ""),
			field: "order.receiver.city", rule: rule, message: "the value is a district of 广东省深圳市: send it as the district, with 深圳市 as the city"},
		{name: "district sent as a municipality's city", change: receiver("北京市", "朝阳区", ""),
			field: "order.receiver.city", rule: rule, message: "the value is a district of 北京市: send it as the district, with 北京市 as the city"},
		{name: "municipality's city not in the table", change: receiver("北京市", "首都", ""),
			field: "order.receiver.city", rule: rule, message: "for 北京市 send 北京市 or 市辖区 as the city"},
		{name: "city not in the table", change: receiver("湖南", "首府", ""),
			field: "order.receiver.city", rule: rule, message: "send the official name of one of its cities, e.g. 长沙市, or its short form"},
		{name: "district of several other provinces as the city", change: receiver("浙江省", "南山区", ""),
			field: "order.receiver.city", rule: rule, message: "the value is a district of "},
		{name: "district typo", change: receiver("广东省", "深圳市", "南三区"),
			field: "order.receiver.district", rule: rule, message: "not a district or county of 广东省深圳市 (district is optional: leave it empty rather than guess); did you mean 南山区?"},
		{name: "district of another city", change: receiver("广东省", "广州市", "南山区"),
			field: "order.receiver.district", rule: rule, message: "the value is a district of 广东省深圳市, not of 广州市: check the city"},
		{name: "street in the district", change: receiver("浙江省", "杭州市", "文一西路"),
			field: "order.receiver.district", rule: rule, message: "district is optional"},
	})
}

// A value in the wrong field may be personal data: messages about
// divisions do not repeat it.
func TestDivisionMessagesDoNotRepeatTheValue(t *testing.T) {
	o := valid()
	o.Receiver.Province, o.Receiver.City, o.Receiver.District = "浙江省", "赵六", "13912345678"
	o.Sender.Province = "赵六 13912345678"
	got := violations(o, general)
	for _, f := range []string{"order.receiver.city", "order.sender.province"} {
		x, found := got[f]
		if !found || x.Rule != "unknown_division" {
			t.Fatalf("want unknown_division on %s; got %v", f, got)
		}
		if strings.Contains(x.Message, "赵六") || strings.Contains(x.Message, "13912345678") {
			t.Errorf("%s message repeats the value: %s", f, x.Message)
		}
	}
	o.Receiver.City = "杭州市"
	if x := violations(o, general)["order.receiver.district"]; x.Rule != "unknown_division" || strings.Contains(x.Message, "13912345678") {
		t.Errorf("district violation %+v", x)
	}
}

// The rules that were there before carrier rules keep holding.
func TestGeneralRules(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "mobile only", change: func(o *ewaybillv1.Order) { o.Receiver.Landline, o.Receiver.Mobile = "", "13912345678" }},
		{name: "mobile starting 12", change: func(o *ewaybillv1.Order) { o.Sender.Mobile = "12912345678" }, field: "order.sender.mobile", rule: "format"},
		{name: "landline without area code", change: func(o *ewaybillv1.Order) { o.Receiver.Landline = "86013388" }, field: "order.receiver.landline", rule: "format"},
		{name: "landline with extension", change: func(o *ewaybillv1.Order) { o.Receiver.Landline = "0571-8888666-123" }},
		{name: "no phone", change: func(o *ewaybillv1.Order) { o.Receiver.Landline = "" }, field: "order.receiver.mobile", rule: "contact_required"},
		{name: "quantity zero", change: func(o *ewaybillv1.Order) { o.Items[0].Quantity = 0 }, field: "order.items[0].quantity", rule: "range"},
		{name: "no items", change: func(o *ewaybillv1.Order) { o.Items = nil }, field: "order.items", rule: "required"},
		{name: "negative declared value", change: func(o *ewaybillv1.Order) { o.Items[0].DeclaredValueFen = -1 }, field: "order.items[0].declared_value_fen", rule: "non_negative"},
		{name: "negative insured value", change: func(o *ewaybillv1.Order) { o.InsuredValueFen = -100 }, field: "order.insured_value_fen", rule: "non_negative"},
		{name: "cash on delivery", change: func(o *ewaybillv1.Order) { o.CodAmountFen = 12345 }},
		{name: "postcode", change: func(o *ewaybillv1.Order) { o.Receiver.Postcode = "51805a" }, field: "order.receiver.postcode", rule: "format"},
	})
}

// loosest are the widest rules a carrier may be configured with.
var loosest = orders.Rules{MaxWeightGrams: orders.MaxRuleWeightGrams, MaxNameLength: orders.MaxRuleNameLength,
	MaxAddressLength: orders.MaxRuleAddressLength}

func TestRulesFor(t *testing.T) {
	want := orders.Rules{MaxWeightGrams: 50_000, MaxNameLength: 32, MaxAddressLength: 120, ForbiddenCharacters: `'"#&+<>%\`}
	if got := orders.RulesFor(nil); got != want {
		t.Errorf("RulesFor(nil) = %+v; want %+v", got, want)
	}
	want.MaxWeightGrams, want.ForbiddenCharacters = 30_000, "#"
	if got := orders.RulesFor(&ewaybillv1.OrderRules{MaxWeightGrams: 30_000, ForbiddenCharacters: "#"}); got != want {
		t.Errorf("RulesFor(30 kg, #) = %+v; want %+v", got, want)
	}
}

// An order normalised once is unchanged by a second run, so a caller may
// check a normalised order again under a carrier's rules.
func TestNormalizeIsIdempotent(t *testing.T) {
	var v fault.Violations
	once := orders.Normalize(&v, "order", valid(), loosest)
	twice := orders.Normalize(&v, "order", once, general)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	if d := orders.Diff("order", once, twice); len(d) != 0 {
		t.Errorf("second Normalize changed %v", d)
	}
}

func TestDiffNamesChangedFields(t *testing.T) {
	var v fault.Violations
	a := orders.Normalize(&v, "order", valid(), general)
	changed := valid()
	changed.Receiver.Landline = "0755-86013389"
	changed.Items[0].Quantity = 3
	changed.Parcel = &ewaybillv1.Parcel{WeightGrams: 500}
	b := orders.Normalize(&v, "order", changed, general)
	got := orders.Diff("order", a, b)
	want := []string{"order.receiver.landline", "order.parcel.weight_grams", "order.items"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff = %v; want %v", got, want)
	}
	if d := orders.Diff("order", a, a); len(d) != 0 {
		t.Errorf("Diff of an order with itself = %v", d)
	}
}

// Any text in any field yields violations, never a panic, and every
// violation names a field under "order" and a rule.
func FuzzNormalize(f *testing.F) {
	f.Add("广东省", "深圳市", "南山区", "科技园南路 1 号", "13912345678", int64(1200))
	f.Add("粤", "市辖区", "", "#", "", int64(0))
	f.Add("\xff", "县", "浦东新区", strings.Repeat("路", 300), "0755-86013388", int64(-1))
	f.Fuzz(func(t *testing.T, province, city, district, address, phone string, weight int64) {
		o := valid()
		o.Receiver = &ewaybillv1.Party{Name: "赵六", Mobile: phone, Province: province, City: city, District: district, Address: address}
		o.Parcel.WeightGrams = weight
		for _, r := range []orders.Rules{general, loosest} {
			var v fault.Violations
			orders.Normalize(&v, "order", o, r)
			if fe, ok := fault.As(v.Err()); ok {
				for _, x := range fe.Violations {
					if !strings.HasPrefix(x.Field, "order") || x.Rule == "" || x.Message == "" {
						t.Fatalf("violation %+v", x)
					}
				}
			}
		}
	})
}
