package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// piiKeysEnv holds PII keys themselves, in key-file form, for deployments
// that hand secrets over in variables rather than files.
const piiKeysEnv = "EWAYBILL_PII_KEYS"

// loadPIIKeys returns the PII keys given by keyFile (--pii-key-file or
// EWAYBILL_PII_KEY_FILE, already applied) or by EWAYBILL_PII_KEYS, or nil
// when neither is given. A key file named on the command line wins; both
// variables set at once is refused, since one of them would be ignored
// without anyone noticing.
func loadPIIKeys(keyFile string, onCommandLine bool, getenv func(string) string) (*sealing.Keyring, error) {
	inline := getenv(piiKeysEnv)
	switch {
	case keyFile != "" && (onCommandLine || inline == ""):
		return sealing.LoadFile(keyFile)
	case keyFile != "":
		return nil, fmt.Errorf("both EWAYBILL_PII_KEY_FILE and %s are set; set one of them", piiKeysEnv)
	case inline != "":
		return sealing.Parse([]byte(inline), piiKeysEnv, "entry")
	}
	return nil, nil
}

// flagOnCommandLine reports whether the parsed fs was given the flag.
func flagOnCommandLine(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// piiKeyFileUsage describes --pii-key-file for serve and rotate-pii-key.
const piiKeyFileUsage = "`file` of the keys that seal personal data at rest: one KEY-ID:BASE64-KEY a line (32 random bytes), the first seals; " +
	"EWAYBILL_PII_KEYS may hold the same text (';' also ends a line). Default: <data-dir>/pii.key"

// missingKeyHint explains a store that refused the keys it was given.
func missingKeyHint(err error) error {
	if errors.As(err, new(*boltstore.MissingKeysError)) {
		return fmt.Errorf("%w\n(keys are read from --pii-key-file, EWAYBILL_PII_KEY_FILE or %s, else <data-dir>/%s)", err, piiKeysEnv, boltstore.KeyFileName)
	}
	return err
}

// Exit codes of `ewaybill rotate-pii-key`.
const (
	rotateOK = 0
	// rotateFailed: the rotation stopped partway; what it did is kept and
	// a rerun finishes it.
	rotateFailed = 1
	// rotateNotRun: nothing was changed.
	rotateNotRun = 2
)

// runRotatePIIKey runs `ewaybill rotate-pii-key`: with the server stopped,
// it seals the personal data of every record with the key file's active
// key (records sealed with an older key, and records still in clear) and
// prints what it did per kind of record and per old key.
func runRotatePIIKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("rotate-pii-key", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dataDir := flags.String("data-dir", "./ewaybill-data", "directory of the embedded database, as given to ewaybill serve")
	keyFile := flags.String("pii-key-file", "", piiKeyFileUsage)
	batch := flags.Int("batch", boltstore.DefaultRotationBatch, "records sealed again per transaction")
	dryRun := flags.Bool("dry-run", false, "count the records by key and change nothing")
	lockTimeout := flags.Duration("lock-timeout", 2*time.Second, "how long to wait for another process to release the data dir")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: ewaybill rotate-pii-key [flags]   (--data-dir, --pii-key-file and --lock-timeout also read EWAYBILL_<FLAG>)")
		fmt.Fprintln(stderr, "Seals the personal data of every record of a stopped server's data dir with the key file's")
		fmt.Fprintln(stderr, "first (active) key: records sealed with an older key of the file, and records still in clear.")
		fmt.Fprintln(stderr, "Rotation: put a new key as the first line and keep the old ones, run this, then the old keys")
		fmt.Fprintln(stderr, "may be dropped. Safe to run again after an interruption. Exit status: 0 done, 1 stopped")
		fmt.Fprintln(stderr, "partway (run it again), 2 nothing was done.")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		return rotateOK
	} else if err != nil {
		return rotateNotRun
	}
	onCommandLine := flagOnCommandLine(flags, "pii-key-file")
	if err := applyEnv(flags, getenv, "data-dir", "pii-key-file", "lock-timeout"); err != nil {
		fmt.Fprintln(stderr, "ewaybill rotate-pii-key:", err)
		return rotateNotRun
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "ewaybill rotate-pii-key: "+format+"\n", args...)
		return rotateNotRun
	}
	if flags.NArg() > 0 {
		return fail("unexpected argument %q", flags.Arg(0))
	}
	if *batch < 1 {
		return fail("--batch must be 1 or more, got %d", *batch)
	}
	dbPath := filepath.Join(*dataDir, boltstore.FileName)
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return fail("no ewaybill database at %s; pass the --data-dir the server runs with", dbPath)
	}
	keys, err := loadPIIKeys(*keyFile, onCommandLine, getenv)
	if err != nil {
		return fail("%v", err)
	}
	if keys == nil {
		// The same default as serve's, except that a missing file is not
		// made up: a new key would open nothing already sealed.
		path := filepath.Join(*dataDir, boltstore.KeyFileName)
		if keys, err = sealing.LoadFile(path); errors.Is(err, fs.ErrNotExist) {
			return fail("no PII keys: pass --pii-key-file (or EWAYBILL_PII_KEY_FILE, %s); the data dir has no %s", piiKeysEnv, boltstore.KeyFileName)
		} else if err != nil {
			return fail("%v", err)
		}
	}
	// A running server would go on writing with its own keys while the
	// records are rewritten; it holds the database, and the socket says so
	// at once instead of after the lock timeout.
	socket := controlSocketPath(*dataDir)
	if conn, err := net.Dial("unix", socket); err == nil {
		conn.Close()
		return fail("a server is running on %s (its control socket %s answers); stop it before rotating", *dataDir, socket)
	}
	store, err := boltstore.Open(*dataDir, boltstore.Options{PII: keys, LockTimeout: *lockTimeout, ReadOnly: *dryRun})
	if errors.Is(err, boltstore.ErrLocked) {
		return fail("%v\nstop the process holding the data dir, then run the rotation again", err)
	}
	if err != nil {
		return fail("%v", missingKeyHint(err))
	}
	defer store.Close()

	if *dryRun {
		report, err := store.CensusPII(ctx)
		if err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(stdout, "counted the records holding personal data in %s (nothing changed); the active key is %s (%s)\n", dbPath, keys.Active(), keys.Source())
		writePIIReport(stdout, report, keys.Active(), false)
		return rotateOK
	}
	report, err := store.RotatePII(ctx, *batch)
	if report != nil && len(report.Kinds) > 0 {
		fmt.Fprintf(stdout, "sealed personal data in %s with key %s (%s)\n", dbPath, keys.Active(), keys.Source())
		writePIIReport(stdout, report, keys.Active(), true)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ewaybill rotate-pii-key: stopped partway: %v\n", missingKeyHint(err))
		fmt.Fprintln(stderr, "ewaybill rotate-pii-key: the records sealed again so far are kept; run the command again to finish")
		return rotateFailed
	}
	others := slices.DeleteFunc(keys.IDs(), func(id string) bool { return id == keys.Active() })
	if len(others) == 0 {
		fmt.Fprintf(stdout, "done: every record with personal data is sealed with %s\n", keys.Active())
	} else {
		fmt.Fprintf(stdout, "done: every record with personal data is sealed with %s; %s may now be dropped from the keys\n", keys.Active(), strings.Join(others, ", "))
	}
	return rotateOK
}

