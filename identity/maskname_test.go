package identity

import (
	"testing"
	"unicode/utf8"
)

func TestMaskName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "one character", in: "张", want: "*"},
		{name: "two characters", in: "张三", want: "张*"},
		{name: "three characters", in: "欧阳锋", want: "欧*锋"},
		{name: "four characters", in: "欧阳娜娜", want: "欧**娜"},
		{name: "Latin two letters", in: "Li", want: "L*"},
		{name: "Latin with space", in: "Ann Lee", want: "A*****e"},
		{name: "empty", in: "", want: ""},
		{name: "lone invalid byte", in: "\xff", want: "*"},
		{name: "invalid byte first", in: "\xffA", want: "\uFFFD*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskName(tt.in); got != tt.want {
				t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzMaskName checks that the rune count is kept, that a non-empty name
// always has at least one character hidden, and that only the first and last
// characters of a name of three or more may show.
func FuzzMaskName(f *testing.F) {
	for _, s := range []string{"", "张", "张三", "欧阳娜娜", "Ann Lee", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := MaskName(s)
		if !utf8.ValidString(got) {
			t.Fatalf("MaskName(%q) = %q is not valid UTF-8", s, got)
		}
		in, out := []rune(s), []rune(got)
		n := len(in)
		if len(out) != n {
			t.Fatalf("MaskName(%q) has %d runes, want %d", s, len(out), n)
		}
		for i, r := range out {
			visible := n >= 2 && (i == 0 || (n >= 3 && i == n-1))
			if visible && r != in[i] {
				t.Fatalf("MaskName(%q) changed visible rune %d", s, i)
			}
			if !visible && r != '*' {
				t.Fatalf("MaskName(%q) = %q shows rune %d, which must be hidden", s, got, i)
			}
		}
	})
}
