package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// Exit codes of `ewaybill backup` and `ewaybill restore`, read like
// check's: 0 the copy is in place and every invariant holds in it, 1 the
// copy was made but failed its check and was thrown away, 2 nothing was
// done (a usage mistake, a refusal, nothing to copy, an I/O error).
const (
	copyOK       = 0
	copyViolated = 1
	copyNotRun   = 2
)

// errNoServer means no server answers on a data dir's control socket.
var errNoServer = errors.New("no server answers on the control socket")

// runBackup runs `ewaybill backup` and returns its exit code.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("backup", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dataDir := flags.String("data-dir", "./ewaybill-data", "directory of the embedded database, as given to ewaybill serve")
	out := flags.String("out", "", "`file` to write the backup to (required); written as FILE.tmp, checked, then renamed")
	force := flags.Bool("force", false, "replace --out if it exists (only once the new copy has passed its check)")
	lockTimeout := flags.Duration("lock-timeout", 2*time.Second, "with no server running, how long to wait for another process to release the data dir")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: ewaybill backup --out FILE [flags]   (--data-dir and --lock-timeout also read EWAYBILL_DATA_DIR, EWAYBILL_LOCK_TIMEOUT)")
		fmt.Fprintln(stderr, "Copies a data dir's database to FILE: from the running server through its control socket")
		fmt.Fprintln(stderr, "(a snapshot of one commit, taken while writes go on), or, with no server running, from the")
		fmt.Fprintln(stderr, "data dir itself. The copy is checked as ewaybill check checks a data dir before it is put")
		fmt.Fprintln(stderr, "in place. A data dir that keeps its own PII key file (<data-dir>/pii.key, serve's default)")
		fmt.Fprintln(stderr, "gets it copied to FILE.pii.key: the backup's personal data opens only with it, so keep the")
		fmt.Fprintln(stderr, "two apart; keys kept outside the data dir (serve --pii-key-file) are never copied.")
		fmt.Fprintln(stderr, "Exit status: 0 written and checked, 1 the copy failed its check (nothing kept),")
		fmt.Fprintln(stderr, "2 no backup was made.")
		flags.PrintDefaults()
	}
	// --out and --force stay off the environment: a variable left set must
	// never make a later backup overwrite a file.
	if code, stop := parseOffline(flags, args, getenv, copyOK, copyNotRun, "data-dir", "lock-timeout"); stop {
		return code
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "ewaybill backup: "+format+"\n", args...)
		return copyNotRun
	}
	if *out == "" {
		return fail("--out is required: the file to write the backup to")
	}
	dbPath := filepath.Join(*dataDir, boltstore.FileName)
	if samePath(*out, dbPath) {
		return fail("--out %s is the data dir's own database; write the backup anywhere else", *out)
	}
	if _, err := os.Lstat(*out); err == nil && !*force {
		return fail("--out %s exists; pass --force to replace it", *out)
	}
	// A data dir that keeps its own PII key file (serve's default) gets a
	// copy of it beside the backup: the backup's personal data opens with
	// nothing else, and a data dir lost with its key would take it along.
	// Keys kept outside the data dir (--pii-key-file) are never copied.
	keySrc := filepath.Join(*dataDir, boltstore.KeyFileName)
	keyOut := backupKeyFile(*out)
	_, err := os.Stat(keySrc)
	copyKey := err == nil
	if _, err := os.Lstat(keyOut); copyKey && err == nil && !*force {
		return fail("%s (where the data dir's PII key file is copied) exists; pass --force to replace it", keyOut)
	}

	src, err := openSnapshot(ctx, *dataDir, *lockTimeout)
	if err != nil {
		return fail("%v", err)
	}
	defer src.close()

	tmp := *out + ".tmp"
	n, err := writeSynced(tmp, func(w io.Writer) (int64, error) { return src.copyTo(ctxWriter{ctx, w}) })
	if err != nil && ctx.Err() != nil {
		return fail("interrupted; --out %s was not written", *out)
	}
	if err != nil {
		return fail("%v", err)
	}
	// The source is released before the check, which may take a while:
	// the running server's snapshot, or the stopped data dir's lock.
	src.close()
	report, err := checkDatabaseFile(ctx, tmp)
	if err != nil || !report.OK() {
		os.Remove(tmp)
		return reportFailedCheck(stdout, stderr, "backup", "the copy", tmp, report, err, "removed it; --out "+*out+" was not written")
	}
	if err := placeFile(tmp, *out, *force); err != nil {
		os.Remove(tmp)
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "wrote %s: %d bytes, %d waybills, from %s\n", *out, n, report.Waybills, src.from)
	writeCheckReport(stdout, *out, report)
	// The copy goes unannounced: the usage and the README say where it
	// goes, and the report's lines stay as check prints them.
	if copyKey {
		if err := copyFileSynced(keySrc, keyOut, *force); err != nil {
			return fail("%s is written, but the copy of its PII key file is not: %v; copy %s yourself", *out, err, keySrc)
		}
	}
	return copyOK
}

