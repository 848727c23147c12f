package identity

import "testing"

func TestCheckLandline(t *testing.T) {
	tests := []struct {
		name   string
		s      string
		rule   string
		msgHas string
	}{
		{name: "3-digit area, 8-digit local", s: "010-12345678"},
		{name: "4-digit area, 7-digit local, extension", s: "0755-1234567-123"},
		{name: "compact, 11 digits", s: "01012345678"},
		{name: "compact, 10 digits", s: "0211234567"},
		{name: "compact, 12 digits", s: "075512345678"},
		{name: "compact with extension", s: "01012345678-8"},
		{name: "4-digit area, 8-digit local", s: "0755-12345678"},
		{name: "6-digit extension", s: "010-12345678-123456"},

		{name: "empty", s: "", rule: RuleRequired, msgHas: "010-12345678"},
		{name: "space separator", s: "010 12345678", rule: RuleCharset, msgHas: "position 4"},
		{name: "parenthesised area", s: "(010)12345678", rule: RuleCharset, msgHas: "position 1"},
		{name: "international form", s: "+86-10-12345678", rule: RuleCharset, msgHas: "position 1"},
		{name: "no leading zero", s: "62345678", rule: RuleFormat, msgHas: "start with 0"},
		{name: "international prefix 00", s: "0010-12345678", rule: RuleFormat, msgHas: "does not begin with 0"},
		{name: "trailing hyphen", s: "010-12345678-", rule: RuleFormat, msgHas: "hyphen at the start or end"},
		{name: "leading hyphen", s: "-010-12345678", rule: RuleFormat, msgHas: "hyphen at the start or end"},
		{name: "double hyphen", s: "010--12345678", rule: RuleFormat, msgHas: "two hyphens in a row"},
		{name: "four parts", s: "010-1234-5678-1", rule: RuleFormat, msgHas: "more than three"},
		{name: "area code alone", s: "0755", rule: RuleFormat, msgHas: "no local number"},
		{name: "5-digit area code", s: "07551-2345678", rule: RuleFormat, msgHas: "got 5 digits before the first hyphen"},
		{name: "compact with two more parts", s: "01012345678-1-2", rule: RuleFormat, msgHas: "only one more part"},
		{name: "6-digit local", s: "010-123456", rule: RuleLength, msgHas: "7 or 8 digits; got 6"},
		{name: "9-digit local", s: "010-123456789", rule: RuleLength, msgHas: "7 or 8 digits; got 9"},
		{name: "7-digit extension", s: "010-12345678-1234567", rule: RuleLength, msgHas: "1 to 6 digits; got 7"},
		{name: "compact, 9 digits", s: "010123456", rule: RuleLength, msgHas: "10 to 12 digits"},
		{name: "compact, 13 digits", s: "0101234567890", rule: RuleLength, msgHas: "got 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantRule(t, tt.s, CheckLandline(tt.s), tt.rule, tt.msgHas)
		})
	}
}
