package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
	"github.com/ewaybill/ewaybill/storage/pgstore"
)

// Exit codes of `ewaybill check`: the books balance, an invariant is
// broken, or the check could not run (a usage mistake, no database, a
// server still holding the data dir).
const (
	checkOK       = 0
	checkViolated = 1
	checkNotRun   = 2
)

// runCheck runs `ewaybill check`: it opens a data dir read-only, recounts
// the allocation engine's records and prints what it found. It returns the
// exit code.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("check", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dataDir := flags.String("data-dir", "./ewaybill-data", "directory of the embedded database, as given to ewaybill serve")
	lockTimeout := flags.Duration("lock-timeout", 2*time.Second, "how long to wait for another process to release the data dir")
	storeURL := flags.String("store", "", storeUsage)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: ewaybill check [flags]   (each flag also reads EWAYBILL_<FLAG>, e.g. EWAYBILL_DATA_DIR)")
		fmt.Fprintln(stderr, "Recounts number pools, quotas, ledgers and waybills of a stopped server's data dir and")
		fmt.Fprintln(stderr, "reports every broken invariant. It reads no personal data, so it needs no PII key: sealed")
		fmt.Fprintln(stderr, "names, phones and addresses stay sealed. Exit status: 0 every invariant holds, 1 one is broken,")
		fmt.Fprintln(stderr, "2 the check could not run. With --store postgres://..., it checks that database instead, in one")
		fmt.Fprintln(stderr, "snapshot, while servers may go on running.")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		return checkOK
	} else if err != nil {
		return checkNotRun
	}
	if err := applyEnv(flags, getenv); err != nil {
		fmt.Fprintln(stderr, "ewaybill check:", err)
		return checkNotRun
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "ewaybill check: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return checkNotRun
	}

	if *storeURL != "" {
		return checkPostgres(ctx, *storeURL, stdout, stderr)
	}
	path := filepath.Join(*dataDir, boltstore.FileName)
	// A read-only open cannot create the file, but it would report a
	// missing one only as a bare "no such file".
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "ewaybill check: no ewaybill database at %s; pass the --data-dir the server runs with\n", path)
		return checkNotRun
	}
	// No PII keys: the invariants are about numbers, quotas and states,
	// which stay in clear, so a check runs wherever the database is.
	store, err := boltstore.Open(*dataDir, boltstore.Options{ReadOnly: true, LockTimeout: *lockTimeout})
	if errors.Is(err, boltstore.ErrLocked) {
		fmt.Fprintf(stderr, "ewaybill check: %v\n", err)
		fmt.Fprintln(stderr, "A running ewaybill serve holds the data dir; even a read-only check needs it released.")
		fmt.Fprintln(stderr, "Stop the server (SIGTERM finishes in-flight requests first), then run the check again.")
		return checkNotRun
	}
	if err != nil {
		fmt.Fprintf(stderr, "ewaybill check: %v\n", err)
		return checkNotRun
	}
	defer store.Close()
	return checkStore(ctx, store, path, stdout, stderr)
}

// checkPostgres checks the PostgreSQL database at url. It reads one
// snapshot, so servers may go on running on the database meanwhile.
func checkPostgres(ctx context.Context, url string, stdout, stderr io.Writer) int {
	if !pgstore.IsURL(url) {
		fmt.Fprintf(stderr, "ewaybill check: --store must be a postgres:// URL (or empty for the bbolt file in --data-dir); got %q\n", displayStore(url))
		return checkNotRun
	}
	store, err := pgstore.Open(ctx, url, pgstore.Options{ReadOnly: true})
	if err != nil {
		fmt.Fprintf(stderr, "ewaybill check: %s: %v\n", displayStore(url), err)
		return checkNotRun
	}
	defer store.Close()
	return checkStore(ctx, store, displayStore(url), stdout, stderr)
}

// checkStore runs the check on store, named where in the report.
func checkStore(ctx context.Context, store storage.Store, where string, stdout, stderr io.Writer) int {
	report, err := quota.Check(ctx, store)
	if err != nil {
		fmt.Fprintf(stderr, "ewaybill check: reading %s failed before the check was complete: %v\n", where, err)
		return checkNotRun
	}
	writeCheckReport(stdout, where, report)
	if !report.OK() {
		return checkViolated
	}
	return checkOK
}

// writeCheckReport prints the records checked, then every problem or the
// all-clear.
func writeCheckReport(w io.Writer, path string, r *quota.Report) {
	fmt.Fprintf(w, "checked %s\n", path)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range []struct {
		what string
		n    int
	}{
		{"carriers", r.Carriers},
		{"number ranges", r.Ranges},
		{"waybills", r.Waybills},
		{"quotas", r.Quotas},
		{"ledger entries", r.LedgerEntries},
		{"idempotency keys", r.IdempotencyKeys},
	} {
		fmt.Fprintf(tw, "  %s\t%d\n", c.what, c.n)
	}
	tw.Flush()
	if r.OK() {
		fmt.Fprintln(w, "ok: every invariant holds")
		return
	}
	noun := "problems"
	if len(r.Problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(w, "FAILED: %d %s\n", len(r.Problems), noun)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
}
