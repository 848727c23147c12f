package mapping

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// Thresholds of the weight heuristic. Parcels under 20 g are rare (a
// letter weighs about that), and over 100 kg one waybill rarely carries.
const (
	minPlausibleGrams = 20
	maxPlausibleGrams = 100_000
)

var (
	// mobileIn finds a mainland mobile number not run together with other
	// digits.
	mobileIn = regexp.MustCompile(`(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)`)
	// landlineShape is a leading 0 (of an area code, perhaps in
	// parentheses), an area code and a hyphen before a local number, or a
	// bare 7- or 8-digit local number.
	landlineShape = regexp.MustCompile(`^(\(?0|[0-9]{3,4}-[0-9]{7,8}|[0-9]{7,8}$)`)
)

// heuristic judges one kind of likely mis-mapping, value by value.
type heuristic struct {
	rule    string
	targets []string
	// counts reports whether a value can be judged at all; nil means every
	// value can.
	counts func(o observation) bool
	// wrong reports whether one value looks mis-mapped.
	wrong func(o observation) bool
	// message explains a warning: wrong of have samples look wrong; o is
	// the first wrong value and values every value the samples gave.
	message func(wrong, have int, o observation, values []observation) string
}

// heuristics are judged in this order, each over its targets in order.
var heuristics = []heuristic{
	{
		rule:    "looks_like_landline",
		targets: []string{"sender.mobile", "receiver.mobile"},
		wrong:   func(o observation) bool { return landlineShape.MatchString(strings.TrimSpace(o.raw)) },
		message: func(wrong, have int, o observation, _ []observation) string {
			party := strings.TrimSuffix(o.t.name, ".mobile")
			return fmt.Sprintf("%d of %d sample orders give %s values that look like landlines (an area code with a hyphen, a leading 0, or a 7- or 8-digit local number) rather than 11-digit mobiles; %s is likely a landline field: map it to %s.landline, and map the mobile field to %s.mobile",
				wrong, have, o.t.field(-1), o.declared, party, party)
		},
	},
	{
		rule:    "looks_like_phone",
		targets: []string{"sender.name", "receiver.name"},
		wrong:   func(o observation) bool { return strings.IndexFunc(o.raw, unicode.IsDigit) >= 0 },
		message: func(wrong, have int, o observation, _ []observation) string {
			what := "digits"
			if mobileIn.MatchString(o.raw) {
				what = "phone numbers"
			}
			return fmt.Sprintf("%d of %d sample orders give %s values holding %s where a person's name is expected; %s is likely a phone, user id or nickname field: map the field that holds the real name",
				wrong, have, o.t.field(-1), what, o.declared)
		},
	},
	{
		rule:    "phone_in_address",
		targets: []string{"sender.address", "receiver.address"},
		wrong:   func(o observation) bool { return mobileIn.MatchString(o.raw) },
		message: func(wrong, have int, o observation, _ []observation) string {
			party := strings.TrimSuffix(o.t.name, ".address")
			return fmt.Sprintf("%d of %d sample orders give %s values holding a mobile number; %s likely joins a phone field into the address: remove it from the address sources and map it to %s.mobile",
				wrong, have, o.t.field(-1), o.declared, party)
		},
	},
	{
		rule:    "weight_unit",
		targets: []string{"parcel.weight_grams"},
		counts: func(o observation) bool {
			_, ok := grams(o)
			return ok
		},
		wrong: func(o observation) bool {
			g, _ := grams(o)
			if o.unit == ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G {
				return g > maxPlausibleGrams
			}
			return g < minPlausibleGrams
		},
		message: func(wrong, have int, o observation, values []observation) string {
			var gs []float64
			for _, v := range values {
				if g, ok := grams(v); ok {
					gs = append(gs, g)
				}
			}
			slices.Sort(gs)
			median := strconv.FormatFloat(gs[len(gs)/2], 'f', -1, 64)
			if o.unit == ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G {
				return fmt.Sprintf("%d of %d sample orders weigh more than %d g (100 kg) after %s (median %s g); %s is likely in grams already: remove the unit conversion",
					wrong, have, maxPlausibleGrams, o.unit, median, o.declared)
			}
			return fmt.Sprintf("%d of %d sample orders weigh less than %d g (median %s g); %s is likely in kilograms: set unit %s on this mapping",
				wrong, have, minPlausibleGrams, median, o.declared, ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G)
		},
	},
	{
		rule:    "money_unit",
		targets: []string{"cod_amount_fen", "insured_value_fen", "items[].declared_value_fen"},
		wrong: func(o observation) bool {
			if o.unit == ewaybillv1.UnitConversion_UNIT_CONVERSION_YUAN_TO_FEN {
				return false
			}
			_, _, frac, ok := parseDecimal(strings.TrimSpace(o.raw))
			return ok && frac != ""
		},
		message: func(wrong, have int, o observation, _ []observation) string {
			return fmt.Sprintf("%d of %d sample orders give %s values with decimals, but fen are whole; %s is likely in yuan: set unit %s on this mapping",
				wrong, have, o.t.field(-1), o.declared, ewaybillv1.UnitConversion_UNIT_CONVERSION_YUAN_TO_FEN)
		},
	},
}

