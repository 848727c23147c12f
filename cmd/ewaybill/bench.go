package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ewaybill/ewaybill/bench"
	"github.com/ewaybill/ewaybill/storage/pgstore"
)

// runBench runs `ewaybill bench`: the whole server in this process under
// each workload in turn; the last line of stdout is the JSON summary.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := bench.DefaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "a short run of every workload with a small preload (about 20 s; CI runs it)")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long each workload runs")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "requests in flight (closed loop)")
	fs.IntVar(&cfg.Preload, "preload", cfg.Preload, "waybills in the store before allocation is measured again")
	fs.IntVar(&cfg.PDFBatches, "pdf-batches", cfg.PDFBatches, "how many 200-label PDFs to render (the median time is reported)")
	fs.StringVar(&cfg.ProfileDir, "profile-dir", "", "write a CPU profile of each workload into this directory (<workload>.pprof)")
	workloads := fs.String("workloads", "all", "comma-separated workloads to run, in the usual order: "+strings.Join(bench.Workloads, ", ")+
		"; one that works on another's waybills needs that one too (replay, replay-serial and cancel need allocate; the label workloads need batch)")
	fs.StringVar(&cfg.TempDir, "temp-dir", "", "where to make the throw-away data dir (default: the system's temp dir)")
	// No EWAYBILL_STORE here: a bench must never be pointed at a
	// service's database by the environment it happens to run in.
	fs.StringVar(&cfg.Store, "store", "", "an empty PostgreSQL database `URL` (postgres://...) to measure instead of bbolt: "+
		strings.Join(bench.StoreWorkloads, ", ")+" on one node, then on --nodes nodes")
	fs.IntVar(&cfg.Nodes, "nodes", cfg.Nodes, "with --store: how many nodes (servers in this process, each with its own connection pool) share the database in the second pass")
	// The server runs in this process, so it runs with serve's collector settings.
	var memory memoryConfig
	memory.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ewaybill bench [flags]\n\nStarts a server in this process on a throw-away data dir (real gRPC over loopback\nTCP, bbolt with fsync), measures each workload and prints a table, then one JSON line.\nWith --store, the servers run over that PostgreSQL database: one, then --nodes.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ewaybill bench: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *quick {
		// --quick sets what the command line did not.
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		q := bench.QuickConfig()
		if !set["duration"] {
			cfg.Duration = q.Duration
		}
		if !set["preload"] {
			cfg.Preload = q.Preload
		}
		if !set["pdf-batches"] {
			cfg.PDFBatches = q.PDFBatches
		}
	}
	cfg.Workloads = bench.ParseWorkloads(*workloads)
	if cfg.Store != "" && !pgstore.IsURL(cfg.Store) {
		fmt.Fprintf(stderr, "ewaybill bench: --store must be a postgres:// URL (or empty for bbolt); got %q\n", displayStore(cfg.Store))
		return exitUsage
	}
	if err := errors.Join(cfg.Check(), memory.check()); err != nil {
		fmt.Fprintln(stderr, "ewaybill bench:", err)
		return exitUsage
	}
	memory.apply(os.Getenv)
	rep, err := bench.Run(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "ewaybill bench:", err)
		return exitRPC
	}
	if err := rep.WriteSummary(stdout); err != nil {
		fmt.Fprintln(stderr, "ewaybill bench:", err)
		return exitRPC
	}
	if n := rep.Errors(); n > 0 {
		fmt.Fprintf(stderr, "ewaybill bench: %d requests failed (see the first error under each workload)\n", n)
		return exitRPC
	}
	return exitOK
}
