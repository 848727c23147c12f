package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// runCopyCmd runs `ewaybill backup` or `ewaybill restore` with args and
// the environment env.
func runCopyCmd(run func(context.Context, []string, func(string) string, io.Writer, io.Writer) int, env map[string]string, args ...string) cli {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return cli{code, stdout.String(), stderr.String()}
}

// acked is an allocation the server acknowledged.
type acked struct {
	name, number string
}

// allocateUntil allocates SF waybills from workers goroutines until stop
// is closed, recording every acknowledged one in the order the answers
// came. It returns a function that waits for the workers and reports the
// first failure.
func allocateUntil(ctx context.Context, conn grpc.ClientConnInterface, demo demoInfo, workers int, stop <-chan struct{},
	mu *sync.Mutex, got *[]acked) func() error {
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+demo.MerchantKey)
	api := ewaybillv1.NewWaybillServiceClient(conn)
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				resp, err := api.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{
					Parent: demo.Merchant, Carrier: "carriers/SF", RequestId: uuid.NewString(),
					Order: &ewaybillv1.Order{
						OrderCode: fmt.Sprintf("LOAD-%d-%d", w, i),
						Sender:    &ewaybillv1.Party{Name: "李四", Mobile: "13800138000", Province: "上海市", City: "上海市", Address: "张江路 88 号"},
						Receiver:  &ewaybillv1.Party{Name: "王五", Mobile: "13912345678", Province: "广东省", City: "深圳市", Address: "科技园南区 6 栋"},
						Parcel:    &ewaybillv1.Parcel{WeightGrams: 500},
						Items:     []*ewaybillv1.Item{{Name: "T恤", Quantity: 1}},
					},
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d allocation %d: %w", w, i, err)
					return
				}
				mu.Lock()
				*got = append(*got, acked{resp.GetWaybill().GetName(), resp.GetWaybill().GetNumber()})
				mu.Unlock()
			}
		}()
	}
	return func() error {
		var first error
		for range workers {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		return first
	}
}

