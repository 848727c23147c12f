// Package divisions knows China's administrative divisions (行政区划) well
// enough to check the province, city and district of a shipping address:
// all 34 province-level divisions with their official names and common
// short forms, and the prefecture-level cities and county-level districts
// of the mainland from an embedded data set (see SOURCE.md).
//
// It only answers whether a name is right; it never rewrites what a
// merchant sent. Callers get the official name back and may use it, but the
// order keeps the merchant's spelling (深圳 stays 深圳), because the label
// and the carrier's own address parser accept both and a silent rewrite
// would surprise the merchant comparing labels with orders.
//
// Where the table cannot judge it says so (known is false) rather than
// refusing: Hong Kong, Macao and Taiwan have no city data here, the four
// prefecture-level cities without county-level divisions (东莞市, 中山市,
// 儋州市, 嘉峪关市) have no district data (shipping systems put towns
// there), and development zones, new areas and the like (…开发区, …新区,
// …园区), which statistical and platform address books list under varying
// names, are not judged either.
package divisions

import (
	"bufio"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed divisions.tsv
var data string

// Place is where a name was found: a province, a city of it, and for a
// district the district too.
type Place struct {
	Province string
	City     string
	District string
}

// String writes the place as an address prefix, e.g. "广东省深圳市南山区"
// or, for a municipality, "北京市朝阳区".
func (p Place) String() string {
	if p.City == p.Province {
		return p.Province + p.District
	}
	return p.Province + p.City + p.District
}

// Province returns the official name of the province-level division name
// refers to, given as its official name (广东省), short form (广东) or
// one-character abbreviation (粤).
func Province(name string) (canonical string, ok bool) {
	p := load().province(name)
	if p == nil {
		return "", false
	}
	return p.name, true
}

// City returns the official name of city within province (both in any
// accepted form: 深圳 or 深圳市, a prefecture's short form such as 恩施州).
// known is false when the table has no cities for the province (or the
// province itself is unknown): the caller cannot judge and should accept.
// When known is true, ok reports a match.
//
// A municipality (北京市, 上海市, 天津市, 重庆市) takes its own name or
// 市辖区 as the city, and 重庆市 also 县 for its counties; a county-level
// city administered directly by its province (湖北省 仙桃市, 海南省 澄迈县)
// may stand as the city or under 省直辖县级行政区划.
func City(province, city string) (canonical string, known, ok bool) {
	p := load().province(province)
	if p == nil || len(p.cities) == 0 {
		return "", false, false
	}
	c := p.cityByName[strings.TrimSpace(city)]
	if c == nil {
		return "", true, false
	}
	return c.name, true, true
}

// District returns the official name of district (a district, county,
// banner or county-level city) within city of province. known is false
// when the table cannot judge: the province or city is unknown, the city
// has no county-level divisions in the table, or district names a
// development zone or similar area.
func District(province, city, district string) (canonical string, known, ok bool) {
	p := load().province(province)
	if p == nil {
		return "", false, false
	}
	c := p.cityByName[strings.TrimSpace(city)]
	if c == nil || len(c.districtByName) == 0 {
		return "", false, false
	}
	district = strings.TrimSpace(district)
	if name, found := c.districtByName[district]; found {
		return name, true, true
	}
	if zone(district) {
		return "", false, false
	}
	return "", true, false
}

// zoneSuffixes end the names of areas that address books list at county
// level under names that differ from book to book.
var zoneSuffixes = []string{"开发区", "新区", "园区", "管理区", "示范区", "试验区", "管委会", "合作区"}

func zone(name string) bool {
	for _, s := range zoneSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// Cities lists the official names of the cities of province in code order
// (the capital first); nil when the table has none.
func Cities(province string) []string {
	p := load().province(province)
	if p == nil {
		return nil
	}
	var out []string
	for _, c := range p.cities {
		out = append(out, c.name)
	}
	return out
}

// SuggestProvince lists up to three official province names that name was
// probably meant to be: a near miss (广冬) or a value that starts with a
// province (广东深圳).
func SuggestProvince(name string) []string {
	t := load()
	var cs []candidate
	for _, p := range t.provinces {
		cs = append(cs, candidate{p.name, append([]string{p.name}, p.short...)})
	}
	return suggest(strings.TrimSpace(name), cs)
}

// SuggestCity lists up to three official names of cities of province that
// city was probably meant to be.
func SuggestCity(province, city string) []string {
	p := load().province(province)
	if p == nil {
		return nil
	}
	var cs []candidate
	for _, c := range p.cities {
		cs = append(cs, candidate{c.name, c.forms})
	}
	return suggest(strings.TrimSpace(city), cs)
}

// SuggestDistrict lists up to three official names of districts of city in
// province that district was probably meant to be.
func SuggestDistrict(province, city, district string) []string {
	p := load().province(province)
	if p == nil {
		return nil
	}
	c := p.cityByName[strings.TrimSpace(city)]
	if c == nil {
		return nil
	}
	return suggest(strings.TrimSpace(district), c.districts)
}

// Locate lists where name (an official name or short form) occurs, at any
// level, e.g. 南山区 → 广东省深圳市南山区 (and the other 南山区s); it
// explains a value sent in the wrong field or under the wrong parent.
// Cities come before districts within a province.

func Locate(name string) []Place {
	return slices.Clone(load().places[strings.TrimSpace(name)])
}

// table is the parsed data set; it never changes after load.
type table struct {
	provinces      []*province
	provinceByName map[string]*province
	places         map[string][]Place
}

type province struct {
	code, name string
	short      []string
	cities     []*city
	cityByName map[string]*city
}

type city struct {
	code, name string
	forms      []string
	districts  []candidate
	// districtByName maps official names and short forms to official
	// names; empty when the table has no districts for the city.
	districtByName map[string]string
}

func (t *table) province(name string) *province {
	return t.provinceByName[strings.TrimSpace(name)]
}

var load = sync.OnceValue(func() *table {
	t, err := parse(data)
	if err != nil {
		panic("divisions: embedded table: " + err.Error())
	}
	return t
})

// municipalities are the province-level cities whose districts hang
// directly below them; orders name the city as the municipality itself or
// as 市辖区.
var municipalities = map[string]bool{"11": true, "12": true, "31": true, "50": true}

// directCountyNames are the names address books give the pseudo-city
// (code xx90xx) under which a province lists the county-level divisions it
// administers directly.
var directCountyNames = []string{"省直辖县级行政区划", "省直辖县", "自治区直辖县级行政区划", "自治区直辖县", "直辖县级行政区划", "直辖县"}

func parse(src string) (*table, error) {
	t := &table{provinceByName: map[string]*province{}, places: map[string][]Place{}}
	byCode := map[string]*province{}
	cityByCode := map[string]*city{}
	sc := bufio.NewScanner(strings.NewReader(src))
	line := 0
	for sc.Scan() {
		line++
		code, name, found := strings.Cut(sc.Text(), "\t")
		if !found || len(code) != 6 || name == "" || !utf8.ValidString(name) {
			return nil, fmt.Errorf("line %d: want a 6-digit code, a tab and a name", line)
		}
		switch {
		case strings.HasSuffix(code, "0000"):
			short, ok := provinceShortForms[code[:2]]
			if !ok {
				return nil, fmt.Errorf("line %d: province %s %s has no short forms", line, code, name)
			}
			p := &province{code: code[:2], name: name, short: short, cityByName: map[string]*city{}}
			byCode[p.code] = p
			t.provinces = append(t.provinces, p)
		case strings.HasSuffix(code, "00"):
			p := byCode[code[:2]]
			if p == nil {
				return nil, fmt.Errorf("line %d: city %s before its province", line, code)
			}
			c := &city{code: code[:4], name: name, forms: forms(name), districtByName: map[string]string{}}
			cityByCode[c.code] = c
			p.cities = append(p.cities, c)
		default:
			c := cityByCode[code[:4]]
			if c == nil {
				return nil, fmt.Errorf("line %d: district %s before its city", line, code)
			}
			c.districts = append(c.districts, candidate{name, forms(name)})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(t.provinces) != len(provinceShortForms) {
		return nil, fmt.Errorf("%d provinces, want %d", len(t.provinces), len(provinceShortForms))
	}
	for _, p := range t.provinces {
		for _, name := range append([]string{p.name}, p.short...) {
			if other := t.provinceByName[name]; other != nil {
				return nil, fmt.Errorf("%s names both %s and %s", name, other.name, p.name)
			}
			t.provinceByName[name] = p
		}
		p.index(t)
	}
	return t, nil
}

// index fills the province's city lookup and the table's places.
func (p *province) index(t *table) {
	cities := map[string][]*city{}
	addCity := func(name string, c *city) {
		if !slices.Contains(cities[name], c) {
			cities[name] = append(cities[name], c)
		}
	}
	for _, c := range p.cities {
		c.districtByName = unambiguous(c.districts)
		for _, f := range c.forms {
			addCity(f, c)
		}
		switch {
		case municipalities[p.code] && strings.HasSuffix(c.code, "01"):
			for _, f := range append([]string{p.name, "市辖区"}, p.short...) {
				addCity(f, c)
			}
		case strings.HasSuffix(c.code, "90"):
			for _, f := range directCountyNames {
				addCity(f, c)
			}
			// Each directly administered county-level division may also
			// stand as the city, with no district data below it.
			for _, d := range c.districts {
				direct := &city{code: c.code, name: d.name, forms: d.forms, districtByName: map[string]string{}}
				for _, f := range d.forms {
					addCity(f, direct)
				}
			}
		}
		for _, f := range c.forms {
			t.places[f] = append(t.places[f], Place{Province: p.name, City: c.name})
		}
	}
	for name, cs := range cities {
		// The official name wins over another city's short form; a short
		// form two cities share names neither.
		var official *city
		for _, c := range cs {
			if c.name == name {
				official = c
			}
		}
		switch {
		case official != nil:
			p.cityByName[name] = official
		case len(cs) == 1:
			p.cityByName[name] = cs[0]
		}
	}
	if municipalities[p.code] {
		// A municipality's districts are one set whichever form the city
		// takes (北京市, 市辖区, or 县 for 重庆市's counties).
		var all []candidate
		for _, c := range p.cities {
			all = append(all, c.districts...)
		}
		merged := unambiguous(all)
		for _, c := range p.cityByName {
			c.districtByName = merged
		}
	}
	for _, c := range p.cities {
		for _, d := range c.districts {
			for _, f := range d.forms {
				t.places[f] = append(t.places[f], Place{Province: p.name, City: c.name, District: d.name})
			}
		}
	}
}

// unambiguous maps every official name and every short form that names
// only one of ds to its official name.
func unambiguous(ds []candidate) map[string]string {
	owners := map[string][]string{}
	for _, d := range ds {
		for _, f := range d.forms {
			if !slices.Contains(owners[f], d.name) {
				owners[f] = append(owners[f], d.name)
			}
		}
	}
	out := make(map[string]string, len(owners))
	for f, names := range owners {
		switch {
		case slices.Contains(names, f):
			out[f] = f
		case len(names) == 1:
			out[f] = names[0]
		}
	}
	return out
}