// backupKeyFile is where backup copies a data dir's PII key file, and
// where restore looks for it.
func backupKeyFile(backup string) string { return backup + "." + boltstore.KeyFileName }

// copyFileSynced copies src to dst (mode 0600) through a flushed
// temporary file, replacing dst only if force.
func copyFileSynced(src, dst string, force bool) error {
	tmp := dst + ".tmp"
	_, err := writeSynced(tmp, func(w io.Writer) (int64, error) {
		in, err := os.Open(src)
		if err != nil {
			return 0, err
		}
		defer in.Close()
		return io.Copy(w, in)
	})
	if err != nil {
		return err
	}
	if err := placeFile(tmp, dst, force); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// snapshotSource is where a backup's bytes come from: a running server's
// control socket or a stopped data dir's file.
type snapshotSource struct {
	// from says which, for the report.
	from   string
	copyTo func(w io.Writer) (int64, error)
	close  func()
}

// openSnapshot asks the server of dataDir for a snapshot, or, if none
// answers, opens the data dir's database read-only itself.
func openSnapshot(ctx context.Context, dataDir string, lockTimeout time.Duration) (*snapshotSource, error) {
	socket := controlSocketPath(dataDir)
	resp, err := requestBackup(ctx, socket)
	if err == nil {
		return &snapshotSource{
			from:   "the running server (" + socket + ")",
			copyTo: func(w io.Writer) (int64, error) { return copyAnnounced(w, resp) },
			close:  func() { resp.Body.Close() },
		}, nil
	}
	if !errors.Is(err, errNoServer) {
		return nil, err
	}
	dbPath := filepath.Join(dataDir, boltstore.FileName)
	// A read-only open cannot create the file, but it would report a
	// missing one only as a bare "no such file".
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no ewaybill database at %s and no server answering on %s; pass the --data-dir the server runs with", dbPath, socket)
	}
	store, err := boltstore.Open(dataDir, boltstore.Options{ReadOnly: true, LockTimeout: lockTimeout})
	if errors.Is(err, boltstore.ErrLocked) {
		return nil, fmt.Errorf("%w\nno server answers on %s, yet a process holds the data dir: a server of an older ewaybill without a control socket? Stop it and run the backup again", err, socket)
	}
	if err != nil {
		return nil, err
	}
	return &snapshotSource{
		from:   "the stopped data dir " + dataDir,
		copyTo: func(w io.Writer) (int64, error) { return store.WriteBackup(ctx, w) },
		close:  func() { store.Close() },
	}, nil
}

// requestBackup asks the server on socket for a snapshot and returns the
// response once its length is known. It returns errNoServer when no socket
// is there or nothing listens on it (a crashed server's leftover).
func requestBackup(ctx context.Context, socket string) (*http.Response, error) {
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		DisableKeepAlives: true,
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+controlHost+controlBackupPath, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED)) {
		return nil, errNoServer
	}
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", socket, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("the server on %s refused the backup: %s: %s", socket, resp.Status, strings.TrimSpace(string(msg)))
	}
	if resp.ContentLength <= 0 {
		resp.Body.Close()
		return nil, fmt.Errorf("the server on %s sent a backup without its length", socket)
	}
	return resp, nil
}

// copyAnnounced copies a backup response to w and fails unless exactly
// the announced length arrived: a server that fails midway stops short.
func copyAnnounced(w io.Writer, resp *http.Response) (int64, error) {
	n, err := io.Copy(w, resp.Body)
	if err == nil && n != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return n, fmt.Errorf("the copy from the server stopped after %d of %d bytes: %w", n, resp.ContentLength, err)
	}
	return n, nil
}

// writeSynced creates path (which must not exist), fills it with write,
// and flushes it to disk. On any failure the file is removed, so a killed
// or failed copy never looks like a finished one.
func writeSynced(path string, write func(io.Writer) (int64, error)) (n int64, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return 0, fmt.Errorf("%s exists: another copy to it is running, or one was killed; remove it if none is running", path)
	}
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
		}
	}()
	if n, err = write(f); err != nil {
		return n, err
	}
	if err := f.Sync(); err != nil {
		return n, fmt.Errorf("flush %s: %w", path, err)
	}
	return n, f.Close()
}

