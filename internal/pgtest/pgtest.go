// Package pgtest gives tests a private PostgreSQL server: one per test
// binary, started on first use from the server binaries installed on the
// machine, listening only on a unix socket in its own temporary
// directory, and one fresh database per test.
//
// A package whose tests use it runs them through Main:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and each test asks for a database with DB. Where the server binaries
// are missing, DB skips the test, saying how to install them; with
// EWAYBILL_REQUIRE_POSTGRES=1 (as in CI) it fails it instead.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// RequireEnv names the environment variable that turns a missing server
// into a test failure instead of a skip.
const RequireEnv = "EWAYBILL_REQUIRE_POSTGRES"

// debianBinGlob is where Debian's postgresql-NN packages install the
// server binaries, which are not on PATH there.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// The one server of this test binary. It is package state because it is
// shared by every test of the binary and must outlive each of them; Main
// stops it when they are done.
var shared struct {
	mainRan atomic.Bool
	once    sync.Once
	srv     *Server
	err     error
	dbs     atomic.Int64
}

// Main runs the package's tests and stops the server if one was started;
// it does not return. Call it from TestMain.
func Main(m *testing.M) {
	shared.mainRan.Store(true)
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// DB creates a new, empty database on the test binary's server (starting
// the server on first use) and returns its connection string, a
// postgres:// URL over the server's unix socket. The database is dropped
// when the test ends, after the cleanups registered after DB, so a store
// opened on it must be closed by a cleanup of its own.
func DB(t testing.TB) string {
	t.Helper()
	if !shared.mainRan.Load() {
		t.Fatal("pgtest.DB needs the package's TestMain to call pgtest.Main, which stops the server after the tests")
	}
	shared.once.Do(func() {
		bin, err := FindBinaries()
		if err != nil {
			shared.err = err
			return
		}
		shared.srv, shared.err = Start(bin)
	})
	if errors.Is(shared.err, ErrNoBinaries) {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%v (%s=1 requires PostgreSQL)", shared.err, RequireEnv)
		}
		t.Skipf("%v; skipping the PostgreSQL tests (set %s=1 to make this a failure)", shared.err, RequireEnv)
	}
	if shared.err != nil {
		t.Fatalf("private PostgreSQL server: %v", shared.err)
	}
	name := fmt.Sprintf("t%d", shared.dbs.Add(1))
	ctx := context.Background()
	if err := shared.srv.exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends sessions a test left open, so one leak does not
		// fill the disk with databases that cannot be dropped.
		if err := shared.srv.exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return shared.srv.URL(name)
}

// Binaries are the PostgreSQL server programs, all from one directory.
type Binaries struct {
	Dir string
}

func (b Binaries) path(name string) string { return filepath.Join(b.Dir, name) }

// ErrNoBinaries says that no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in " + debianBinGlob +
	": install them (apt-get install postgresql)")

// FindBinaries looks for initdb, pg_ctl and postgres in one directory:
// first where PATH finds initdb, then in Debian's versioned directories,
// newest version first.
func FindBinaries() (Binaries, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	versioned, _ := filepath.Glob(debianBinGlob)
	slices.SortFunc(versioned, func(a, b string) int { return majorOf(b) - majorOf(a) })
	dirs = append(dirs, versioned...)
	for _, dir := range dirs {
		if complete(dir) {
			return Binaries{Dir: dir}, nil
		}
	}
	return Binaries{}, ErrNoBinaries
}

