package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// The control socket lets local tools reach a running server's database,
// which no other process can open while the server holds its lock. It is
// a unix socket, so only users the file mode lets in can use it: no key,
// no port, nothing reachable from the network.
const (
	controlSocketName = "control.sock"
	// controlBackupPath serves a consistent snapshot of the database.
	controlBackupPath = "/backup"
	// controlHost is the Host of requests on the socket; HTTP needs one,
	// and the socket path already says which server is meant.
	controlHost = "ewaybill-control"
)

// controlServer serves the control socket of one data dir.
type controlServer struct {
	path string
	lis  *net.UnixListener
	http *http.Server
	// sock is the socket file this server created, so Close removes only
	// its own and never one a later server put in its place.
	sock      os.FileInfo
	closeOnce sync.Once
}

// controlSocketPath is where the server of dataDir listens.
func controlSocketPath(dataDir string) string {
	return filepath.Join(dataDir, controlSocketName)
}

// startControl listens on <dataDir>/control.sock, mode 0600. The caller
// holds the data dir's exclusive database lock, so any socket already there
// is a crashed server's and is replaced; anything else there is left alone
// and refused. Serve must be called to answer requests.
func startControl(dataDir string, store *boltstore.Store, log *slog.Logger) (*controlServer, error) {
	path := controlSocketPath(dataDir)
	if fi, err := os.Lstat(path); err == nil && fi.Mode().Type() != fs.ModeSocket {
		return nil, fmt.Errorf("%s exists and is not a socket: the server keeps its control socket there; move the file away", path)
	}
	// The socket is bound in a new private directory, given mode 0600 and
	// only then renamed into place. Binding at the final path would leave
	// it open to whatever the umask allows until the chmod, and the rename
	// replaces a stale socket in one step.
	dir, err := os.MkdirTemp(dataDir, ".c")
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	defer os.RemoveAll(dir)
	bound := filepath.Join(dir, "s")
	lis, err := net.ListenUnix("unix", &net.UnixAddr{Name: bound, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w (unix socket paths are limited to about 100 bytes; a shorter --data-dir helps if this one is long)", path, err)
	}
	// The listener would unlink the path it was bound at, which is gone
	// after the rename; Close removes the real one.
	lis.SetUnlinkOnClose(false)
	fail := func(err error) (*controlServer, error) {
		lis.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := os.Chmod(bound, 0o600); err != nil {
		return fail(err)
	}
	if err := os.Rename(bound, path); err != nil {
		return fail(err)
	}
	sock, err := os.Lstat(path)
	if err != nil {
		return fail(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+controlBackupPath, func(w http.ResponseWriter, r *http.Request) { serveBackup(w, r, store, log) })
	return &controlServer{
		path: path,
		lis:  lis,
		sock: sock,
		// No write timeout: a backup of a large database takes as long as
		// the disk needs.
		http: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)},
	}, nil
}

// serveBackup streams a snapshot with its length announced first, so the
// client can tell a complete copy from one cut off by a failure here.
func serveBackup(w http.ResponseWriter, r *http.Request, store *boltstore.Store, log *slog.Logger) {
	start := time.Now()
	var size, n int64
	err := store.Backup(r.Context(), func(snap boltstore.Snapshot) error {
		size = snap.Size()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		var err error
		n, err = snap.WriteTo(w)
		return err
	})
	switch {
	case err == nil:
		log.Info("backup sent", "bytes", n, "duration", time.Since(start).Round(time.Millisecond))
	case size == 0:
		// Nothing was sent yet, so the client can be told why.
		http.Error(w, "backup: "+err.Error(), http.StatusServiceUnavailable)
	default:
		// Fewer bytes than announced: the client sees the copy end early.
		log.Warn("backup cut off", "sent", n, "bytes", size, "error", err)
	}
}

// Serve answers requests until Shutdown or Close; it then returns
// http.ErrServerClosed.
func (c *controlServer) Serve() error { return c.http.Serve(c.lis) }

// Shutdown stops taking requests and waits, until ctx ends, for a backup
// in progress; then it closes whatever is left and removes the socket.
func (c *controlServer) Shutdown(ctx context.Context) error {
	// The socket goes first: a backup started from now on finds no server
	// and opens the data dir itself once this server has released it.
	c.removeSocket()
	err := c.http.Shutdown(ctx)
	return errors.Join(err, c.Close())
}

// Close stops at once, cutting off any backup in progress, and removes
// the socket.
func (c *controlServer) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.removeSocket()
		// The HTTP server closes the listener only if Serve was called, so
		// it is closed here too; either may find it closed already.
		for _, e := range []error{c.http.Close(), c.lis.Close()} {
			if e != nil && !errors.Is(e, net.ErrClosed) {
				err = errors.Join(err, e)
			}
		}
	})
	return err
}

// removeSocket removes the socket file if it is still the one this server
// created.
func (c *controlServer) removeSocket() {
	if fi, err := os.Lstat(c.path); err == nil && os.SameFile(fi, c.sock) {
		os.Remove(c.path)
	}
}
