package identity

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// testNow is a fixed "today" so that birth-date tests do not age.
var testNow = time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)

func TestCheckResidentIDAt(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*60*60)
	tests := []struct {
		name   string
		id     string
		now    time.Time // testNow when zero
		rule   string
		msgHas string
	}{
		// Valid numbers: the two from DOMAIN.md, the rest with check
		// characters computed independently of this package.
		{name: "domain example with X", id: "11010519491231002X"},
		{name: "standard's own 1880 example", id: "440524188001010014"},
		{name: "leap day 2000", id: "310115200002291235"},
		{name: "leap day 2024", id: "110101202402290518"},
		{name: "new year's eve", id: "510107202312310004"},
		{name: "earliest accepted year", id: "110101180001010015"},
		{name: "born today", id: "110101202506010023"},
		{name: "X for a 1990 birth", id: "44030419900307123X"},
		{name: "today judged in now's zone", id: "110101202506010023", now: time.Date(2025, time.June, 1, 0, 30, 0, 0, shanghai)},

		{name: "empty", id: "", rule: RuleRequired, msgHas: "17 digits"},
		{name: "one short", id: "11010519491231002", rule: RuleLength, msgHas: "got 17"},
		{name: "one long", id: "11010519491231002X0", rule: RuleLength, msgHas: "got 19"},
		{name: "old 15-digit number", id: "110105491231002", rule: RuleLength, msgHas: "15-digit numbers from before 1999"},
		{name: "lowercase x", id: "11010519491231002x", rule: RuleCharset, msgHas: "uppercase X"},
		{name: "letter as check", id: "11010519491231002Y", rule: RuleCharset, msgHas: "digit or an uppercase X"},
		{name: "X in the body", id: "1101051949123100X2", rule: RuleCharset, msgHas: "position 17"},
		{name: "full-width digit", id: "１10105194912310020", rule: RuleCharset, msgHas: "position 1"},
		{name: "before 1800", id: "110101179912310010", rule: RuleBirthDate, msgHas: "1800 or later"},
		{name: "29 February in a common year", id: "110101202302290019", rule: RuleBirthDate, msgHas: "not a real calendar date"},
		{name: "month 13", id: "110101202313010019", rule: RuleBirthDate, msgHas: "not a real calendar date"},
		{name: "day 00", id: "110101202301000016", rule: RuleBirthDate, msgHas: "not a real calendar date"},
		{name: "31 April", id: "110101202404310017", rule: RuleBirthDate, msgHas: "not a real calendar date"},
		{name: "born tomorrow", id: "110101202506020029", rule: RuleBirthDate, msgHas: "in the future"},
		{name: "today not yet begun in now's zone", id: "110101202506010023", now: time.Date(2025, time.May, 31, 23, 30, 0, 0, shanghai), rule: RuleBirthDate, msgHas: "in the future"},
		{name: "wrong check digit", id: "440524188001010015", rule: RuleCheckCharacter, msgHas: "should be 4"},
		{name: "X where a digit belongs", id: "44052418800101001X", rule: RuleCheckCharacter, msgHas: "should be 4"},
		{name: "digit where X belongs", id: "110105194912310020", rule: RuleCheckCharacter, msgHas: "should be X"},
		{name: "one region digit mistyped", id: "11010619491231002X", rule: RuleCheckCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = testNow
			}
			err := CheckResidentIDAt(tt.id, now)
			wantRule(t, tt.id, err, tt.rule, tt.msgHas)
			if tt.rule == RuleBirthDate && err != nil {
				if date := tt.id[6:14]; strings.Contains(err.Error(), date) {
					t.Errorf("message %q repeats the birth date", err.Error())
				}
			}
		})
	}
}

func TestCheckResidentIDUsesCurrentTime(t *testing.T) {
	tomorrow := time.Now().AddDate(0, 0, 2)
	body := "110101" + tomorrow.Format("20060102") + "001"
	id := body + string(residentIDCheck(body))
	if got := ruleOf(CheckResidentID(id)); got != RuleBirthDate {
		t.Errorf("birth two days ahead: rule %q, want %q", got, RuleBirthDate)
	}
	if err := CheckResidentID("11010519491231002X"); err != nil {
		t.Errorf("valid number rejected: %v", err)
	}
}

// FuzzCheckResidentID checks that arbitrary input never panics and yields
// only known rules, that a number built from a real birth date and the
// computed check character passes, and that any single substituted digit
// outside the birth date is then caught.
func FuzzCheckResidentID(f *testing.F) {
	for _, s := range []string{"", "11010519491231002X", "440524188001010014", "11010519491231002x", "\xff\xfe\xfd", "身份证号码身份证号码身份证号码身份证号码"} {
		f.Add(s)
	}
	earliest := time.Date(earliestBirthYear, time.January, 1, 0, 0, 0, 0, time.UTC)
	days := int(testNow.Sub(earliest).Hours()/24) + 1
	f.Fuzz(func(t *testing.T, s string) {
		if err := CheckResidentIDAt(s, testNow); err != nil && !knownRules[ruleOf(err)] {
			t.Fatalf("unknown rule for %q: %v", s, err)
		}

		seed := 0
		for i := range len(s) {
			seed = (seed*31 + int(s[i])) % 1_000_000_007
		}
		birth := earliest.AddDate(0, 0, seed%days)
		body := fmt.Sprintf("%06d%s%03d", seed%1_000_000, birth.Format("20060102"), seed%1000)
		id := []byte(body + string(residentIDCheck(body)))
		if err := CheckResidentIDAt(string(id), testNow); err != nil {
			t.Fatalf("computed number %s rejected: %v", id, err)
		}

		// Positions 1-6 and 15-18 lie outside the birth date.
		pos := []int{0, 1, 2, 3, 4, 5, 14, 15, 16, 17}[len(s)%10]
		if id[pos] == 'X' {
			id[pos] = '0' + byte(len(s)%10)
		} else {
			id[pos] = '0' + (id[pos]-'0'+1+byte(len(s)%9))%10
		}
		if got := ruleOf(CheckResidentIDAt(string(id), testNow)); got != RuleCheckCharacter {
			t.Fatalf("substitution at position %d in %s: rule %q, want %q", pos+1, id, got, RuleCheckCharacter)
		}
	})
}
