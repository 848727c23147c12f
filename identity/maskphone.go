package identity

import "unicode"

// phoneHiddenDigits is the minimum number of digits GB/T 41833-2022 hides in
// a phone number on an express waybill; the common "middle four" is too few.
const phoneHiddenDigits = 6

// MaskPhone hides the digits of a phone number for display. An 11-digit
// mobile number keeps its first three and last two digits (138******78).
// Anything else keeps its non-digit characters, such as hyphens, in place and
// hides every digit but the last two, so 010-12345678 becomes ***-******78.
// At least six digits are always hidden: a string with eight digits or fewer
// shows fewer than two, and one with six or fewer shows none. Any Unicode
// decimal digit counts as a digit, so full-width digits are hidden too. It
// never panics and returns as many runes as it was given.
func MaskPhone(s string) string {
	rs := []rune(s)
	if isMobileShape(rs) {
		for i := 3; i < 9; i++ {
			rs[i] = '*'
		}
		return string(rs)
	}
	digits := 0
	for _, r := range rs {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	visible := min(2, max(0, digits-phoneHiddenDigits))
	toHide := digits - visible
	for i, r := range rs {
		if toHide == 0 {
			break
		}
		if unicode.IsDigit(r) {
			rs[i] = '*'
			toHide--
		}
	}
	return string(rs)
}

// isMobileShape reports whether rs is eleven ASCII digits starting with 1,
// the only shape whose leading digits (the carrier prefix) may be shown.
func isMobileShape(rs []rune) bool {
	if len(rs) != 11 || rs[0] != '1' {
		return false
	}
	for _, r := range rs {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
