package identity

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// residentIDWeights are 2^(18-i) mod 11 for positions 1 to 17.
var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentIDCheckChars is indexed by the weighted sum mod 11.
const residentIDCheckChars = "10X98765432"

// CheckResidentID reports whether id is a well-formed resident identity
// number, judging the birth date against the current time. It is
// CheckResidentIDAt(id, time.Now()).
func CheckResidentID(id string) error {
	return CheckResidentIDAt(id, time.Now())
}

// CheckResidentIDAt reports whether id is a well-formed 18-character resident
// identity number (居民身份证号码, GB 11643-1999): 17 digits and a check
// character that is a digit or an uppercase X. Positions 7 to 14 must hold a
// real calendar date in YYYYMMDD form, no earlier than 1800 and no later than
// the calendar day of now in now's location. The 15-digit numbers issued
// before 1999 are not accepted.
func CheckResidentIDAt(id string, now time.Time) error {
	if id == "" {
		return &RuleError{Rule: RuleRequired, Message: "resident ID number is required; it is 17 digits followed by a digit or X"}
	}
	if n := utf8.RuneCountInString(id); n != 18 {
		msg := fmt.Sprintf("resident ID number must be 18 characters; got %d", n)
		if n == 15 {
			msg += "; 15-digit numbers from before 1999 are not accepted, use the 18-character number on the current card"
		}
		return &RuleError{Rule: RuleLength, Message: msg}
	}
	if err := residentIDCharset(id); err != nil {
		return err
	}
	if err := checkBirthDate(id[6:14], now); err != nil {
		return err
	}
	if want := residentIDCheck(id[:17]); id[17] != want {
		return &RuleError{Rule: RuleCheckCharacter, Message: fmt.Sprintf("resident ID number check character (position 18) should be %c; check the number for a typing error", want)}
	}
	return nil
}

// residentIDCharset rejects anything but 17 ASCII digits and a digit or X.
// Once it passes, every character is one byte, so callers may slice by byte.
func residentIDCharset(id string) error {
	pos := 0
	for _, r := range id {
		pos++
		if r >= '0' && r <= '9' {
			continue
		}
		if pos == 18 {
			if r == 'X' {
				continue
			}
			if r == 'x' {
				return &RuleError{Rule: RuleCharset, Message: "resident ID number check character (position 18) must be an uppercase X; a lowercase x is not accepted"}
			}
			return &RuleError{Rule: RuleCharset, Message: "resident ID number check character (position 18) must be a digit or an uppercase X"}
		}
		return &RuleError{Rule: RuleCharset, Message: fmt.Sprintf("resident ID number must have digits in positions 1 to 17; the character at position %d is not a digit", pos)}
	}
	return nil
}

// residentIDCheck returns the check character for 17 ASCII digits.
func residentIDCheck(body string) byte {
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * residentIDWeights[i]
	}
	return residentIDCheckChars[sum%11]
}
