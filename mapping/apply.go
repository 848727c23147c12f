package mapping

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/identity"
)

// Result is one raw order mapped by a profile.
type Result struct {
	// Order is the canonical order, as far as the profile could fill it.
	// Sender, Receiver and Parcel are never nil, so the order validator
	// names each missing field rather than a missing party.
	Order *ewaybillv1.Order
	// Sources maps every canonical field that was filled, such as
	// "order.receiver.mobile" or "order.items[2].name", to the raw path it
	// came from, such as "buyer.contact.mobile" or "lines[2].title"; the
	// paths of joined sources are separated by "+"; a fixed or default
	// value has "".
	Sources map[string]string
	// Absent maps every canonical field the profile reads but found no
	// value for (each source missing, null or empty, and no default) to the
	// raw paths looked up, joined by "+". "order.items" is here, with the
	// array's path, when the items array is missing or empty. With Sources
	// it lets a later "required" report name where the value was expected.
	Absent map[string]string
	// Violations are the problems of mapping itself: a value of the wrong
	// JSON type ("type"), a number that does not parse ("number"), is not
	// whole without a unit ("integer"), has more than two decimals in yuan
	// ("decimals") or does not fit the field ("range"). Field is the
	// canonical field ("order."-prefixed), Source the raw path and Value the
	// offending value, masked by MaskValue. A profile that CheckProfile
	// would refuse also reports its problems here, under the profile's
	// fields ("mapping_profile.fields[3].sources[0]"), and the broken
	// mappings are skipped.
	Violations []*ewaybillv1.MappingViolation

	// observed records each value read from a source, for Warnings.
	observed []observation
}

// observation is one value a source gave a canonical field.
type observation struct {
	t *target
	// field and source are the concrete paths: "order.items[2].name",
	// "lines[2].title".
	field, source string
	// declared is the profile's sources joined by "+": "lines[].title".
	declared string
	// raw is the value before any unit conversion, as text.
	raw  string
	unit ewaybillv1.UnitConversion
}

// Apply maps raw by p. It reads every source, applies the transforms and
// collects every mapping problem rather than stopping at the first. It
// does not check business rules (phone formats, lengths, required fields);
// the orders package does that on Result.Order. It never panics, whatever
// p and raw hold.
//
// A value is absent when its key is missing or it is null or "". Text
// fields take strings and numbers (13800138000 becomes "13800138000").
// Numeric fields take numbers and numeric strings (" 2 ", "1.5"); without a
// unit the value must be whole. Items are read from the one array every
// items[] source walks: as many items as it has elements, none when it is
// missing or empty. When no items[] mapping has sources (only fixed or
// default values), the order has one item.
func Apply(p *ewaybillv1.MappingProfile, raw *structpb.Struct) Result {
	return Compile(p).Apply(raw)
}

// Plan is a profile compiled once (paths parsed, transforms checked) to
// map any number of raw orders: a batch or a dry run compiles its profile
// once, not once per order.
type Plan struct {
	plan plan
	// problems are the profile's own, reported with every order it maps.
	problems []*ewaybillv1.MappingViolation
}

// Compile prepares p for Apply. A profile CheckProfile would refuse still
// compiles: its broken mappings are skipped and reported with each order.
func Compile(p *ewaybillv1.MappingProfile) *Plan {
	var pv fault.Violations
	c := &Plan{plan: compile("mapping_profile", p, &pv)}
	if fe, ok := fault.As(pv.Err()); ok {
		for _, x := range fe.Violations {
			c.problems = append(c.problems, &ewaybillv1.MappingViolation{Field: x.Field, Rule: x.Rule, Message: x.Message})
		}
	}
	return c
}

// Apply maps raw by the compiled profile, as the function Apply does.
func (c *Plan) Apply(raw *structpb.Struct) Result {
	r := Result{
		Order: &ewaybillv1.Order{
			Sender:   &ewaybillv1.Party{},
			Receiver: &ewaybillv1.Party{},
			Parcel:   &ewaybillv1.Parcel{},
		},
		Sources: map[string]string{},
		Absent:  map[string]string{},
	}
	for _, x := range c.problems {
		r.Violations = append(r.Violations, proto.Clone(x).(*ewaybillv1.MappingViolation))
	}
	m := mapper{r: &r, root: structpb.NewStructValue(raw)}
	var items []*compiled
	for _, f := range c.plan.fields {
		if f.t.item {
			items = append(items, f)
			continue
		}
		m.fill(f, -1, nil)
	}
	m.items(items)
	return r
}

