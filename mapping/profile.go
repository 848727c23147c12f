package mapping

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// target is one canonical field a profile may fill.
type target struct {
	// name as a profile writes it: "receiver.mobile", "items[].name".
	name string
	// numeric targets take integers (after their unit conversion); the
	// others take text.
	numeric bool
	// max is the largest value a numeric target holds (int32 or int64).
	max int64
	// unit is the one conversion a numeric target accepts besides none.
	unit ewaybillv1.UnitConversion
	// item targets are filled once per element of the items array.
	item bool
	// set stores a value: s for text targets, n for numeric ones. it is the
	// item being filled for item targets.
	set func(o *ewaybillv1.Order, it *ewaybillv1.Item, s string, n int64)
}

// field is the canonical field path of t in reports: "order.receiver.mobile",
// "order.items[2].name" for item i = 2, "order.items[].name" for i < 0.
func (t *target) field(i int) string {
	if !t.item || i < 0 {
		return "order." + t.name
	}
	return "order.items[" + strconv.Itoa(i) + "]" + strings.TrimPrefix(t.name, "items[]")
}

// targets lists the canonical fields in the order of the Order message.
// It is built once and never changed.
var targets = canonicalTargets()

func canonicalTargets() []*target {
	const (
		kg   = ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G
		cm   = ewaybillv1.UnitConversion_UNIT_CONVERSION_CM_TO_MM
		yuan = ewaybillv1.UnitConversion_UNIT_CONVERSION_YUAN_TO_FEN
		none = ewaybillv1.UnitConversion_UNIT_CONVERSION_UNSPECIFIED
	)
	text := func(name string, set func(o *ewaybillv1.Order, it *ewaybillv1.Item, s string)) *target {
		return &target{name: name, item: strings.HasPrefix(name, "items[]."),
			set: func(o *ewaybillv1.Order, it *ewaybillv1.Item, s string, _ int64) { set(o, it, s) }}
	}
	number := func(name string, max int64, unit ewaybillv1.UnitConversion, set func(o *ewaybillv1.Order, it *ewaybillv1.Item, n int64)) *target {
		return &target{name: name, numeric: true, max: max, unit: unit, item: strings.HasPrefix(name, "items[]."),
			set: func(o *ewaybillv1.Order, it *ewaybillv1.Item, _ string, n int64) { set(o, it, n) }}
	}
	ts := []*target{
		text("order_code", func(o *ewaybillv1.Order, _ *ewaybillv1.Item, s string) { o.OrderCode = s }),
		text("package_id", func(o *ewaybillv1.Order, _ *ewaybillv1.Item, s string) { o.PackageId = s }),
	}
	for _, side := range []struct {
		name  string
		party func(*ewaybillv1.Order) *ewaybillv1.Party
	}{
		{"sender", (*ewaybillv1.Order).GetSender},
		{"receiver", (*ewaybillv1.Order).GetReceiver},
	} {
		for _, f := range []struct {
			name string
			ptr  func(*ewaybillv1.Party) *string
		}{
			{"name", func(p *ewaybillv1.Party) *string { return &p.Name }},
			{"mobile", func(p *ewaybillv1.Party) *string { return &p.Mobile }},
			{"landline", func(p *ewaybillv1.Party) *string { return &p.Landline }},
			{"province", func(p *ewaybillv1.Party) *string { return &p.Province }},
			{"city", func(p *ewaybillv1.Party) *string { return &p.City }},
			{"district", func(p *ewaybillv1.Party) *string { return &p.District }},
			{"address", func(p *ewaybillv1.Party) *string { return &p.Address }},
			{"postcode", func(p *ewaybillv1.Party) *string { return &p.Postcode }},
		} {
			party, ptr := side.party, f.ptr
			ts = append(ts, text(side.name+"."+f.name, func(o *ewaybillv1.Order, _ *ewaybillv1.Item, s string) { *ptr(party(o)) = s }))
		}
	}
	ts = append(ts,
		number("parcel.weight_grams", math.MaxInt64, kg, func(o *ewaybillv1.Order, _ *ewaybillv1.Item, n int64) { o.Parcel.WeightGrams = n }),
		number("parcel.length_mm", math.MaxInt64, cm, func(o *ewaybillv1.Order, _ *ewaybillv1.Item, n int64) { o.Parcel.LengthMm = n }),
		number("parcel.width_mm", math.MaxInt64, cm, func(o *ewaybillv1.Order, _ *ewaybillv1.Item, n int64) { o.Parcel.WidthMm = n }),
		number("parcel.height_mm", math.MaxInt64, cm, func(o *ewaybillv1.Order, _ *ewaybillv1.Item, n int64) { o.Parcel.HeightMm = n }),
		number("parcel.parcel_count", math.MaxInt32, none, func(o *ewaybillv1.Order, _ *ewaybillv1.Item, n int64) { o.Parcel.ParcelCount = int32(n) }),
		text("items[].name", func(_ *ewaybillv1.Order, it *ewaybillv1.Item, s string) { it.Name = s }),
		number("items[].quantity", math.MaxInt32, none, func(_ *ewaybillv1.Order, it *ewaybillv1.Item, n int64) { it.Quantity = int32(n) }),
		number("items[].declared_value_fen", math.MaxInt64, yuan, func(_ *ewaybillv1.Order, it *ewaybillv1.Item, n int64) { it.DeclaredValueFen = n }),
		text("remark", func(o *ewaybillv1.Order, _ *ewaybillv1.Item, s string) { o.Remark = s }),
		number("cod_amount_fen", math.MaxInt64, yuan, func(o *ewaybillv1.Order, _ *ewaybillv1.Item, n int64) { o.CodAmountFen = n }),
		number("insured_value_fen", math.MaxInt64, yuan, func(o *ewaybillv1.Order, _ *ewaybillv1.Item, n int64) { o.InsuredValueFen = n }),
	)
	return ts
}

