package identity

import (
	"fmt"
	"time"
)

// earliestBirthYear is 1800 rather than 1900 because GB 11643-1999 itself
// uses a holder born in 1880 (440524188001010014) as its worked example, and
// cards issued from 1999 on were held by people born in the 1880s.
const earliestBirthYear = 1800

// checkBirthDate checks eight ASCII digits in YYYYMMDD form. The messages do
// not repeat the date: it is personal data.
func checkBirthDate(yyyymmdd string, now time.Time) error {
	year := atoiDigits(yyyymmdd[0:4])
	month := atoiDigits(yyyymmdd[4:6])
	day := atoiDigits(yyyymmdd[6:8])
	if year < earliestBirthYear {
		return &RuleError{Rule: RuleBirthDate, Message: fmt.Sprintf("resident ID number birth date (positions 7 to 14) must be in %d or later", earliestBirthYear)}
	}
	// time.Date normalises 20230230 to 20230302, so a changed date means the
	// digits did not name a real day.
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day {
		return &RuleError{Rule: RuleBirthDate, Message: "resident ID number birth date (positions 7 to 14) is not a real calendar date; it must be YYYYMMDD"}
	}
	ny, nm, nd := now.Date()
	if year*10000+month*100+day > ny*10000+int(nm)*100+nd {
		return &RuleError{Rule: RuleBirthDate, Message: "resident ID number birth date (positions 7 to 14) is in the future; check the number for a typing error"}
	}
	return nil
}

// atoiDigits converts a string already known to hold only ASCII digits.
func atoiDigits(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
