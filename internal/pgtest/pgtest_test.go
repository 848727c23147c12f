package pgtest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Each test gets its own empty database on a server that listens on no
// TCP address and is private to this test binary.
func TestDBIsFreshAndPrivate(t *testing.T) {
	a, b := DB(t), DB(t)
	if a == b {
		t.Fatalf("two databases share the URL %s", a)
	}
	ca, cb := connect(t, a), connect(t, b)
	ctx := context.Background()
	if _, err := ca.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := ca.QueryRow(ctx, "SELECT x FROM t").Scan(&n); err != nil || n != 7 {
		t.Fatalf("read back %d (%v), want 7", n, err)
	}
	if _, err := cb.Exec(ctx, "SELECT x FROM t"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("the second database sees the first one's table: %v", err)
	}
	for setting, want := range map[string]string{"listen_addresses": "", "fsync": "off"} {
		var got string
		if err := ca.QueryRow(ctx, "SELECT current_setting($1)", setting).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", setting, got, err, want)
		}
	}
	var socketDir string
	if err := ca.QueryRow(ctx, "SELECT current_setting('unix_socket_directories')").Scan(&socketDir); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a, "host="+strings.ReplaceAll(socketDir, "/", "%2F")) {
		t.Errorf("URL %s does not name the server's socket directory %s", a, socketDir)
	}
}

// The server runs as an unprivileged user even when the tests run as
// root, since PostgreSQL refuses root: its postmaster process is not
// owned by uid 0.
func TestServerIsNotRoot(t *testing.T) {
	DB(t)
	raw, err := os.ReadFile(filepath.Join(shared.srv.dataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _, _ := strings.Cut(string(raw), "\n")
	fi, err := os.Stat("/proc/" + pid)
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid == 0 {
		t.Fatalf("postmaster %s runs as root", pid)
	}
}

// The skip message tells a developer what to install.
func TestMissingBinariesSaysHowToInstall(t *testing.T) {
	if !strings.Contains(ErrNoBinaries.Error(), "apt-get install postgresql") {
		t.Fatalf("message %q does not say how to install the server", ErrNoBinaries)
	}
	t.Setenv("PATH", t.TempDir())
	bin, err := FindBinaries()
	if err == nil && !strings.HasPrefix(bin.Dir, "/usr/lib/postgresql/") {
		t.Fatalf("with an empty PATH found %s", bin.Dir)
	}
}

// A server whose test binary died is stopped and removed by the next
// start, so killed test runs do not leave servers running.
func TestStaleServerIsReaped(t *testing.T) {
	DB(t) // skips without the binaries
	bin, err := FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	stale, err := Start(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stale.Stop() })
	raw, err := os.ReadFile(filepath.Join(stale.dataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	postmaster, _, _ := strings.Cut(string(raw), "\n")
	// A pid that was a process and is no longer: a child that has exited.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale.dir, ownerFile), []byte(strconv.Itoa(gone.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	reapStale(bin, stale.cred)
	if _, err := os.Stat(stale.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stale server's directory is still there: %v", err)
	}
	if running(postmaster) {
		t.Errorf("the stale server's postmaster %s still runs", postmaster)
	}
	// This binary's own server is alive and kept.
	conn := connect(t, DB(t))
	if err := conn.Ping(context.Background()); err != nil {
		t.Errorf("the live server was reaped: %v", err)
	}
}

// running reports whether process pid exists and has not exited: an
// exited postmaster may stay a zombie until init reaps it (pg_ctl, its
// parent, is gone).
func running(pid string) bool {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}
