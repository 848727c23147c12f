// Package textrule checks free-text request fields: presence, length in
// characters (not bytes), valid UTF-8 and no control characters. Every
// domain uses it so the same field problem reads the same everywhere.
package textrule

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ewaybill/ewaybill/fault"
)

// Clean is Check without a field: it returns s trimmed and whether s
// meets every rule Check applies (then Check would record nothing and
// return the same). It reads s once. Callers that build a field's name
// only for a violation call Check when ok is false.
func Clean(s string, min, max int) (trimmed string, ok bool) {
	// TrimSpace never removes invalid UTF-8, so checking the trimmed text
	// is checking s.
	t := strings.TrimSpace(s)
	n := 0
	for i := 0; i < len(t); n++ {
		if c := t[i]; c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f { // unicode.IsControl of ASCII
				return t, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(t[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) {
			return t, false
		}
		i += size
	}
	return t, !(n == 0 && min > 0) && !(n > 0 && n < min) && n <= max
}

// Check trims s and records a violation on field if it breaks a rule. min 0
// means optional. It returns the trimmed value.
func Check(v *fault.Violations, field, s string, min, max int) string {
	if !utf8.ValidString(s) {
		v.Add(field, "utf8", "%s is not valid UTF-8 text", field)
		return s
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		v.Add(field, "required", "%s is required", field)
	case n > 0 && n < min:
		v.Add(field, "length", "%s must be at least %d characters; got %d", field, min, n)
	case n > max:
		v.Add(field, "length", "%s must be at most %d characters; got %d", field, max, n)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "control_character", "%s must not contain control characters such as newlines or tabs", field)
	}
	return s
}