// mapper fills one Result.
type mapper struct {
	r    *Result
	root *structpb.Value
}

// items fills Order.Items by the items[] mappings cs.
func (m *mapper) items(cs []*compiled) {
	if len(cs) == 0 {
		return
	}
	var array []segment
	for _, c := range cs {
		if len(c.sources) > 0 {
			array, _ = c.sources[0].splitEach()
			break
		}
	}
	count := 1
	var elems []*structpb.Value
	if array != nil {
		count = 0
		at := keysText(array)
		switch v, stuck := follow(m.root, array); {
		case stuck >= 0:
			m.typeViolation("order.items", at, v, fmt.Sprintf("order.items cannot be read from %s: %s is %s, not an object; check the path", at, keysText(array[:stuck]), kindName(v)))
		case v == nil:
			m.r.Absent["order.items"] = at
		default:
			list, ok := v.GetKind().(*structpb.Value_ListValue)
			if !ok {
				m.typeViolation("order.items", at, v, fmt.Sprintf("order.items are read from %s, which should be an array of order lines but is %s; check the path", at, kindName(v)))
				break
			}
			elems = list.ListValue.GetValues()
			count = len(elems)
			if count == 0 {
				m.r.Absent["order.items"] = at
			}
		}
	}
	m.r.Order.Items = make([]*ewaybillv1.Item, count)
	for i := range count {
		m.r.Order.Items[i] = &ewaybillv1.Item{}
		var elem *structpb.Value
		if i < len(elems) {
			elem = elems[i]
		}
		for _, c := range cs {
			m.fill(c, i, elem)
		}
	}
}

// fill fills the target of c: for an items[] target, in item i, reading
// its sources in elem, element i of the items array; otherwise (i < 0)
// reading them from the root of the raw order.
func (m *mapper) fill(c *compiled, i int, elem *structpb.Value) {
	field := c.t.field(i)
	if c.fixed != nil {
		m.set(c, i, field, *c.fixed, "", "the fixed_value")
		return
	}
	var parts, from, looked []string
	broken := false
	for _, p := range c.sources {
		v, at, ok := m.lookup(field, p, i, elem)
		looked = append(looked, at)
		if !ok {
			broken = true
			continue
		}
		if v == nil {
			continue
		}
		s, ok := m.scalar(c, field, at, v)
		if !ok {
			broken = true
			continue
		}
		if c.trim || c.t.numeric {
			s = strings.TrimSpace(s)
		}
		if s == "" {
			continue
		}
		parts = append(parts, s)
		from = append(from, at)
	}
	switch {
	case len(parts) > 0:
		src := strings.Join(from, "+")
		m.r.observed = append(m.r.observed, observation{t: c.t, field: field, source: src, declared: c.declared(), raw: strings.Join(parts, c.sep), unit: c.unit})
		m.set(c, i, field, strings.Join(parts, c.sep), src, "the value of "+src)
	case c.def != nil:
		m.set(c, i, field, *c.def, "", "the default_value")
	case !broken:
		m.r.Absent[field] = strings.Join(looked, "+")
	}
}

// lookup finds the value of source p for field, nil when absent, and its
// concrete path. For an items[] source (i >= 0) it reads p's keys after
// "[]" in elem. A path that runs into a non-object is reported, and ok is
// false.
func (m *mapper) lookup(field string, p path, i int, elem *structpb.Value) (v *structpb.Value, at string, ok bool) {
	from, keys := m.root, p.segs
	at = p.text
	var array []segment
	if i >= 0 {
		array, keys = p.splitEach()
		from, at = elem, elementText(array, i, keys)
	}
	v, stuck := follow(from, keys)
	if stuck < 0 {
		return v, at, true
	}
	where := keysText(keys[:stuck])
	if i >= 0 {
		where = elementText(array, i, keys[:stuck])
	}
	m.typeViolation(field, at, v, fmt.Sprintf("%s cannot be read: %s is %s, not an object; check the source path", at, where, kindName(v)))
	return nil, at, false
}

