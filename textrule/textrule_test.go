package textrule

import (
	"testing"

	"github.com/ewaybill/ewaybill/fault"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		min, max int
		want     string
		rule     string
	}{
		{"trimmed", "  顺丰速运 ", 1, 10, "顺丰速运", ""},
		{"optional empty", "", 0, 10, "", ""},
		{"required", "   ", 1, 10, "", "required"},
		{"counts characters not bytes", "一二三四五", 1, 5, "一二三四五", ""},
		{"too long", "一二三四五六", 1, 5, "", "length"},
		{"too short", "a", 2, 5, "", "length"},
		{"newline", "a\nb", 1, 5, "", "control_character"},
		{"invalid utf8", "a\xffb", 1, 5, "", "utf8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v fault.Violations
			got := Check(&v, "field", c.in, c.min, c.max)
			fe, _ := fault.As(v.Err())
			switch {
			case c.rule == "" && fe != nil:
				t.Fatalf("unexpected violation %v", fe)
			case c.rule == "" && got != c.want:
				t.Fatalf("got %q, want %q", got, c.want)
			case c.rule != "" && (fe == nil || fe.Violations[0].Rule != c.rule || fe.Violations[0].Field != "field"):
				t.Fatalf("want rule %s, got %v", c.rule, fe)
			}
		})
	}
}