// targetNamed returns the target called name, or nil.
func targetNamed(name string) *target {
	for _, t := range targets {
		if t.name == name {
			return t
		}
	}
	return nil
}

// requiredTargets must each be mapped (by sources, a fixed or a default
// value) for a profile to be saved: a label cannot be printed without them.
var requiredTargets = []string{
	"order_code",
	"sender.name", "sender.province", "sender.city", "sender.address",
	"receiver.name", "receiver.province", "receiver.city", "receiver.address",
	"items[].name",
}

// contactTargets are pairs of which at least one must be mapped: the courier
// needs a number to call.
var contactTargets = [][2]string{
	{"sender.mobile", "sender.landline"},
	{"receiver.mobile", "receiver.landline"},
}

// compiled is a FieldMapping that passed every check, ready to apply.
type compiled struct {
	t       *target
	sources []path
	sep     string
	trim    bool
	// def and fixed are nil when not given (or given empty, which says
	// nothing).
	def, fixed *string
	unit       ewaybillv1.UnitConversion
}

// plan is a profile ready to apply.
type plan struct {
	// fields that passed their checks, in profile order.
	fields []*compiled
	// mapped holds every target the profile has a mapping for, including
	// mappings with a problem (even no value at all), so a broken mapping
	// is reported once, where it is, and not also as missing.
	mapped map[string]bool
}

// CheckProfile reports whether p can be saved. It returns nil, or a
// *fault.Error of KindInvalid whose violations name each problem by the
// profile field it is in, such as "mapping_profile.fields[3].sources[0]",
// with these rules:
//
//   - "required": the profile is missing; a mapping has no target, or
//     neither sources nor a fixed or default value; or, on field
//     "mapping_profile.fields", a required canonical field is unmapped
//     (order_code, the sender's and receiver's name, province, city and
//     address, items[].name, and a mobile or landline for each party).
//   - "unknown_target": the target is not a canonical field.
//   - "duplicate": the target is mapped a second time.
//   - "fixed": a fixed_value and sources are both given.
//   - "path": a source is not a valid path.
//   - "array": "[]" is used outside an items[] target, not exactly once in
//     an items[] source, or items[] sources walk different arrays.
//   - "join": several sources for a numeric target.
//   - "unit": a unit on a text target, or one that does not fit the target.
//   - "number", "integer", "decimals", "range": a fixed or default value of
//     a numeric target does not convert (see Apply).
func CheckProfile(p *ewaybillv1.MappingProfile) error {
	return checkProfile("mapping_profile", p)
}

// checkProfile is CheckProfile for a profile that travels in a request
// field other than mapping_profile, such as "inline_profile": the
// violations name their fields under that one, so a client can point at
// the part of its own request that is wrong.
func checkProfile(field string, p *ewaybillv1.MappingProfile) error {
	var v fault.Violations
	pl := compile(field, p, &v)
	if p == nil {
		return v.Err()
	}
	for _, name := range requiredTargets {
		if !pl.mapped[name] {
			v.Add(field+".fields", "required",
				"%s is required on every label but not mapped; add a field with target %q and its sources, a fixed_value or a default_value", name, name)
		}
	}
	for _, pair := range contactTargets {
		if !pl.mapped[pair[0]] && !pl.mapped[pair[1]] {
			v.Add(field+".fields", "required",
				"neither %s nor %s is mapped; map at least one so the courier can call", pair[0], pair[1])
		}
	}
	return v.Err()
}

