package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ewaybill/ewaybill/internal/pgtest"
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

// --store and --nodes are checked before anything starts: nodes need a
// PostgreSQL database to share, --store takes nothing else, and over
// PostgreSQL only the allocation workloads run.
func TestBenchStoreFlagRefusals(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--nodes", "3"}, "ewaybill bench: --nodes 3 needs --store postgres://..."},
		{[]string{"--nodes", "0", "--store", "postgres:///bench"}, "--nodes must be 1 to 16, got 0"},
		{[]string{"--nodes", "17", "--store", "postgres:///bench"}, "--nodes must be 1 to 16, got 17"},
		{[]string{"--store", "mysql://db/bench"}, `--store must be a postgres:// URL (or empty for bbolt); got "mysql://db/bench"`},
		{[]string{"--store", "postgres:///bench", "--workloads", "allocate,cancel"}, "--workloads: with --store the bench measures allocate, replay, batch; cancel runs on bbolt only"},
	} {
		var stdout, stderr bytes.Buffer
		code := runBench(context.Background(), c.args, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want %d and %q", c.args, code, stderr.String(), stdout.String(), exitUsage, c.want)
		}
	}
}

// bench --store --nodes 2 measures allocation on one node, then on two
// over the same database, and its JSON line carries both figures.
func TestBenchNodesOverPostgres(t *testing.T) {
	url := pgtest.DB(t)
	t.Setenv("GOGC", "100")
	t.Setenv("GOMEMLIMIT", "off")
	var stdout, stderr bytes.Buffer
	code := runBench(context.Background(), []string{"--store", url, "--nodes", "2", "--workloads", "allocate", "--duration", "200ms",
		"--concurrency", "4", "--temp-dir", t.TempDir()}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var summary map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &summary); err != nil {
		t.Fatalf("last line is not the JSON summary: %v\n%s", err, stdout.String())
	}
	for _, key := range []string{"pg_alloc_rps_1node", "pg_alloc_rps_2nodes"} {
		if v, _ := summary[key].(float64); v <= 0 {
			t.Errorf("%s = %v in %s", key, summary[key], lines[len(lines)-1])
		}
	}
	if summary["nodes"] != 2.0 || summary["pg_replay_rps_1node"] != nil {
		t.Errorf("want nodes 2 and no replay figure: %s", lines[len(lines)-1])
	}
}