// majorOf is the version in /usr/lib/postgresql/<version>/bin.
func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func complete(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// Server is a running private PostgreSQL server.
type Server struct {
	bin Binaries
	// dir holds the data directory, the socket and the log.
	dir string
	// cred runs the server programs as an unprivileged user when the
	// tests run as root (PostgreSQL refuses to run as root); nil otherwise.
	cred *syscall.Credential
}

// User is the server's superuser, trusted over the socket.
const User = "postgres"

// port only names the socket file (.s.PGSQL.<port>): the server listens
// on no TCP port, so any number serves.
const port = 5432

// Start creates a cluster in a new temporary directory and starts a
// server on it that listens only on a unix socket in that directory.
// Stop stops it and removes the directory.
func Start(bin Binaries) (*Server, error) {
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	reapStale(bin, cred)
	dir, err := os.MkdirTemp("", dirPattern)
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, cred: cred}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if cred != nil {
		// The server's user must own its directory; root keeps access.
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("hand %s to the server's user: %w", dir, err)
		}
	}
	if err := s.start(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// dirPattern names the servers' directories in the temporary directory,
// where reapStale finds them.
const dirPattern = "ewaybill-pgtest-"

// ownerFile holds the pid of the test binary that started the server.
const ownerFile = "owner.pid"

// reapStale stops and removes the servers of test binaries that died
// without stopping them (a test timeout, a kill), which would otherwise
// run on with nothing to stop them. A directory without an owner file
// may be one being made now, and is left alone.
func reapStale(bin Binaries, cred *syscall.Credential) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPattern+"*"))
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		stale := &Server{bin: bin, dir: dir, cred: cred}
		if stale.Stop() != nil {
			// Stopped it may not be, but its files are no use to anyone.
			stale.run("pg_ctl", "stop", "--mode", "immediate", "--pgdata", stale.dataDir())
			os.RemoveAll(dir)
		}
	}
}

// alive reports whether a process with pid exists (it may be another's
// after pid reuse, which only spares a stale server for now).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }
func (s *Server) logFile() string { return filepath.Join(s.dir, "server.log") }

func (s *Server) start() error {
	// trust: only the socket exists, in a directory only the server's
	// user (and root) can enter. fsync off: a test cluster is thrown away
	// after a crash, and it is several times faster.
	if out, err := s.run("initdb", "--pgdata", s.dataDir(), "--username", User, "--auth", "trust",
		"--encoding", "UTF8", "--locale", "C", "--no-sync"); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	opts := strings.Join([]string{
		"-c listen_addresses=''",
		"-c unix_socket_directories=" + s.dir,
		"-c port=" + strconv.Itoa(port),
		"-c fsync=off",
		"-c synchronous_commit=off",
		"-c full_page_writes=off",
		"-c max_connections=200",
	}, " ")
	if out, err := s.run("pg_ctl", "start", "--wait", "--timeout", "60", "--pgdata", s.dataDir(),
		"--log", s.logFile(), "--options", opts); err != nil {
		log, _ := os.ReadFile(s.logFile())
		return fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	return nil
}

// Stop stops the server (fast: ending open sessions) and removes its
// directory.
func (s *Server) Stop() error {
	var err error
	if _, statErr := os.Stat(filepath.Join(s.dataDir(), "postmaster.pid")); statErr == nil {
		if out, stopErr := s.run("pg_ctl", "stop", "--wait", "--mode", "fast", "--pgdata", s.dataDir()); stopErr != nil {
			err = fmt.Errorf("pg_ctl stop: %w\n%s", stopErr, out)
		}
	}
	if err == nil {
		err = os.RemoveAll(s.dir)
	}
	return err
}

// run runs one of the server programs as the server's user.
func (s *Server) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(s.bin.path(name), args...)
	cmd.Dir = s.dir
	// The server's locale and time zone come from the flags, not from
	// whatever the test's environment holds.
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd.CombinedOutput()
}

// serverCredential returns, when this process is root, the user to run
// the server as: Debian's postgresql packages create "postgres"; failing
// that, "nobody" serves for a throw-away cluster.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: false, Groups: []uint32{}}, nil
	}
	return nil, errors.New("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as (it refuses to run as root)")
}

// URL returns the connection string of database db on the server.
func (s *Server) URL(db string) string {
	q := url.Values{"host": {s.dir}, "port": {strconv.Itoa(port)}, "user": {User}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", Path: "/" + db, RawQuery: q.Encode()}).String()
}

// exec runs one statement in the maintenance database.
func (s *Server) exec(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
