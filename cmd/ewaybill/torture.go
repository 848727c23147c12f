package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ewaybill/ewaybill/torture"
)

// runTorture runs `ewaybill torture`: this binary's own serve is killed and
// restarted cycle after cycle under load, and the store is verified after
// every restart. It prints one line per cycle and a summary, and returns
// exitOK when nothing was lost, exitRPC when an invariant broke or the run
// could not go on, exitUsage for a bad command line.
func runTorture(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := torture.DefaultConfig()
	fs := flag.NewFlagSet("torture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Cycles, "cycles", cfg.Cycles, "kill-and-restart cycles to run")
	seed := fs.Int64("seed", 0, "seed of every random choice (operations, kill moments); 0 picks one and prints it")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "concurrent clients during each cycle's load")
	fs.DurationVar(&cfg.Load, "load", cfg.Load, "each cycle's load window; the kill falls at a random moment in it")
	fs.IntVar(&cfg.TermEvery, "term-every", cfg.TermEvery, "every Nth cycle stops the server with SIGTERM (graceful) instead of SIGKILL; 0 never")
	fs.IntVar(&cfg.FullEvery, "full-every", cfg.FullEvery, "every Nth cycle verifies every waybill, not just the cycle's new ones (the last cycle always does); 0 only the last")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "the server's --shutdown-timeout; a SIGTERM cycle fails if the server takes longer to exit")
	fs.StringVar(&cfg.TempDir, "temp-dir", "", "where to make the work dir (data dir and server logs; default: the system's temp dir)")
	fs.BoolVar(&cfg.KeepDir, "keep-dir", false, "keep the work dir after a successful run (a failed run always keeps it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ewaybill torture [flags]")
		fmt.Fprintln(stderr, "\nRuns this binary's server as a child process on a throw-away data dir, loads it with")
		fmt.Fprintln(stderr, "allocations, replays, batches, cancels and top-ups, kills it with SIGKILL at a random")
		fmt.Fprintln(stderr, "moment (every --term-every cycles SIGTERM instead), runs ewaybill check, restarts it and")
		fmt.Fprintln(stderr, "verifies that everything acknowledged is still there. Exit status: 0 nothing was lost,")
		fmt.Fprintln(stderr, "1 an invariant broke or the run failed, 2 a usage mistake.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ewaybill torture: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg.Seed = *seed
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano()
	}
	bin, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "ewaybill torture: cannot find this binary to run its server: %v\n", err)
		return exitRPC
	}
	cfg.Binary = bin
	if err := cfg.Check(); err != nil {
		fmt.Fprintln(stderr, "ewaybill torture:", err)
		return exitUsage
	}
	graceful := "never SIGTERM"
	if cfg.TermEvery > 0 {
		graceful = fmt.Sprintf("SIGTERM every %d cycles", cfg.TermEvery)
	}
	fmt.Fprintf(stdout, "torture: %d cycles, seed %d, %d workers, %s load per cycle, %s\n",
		cfg.Cycles, cfg.Seed, cfg.Workers, cfg.Load, graceful)
	cfg.Progress = func(c torture.CycleResult) { fmt.Fprintln(stdout, c) }
	report, err := torture.Run(ctx, cfg)
	if report != nil {
		report.WriteSummary(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ewaybill torture:", err)
		return exitRPC
	}
	return exitOK
}
