package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The torture run itself needs a binary with serve, which the test binary
// is not; torture's own test runs it against a built ewaybill. Here the
// command line is checked: mistakes are usage errors named by their flag,
// before any server is started.
func TestTortureCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		code       int
		wantStderr string
	}{
		{[]string{"-h"}, exitOK, "usage: ewaybill torture"},
		{[]string{"--cycles", "0"}, exitUsage, "--cycles must be at least 1"},
		{[]string{"--workers", "0"}, exitUsage, "--workers must be 1 to 256"},
		{[]string{"--load", "1ms"}, exitUsage, "--load must be between"},
		{[]string{"--term-every", "-1"}, exitUsage, "--term-every"},
		{[]string{"--cycles", "3", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"--no-such-flag"}, exitUsage, "flag provided but not defined"},
	} {
		var stdout, stderr bytes.Buffer
		code := runTorture(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.wantStderr) {
			t.Errorf("torture %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr.String(), tc.code, tc.wantStderr)
		}
		if stdout.Len() > 0 {
			t.Errorf("torture %q started a run: %s", tc.args, stdout.String())
		}
	}
}
