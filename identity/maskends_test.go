package identity

import (
	"testing"
	"unicode/utf8"
)

func TestMaskResidentID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "18 characters", in: "11010519491231002X", want: "1101**********002X"},
		{name: "old 15 digits keep a quarter", in: "110105491231002", want: "110*********002"},
		{name: "8 characters keep two each end", in: "12345678", want: "12****78"},
		{name: "too short to show anything", in: "123", want: "***"},
		{name: "longer than expected keeps four", in: "110105194912310021234", want: "1101*************1234"},
		{name: "empty", in: "", want: ""},
		{name: "Chinese characters count as one", in: "张三李四王五赵六", want: "张三****赵六"},
		{name: "invalid UTF-8 kept as replacement", in: "\xff\xfe1234567890123456", want: "\uFFFD\uFFFD12**********3456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskResidentID(tt.in); got != tt.want {
				t.Errorf("MaskResidentID(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskCreditCode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "18 characters", in: "91350100M000100Y43", want: "9135**********0Y43"},
		{name: "17 characters keep four", in: "91350100M000100Y4", want: "9135*********00Y4"},
		{name: "short keeps a quarter", in: "9135010", want: "9*****0"},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskCreditCode(tt.in); got != tt.want {
				t.Errorf("MaskCreditCode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzMaskID checks for both end-keeping masks that the rune count is kept,
// that each end shows no more than four runes nor a quarter of them, and that
// everything between is '*'.
func FuzzMaskID(f *testing.F) {
	for _, s := range []string{"", "1", "11010519491231002X", "91350100M000100Y43", "张三李四王五赵六", "\xff\xfe\xfd\xfc\xfb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := []rune(s)
		n := len(in)
		keep := min(4, n/4)
		for name, mask := range map[string]func(string) string{"MaskResidentID": MaskResidentID, "MaskCreditCode": MaskCreditCode} {
			got := mask(s)
			if !utf8.ValidString(got) {
				t.Fatalf("%s(%q) = %q is not valid UTF-8", name, s, got)
			}
			out := []rune(got)
			if len(out) != n {
				t.Fatalf("%s(%q) has %d runes, want %d", name, s, len(out), n)
			}
			for i, r := range out {
				visible := i < keep || i >= n-keep
				if visible && r != in[i] {
					t.Fatalf("%s(%q) changed visible rune %d", name, s, i)
				}
				if !visible && r != '*' {
					t.Fatalf("%s(%q) shows rune %d, which must be hidden", name, s, i)
				}
			}
		}
	})
}
