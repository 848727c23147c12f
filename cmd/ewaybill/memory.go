package main

import (
	"flag"
	"fmt"
	"runtime/debug"
)

// Defaults for the Go runtime's garbage collector in `serve` and `bench`.
// Nearly all the server's garbage is per request (decoded messages, drawn
// labels) while its live heap is small (the data lives in the mapped
// database file, not on the heap), so the default GOGC of 100 collects far
// more often than memory requires: at a promotion peak a third of the CPU
// went to marking. GOGC 400 lets the heap grow to five times the live data
// between collections, and the soft memory limit makes the collector work
// harder instead of letting the heap pass it. 176 MiB keeps the process,
// with the mapped file's budget and the bench's own client, under 300 MiB
// at peak (BENCHMARKS.md); 192 let it reach 335 once the writer got faster.
const (
	defaultGCPercent     = 400
	defaultMemoryLimitMB = 176
)

// memoryConfig is the collector's setting from --gc-percent and
// --memory-limit-mb.
type memoryConfig struct {
	gcPercent     int
	memoryLimitMB int64
}

func (m *memoryConfig) register(fs *flag.FlagSet) {
	fs.IntVar(&m.gcPercent, "gc-percent", defaultGCPercent, "Go garbage collector target (GOGC): heap growth between collections, in percent of live data; a GOGC environment variable wins")
	fs.Int64Var(&m.memoryLimitMB, "memory-limit-mb", defaultMemoryLimitMB, "soft limit of the Go heap and runtime in MiB (GOMEMLIMIT), above which the collector runs more often; 0 for none; a GOMEMLIMIT environment variable wins")
}

func (m memoryConfig) check() error {
	if m.gcPercent < 1 {
		return fmt.Errorf("--gc-percent must be 1 or more, got %d", m.gcPercent)
	}
	if m.memoryLimitMB < 0 {
		return fmt.Errorf("--memory-limit-mb must be 0 (no limit) or more, got %d", m.memoryLimitMB)
	}
	return nil
}

// apply sets the collector for this process. GOGC and GOMEMLIMIT, the Go
// runtime's own variables, are left to the runtime when set, so an
// operator who knows them is not overridden.
func (m memoryConfig) apply(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(m.gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" && m.memoryLimitMB > 0 {
		debug.SetMemoryLimit(m.memoryLimitMB << 20)
	}
}