// compile checks each field mapping of p, which travels in the request
// field named field, records what is wrong on v, and returns the mappings
// that can be applied. It does not check that the required targets are
// mapped; Apply maps what it can.
func compile(field string, p *ewaybillv1.MappingProfile, v *fault.Violations) plan {
	pl := plan{mapped: map[string]bool{}}
	if p == nil {
		v.Add(field, "required", "%s is required: display_name and fields", field)
		return pl
	}
	firstAt := map[string]int{}
	// The array every items[] source walks, set by the first one seen.
	itemsArray, itemsArrayFrom := "", ""
	for i, fm := range p.GetFields() {
		at := fmt.Sprintf("%s.fields[%d]", field, i)
		before := v.Len()
		c := &compiled{sep: fm.GetJoinSeparator(), trim: fm.GetTrim(), unit: fm.GetUnit()}
		if d := fm.GetDefaultValue(); d != "" {
			c.def = &d
		}
		if f := fm.GetFixedValue(); f != "" {
			c.fixed = &f
		}
		name := fm.GetTarget()
		c.t = targetNamed(name)
		switch j, seen := firstAt[name]; {
		case name == "":
			v.Add(at+".target", "required", "%s.target is empty; name the canonical field this mapping fills, such as receiver.mobile", at)
		case c.t == nil:
			v.Add(at+".target", "unknown_target", "%s.target %q is not a canonical field; use one of %s", at, name, targetList())
		case seen:
			v.Add(at+".target", "duplicate", "%s.target %s is already mapped by %s.fields[%d]; map each field once, joining several sources there if needed", at, name, field, j)
		default:
			firstAt[name] = i
		}
		hasValue := len(fm.GetSources()) > 0 || c.fixed != nil || c.def != nil
		if c.t != nil {
			pl.mapped[name] = true
		}
		switch {
		case c.fixed != nil && len(fm.GetSources()) > 0:
			v.Add(at+".fixed_value", "fixed", "%s has both a fixed_value and sources; a fixed value is used instead of any source, so give one or the other", at)
		case !hasValue:
			v.Add(at+".sources", "required", "%s has no sources, fixed_value or default_value; give the raw path the value comes from", at)
		}
		for j, s := range fm.GetSources() {
			sat := fmt.Sprintf("%s.sources[%d]", at, j)
			sp, problem := parsePath(s)
			if problem != "" {
				v.Add(sat, "path", "%s is not a valid path: %s", sat, problem)
				continue
			}
			c.sources = append(c.sources, sp)
			if c.t == nil {
				continue
			}
			switch n := sp.eachCount(); {
			case !c.t.item && n > 0:
				v.Add(sat, "array", "%s walks an array with [], but %s holds one value; [] may be used only for items[] targets, so point the source at a single value", sat, c.t.name)
			case c.t.item && n != 1:
				v.Add(sat, "array", "%s must walk the items array with [] exactly once, such as lines[].title; it has %d", sat, n)
			case c.t.item:
				array, _ := sp.splitEach()
				a := keysText(array) + "[]"
				if itemsArray == "" {
					itemsArray, itemsArrayFrom = a, sat
				} else if a != itemsArray {
					v.Add(sat, "array", "%s walks %s but %s walks %s; every items[] source must walk the same array, whose length is the number of items", sat, a, itemsArrayFrom, itemsArray)
				}
			}
		}
		if c.t != nil {
			checkTransforms(v, at, fm, c)
		}
		if v.Len() == before {
			pl.fields = append(pl.fields, c)
		}
	}
	return pl
}

// checkTransforms checks the join, unit and fixed or default values of c
// against its target.
func checkTransforms(v *fault.Violations, at string, fm *ewaybillv1.FieldMapping, c *compiled) {
	t := c.t
	if t.numeric && len(fm.GetSources()) > 1 {
		v.Add(at+".sources", "join", "%s joins %d sources, but %s is a number; only text fields can join sources", at, len(fm.GetSources()), t.name)
	}
	switch u := fm.GetUnit(); {
	case u == ewaybillv1.UnitConversion_UNIT_CONVERSION_UNSPECIFIED:
	case ewaybillv1.UnitConversion_name[int32(u)] == "":
		v.Add(at+".unit", "unit", "%s.unit %d is not a known unit conversion", at, u)
	case !t.numeric:
		v.Add(at+".unit", "unit", "%s.unit %s applies to numbers, but %s is text; remove the unit", at, u, t.name)
	case t.unit == ewaybillv1.UnitConversion_UNIT_CONVERSION_UNSPECIFIED:
		v.Add(at+".unit", "unit", "%s.unit %s does not apply to %s, which is a plain count; remove the unit", at, u, t.name)
	case u != t.unit:
		v.Add(at+".unit", "unit", "%s.unit %s does not apply to %s; the conversion for it is %s", at, u, t.name, t.unit)
	}
	if !t.numeric {
		return
	}
	for _, x := range []struct {
		name  string
		value *string
	}{{"fixed_value", c.fixed}, {"default_value", c.def}} {
		if x.value == nil {
			continue
		}
		if _, err := convert(*x.value, c.unit, t); err != nil {
			v.Add(at+"."+x.name, err.rule, "%s.%s %s", at, x.name, err.reason)
		}
	}
}

// targetList names every canonical target for messages.
func targetList() string {
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.name
	}
	return strings.Join(names, ", ")
}