// scalar returns v as text for a target, reporting a value of the wrong
// type.
func (m *mapper) scalar(c *compiled, field, at string, v *structpb.Value) (string, bool) {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return k.StringValue, true
	case *structpb.Value_NumberValue:
		s, ok := numberText(k.NumberValue)
		if !ok {
			m.violation(field, at, "number", fmt.Sprintf("the value of %s for %s is not a finite number", at, field), s)
		}
		return s, ok
	}
	want := "text or a number"
	if c.t.numeric {
		want = "a number, or text holding one"
	}
	m.typeViolation(field, at, v, fmt.Sprintf("%s takes %s, but %s is %s; point the source at a single value", field, want, at, kindName(v)))
	return "", false
}

// set stores s, from the source at (or a fixed or default value, what),
// converting it for a numeric target.
func (m *mapper) set(c *compiled, i int, field, s, at, what string) {
	var it *ewaybillv1.Item
	if i >= 0 {
		it = m.r.Order.Items[i]
	}
	if !c.t.numeric {
		if c.trim {
			s = strings.TrimSpace(s)
		}
		c.t.set(m.r.Order, it, s, 0)
		m.r.Sources[field] = at
		return
	}
	n, err := convert(s, c.unit, c.t)
	if err != nil {
		m.violation(field, at, err.rule, fmt.Sprintf("%s for %s %s", what, field, err.reason), s)
		return
	}
	c.t.set(m.r.Order, it, "", n)
	m.r.Sources[field] = at
}

// violation records a mapping problem with its value masked.
func (m *mapper) violation(field, at, rule, msg, value string) {
	m.r.Violations = append(m.r.Violations, &ewaybillv1.MappingViolation{
		Field: field, Source: at, Rule: rule, Message: msg, Value: MaskValue(field, value)})
}

// typeViolation records a value of the wrong JSON type. The value shown is
// its shape, or a masked scalar.
func (m *mapper) typeViolation(field, at string, v *structpb.Value, msg string) {
	shown := ""
	switch k := v.GetKind().(type) {
	case *structpb.Value_StructValue:
		shown = "{…}"
	case *structpb.Value_ListValue:
		shown = "[…]"
	case *structpb.Value_BoolValue:
		shown = strconv.FormatBool(k.BoolValue)
	case *structpb.Value_NumberValue:
		shown, _ = numberText(k.NumberValue)
		shown = MaskValue(field, shown)
	case *structpb.Value_StringValue:
		shown = MaskValue(field, k.StringValue)
	}
	m.r.Violations = append(m.r.Violations, &ewaybillv1.MappingViolation{
		Field: field, Source: at, Rule: "type", Message: msg, Value: shown})
}

// declared is c's sources as the profile writes them, joined by "+".
func (c *compiled) declared() string {
	texts := make([]string, len(c.sources))
	for i, p := range c.sources {
		texts[i] = p.text
	}
	return strings.Join(texts, "+")
}

// numberText renders a JSON number as the shortest decimal text that reads
// back as the same number, so 19.99 is "19.99" and 13800138000 is
// "13800138000"; ok is false for NaN and infinities, which JSON cannot hold.
func numberText(f float64) (string, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64), false
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}

// convertError is why a value does not convert to a numeric target.
type convertError struct {
	rule string
	// reason completes a sentence whose subject is the value.
	reason string
}

// unitOf describes each conversion: how many places it moves the decimal
// point and what the source's unit is called.
var unitOf = map[ewaybillv1.UnitConversion]struct {
	shift int
	from  string
}{
	ewaybillv1.UnitConversion_UNIT_CONVERSION_UNSPECIFIED: {0, ""},
	ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G:     {3, "kilograms"},
	ewaybillv1.UnitConversion_UNIT_CONVERSION_CM_TO_MM:    {1, "centimetres"},
	ewaybillv1.UnitConversion_UNIT_CONVERSION_YUAN_TO_FEN: {2, "yuan"},
}

