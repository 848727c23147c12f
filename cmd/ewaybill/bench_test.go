package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// --workloads is checked before anything starts: an unknown name, or a
// workload without the one it works on, is a usage mistake that names
// the flag and the choices.
func TestBenchWorkloadsFlagRefusals(t *testing.T) {
	for _, c := range []struct{ arg, want string }{
		{"nope", `ewaybill bench: --workloads: unknown workload "nope"; choose from ceiling, allocate, replay,`},
		{"batch,,cancel", `unknown workload ""`},
		{"replay", "--workloads: replay replays the orders allocate issued, so it needs allocate too: add it to --workloads"},
	} {
		var stdout, stderr bytes.Buffer
		code := runBench(context.Background(), []string{"--workloads", c.arg}, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) || stdout.Len() != 0 {
			t.Errorf("--workloads %s: exit %d, stderr %q, stdout %q; want %d and %q", c.arg, code, stderr.String(), stdout.String(), exitUsage, c.want)
		}
	}
}

// --workloads batch runs the batch workload alone: one row, and a summary
// with its figure and no other workload's.
func TestBenchWorkloadsBatchAlone(t *testing.T) {
	// The bench applies its collector settings to this process unless the
	// runtime's own variables are set.
	t.Setenv("GOGC", "100")
	t.Setenv("GOMEMLIMIT", "off")
	var stdout, stderr bytes.Buffer
	code := runBench(context.Background(), []string{"--workloads", "batch", "--duration", "150ms", "--concurrency", "4",
		"--temp-dir", t.TempDir()}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "batch allocate (100 per call)") || strings.Contains(out, "ceiling") || strings.Contains(out, "preload") {
		t.Errorf("want the batch row alone:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var summary map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &summary); err != nil {
		t.Fatalf("last line is not the JSON summary: %v\n%s", err, out)
	}
	if v, _ := summary["batch_numbers_per_s"].(float64); v <= 0 {
		t.Errorf("batch_numbers_per_s = %v", summary["batch_numbers_per_s"])
	}
	if _, ok := summary["ceiling_rps"]; ok {
		t.Errorf("summary has ceiling_rps though the ceiling did not run: %s", lines[len(lines)-1])
	}
}