// grams is the weight o gives, in grams, when it is a positive number; a
// zero weight means "unknown" and says nothing about the unit.
func grams(o observation) (float64, bool) {
	g, err := strconv.ParseFloat(strings.TrimSpace(o.raw), 64)
	if err != nil || !(g > 0) || g > 1e300 {
		return 0, false
	}
	if o.unit == ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G {
		g *= 1000
	}
	return g, true
}

// Warnings judges likely mis-mappings over a sample of mapped orders, the
// Results of Apply with one profile. It returns at most one warning per
// heuristic and canonical field, when at least half of the samples that
// have a value for the field look wrong (for items, a sample looks wrong
// when any of its items does). Field is the canonical field ("order.items[].name"
// for items), Source the profile's sources, Value the first wrong value,
// masked. The heuristics (Rule) are:
//
//   - "looks_like_landline": a mobile value with an area code and hyphen,
//     a leading 0, or only 7 or 8 digits.
//   - "looks_like_phone": a sender's or receiver's name holding digits or a
//     phone number.
//   - "phone_in_address": an address holding an 11-digit mobile number.
//   - "weight_unit": weights under 20 g without a unit conversion (median
//     below 20 g: likely kilograms), or over 100 kg with
//     UNIT_CONVERSION_KG_TO_G (likely grams already). Zero weights are
//     left out.
//   - "money_unit": amounts in fen written with decimals and no
//     UNIT_CONVERSION_YUAN_TO_FEN (likely yuan).
func Warnings(results []Result) []*ewaybillv1.MappingViolation {
	var out []*ewaybillv1.MappingViolation
	for _, h := range heuristics {
		for _, name := range h.targets {
			if w := judge(h, name, results); w != nil {
				out = append(out, w)
			}
		}
	}
	return out
}

// judge applies h to the values results gave target name.
func judge(h heuristic, name string, results []Result) *ewaybillv1.MappingViolation {
	have, wrong := 0, 0
	var first *observation
	var values []observation
	for _, r := range results {
		sampleHas, sampleWrong := false, false
		for _, o := range r.observed {
			if o.t.name != name {
				continue
			}
			if h.counts != nil && !h.counts(o) {
				continue
			}
			sampleHas = true
			values = append(values, o)
			if h.wrong(o) {
				sampleWrong = true
				if first == nil {
					first = &o
				}
			}
		}
		if sampleHas {
			have++
		}
		if sampleWrong {
			wrong++
		}
	}
	if wrong == 0 || 2*wrong < have {
		return nil
	}
	return &ewaybillv1.MappingViolation{
		Field:   first.t.field(-1),
		Source:  first.declared,
		Rule:    h.rule,
		Message: h.message(wrong, have, *first, values),
		Value:   MaskValue(first.field, first.raw),
	}
}