// checkDatabaseFile opens the database file at path read-only and checks
// it as `ewaybill check` checks a data dir, after bbolt's own check of its
// pages (the invariants are read through them). An error means the file
// is not a sound database.
func checkDatabaseFile(ctx context.Context, path string) (report *quota.Report, err error) {
	// bbolt panics on some damage it meets while reading; that is a
	// failed check, not a crash of the tool.
	defer func() {
		if r := recover(); r != nil {
			report, err = nil, fmt.Errorf("the database is damaged: reading it failed: %v", r)
		}
	}()
	store, err := boltstore.OpenFile(path, boltstore.Options{})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if err := store.CheckPages(ctx); err != nil {
		return nil, fmt.Errorf("the database's pages are damaged:\n%w", err)
	}
	return quota.Check(ctx, store)
}

// reportFailedCheck tells why the file at path (what it is: "the copy")
// was not kept: what the check found on stdout, as check prints it, and
// the outcome on stderr.
func reportFailedCheck(stdout, stderr io.Writer, cmd, what, path string, report *quota.Report, err error, outcome string) int {
	if err != nil {
		fmt.Fprintf(stderr, "ewaybill %s: %s %s is not a sound database: %v\n", cmd, what, path, err)
	} else {
		writeCheckReport(stdout, path, report)
		fmt.Fprintf(stderr, "ewaybill %s: %s %s failed its check\n", cmd, what, path)
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "ewaybill %s: interrupted; %s\n", cmd, outcome)
		return copyNotRun
	}
	fmt.Fprintf(stderr, "ewaybill %s: %s\n", cmd, outcome)
	return copyViolated
}

// placeFile moves the checked copy tmp to out, replacing out only if
// force, and makes the move durable.
func placeFile(tmp, out string, force bool) error {
	if force {
		if err := os.Rename(tmp, out); err != nil {
			return err
		}
		return syncDir(filepath.Dir(out))
	}
	// A hard link fails if out exists, so a file that appeared since the
	// first look is not replaced either.
	err := os.Link(tmp, out)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("--out %s exists; pass --force to replace it", out)
	}
	if err == nil {
		err = os.Remove(tmp)
	} else {
		// File systems without hard links: look, then rename.
		if _, lerr := os.Lstat(out); lerr == nil {
			return fmt.Errorf("--out %s exists; pass --force to replace it", out)
		}
		err = os.Rename(tmp, out)
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(out))
}

// syncDir flushes a directory, so a rename in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("flush directory %s: %w", dir, err)
	}
	return nil
}

