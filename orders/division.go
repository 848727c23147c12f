package orders

import (
	"strings"

	"github.com/ewaybill/ewaybill/divisions"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// checkDivisions checks a party's province, city and district against the
// division table; clean says which of the three broke no other rule (a
// field already refused is not judged again). Where the table cannot
// judge, the value passes. Messages never repeat the value sent (it may be
// personal data mapped from the wrong source); they say what it was
// probably meant to be.
func checkDivisions(v *fault.Violations, field string, p *ewaybillv1.Party, clean [3]bool) {
	if !clean[0] {
		return
	}
	province, ok := divisions.Province(p.GetProvince())
	if !ok {
		hint := elsewhere(divisions.Locate(p.GetProvince()), "", "the province, city and district fields")
		if hint == "" {
			hint = didYouMean(divisions.SuggestProvince(p.GetProvince()))
		}
		v.Add(field+".province", "unknown_division",
			"%s.province is not a province-level division of China; send the official name or a short form, e.g. 广东省, 广东 or 粤%s",
			field, hint)
		return
	}
	if !clean[1] {
		return
	}
	city, known, ok := divisions.City(province, p.GetCity())
	if !known {
		return
	}
	if !ok {
		v.Add(field+".city", "unknown_division", "%s.city is not a city of %s%s",
			field, province, cityHint(province, p.GetCity()))
		return
	}
	if !clean[2] || p.GetDistrict() == "" {
		return
	}
	if _, known, ok := divisions.District(province, city, p.GetDistrict()); known && !ok {
		v.Add(field+".district", "unknown_division",
			"%s.district is not a district or county of %s (district is optional: leave it empty rather than guess)%s",
			field, divisions.Place{Province: province, City: city}, districtHint(province, city, p.GetDistrict()))
	}
}

// cityHint explains a city that did not match: a district of the province
// sent as the city, a near miss, a city of another province, or else what
// a city of the province looks like.
func cityHint(province, value string) string {
	places := divisions.Locate(value)
	for _, p := range places {
		if p.Province == province && p.District != "" {
			return "; the value is a district of " + divisions.Place{Province: p.Province, City: p.City}.String() +
				": send it as the district, with " + p.City + " as the city"
		}
	}
	if hint := didYouMean(divisions.SuggestCity(province, value)); hint != "" {
		return hint
	}
	if hint := elsewhere(places, province, "the province"); hint != "" {
		return hint
	}
	if c, known, ok := divisions.City(province, "市辖区"); known && ok {
		return "; for " + province + " send " + c + " or 市辖区 as the city"
	}
	if cities := divisions.Cities(province); len(cities) > 0 {
		return "; send the official name of one of its cities, e.g. " + cities[0] + ", or its short form"
	}
	return ""
}

// districtHint explains a district that did not match: a district of
// another city of the province, a near miss, or a division elsewhere.
func districtHint(province, city, value string) string {
	places := divisions.Locate(value)
	for _, p := range places {
		if p.Province == province && p.District != "" {
			return "; the value is a district of " + divisions.Place{Province: p.Province, City: p.City}.String() +
				", not of " + city + ": check the city"
		}
	}
	if hint := didYouMean(divisions.SuggestDistrict(province, city, value)); hint != "" {
		return hint
	}
	return elsewhere(places, province, "the province, city and district fields")
}

func didYouMean(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(names, " or ") + "?"
}

// elsewhere says what the value names outside province, e.g. "; the value
// is a city of 广东省: check the province"; a name several districts share
// lists a few of them.
func elsewhere(places []divisions.Place, province, check string) string {
	var cities, districts []string
	for _, p := range places {
		switch {
		case p.Province == province:
		case p.District == "":
			cities = append(cities, p.Province)
		default:
			districts = append(districts, divisions.Place{Province: p.Province, City: p.City}.String())
		}
	}
	var what string
	switch {
	case len(cities) > 0:
		what = "a city of " + orList(cities)
	case len(districts) > 0:
		what = "a district of " + orList(districts)
	default:
		return ""
	}
	return "; the value is " + what + ": check " + check
}

// orList joins up to three names with "or", adding "…" when there are more.
func orList(names []string) string {
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + " or another"
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
