package labeltest

import (
	"fmt"
	"strings"
	"testing"
)

// fakeTB records what Require does instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Skip(args ...any)                  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

func TestRequire(t *testing.T) {
	tests := map[string]struct {
		tools       []string
		noPath      bool // run with an empty PATH, so no tool is found
		requireAll  string
		wantSkip    string // substring of the skip message; "" for no skip
		wantFailure string // substring of the failure message; "" for no failure
	}{
		"pdf missing skips": {
			tools: []string{"pdf"}, noPath: true,
			wantSkip: "install poppler-utils",
		},
		"pdf missing fails in CI": {
			tools: []string{"pdf"}, noPath: true, requireAll: "1",
			wantFailure: "install poppler-utils",
		},
		"zpl missing skips": {
			tools: []string{"zpl"}, noPath: true,
			wantSkip: "npm ci --prefix internal/labeltest/zplrender",
		},
		"zpl missing fails in CI": {
			tools: []string{"zpl"}, noPath: true, requireAll: "1",
			wantFailure: "npm ci --prefix internal/labeltest/zplrender",
		},
		"only 1 means required": {
			tools: []string{"pdf"}, noPath: true, requireAll: "true",
			wantSkip: "pdftoppm not found",
		},
		"unknown tool fails": {
			tools:       []string{"ocr"},
			wantFailure: `unknown tool "ocr"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.noPath {
				t.Setenv("PATH", t.TempDir())
			}
			t.Setenv(requireEnv, tc.requireAll)
			var f fakeTB
			Require(&f, tc.tools...)
			check := func(what, got, want string) {
				if want == "" && got != "" || !strings.Contains(got, want) {
					t.Errorf("%s = %q, want it to mention %q", what, got, want)
				}
			}
			check("skip message", f.skipped, tc.wantSkip)
			check("failure message", f.failed, tc.wantFailure)
		})
	}
}
