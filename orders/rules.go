package orders

import (
	"slices"
	"strings"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// The general order rules, which a carrier's OrderRules override field by
// field.
const (
	DefaultMaxWeightGrams   = 50_000
	DefaultMaxNameLength    = 32
	DefaultMaxAddressLength = 120
	// DefaultForbiddenCharacters are refused in free text because carriers'
	// systems and label templates mishandle them (quotes and backslashes
	// break their requests, # & + % their URL encodings, < > their markup).
	DefaultForbiddenCharacters = `'"#&+<>%\`
)

// The widest limits a carrier may configure (checked when a carrier is
// created or updated).
const (
	MaxRuleWeightGrams     = 1_000_000
	MaxRuleNameLength      = 64
	MaxRuleAddressLength   = 200
	MaxForbiddenCharacters = 32
)

// Rules are the limits an order must meet for a carrier. The zero value is
// not useful; build one with RulesFor.
type Rules struct {
	// MaxWeightGrams is the heaviest parcel accepted.
	MaxWeightGrams int64
	// MaxNameLength and MaxAddressLength bound the sender's and receiver's
	// name and street address, in characters.
	MaxNameLength    int
	MaxAddressLength int
	// ForbiddenCharacters are refused in every free-text field of the
	// order (not in phone numbers and postcodes, whose formats already
	// exclude them).
	ForbiddenCharacters string
}

// RulesFor returns a carrier's rules (c is its Carrier.order_rules): each
// field it leaves zero or empty takes the general value, so nil gives the
// general rules.
func RulesFor(c *ewaybillv1.OrderRules) Rules {
	r := Rules{
		MaxWeightGrams:      DefaultMaxWeightGrams,
		MaxNameLength:       DefaultMaxNameLength,
		MaxAddressLength:    DefaultMaxAddressLength,
		ForbiddenCharacters: DefaultForbiddenCharacters,
	}
	if n := c.GetMaxWeightGrams(); n > 0 {
		r.MaxWeightGrams = n
	}
	if n := c.GetMaxNameLength(); n > 0 {
		r.MaxNameLength = int(n)
	}
	if n := c.GetMaxAddressLength(); n > 0 {
		r.MaxAddressLength = int(n)
	}
	if s := c.GetForbiddenCharacters(); s != "" {
		r.ForbiddenCharacters = s
	}
	return r
}

// forbiddenIn lists, in the order they first occur, the forbidden
// characters s contains.
func (r Rules) forbiddenIn(s string) []string {
	if !strings.ContainsAny(s, r.ForbiddenCharacters) {
		return nil // the usual case, in one pass
	}
	var found []string
	for _, c := range s {
		if strings.ContainsRune(r.ForbiddenCharacters, c) && !slices.Contains(found, string(c)) {
			found = append(found, string(c))
		}
	}
	return found
}
