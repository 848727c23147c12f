package identity

import "testing"

func TestCheckMobile(t *testing.T) {
	tests := []struct {
		name   string
		s      string
		rule   string
		msgHas string
	}{
		{name: "China Mobile 138", s: "13812345678"},
		{name: "lowest second digit 3", s: "13000000000"},
		{name: "highest second digit 9", s: "19912345678"},
		{name: "virtual operator 17", s: "17012345678"},

		{name: "empty", s: "", rule: RuleRequired, msgHas: "11 digits"},
		{name: "ten digits", s: "1381234567", rule: RuleLength, msgHas: "got 10"},
		{name: "twelve digits", s: "138123456789", rule: RuleLength, msgHas: "got 12"},
		{name: "country code with plus", s: "+8613812345678", rule: RuleCharset, msgHas: "position 1"},
		{name: "spaces between groups", s: "138 1234 5678", rule: RuleCharset, msgHas: "position 4"},
		{name: "hyphens between groups", s: "138-1234-5678", rule: RuleCharset, msgHas: "position 4"},
		{name: "full-width digits", s: "１３８１２３４５６７８", rule: RuleCharset, msgHas: "position 1"},
		{name: "country code without plus", s: "8613812345678", rule: RuleLength, msgHas: "got 13"},
		{name: "second digit 2", s: "12812345678", rule: RuleFormat, msgHas: "13 to 19"},
		{name: "second digit 0", s: "10012345678", rule: RuleFormat, msgHas: "13 to 19"},
		{name: "landline in the mobile field", s: "01012345678", rule: RuleFormat, msgHas: "landline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantRule(t, tt.s, CheckMobile(tt.s), tt.rule, tt.msgHas)
		})
	}
}
