package carriers

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/orders"
)

// checkOrderRules records on v every limit of r (a carrier's order_rules)
// outside what orders accepts, and returns r with nothing set as nil, so
// that a carrier on the general rules stores none.
func checkOrderRules(v *fault.Violations, field string, r *ewaybillv1.OrderRules) *ewaybillv1.OrderRules {
	if r == nil || proto.Equal(r, &ewaybillv1.OrderRules{}) {
		return nil
	}
	if n := r.GetMaxWeightGrams(); n < 0 || n > orders.MaxRuleWeightGrams {
		v.Add(field+".max_weight_grams", "range", "%s.max_weight_grams must be between 1 and %d grams, or 0 for the general %d; got %d",
			field, orders.MaxRuleWeightGrams, orders.DefaultMaxWeightGrams, n)
	}
	if n := r.GetMaxNameLength(); n < 0 || n > orders.MaxRuleNameLength {
		v.Add(field+".max_name_length", "range", "%s.max_name_length must be between 1 and %d characters, or 0 for the general %d; got %d",
			field, orders.MaxRuleNameLength, orders.DefaultMaxNameLength, n)
	}
	if n := r.GetMaxAddressLength(); n < 0 || n > orders.MaxRuleAddressLength {
		v.Add(field+".max_address_length", "range", "%s.max_address_length must be between 1 and %d characters, or 0 for the general %d; got %d",
			field, orders.MaxRuleAddressLength, orders.DefaultMaxAddressLength, n)
	}
	chars := r.GetForbiddenCharacters()
	switch {
	case !utf8.ValidString(chars):
		v.Add(field+".forbidden_characters", "utf8", "%s.forbidden_characters is not valid UTF-8 text", field)
	case utf8.RuneCountInString(chars) > orders.MaxForbiddenCharacters:
		v.Add(field+".forbidden_characters", "length", "%s.forbidden_characters may list at most %d characters; got %d",
			field, orders.MaxForbiddenCharacters, utf8.RuneCountInString(chars))
	case strings.IndexFunc(chars, func(c rune) bool { return !unicode.IsGraphic(c) || unicode.IsSpace(c) }) >= 0:
		v.Add(field+".forbidden_characters", "format",
			"%s.forbidden_characters must list printable characters without spaces, e.g. %s; empty means the general set", field, orders.DefaultForbiddenCharacters)
	}
	return proto.Clone(r).(*ewaybillv1.OrderRules)
}

// updateOrderRules applies one update-mask path under order_rules to
// stored: "order_rules" replaces the whole, "order_rules.max_weight_grams"
// and the like one field. ok is false for a field OrderRules does not have.
func updateOrderRules(stored, sent *ewaybillv1.OrderRules, path string) (rules *ewaybillv1.OrderRules, ok bool) {
	if path == "order_rules" {
		if sent == nil {
			return nil, true
		}
		return proto.Clone(sent).(*ewaybillv1.OrderRules), true
	}
	name := strings.TrimPrefix(path, "order_rules.")
	fd := (&ewaybillv1.OrderRules{}).ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		return stored, false
	}
	rules = &ewaybillv1.OrderRules{}
	if stored != nil {
		rules = proto.Clone(stored).(*ewaybillv1.OrderRules)
	}
	rules.ProtoReflect().Set(fd, sent.ProtoReflect().Get(fd))
	return rules, true
}

// isOrderRulesPath reports whether an update-mask path names order_rules
// or one of its fields.
func isOrderRulesPath(path string) bool {
	return path == "order_rules" || strings.HasPrefix(path, "order_rules.")
}