// samePath reports whether a and b name the same file: the same path once
// made absolute, or, when both exist, the same file by any path.
func samePath(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// ctxWriter fails writes once ctx has ended, so an interrupted copy stops
// at its next write.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// runRestore runs `ewaybill restore` and returns its exit code.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("restore", flag.ContinueOnError)
	flags.SetOutput(stderr)
	backup := flags.String("backup", "", "backup `file` written by ewaybill backup (required)")
	dataDir := flags.String("data-dir", "./ewaybill-data", "data dir to restore into (created if missing)")
	force := flags.Bool("force", false, "replace a database the data dir already holds (it is kept beside it as ewaybill.db.replaced-TIME)")
	lockTimeout := flags.Duration("lock-timeout", 2*time.Second, "how long to wait for another process to release the data dir's database")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: ewaybill restore --backup FILE [flags]   (--data-dir and --lock-timeout also read EWAYBILL_DATA_DIR, EWAYBILL_LOCK_TIMEOUT)")
		fmt.Fprintln(stderr, "Puts a backup in place as a stopped data dir's database: checked as ewaybill check checks a")
		fmt.Fprintln(stderr, "data dir, then renamed in at once. Refused while a server runs on the data dir. The PII key")
		fmt.Fprintln(stderr, "file backup copied beside it (FILE.pii.key) goes into a data dir that has none. Exit status:")
		fmt.Fprintln(stderr, "0 restored and checked, 1 the backup failed its check (nothing changed), 2 nothing was done.")
		flags.PrintDefaults()
	}
	if code, stop := parseOffline(flags, args, getenv, copyOK, copyNotRun, "data-dir", "lock-timeout"); stop {
		return code
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "ewaybill restore: "+format+"\n", args...)
		return copyNotRun
	}
	if *backup == "" {
		return fail("--backup is required: the file ewaybill backup wrote")
	}
	if fi, err := os.Stat(*backup); err != nil {
		return fail("--backup: %v", err)
	} else if !fi.Mode().IsRegular() {
		return fail("--backup %s is not a regular file", *backup)
	}
	socket := controlSocketPath(*dataDir)
	if conn, err := net.Dial("unix", socket); err == nil {
		conn.Close()
		return fail("a server is running on %s (its control socket %s answers); stop it before restoring", *dataDir, socket)
	}
	dbPath := filepath.Join(*dataDir, boltstore.FileName)
	if samePath(*backup, dbPath) {
		return fail("--backup %s is the data dir's own database", *backup)
	}
	_, err := os.Lstat(dbPath)
	replacing := err == nil
	if replacing && !*force {
		return fail("%s already holds a database (%s); pass --force to replace it (the replaced file is kept beside it)", *dataDir, dbPath)
	}
	// The copy is made inside the data dir, so the final rename stays on
	// one file system and is atomic, and it is the copy that is checked.
	tmp := dbPath + ".restore.tmp"
	if replacing {
		if err := notInUse(*dataDir, *lockTimeout); err != nil {
			return fail("%v", err)
		}
	}
	_, err = os.Stat(*dataDir)
	created := errors.Is(err, fs.ErrNotExist)
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return fail("create data dir: %v", err)
	}
	// A refused restore leaves no empty data dir of its making behind.
	removeCreated := func() {
		if created {
			os.Remove(*dataDir)
		}
	}
	undo := func() {
		os.Remove(tmp)
		removeCreated()
	}

	n, err := writeSynced(tmp, func(w io.Writer) (int64, error) {
		in, err := os.Open(*backup)
		if err != nil {
			return 0, err
		}
		defer in.Close()
		return io.Copy(ctxWriter{ctx, w}, in)
	})
	if err != nil {
		// writeSynced removed what it wrote; a temporary file it found
		// there is another restore's.
		removeCreated()
		return fail("%v", err)
	}
	report, err := checkDatabaseFile(ctx, tmp)
	if err != nil || !report.OK() {
		undo()
		return reportFailedCheck(stdout, stderr, "restore", "the backup", *backup, report, err, "nothing changed in "+*dataDir)
	}
	// The PII key file backup copied beside the backup goes into a data
	// dir that has none, so the restored data dir serves as it did.
	keyIn, keyDst := backupKeyFile(*backup), filepath.Join(*dataDir, boltstore.KeyFileName)
	installedKey := false
	if _, err := os.Stat(keyIn); err == nil {
		if _, err := os.Lstat(keyDst); errors.Is(err, fs.ErrNotExist) {
			if err := copyFileSynced(keyIn, keyDst, false); err != nil {
				undo()
				return fail("install the backup's PII key file %s: %v", keyIn, err)
			}
			installedKey = true
		}
	}
	undoKey := func() {
		if installedKey {
			os.Remove(keyDst)
		}
	}
	var kept string
	if replacing {
		// A hard link keeps the replaced database while the rename below
		// swaps the name in one step; the data dir never lacks a database.
		kept = dbPath + ".replaced-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Link(dbPath, kept); err != nil {
			undoKey()
			undo()
			return fail("keep the replaced database: %v; move %s away yourself and restore without --force", err, dbPath)
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		undoKey()
		undo()
		return fail("%v", err)
	}
	if err := syncDir(*dataDir); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "restored %s into %s: %d bytes, %d waybills\n", *backup, dbPath, n, report.Waybills)
	if kept != "" {
		fmt.Fprintf(stdout, "the replaced database is kept as %s\n", kept)
	}
	if installedKey {
		fmt.Fprintf(stdout, "installed the backup's PII key file %s as %s\n", keyIn, keyDst)
	}
	writeCheckReport(stdout, dbPath, report)
	if ids := keysNotAt(ctx, dbPath, keyDst); len(ids) > 0 {
		fmt.Fprintf(stdout, "note: the restored records are sealed with PII key %s, which %s does not hold: "+
			"start serve with a key file that does (--pii-key-file)\n", strings.Join(ids, ", "), keyDst)
	}
	return copyOK
}

// keysNotAt returns the ids of the keys the database at dbPath may be
// sealed with that the key file at keyFile lacks (all of them if it
// cannot be read), so restore can say what serve will ask for.
func keysNotAt(ctx context.Context, dbPath, keyFile string) []string {
	store, err := boltstore.OpenFile(dbPath, boltstore.Options{})
	if err != nil {
		return nil
	}
	ids, err := store.PIIKeyIDs(ctx)
	store.Close()
	if err != nil {
		return nil
	}
	keys, _ := sealing.LoadFile(keyFile)
	return slices.DeleteFunc(ids, func(id string) bool { return keys != nil && keys.Has(id) })
}

// notInUse fails if a process holds the database of dataDir: it would go
// on using a replaced file and lose everything it wrote from then on. A
// database too damaged to open (or whose reading panics bbolt) cannot be
// in use, and replacing one is what restores are for.
func notInUse(dataDir string, lockTimeout time.Duration) (err error) {
	defer func() {
		if recover() != nil {
			err = nil
		}
	}()
	store, err := boltstore.Open(dataDir, boltstore.Options{ReadOnly: true, LockTimeout: lockTimeout})
	if errors.Is(err, boltstore.ErrLocked) {
		return err
	}
	if err == nil {
		store.Close()
	}
	return nil
}
