// Package routing maps a destination (province, city, district) to the
// sorting codes a carrier prints on its labels: 三段码, 大头笔 and 集包地.
// Each carrier has one table, set by admins; the most specific rule wins,
// and a destination no rule covers is reported as unrouted (on a label,
// empty codes are the trade's sign of a bad address).
package routing

import (
	"fmt"
	"strings"

	"github.com/ewaybill/ewaybill/divisions"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/textrule"
)

// MaxRules bounds a table: every district of China is about 3,000 rules,
// so this leaves room for finer rules without letting one request carry
// an unbounded document.
const MaxRules = 20000

// maxCode bounds each code's length in characters; labels print them
// large, and longer codes would not fit their area anyway.
const maxCode = 32

// Check validates a table's rules and rewrites their division names to
// the official forms, so that lookups compare like with like. Every
// problem is reported at once, naming the rule's field.
func Check(t *ewaybillv1.RoutingTable) error {
	var v fault.Violations
	if n := len(t.GetRules()); n > MaxRules {
		v.Add("routing_table.rules", "max_items", "routing_table.rules has %d rules; at most %d", n, MaxRules)
		return v.Err()
	}
	seen := map[string]int{}
	for i, r := range t.GetRules() {
		field := fmt.Sprintf("routing_table.rules[%d]", i)
		if canonical(&v, field, r) {
			key := r.GetProvince() + "|" + r.GetCity() + "|" + r.GetDistrict()
			if j, dup := seen[key]; dup {
				v.Add(field, "duplicate", "%s routes %s, as rules[%d] already does", field, describe(r), j)
			}
			seen[key] = i
		}
		if r.GetCodes() == nil {
			r.Codes = &ewaybillv1.RoutingCodes{}
		}
		c := r.GetCodes()
		c.SortCode = textrule.Check(&v, field+".codes.sort_code", c.GetSortCode(), 1, maxCode)
		c.ShortDestination = textrule.Check(&v, field+".codes.short_destination", c.GetShortDestination(), 0, maxCode)
		c.Hub = textrule.Check(&v, field+".codes.hub", c.GetHub(), 0, maxCode)
	}
	return v.Err()
}

// canonical checks one rule's division names and replaces them with the
// official names; ok is false when the rule cannot be keyed.
func canonical(v *fault.Violations, field string, r *ewaybillv1.RoutingRule) bool {
	province, ok := divisions.Province(r.GetProvince())
	if !ok {
		v.Add(field+".province", "unknown_division", "%s.province is not a province-level division of China, e.g. 广东省", field)
		return false
	}
	r.Province = province
	if r.GetCity() == "" {
		if r.GetDistrict() != "" {
			v.Add(field+".city", "required", "%s.city is required when district is set", field)
			return false
		}
		return true
	}
	city, known, ok := divisions.City(province, r.GetCity())
	if known && !ok {
		v.Add(field+".city", "unknown_division", "%s.city is not a city of %s", field, province)
		return false
	}
	if ok {
		r.City = city
	}
	if r.GetDistrict() != "" {
		if district, known, ok := divisions.District(province, r.GetCity(), r.GetDistrict()); known && !ok {
			v.Add(field+".district", "unknown_division", "%s.district is not a district or county of %s", field, divisions.Place{Province: province, City: r.GetCity()})
			return false
		} else if ok {
			r.District = district
		}
	}
	return true
}

func describe(r *ewaybillv1.RoutingRule) string {
	return strings.TrimSpace(strings.Join([]string{r.GetProvince(), r.GetCity(), r.GetDistrict()}, " "))
}

// Table is a checked routing table ready for lookups. The zero value (or
// nil) routes nothing.
type Table struct {
	rules map[key]*ewaybillv1.RoutingCodes
}

type key struct{ province, city, district string }

// Compile indexes a table that passed Check.
func Compile(t *ewaybillv1.RoutingTable) *Table {
	out := &Table{rules: make(map[key]*ewaybillv1.RoutingCodes, len(t.GetRules()))}
	for _, r := range t.GetRules() {
		out.rules[key{r.GetProvince(), r.GetCity(), r.GetDistrict()}] = r.GetCodes()
	}
	return out
}

// Route returns the codes for a destination as orders carry it (any
// accepted form of the names): the district's rule, else the city's, else
// the province's. ok is false when no rule covers the destination.
func (t *Table) Route(province, city, district string) (codes *ewaybillv1.RoutingCodes, ok bool) {
	if t == nil || len(t.rules) == 0 {
		return nil, false
	}
	p, found := divisions.Province(province)
	if !found {
		return nil, false
	}
	c := strings.TrimSpace(city)
	if name, _, found := divisions.City(p, c); found {
		c = name
	}
	d := strings.TrimSpace(district)
	if name, _, found := divisions.District(p, c, d); found {
		d = name
	}
	if d != "" {
		if codes, ok := t.rules[key{p, c, d}]; ok {
			return codes, true
		}
	}
	if c != "" {
		if codes, ok := t.rules[key{p, c, ""}]; ok {
			return codes, true
		}
	}
	codes, ok = t.rules[key{p, "", ""}]
	return codes, ok
}
