package identity

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestMaskPhone(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "mobile keeps 3 and 2", in: "13812345678", want: "138******78"},
		{name: "landline with hyphen", in: "010-12345678", want: "***-******78"},
		{name: "landline with extension", in: "0755-1234567-123", want: "****-*******-*23"},
		{name: "compact landline is not a mobile", in: "01012345678", want: "*********78"},
		{name: "mobile with country code", in: "+86 138 1234 5678", want: "+** *** **** **78"},
		{name: "mobile with hyphens", in: "138-1234-5678", want: "***-****-**78"},
		{name: "eight digits keep two", in: "12345678", want: "******78"},
		{name: "seven digits keep one", in: "1234567", want: "******7"},
		{name: "six digits keep none", in: "123456", want: "******"},
		{name: "full-width digits are digits", in: "１３８１２３４５６７８", want: "*********７８"},
		{name: "no digits unchanged", in: "call me", want: "call me"},
		{name: "empty", in: "", want: ""},
		{name: "invalid UTF-8 kept as replacement", in: "\xff138", want: "\uFFFD***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskPhone(tt.in); got != tt.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzMaskPhone checks that the rune count is kept, that only digits change
// and only to '*', and that at least six digits (or all, if fewer) are
// hidden, as GB/T 41833-2022 requires.
func FuzzMaskPhone(f *testing.F) {
	for _, s := range []string{"", "13812345678", "010-12345678", "0755-1234567-123", "１３８１２３４５６７８", "\xff138\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := MaskPhone(s)
		if !utf8.ValidString(got) {
			t.Fatalf("MaskPhone(%q) = %q is not valid UTF-8", s, got)
		}
		in, out := []rune(s), []rune(got)
		if len(out) != len(in) {
			t.Fatalf("MaskPhone(%q) has %d runes, want %d", s, len(out), len(in))
		}
		digits, hidden := 0, 0
		for i, r := range in {
			if !unicode.IsDigit(r) {
				if out[i] != r {
					t.Fatalf("MaskPhone(%q) changed non-digit rune %d", s, i)
				}
				continue
			}
			digits++
			switch out[i] {
			case '*':
				hidden++
			case r:
			default:
				t.Fatalf("MaskPhone(%q) replaced digit %d with %q", s, i, out[i])
			}
		}
		if want := min(phoneHiddenDigits, digits); hidden < want {
			t.Fatalf("MaskPhone(%q) = %q hides %d digits, want at least %d", s, got, hidden, want)
		}
	})
}
