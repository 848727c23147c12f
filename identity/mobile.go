package identity

import (
	"fmt"
	"unicode/utf8"
)

// CheckMobile reports whether s is a mainland China mobile number: exactly 11
// ASCII digits, the first being 1 and the second 3 to 9. Spaces, hyphens and
// a +86 or 86 prefix are rejected rather than stripped, so that a caller's
// field mapping mistakes surface instead of being silently repaired.
func CheckMobile(s string) error {
	if s == "" {
		return &RuleError{Rule: RuleRequired, Message: "mobile number is required; it is 11 digits starting with 13 to 19"}
	}
	pos := 0
	for _, r := range s {
		pos++
		if r < '0' || r > '9' {
			return &RuleError{Rule: RuleCharset, Message: fmt.Sprintf("mobile number must be 11 digits without spaces, hyphens or a +86 prefix; the character at position %d is not a digit", pos)}
		}
	}
	if n := utf8.RuneCountInString(s); n != 11 {
		return &RuleError{Rule: RuleLength, Message: fmt.Sprintf("mobile number must be 11 digits; got %d", n)}
	}
	if s[0] != '1' || s[1] < '3' {
		return &RuleError{Rule: RuleFormat, Message: "mobile number must start with 13 to 19; a number starting otherwise may be a landline, check the field mapping"}
	}
	return nil
}
