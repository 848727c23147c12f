package numbering

import "strconv"

// Scheme is a check-digit algorithm. Its names, not its numbers, are what
// configuration files and APIs should store.
type Scheme int

const (
	// SchemeNone appends no check digit.
	SchemeNone Scheme = iota
	// SchemeMod7 appends the serial's remainder modulo 7.
	SchemeMod7
	// SchemeMod10 appends the Luhn check digit of the serial's digits, which
	// catches every single-digit error and most swaps of neighbours.
	SchemeMod10
	// SchemeMod11 weights the serial's digits 2, 3, 4, 5, 6, 7, repeating
	// from the rightmost, takes r = sum mod 11 and appends (11 − r) mod 11,
	// writing 10 as 0. Because r = 0 and r = 1 both give 0, a single-digit
	// error that moves r between them goes unnoticed.
	SchemeMod11
	// SchemeUPUS10 is the Universal Postal Union S10 identifier used for
	// EMS and international items: two service letters, eight serial digits,
	// a check digit and a two-letter country code, as in EA473267601CN. The
	// digits are weighted 8 6 4 2 3 5 9 7, c = 11 − (sum mod 11), 10 is
	// written 0 and 11 is written 5.
	SchemeUPUS10
)

// schemeNames is indexed by Scheme.
var schemeNames = [...]string{
	SchemeNone:   "none",
	SchemeMod7:   "mod7",
	SchemeMod10:  "mod10",
	SchemeMod11:  "mod11",
	SchemeUPUS10: "upu_s10",
}

// valid reports whether s is one of the declared schemes.
func (s Scheme) valid() bool { return s >= 0 && int(s) < len(schemeNames) }

// String returns the scheme's configuration name, such as "mod10", or
// "Scheme(n)" for an undeclared value.
func (s Scheme) String() string {
	if !s.valid() {
		return "Scheme(" + strconv.Itoa(int(s)) + ")"
	}
	return schemeNames[s]
}

// ParseScheme returns the scheme whose configuration name is name: "none",
// "mod7", "mod10", "mod11" or "upu_s10". Names are case-sensitive so that
// each scheme has exactly one spelling in stored configuration.
func ParseScheme(name string) (Scheme, error) {
	for s, n := range schemeNames {
		if n == name {
			return Scheme(s), nil
		}
	}
	return SchemeNone, &FieldError{Field: "scheme", Rule: "unknown", Message: "unknown check-digit scheme " + strconv.Quote(name) + `; use one of "none", "mod7", "mod10", "mod11" or "upu_s10"`}
}

// MarshalText returns the scheme's configuration name, so that a Format
// stored as JSON or YAML reads "mod10" rather than 2.
func (s Scheme) MarshalText() ([]byte, error) {
	if !s.valid() {
		return nil, &FieldError{Field: "scheme", Rule: "unknown", Message: "cannot encode undeclared check-digit scheme " + s.String()}
	}
	return []byte(schemeNames[s]), nil
}

// UnmarshalText sets the scheme from its configuration name, as ParseScheme.
func (s *Scheme) UnmarshalText(text []byte) error {
	parsed, err := ParseScheme(string(text))
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}