// TestBackupDuringLoadAndRestore takes a backup of a running server while
// allocations go on, restores it into a fresh data dir and checks the
// result: its books balance, every allocation acknowledged before the
// backup began is in it with its number, and it holds no more than was
// acknowledged by the backup's end. Then the restored data dir serves.
func TestBackupDuringLoadAndRestore(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	p := startServed(t, dataDir)
	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	demo, err := seedDemo(ctx, conn, testAdminKey)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var got []acked
	stop := make(chan struct{})
	const workers = 4
	wait := allocateUntil(ctx, conn, demo, workers, stop, &mu, &got)
	stopped := false
	stopLoad := func() error {
		if stopped {
			return nil
		}
		stopped = true
		close(stop)
		return wait()
	}
	defer stopLoad()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	for deadline := time.Now().Add(30 * time.Second); count() < 100; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d allocations in 30s", count())
		}
	}

	mu.Lock()
	before := append([]acked(nil), got...)
	mu.Unlock()
	out := filepath.Join(t.TempDir(), "ewaybill.backup")
	b := runCopyCmd(runBackup, nil, "--data-dir", dataDir, "--out", out)
	during := count()
	if err := stopLoad(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d allocations acknowledged before the backup, %d by its end, %d in all", len(before), during, len(got))
	if b.code != copyOK || b.stderr != "" {
		t.Fatalf("backup: exit %d\nstdout:\n%s\nstderr:\n%s", b.code, b.stdout, b.stderr)
	}
	wrote := fmt.Sprintf(`^wrote %s: \d+ bytes, (\d+) waybills, from the running server \(%s\)\n`, out, filepath.Join(dataDir, controlSocketName))
	if !regexpMatch(wrote, b.stdout) || !strings.Contains(b.stdout, "ok: every invariant holds\n") {
		t.Errorf("backup stdout:\n%s", b.stdout)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v %v", fi, err)
	}
	if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("backup left %s.tmp: %v", out, err)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	r := runCopyCmd(runRestore, nil, "--backup", out, "--data-dir", restored)
	if r.code != copyOK || r.stderr != "" || !strings.HasPrefix(r.stdout, "restored "+out+" into "+filepath.Join(restored, boltstore.FileName)+": ") {
		t.Fatalf("restore: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	c := runCheckWith(nil, "--data-dir", restored)
	if c.code != checkOK {
		t.Fatalf("check of the restored data dir: exit %d\n%s%s", c.code, c.stdout, c.stderr)
	}

	store, err := boltstore.Open(restored, boltstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = store.View(ctx, func(tx storage.Tx) error {
		for _, a := range before {
			parts, err := resname.Parse("name", a.name, "merchants", "*", "waybills", "*")
			if err != nil {
				return err
			}
			w, err := tx.Waybills().Get(storage.WaybillRef{MerchantID: parts[0], ID: parts[1]})
			if err != nil {
				return fmt.Errorf("%s (acknowledged before the backup) in the restored data dir: %w", a.name, err)
			}
			if w.GetNumber() != a.number || w.GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED {
				return fmt.Errorf("%s restored with number %s state %s; acknowledged with %s", a.name, w.GetNumber(), w.GetState(), a.number)
			}
		}
		return nil
	})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	report, err := checkDatabaseFile(ctx, filepath.Join(restored, boltstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	held := report.Waybills
	// Allocations in flight when the backup ended may have committed
	// without their answer having arrived yet: at most one per worker.
	if held < len(before) || held > during+workers {
		t.Errorf("restored data dir holds %d waybills; %d were acknowledged before the backup, %d by its end", held, len(before), during)
	}

	// The original server is unharmed and its own books balance.
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if c := runCheckWith(nil, "--data-dir", dataDir); c.code != checkOK {
		t.Errorf("check of the original data dir: exit %d\n%s", c.code, c.stdout)
	}
	// The restored data dir serves, and carries on from where it was.
	q := startServed(t, restored)
	resp, err := http.Get("http://" + q.httpAddr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz of the restored server: %v %v", resp, err)
	}
	resp.Body.Close()
}

func regexpMatch(pattern, s string) bool {
	return regexp.MustCompile(pattern).MatchString(s)
}

// TestBackupStoppedDataDir backs up a data dir with no server running and
// restores the copy; the copy's books read as the original's.
func TestBackupStoppedDataDir(t *testing.T) {
	ts := checkedServer(t) // stopped, one waybill allocated
	out := filepath.Join(t.TempDir(), "b.db")
	b := runCopyCmd(runBackup, map[string]string{"EWAYBILL_DATA_DIR": ts.dataDir}, "--out", out)
	if b.code != copyOK || b.stderr != "" {
		t.Fatalf("backup: exit %d\n%s%s", b.code, b.stdout, b.stderr)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	wantHead := fmt.Sprintf("wrote %s: %d bytes, 1 waybills, from the stopped data dir %s\nchecked %s\n", out, fi.Size(), ts.dataDir, out)
	if !strings.HasPrefix(b.stdout, wantHead) || !strings.HasSuffix(b.stdout, "ok: every invariant holds\n") {
		t.Errorf("backup stdout:\n%s\nwant it to start:\n%s", b.stdout, wantHead)
	}

	restored := t.TempDir()
	if r := runCopyCmd(runRestore, nil, "--backup", out, "--data-dir", restored); r.code != copyOK {
		t.Fatalf("restore: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	orig := runCheckWith(nil, "--data-dir", ts.dataDir)
	copied := runCheckWith(nil, "--data-dir", restored)
	strip := func(s string) string { _, rest, _ := strings.Cut(s, "\n"); return rest } // drop the "checked PATH" line
	if copied.code != checkOK || strip(copied.stdout) != strip(orig.stdout) {
		t.Errorf("check of the restored copy:\n%s\noriginal:\n%s", copied.stdout, orig.stdout)
	}
}

func TestBackupRefusals(t *testing.T) {
	ts := checkedServer(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("last week's backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, "killed.db")
	if err := os.WriteFile(leftover+".tmp", []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	dbPath := filepath.Join(ts.dataDir, boltstore.FileName)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no --out", []string{"--data-dir", ts.dataDir}, "ewaybill backup: --out is required: the file to write the backup to\n"},
		{"--out exists", []string{"--data-dir", ts.dataDir, "--out", existing},
			"ewaybill backup: --out " + existing + " exists; pass --force to replace it\n"},
		{"--out is the database", []string{"--data-dir", ts.dataDir, "--out", dbPath, "--force"},
			"ewaybill backup: --out " + dbPath + " is the data dir's own database; write the backup anywhere else\n"},
		{"no database", []string{"--data-dir", empty, "--out", filepath.Join(dir, "new.db")},
			"ewaybill backup: no ewaybill database at " + filepath.Join(empty, boltstore.FileName) + " and no server answering on " +
				filepath.Join(empty, controlSocketName) + "; pass the --data-dir the server runs with\n"},
		{"leftover temporary file", []string{"--data-dir", ts.dataDir, "--out", leftover},
			"ewaybill backup: " + leftover + ".tmp exists: another copy to it is running, or one was killed; remove it if none is running\n"},
		{"argument", []string{"--data-dir", ts.dataDir, "--out", filepath.Join(dir, "x.db"), "extra"}, "ewaybill backup: unexpected argument \"extra\"\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCopyCmd(runBackup, nil, c.args...)
			if r.code != copyNotRun || r.stdout != "" || r.stderr != c.want {
				t.Errorf("exit %d stdout %q stderr %q\nwant exit %d stderr %q", r.code, r.stdout, r.stderr, copyNotRun, c.want)
			}
		})
	}
	if got := readFile(t, existing); got != "last week's backup" {
		t.Errorf("refused backup changed --out: %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.db")); !os.IsNotExist(err) {
		t.Errorf("backup of nothing left a file: %v", err)
	}
	// With --force the existing file is replaced by a checked copy.
	r := runCopyCmd(runBackup, nil, "--data-dir", ts.dataDir, "--out", existing, "--force")
	if r.code != copyOK {
		t.Fatalf("backup --force: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if report, err := checkDatabaseFile(context.Background(), existing); err != nil || report.Waybills != 1 {
		t.Errorf("forced backup: %v %v", report, err)
	}
}

// TestBackupOfBrokenBooksKeepsNothing: a data dir whose invariants are
// broken gives a copy that fails its check; the copy is thrown away and an
// existing backup is left as it was, even with --force.
func TestBackupOfBrokenBooksKeepsNothing(t *testing.T) {
	ts := checkedServer(t)
	breakBooks(t, ts)
	out := filepath.Join(t.TempDir(), "b.db")
	if err := os.WriteFile(out, []byte("the last good backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCopyCmd(runBackup, nil, "--data-dir", ts.dataDir, "--out", out, "--force")
	if r.code != copyViolated || !strings.Contains(r.stdout, "FAILED: 2 problems\n") ||
		r.stderr != "ewaybill backup: the copy "+out+".tmp failed its check\newaybill backup: removed it; --out "+out+" was not written\n" {
		t.Errorf("backup of broken books: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if got := readFile(t, out); got != "the last good backup" {
		t.Errorf("--out became %q", got)
	}
	if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("failed backup left its temporary file: %v", err)
	}
}

// breakBooks loses a unit of the demo merchant's SF quota behind the
// ledger's back, as TestCheckCorruptedStore does.
func breakBooks(t *testing.T, ts *testServer) {
	t.Helper()
	store, err := boltstore.Open(ts.dataDir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	merchantID := strings.TrimPrefix(ts.demo.Merchant, "merchants/")
	err = store.Update(context.Background(), func(tx storage.Tx) error {
		q, err := tx.Quotas().Get(merchantID, "SF")
		if err != nil {
			return err
		}
		q.Available--
		return tx.Quotas().Put(merchantID, "SF", q)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreRefusals(t *testing.T) {
	ts := checkedServer(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if r := runCopyCmd(runBackup, nil, "--data-dir", ts.dataDir, "--out", good); r.code != copyOK {
		t.Fatalf("backup: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := checkedServer(t)
	breakBooks(t, broken)
	brokenCopy := filepath.Join(dir, "broken.db")
	copyFile(t, filepath.Join(broken.dataDir, boltstore.FileName), brokenCopy)

	running := startServed(t, t.TempDir())
	fresh := filepath.Join(t.TempDir(), "fresh")
	for _, c := range []struct {
		name    string
		args    []string
		code    int
		stdout  string
		stderrs []string
	}{
		{"no --backup", []string{"--data-dir", fresh}, copyNotRun, "", []string{"ewaybill restore: --backup is required"}},
		{"missing backup", []string{"--backup", filepath.Join(dir, "none.db"), "--data-dir", fresh}, copyNotRun, "",
			[]string{"ewaybill restore: --backup: stat " + filepath.Join(dir, "none.db") + ": no such file or directory"}},
		{"server running", []string{"--backup", good, "--data-dir", running.dataDir, "--force"}, copyNotRun, "",
			[]string{"ewaybill restore: a server is running on " + running.dataDir + " (its control socket " +
				filepath.Join(running.dataDir, controlSocketName) + " answers); stop it before restoring\n"}},
		{"database there", []string{"--backup", good, "--data-dir", ts.dataDir}, copyNotRun, "",
			[]string{"ewaybill restore: " + ts.dataDir + " already holds a database (" + filepath.Join(ts.dataDir, boltstore.FileName) + "); pass --force"}},
		{"not a database", []string{"--backup", garbage, "--data-dir", fresh}, copyViolated, "",
			[]string{"ewaybill restore: the backup " + garbage + " is not a sound database: ", "ewaybill restore: nothing changed in " + fresh + "\n"}},
		{"broken books", []string{"--backup", brokenCopy, "--data-dir", fresh}, copyViolated, "FAILED: 2 problems",
			[]string{"ewaybill restore: the backup " + brokenCopy + " failed its check\n", "ewaybill restore: nothing changed in " + fresh + "\n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCopyCmd(runRestore, nil, c.args...)
			if r.code != c.code || (c.stdout == "") != (r.stdout == "") || !strings.Contains(r.stdout, c.stdout) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d", r.code, r.stdout, r.stderr, c.code)
			}
			for _, want := range c.stderrs {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q lacks %q", r.stderr, want)
				}
			}
		})
	}
	// The refused restores left no data dir behind.
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("refused restores left %s: %v", fresh, err)
	}

	// --force replaces the database and keeps the replaced one beside it.
	r := runCopyCmd(runRestore, nil, "--backup", good, "--data-dir", broken.dataDir, "--force")
	if r.code != copyOK {
		t.Fatalf("restore --force: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	kept, _ := filepath.Glob(filepath.Join(broken.dataDir, boltstore.FileName+".replaced-*"))
	if len(kept) != 1 || !strings.Contains(r.stdout, "the replaced database is kept as "+kept[0]+"\n") {
		t.Fatalf("replaced database kept as %v; stdout:\n%s", kept, r.stdout)
	}
	if c := runCheckWith(nil, "--data-dir", broken.dataDir); c.code != checkOK {
		t.Errorf("check after restore --force: exit %d\n%s", c.code, c.stdout)
	}
	if report, err := checkDatabaseFile(context.Background(), kept[0]); err != nil || report.OK() {
		t.Errorf("the kept database should be the broken one: %v %v", report, err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCopyAnnouncedShortBody: a server that stops before the announced
// length gives an error, never a short file taken for whole.
func TestCopyAnnouncedShortBody(t *testing.T) {
	resp := &http.Response{ContentLength: 8192, Body: io.NopCloser(strings.NewReader(strings.Repeat("x", 5000)))}
	var buf bytes.Buffer
	n, err := copyAnnounced(&buf, resp)
	if err == nil || n != 5000 || !strings.Contains(err.Error(), "the copy from the server stopped after 5000 of 8192 bytes") {
		t.Fatalf("short copy: %d, %v", n, err)
	}
}
