package identity

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// creditCodeAlphabet lists the 31 symbols of GB 32100-2015 in value order.
// I, O, S, V and Z are left out because they are easily mistaken for digits.
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are 3^(i-1) mod 31 for positions 1 to 17.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckCreditCode reports whether code is a well-formed unified social credit
// code (统一社会信用代码, GB 32100-2015): exactly 18 characters from
// "0123456789ABCDEFGHJKLMNPQRTUWXY" whose last character is the check
// character computed from the first 17. Lowercase letters are rejected rather
// than folded, so that the stored code is the one printed on the licence.
func CheckCreditCode(code string) error {
	if code == "" {
		return &RuleError{Rule: RuleRequired, Message: "unified social credit code is required; it is 18 characters of digits and uppercase letters"}
	}
	if n := utf8.RuneCountInString(code); n != 18 {
		return &RuleError{Rule: RuleLength, Message: fmt.Sprintf("unified social credit code must be 18 characters; got %d", n)}
	}
	var values [18]int
	pos := 0
	for _, r := range code {
		v := strings.IndexRune(creditCodeAlphabet, r)
		if v < 0 {
			return creditCodeCharsetError(r, pos+1)
		}
		values[pos] = v
		pos++
	}
	if want := creditCodeCheck(values[:17]); values[17] != want {
		return &RuleError{Rule: RuleCheckCharacter, Message: fmt.Sprintf("unified social credit code check character (position 18) should be %c; check the code for a typing error", creditCodeAlphabet[want])}
	}
	return nil
}

// creditCodeCharsetError explains a character outside the alphabet, singling
// out lowercase because that is the mistake people actually make.
func creditCodeCharsetError(r rune, pos int) error {
	if unicode.IsLower(r) && strings.ContainsRune(creditCodeAlphabet, unicode.ToUpper(r)) {
		return &RuleError{Rule: RuleCharset, Message: fmt.Sprintf("unified social credit code must be written in uppercase; the letter at position %d is lowercase", pos)}
	}
	return &RuleError{Rule: RuleCharset, Message: fmt.Sprintf("unified social credit code may contain only digits and the uppercase letters A to Y except I, O, S, V and Z; the character at position %d is not allowed", pos)}
}

// creditCodeCheck returns the value of the check character for the values of
// positions 1 to 17.
func creditCodeCheck(body []int) int {
	sum := 0
	for i, v := range body {
		sum += v * creditCodeWeights[i]
	}
	return (31 - sum%31) % 31
}