// convert turns s, a decimal number in the unit that unit converts from,
// into t's integer. It works on the digits, so no binary fraction can turn
// 19.99 yuan into 1998 fen. Kilograms and centimetres are rounded to the
// nearest gram or millimetre (halves away from zero); yuan with more than
// two decimals and fractions without a unit are refused.
func convert(s string, unit ewaybillv1.UnitConversion, t *target) (int64, *convertError) {
	neg, whole, frac, ok := parseDecimal(strings.TrimSpace(s))
	if !ok {
		return 0, &convertError{"number", "is not a number; send digits with an optional sign and decimal point, such as 12 or 1.5"}
	}
	u, known := unitOf[unit]
	if !known {
		return 0, &convertError{"unit", fmt.Sprintf("cannot be converted: %d is not a known unit conversion", unit)}
	}
	if len(frac) < u.shift {
		frac += strings.Repeat("0", u.shift-len(frac))
	}
	whole += frac[:u.shift]
	rest := strings.TrimRight(frac[u.shift:], "0")
	up := false
	if rest != "" {
		switch unit {
		case ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G, ewaybillv1.UnitConversion_UNIT_CONVERSION_CM_TO_MM:
			up = rest[0] >= '5'
		case ewaybillv1.UnitConversion_UNIT_CONVERSION_YUAN_TO_FEN:
			return 0, &convertError{"decimals", "has more than two decimals; an amount in yuan is exact to the fen (0.01)"}
		default:
			hint := t.name + " takes a whole number"
			if t.unit != ewaybillv1.UnitConversion_UNIT_CONVERSION_UNSPECIFIED {
				hint += fmt.Sprintf("; if the source is in %s, set unit %s on this mapping", unitOf[t.unit].from, t.unit)
			}
			return 0, &convertError{"integer", "is not a whole number; " + hint}
		}
	}
	tooLarge := &convertError{"range", fmt.Sprintf("is too large for %s (at most %d)", t.name, t.max)}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 19 {
		return 0, tooLarge
	}
	var n uint64
	if whole != "" {
		var err error
		if n, err = strconv.ParseUint(whole, 10, 64); err != nil {
			return 0, tooLarge
		}
	}
	if up {
		n++
	}
	limit := uint64(t.max)
	if neg {
		limit++ // one more negative than positive value
	}
	if n > limit {
		return 0, tooLarge
	}
	if neg {
		// Wraps correctly for n == limit: -int64(1<<63) is MinInt64.
		return -int64(n), nil
	}
	return int64(n), nil
}

// parseDecimal splits s, an optionally signed decimal number such as
// "-12.50", ".5" or "3.", into its sign and ASCII digits. Exponents,
// thousands separators and other digits are not accepted.
func parseDecimal(s string) (neg bool, whole, frac string, ok bool) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, _ = strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return false, "", "", false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false, "", "", false
			}
		}
	}
	return neg, whole, frac, true
}

// maxShown bounds the characters of a value shown in a report.
const maxShown = 64

// MaskValue masks value, the offending value of the canonical field (such
// as "order.receiver.mobile" or "receiver.mobile"), for a report as a label
// would mask it: a sender's or receiver's name with identity.MaskName, a
// mobile or landline with identity.MaskPhone, an address with
// identity.MaskAddress (which masks a phone number in it too). Other values
// are shown as they are, cut to 64 characters. Invalid UTF-8 is replaced,
// so the result can always travel in a message.
func MaskValue(field, value string) string {
	value = strings.ToValidUTF8(value, "\uFFFD")
	party, leaf, _ := strings.Cut(strings.TrimPrefix(field, "order."), ".")
	if party == "sender" || party == "receiver" {
		switch leaf {
		case "name":
			return identity.MaskName(value)
		case "mobile", "landline":
			return identity.MaskPhone(value)
		case "address":
			return identity.MaskAddress(value)
		}
	}
	if utf8.RuneCountInString(value) <= maxShown {
		return value
	}
	return string([]rune(value)[:maxShown-1]) + "…"
}
