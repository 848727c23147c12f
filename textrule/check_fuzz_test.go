package textrule_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ewaybill/ewaybill/fault"
	"github.com/ewaybill/ewaybill/textrule"
)

// FuzzCheck checks free text of any bytes against arbitrary bounds: Check
// never panics, records at most one violation, on the field it was given,
// with a known rule and a UTF-8 message (it travels in a gRPC status); it
// passes exactly the text that is valid UTF-8 and, trimmed, has no control
// character and a length within the bounds (or none when optional), and
// returns it trimmed; Clean agrees with it. The seed corpus is in
// testdata/fuzz/FuzzCheck.
func FuzzCheck(f *testing.F) {
	f.Add(" 王小明 ", 1, 32)
	f.Add("", 1, 32)
	f.Add("", 0, 100)
	f.Add("a\tb", 0, 10)
	f.Add("\xff", 0, 10)
	f.Add("文三路 90 号", 2, 3)
	f.Add(" a\u0085b ", 0, 10)
	f.Add("\u00a0\ufffd\u3000", 1, 1)
	f.Fuzz(func(t *testing.T, s string, min, max int) {
		var v fault.Violations
		got := textrule.Check(&v, "order.remark", s, min, max)
		var broken []fault.Violation
		if fe, ok := fault.As(v.Err()); ok {
			broken = fe.Violations
		}
		if len(broken) > 1 {
			t.Fatalf("Check(%q, %d, %d) recorded %d violations", s, min, max, len(broken))
		}
		valid := utf8.ValidString(s)
		if !valid && got != s || valid && got != strings.TrimSpace(s) {
			t.Fatalf("Check(%q) returned %q", s, got)
		}
		n := utf8.RuneCountInString(got)
		ok := valid && strings.IndexFunc(got, unicode.IsControl) < 0 &&
			(n == 0 && min <= 0 || n >= min && n > 0) && n <= max
		if ok != (len(broken) == 0) {
			t.Fatalf("Check(%q, %d, %d) = %q with %v; the text %s the rules", s, min, max, got, broken, map[bool]string{true: "meets", false: "breaks"}[ok])
		}
		if clean, cleanOK := textrule.Clean(s, min, max); cleanOK != ok || ok && clean != got {
			t.Fatalf("Clean(%q, %d, %d) = %q, %v; Check returned %q with %v", s, min, max, clean, cleanOK, got, broken)
		}
		for _, x := range broken {
			known := map[string]bool{"utf8": true, "required": true, "length": true, "control_character": true}
			if x.Field != "order.remark" || !known[x.Rule] || !utf8.ValidString(x.Message) || !strings.Contains(x.Message, "order.remark") {
				t.Fatalf("violation %+v", x)
			}
		}
	})
}
