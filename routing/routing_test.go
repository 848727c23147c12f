package routing

import (
	"testing"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

func rule(province, city, district, sort string) *ewaybillv1.RoutingRule {
	return &ewaybillv1.RoutingRule{Province: province, City: city, District: district,
		Codes: &ewaybillv1.RoutingCodes{SortCode: sort, ShortDestination: "dest " + sort, Hub: "hub " + sort}}
}

func TestRouteMostSpecificWins(t *testing.T) {
	table := &ewaybillv1.RoutingTable{Rules: []*ewaybillv1.RoutingRule{
		rule("广东", "", "", "GD"),
		rule("广东省", "深圳", "", "SZ"),
		rule("粤", "深圳市", "南山区", "NS"),
		rule("北京市", "", "", "BJ"),
	}}
	if err := Check(table); err != nil {
		t.Fatal(err)
	}
	if r := table.GetRules()[2]; r.GetProvince() != "广东省" || r.GetCity() != "深圳市" || r.GetDistrict() != "南山区" {
		t.Fatalf("names not made official: %v", r)
	}
	routes := Compile(table)
	for _, c := range []struct{ province, city, district, want string }{
		{"广东省", "深圳市", "南山区", "NS"},
		{"广东", "深圳", "南山区", "NS"},
		{"广东省", "深圳市", "福田区", "SZ"},
		{"广东省", "深圳市", "", "SZ"},
		{"广东省", "广州市", "天河区", "GD"},
		{"北京", "北京市", "朝阳区", "BJ"},
		{"上海市", "上海市", "浦东新区", ""},
		{"火星", "", "", ""},
	} {
		codes, ok := routes.Route(c.province, c.city, c.district)
		if got := codes.GetSortCode(); got != c.want || ok != (c.want != "") {
			t.Errorf("Route(%s %s %s) = %q, %v; want %q", c.province, c.city, c.district, got, ok, c.want)
		}
	}
	if _, ok := (*Table)(nil).Route("广东省", "深圳市", ""); ok {
		t.Fatal("a missing table routes nothing")
	}
}

func TestCheckNamesEveryBadField(t *testing.T) {
	table := &ewaybillv1.RoutingTable{Rules: []*ewaybillv1.RoutingRule{
		rule("广东省", "深圳市", "", "SZ"),
		rule("广东", "深圳", "", "SZ2"),                                          // duplicate of rules[0]
		rule("火星", "", "", "X"),                                              // unknown province
		rule("广东省", "杭州市", "", "HZ"),                                         // not a city of the province
		rule("广东省", "", "南山区", "NS"),                                         // district without city
		{Province: "浙江省", City: "杭州市"},                                       // no codes
		{Province: "浙江省", Codes: &ewaybillv1.RoutingCodes{SortCode: "A\nB"}}, // control character
	}}
	err := Check(table)
	fe, ok := fault.As(err)
	if !ok {
		t.Fatalf("want a fault, got %v", err)
	}
	got := map[string]string{}
	for _, v := range fe.Violations {
		got[v.Field] = v.Rule
	}
	want := map[string]string{
		"routing_table.rules[1]":                 "duplicate",
		"routing_table.rules[2].province":        "unknown_division",
		"routing_table.rules[3].city":            "unknown_division",
		"routing_table.rules[4].city":            "required",
		"routing_table.rules[5].codes.sort_code": "required",
		"routing_table.rules[6].codes.sort_code": "control_character",
	}
	if len(got) != len(want) {
		t.Fatalf("violations %v, want %v", got, want)
	}
	for f, r := range want {
		if got[f] != r {
			t.Errorf("%s: rule %q, want %q (all: %v)", f, got[f], r, got)
		}
	}
}

func TestCheckBoundsTheTable(t *testing.T) {
	rules := make([]*ewaybillv1.RoutingRule, MaxRules+1)
	for i := range rules {
		rules[i] = rule("广东省", "", "", "GD")
	}
	fe, _ := fault.As(Check(&ewaybillv1.RoutingTable{Rules: rules}))
	if fe == nil || fe.Violations[0].Rule != "max_items" {
		t.Fatalf("oversized table: %v", fe)
	}
}
