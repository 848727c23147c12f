package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// servedProcess is runServe running inside the test process on free ports,
// as `ewaybill serve` runs, with its log kept for the test.
type servedProcess struct {
	dataDir            string
	grpcAddr, httpAddr string
	log                *lockedBuffer
	// stop cancels the server's context, as SIGTERM does, and returns
	// what runServe returned. It runs at cleanup too.
	stop func() error
}

// startServed runs serve on dataDir with the test admin key and waits for
// the "ewaybill serving" log line that carries the bound addresses.
func startServed(t *testing.T, dataDir string, extra ...string) *servedProcess {
	t.Helper()
	args := append([]string{"--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--bootstrap-admin-key", testAdminKey, "--log-format", "text", "--shutdown-timeout", "10s"}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	p := &servedProcess{dataDir: dataDir, log: &lockedBuffer{}}
	// exited is closed, not sent on, so both the wait below and the
	// cleanup's stop can see that serve returned.
	var served error
	exited := make(chan struct{})
	go func() { served = runServe(ctx, args, io.Discard, p.log); close(exited) }()
	p.stop = sync.OnceValue(func() error { cancel(); <-exited; return served })
	t.Cleanup(func() { p.stop() })
	addr := regexp.MustCompile(`grpc=(\S+) http=(\S+)`)
	deadline := time.After(30 * time.Second)
	for {
		if m := addr.FindStringSubmatch(p.log.String()); m != nil {
			p.grpcAddr, p.httpAddr = m[1], m[2]
			return p
		}
		select {
		case <-exited:
			t.Fatalf("serve returned before serving: %v\n%s", served, p.log.String())
		case <-deadline:
			t.Fatalf("serve did not start within 30s:\n%s", p.log.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// deadSocket leaves a unix socket file at path that nothing listens on,
// as a server killed with SIGKILL does.
func deadSocket(t *testing.T, path string) os.FileInfo {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// TestControlSocketLifecycle: a stale socket from a crashed run is
// replaced, the new one is 0600 and answers with a database file, and it
// is gone once the server stops.
func TestControlSocketLifecycle(t *testing.T) {
	dataDir := t.TempDir()
	path := filepath.Join(dataDir, controlSocketName)
	stale := deadSocket(t, path)

	p := startServed(t, dataDir)
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(fi, stale) {
		t.Fatal("the stale socket was not replaced")
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("control socket mode %v, want a socket with 0600", fi.Mode())
	}
	if !strings.Contains(p.log.String(), "control="+path) {
		t.Errorf("the serving line does not name the control socket:\n%s", p.log.String())
	}
	// Only the database, its key, the node's id and the socket: the
	// directory the socket was bound in is gone.
	entries, _ := os.ReadDir(dataDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "control.sock ewaybill.db node-id pii.key" {
		t.Errorf("data dir holds %q", names)
	}

	resp, err := requestBackup(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var copied bytes.Buffer
	n, err := copyAnnounced(&copied, resp)
	resp.Body.Close()
	if err != nil || n != int64(copied.Len()) || n%4096 != 0 || n < 4*4096 {
		t.Fatalf("backup over the socket: %d bytes (%d copied), %v", n, copied.Len(), err)
	}
	file := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(file, copied.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if report, err := checkDatabaseFile(context.Background(), file); err != nil || !report.OK() {
		t.Fatalf("check of the copy: %v %v", report, err)
	}
	// Only GET of the backup is served.
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}}
	if r, err := client.Post("http://"+controlHost+controlBackupPath, "text/plain", nil); err != nil || r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST %s: %v %v", controlBackupPath, r, err)
	}

	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("control socket after stop: %v", err)
	}
	if _, err := requestBackup(context.Background(), path); err != errNoServer {
		t.Errorf("backup request after stop: %v, want errNoServer", err)
	}
}

// TestControlSocketStaleIsNoServer: a leftover socket with nothing behind
// it means no server, so backup falls back to the data dir itself.
func TestControlSocketStaleIsNoServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), controlSocketName)
	deadSocket(t, path)
	if _, err := requestBackup(context.Background(), path); err != errNoServer {
		t.Fatalf("request on a dead socket: %v, want errNoServer", err)
	}
}

// TestControlSocketPathTaken: a file that is not a socket where the socket
// goes is the operator's and stops the start untouched.
func TestControlSocketPathTaken(t *testing.T) {
	dataDir := t.TempDir()
	path := filepath.Join(dataDir, controlSocketName)
	if err := os.WriteFile(path, []byte("notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runServe(context.Background(), []string{"--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--bootstrap-admin-key", testAdminKey}, io.Discard, io.Discard)
	if err == nil || err.Error() != path+" exists and is not a socket: the server keeps its control socket there; move the file away" {
		t.Fatalf("serve with a file at the socket path: %v", err)
	}
	if got := readFile(t, path); got != "notes" {
		t.Errorf("the file at the socket path became %q", got)
	}
	// The failed start released the data dir.
	s, err := boltstore.Open(dataDir, boltstore.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("data dir after the failed start: %v", err)
	}
	s.Close()
}
