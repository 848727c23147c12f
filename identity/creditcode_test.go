package identity

import "testing"

func TestCheckCreditCode(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		rule   string
		msgHas string
	}{
		// Valid codes: the two from DOMAIN.md, the rest with check characters
		// computed independently of this package.
		{name: "domain example Fuzhou", code: "91350100M000100Y43"},
		{name: "domain example Beijing", code: "91110108551385082Q"},
		{name: "letters in the body", code: "91310000MA1FL0000N"},
		{name: "check character W", code: "12100000400000000W"},
		{name: "check character 8", code: "521100005000000008"},
		{name: "X in body and G check", code: "9144030071526726XG"},
		{name: "all zeros", code: "000000000000000000"},

		{name: "empty", code: "", rule: RuleRequired, msgHas: "18 characters"},
		{name: "one short", code: "91350100M000100Y4", rule: RuleLength, msgHas: "got 17"},
		{name: "one long", code: "91350100M000100Y433", rule: RuleLength, msgHas: "got 19"},
		{name: "leading space", code: " 91350100M000100Y43", rule: RuleLength, msgHas: "got 19"},
		{name: "lowercase letters", code: "91310000ma1fl0000n", rule: RuleCharset, msgHas: "uppercase; the letter at position 9"},
		{name: "excluded letter I", code: "91350100I000100Y43", rule: RuleCharset, msgHas: "position 9 is not allowed"},
		{name: "excluded letter O for zero", code: "9135010OM000100Y43", rule: RuleCharset, msgHas: "position 8"},
		{name: "lowercase of excluded letter", code: "91350100M000100Y4z", rule: RuleCharset, msgHas: "position 18 is not allowed"},
		{name: "Chinese character counts as one", code: "91350100M000100Y4码", rule: RuleCharset, msgHas: "position 18"},
		{name: "wrong check character", code: "91350100M000100Y44", rule: RuleCheckCharacter, msgHas: "should be 3"},
		{name: "one body digit mistyped", code: "91350100M000200Y43", rule: RuleCheckCharacter},
		{name: "two neighbours swapped", code: "19350100M000100Y43", rule: RuleCheckCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantRule(t, tt.code, CheckCreditCode(tt.code), tt.rule, tt.msgHas)
		})
	}
}

// FuzzCheckCreditCode checks that arbitrary input never panics and yields
// only known rules, that a code completed with the computed check character
// passes, and that any single substituted character is then caught; GB 32100
// guarantees the last because 31 is prime and no weight is a multiple of it.
func FuzzCheckCreditCode(f *testing.F) {
	for _, s := range []string{"", "91350100M000100Y43", "91110108551385082Q", "91310000ma1fl0000n", "\xff\xfe", "统一社会信用代码统一社会信用代码码码"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := CheckCreditCode(s); err != nil && !knownRules[ruleOf(err)] {
			t.Fatalf("unknown rule for %q: %v", s, err)
		}

		var values [18]int
		for i := range 17 {
			if len(s) > 0 {
				values[i] = int(s[i%len(s)]) % 31
			}
		}
		values[17] = creditCodeCheck(values[:17])
		code := make([]byte, 18)
		for i, v := range values {
			code[i] = creditCodeAlphabet[v]
		}
		if err := CheckCreditCode(string(code)); err != nil {
			t.Fatalf("computed code %s rejected: %v", code, err)
		}

		pos := len(s) % 18
		values[pos] = (values[pos] + 1 + len(s)%30) % 31
		code[pos] = creditCodeAlphabet[values[pos]]
		if got := ruleOf(CheckCreditCode(string(code))); got != RuleCheckCharacter {
			t.Fatalf("substitution at position %d in %s: rule %q, want %q", pos+1, code, got, RuleCheckCharacter)
		}
	})
}
