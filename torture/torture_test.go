package torture

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// moduleRoot finds the directory holding go.mod, upwards from the test's
// working directory (the package directory).
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// buildBinary compiles the real ewaybill into a temp dir. It is built
// without -race even under `go test -race`: the harness is what this test
// runs under the race detector; the server is a black box here.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ewaybill")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/ewaybill")
	cmd.Dir = moduleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ewaybill: %v\n%s", err, out)
	}
	return bin
}

// TestTortureRealBinary kills and restarts the real server four times
// under load, twice with SIGKILL and twice with SIGTERM, verifying the
// store after each restart. The seed changes from run to run, so CI
// explores more kill moments over time; a failure names it.
func TestTortureRealBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ewaybill and kills its server four times under load (about 10 s); skipped with -short")
	}
	bin := buildBinary(t)
	cfg := DefaultConfig()
	cfg.Binary = bin
	cfg.Cycles = 4
	cfg.TermEvery = 2
	cfg.FullEvery = 2
	cfg.Workers = 6
	cfg.Load = 400 * time.Millisecond
	cfg.Seed = time.Now().UnixNano()
	cfg.TempDir = t.TempDir()
	cfg.Progress = func(c CycleResult) { t.Log(c) }
	t.Logf("seed %d", cfg.Seed)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err != nil {
		if errors.Is(err, ErrViolated) {
			t.Fatalf("the server lost or broke something it acknowledged: %v\nall violations:\n%s", err, violationList(rep.Violations))
		}
		t.Fatalf("torture run failed: %v", err)
	}
	if rep.Cycles != 4 || rep.Kills != 2 || rep.Terms != 2 {
		t.Errorf("ran %d cycles with %d SIGKILL and %d SIGTERM; want 4, 2 and 2", rep.Cycles, rep.Kills, rep.Terms)
	}
	// A load too short to do anything would make every check vacuous.
	for _, k := range changingOps {
		if rep.Acked[k] == 0 {
			t.Errorf("no %s was acknowledged in 4 cycles: %v", k, rep.Acked)
		}
	}
	if rep.Waybills == 0 {
		t.Error("the store holds no waybill after the run")
	}
	if rep.Dir != "" {
		t.Errorf("a passing run kept its work dir %s", rep.Dir)
	}
}

func TestConfigCheckNamesTheFlag(t *testing.T) {
	good := DefaultConfig()
	good.Binary = "ewaybill"
	if err := good.Check(); err != nil {
		t.Fatalf("default config refused: %v", err)
	}
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Cycles = 0 }, "--cycles"},
		{func(c *Config) { c.Workers = 0 }, "--workers"},
		{func(c *Config) { c.Load = time.Millisecond }, "--load"},
		{func(c *Config) { c.TermEvery = -1 }, "--term-every"},
		{func(c *Config) { c.ShutdownTimeout = 0 }, "--shutdown-timeout"},
	} {
		c := good
		tc.change(&c)
		if err := c.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check() = %v, want an error naming %s", err, tc.want)
		}
	}
}
