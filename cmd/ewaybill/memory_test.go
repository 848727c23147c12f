package main

import (
	"flag"
	"io"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

func TestMemoryFlags(t *testing.T) {
	parse := func(args ...string) (memoryConfig, error) {
		var m memoryConfig
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		m.register(fs)
		if err := fs.Parse(args); err != nil {
			return m, err
		}
		return m, m.check()
	}
	if m, err := parse(); err != nil || m.gcPercent != 400 || m.memoryLimitMB != 176 {
		t.Errorf("defaults: %+v, %v; want GOGC 400 and 176 MiB", m, err)
	}
	for args, want := range map[string]string{"--gc-percent=0": "--gc-percent must be 1 or more", "--memory-limit-mb=-1": "--memory-limit-mb must be 0"} {
		if _, err := parse(args); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", args, err, want)
		}
	}
}

// apply sets the collector unless the runtime's own variables are set.
func TestMemoryApply(t *testing.T) {
	oldPercent, oldLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(oldPercent); debug.SetMemoryLimit(oldLimit) })

	m := memoryConfig{gcPercent: 300, memoryLimitMB: 50}
	m.apply(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != 300 {
		t.Errorf("GC percent %d after apply, want 300", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != 50<<20 {
		t.Errorf("memory limit %d after apply, want %d", got, 50<<20)
	}

	env := map[string]string{"GOGC": "150", "GOMEMLIMIT": "1GiB"}
	m.apply(func(k string) string { return env[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d with GOGC set, want the runtime's own (100 here)", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("memory limit %d with GOMEMLIMIT set, want it untouched", got)
	}
}