// writePIIReport prints, per kind of record, how many records hold
// personal data, how many were sealed again and which key each had.
func writePIIReport(w io.Writer, r *boltstore.PIIReport, active string, rotated bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if rotated {
		fmt.Fprintln(tw, "  kind\trecords\tsealed again\tby the key they had")
	} else {
		fmt.Fprintln(tw, "  kind\trecords\tto seal again\tby key")
	}
	for _, k := range r.Kinds {
		ids := make([]string, 0, len(k.ByKey))
		total, stale := 0, 0
		for id, n := range k.ByKey {
			ids = append(ids, id)
			total += n
			if id != active {
				stale += n
			}
		}
		// The active key last, records in clear first, others by id.
		slices.SortFunc(ids, func(a, b string) int {
			switch {
			case a == active:
				return 1
			case b == active:
				return -1
			}
			return strings.Compare(a, b)
		})
		parts := make([]string, 0, len(ids))
		for _, id := range ids {
			name := id
			switch id {
			case "":
				name = "in clear"
			case active:
				name += " (active)"
			}
			parts = append(parts, fmt.Sprintf("%s %d", name, k.ByKey[id]))
		}
		if len(parts) == 0 {
			parts = append(parts, "-")
		}
		if rotated {
			stale = k.Resealed
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\n", k.Kind, total, stale, strings.Join(parts, ", "))
	}
	tw.Flush()
}
