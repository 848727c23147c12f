package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ewaybill/ewaybill/apikeys"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/server"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
	"github.com/ewaybill/ewaybill/storage/pgstore"
)

// serveConfig is everything `ewaybill serve` is told.
type serveConfig struct {
	dataDir           string
	grpcAddr          string
	httpAddr          string
	bootstrapAdminKey string
	demo              bool
	logFormat         string
	shutdownTimeout   time.Duration
	starterGrant      int64
	memory            memoryConfig
	overload          overloadConfig
	tls               serveTLSFlags
	// piiKeyFile is --pii-key-file; piiKeyFileFlag says it was given on
	// the command line, where it wins over EWAYBILL_PII_KEYS.
	piiKeyFile     string
	piiKeyFileFlag bool
	// store is --store: a PostgreSQL URL, or empty for bbolt in dataDir.
	store string
	pg    pgFlags
	// nodeID is --node-id; segmentSize --segment-size.
	nodeID      string
	segmentSize int64
}

// pgFlags tune the PostgreSQL store's pool and timeouts.
type pgFlags struct {
	maxConns                         int
	connectTimeout, statementTimeout time.Duration
}

func (f *pgFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.maxConns, "store-max-conns", 0, "with --store: most connections to PostgreSQL; 0 for the larger of 4 and the number of CPUs")
	fs.DurationVar(&f.connectTimeout, "store-connect-timeout", 10*time.Second, "with --store: how long to wait for a connection to PostgreSQL")
	fs.DurationVar(&f.statementTimeout, "store-statement-timeout", 30*time.Second, "with --store: PostgreSQL cancels a statement running longer (statement_timeout)")
}

func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.dataDir, "data-dir", "./ewaybill-data", "directory of the embedded database (created if missing)")
	fs.StringVar(&c.grpcAddr, "grpc-addr", "127.0.0.1:9090", "gRPC listen address")
	fs.StringVar(&c.httpAddr, "http-addr", "127.0.0.1:8080", "HTTP listen address (REST gateway, /healthz, /openapi.json, /metrics)")
	fs.StringVar(&c.bootstrapAdminKey, "bootstrap-admin-key", "", "first admin key for a fresh data dir (else one is generated into <data-dir>/admin.key)")
	fs.BoolVar(&c.demo, "demo", false, "seed demo carriers with number ranges, an approved merchant and keys into a fresh data dir, and print curl commands")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long shutdown waits for in-flight requests")
	fs.Int64Var(&c.starterGrant, "starter-grant", quota.DefaultStarterGrant, "units credited once when a merchant's authorization for a carrier first becomes active; 0 for none")
	fs.StringVar(&c.piiKeyFile, "pii-key-file", "", piiKeyFileUsage+", generated on a fresh data dir")
	fs.StringVar(&c.store, "store", "", storeUsage+"; the data dir then keeps only admin.key and the demo's keys")
	c.pg.register(fs)
	fs.StringVar(&c.nodeID, "node-id", "", "names this node's leases of number segments; default: an id made on the first start and kept in <data-dir>/"+nodeIDFile+". Give each node over one --store its own")
	fs.Int64Var(&c.segmentSize, "segment-size", quota.DefaultSegmentSize, "serials a node leases from a carrier's pool at a time")
	c.memory.register(fs)
	c.overload.register(fs)
	c.tls.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ewaybill serve [flags]   (each flag also reads EWAYBILL_<FLAG>, e.g. EWAYBILL_DATA_DIR)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.piiKeyFileFlag = flagOnCommandLine(fs, "pii-key-file")
	if err := applyEnv(fs, os.Getenv); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("--log-format must be text or json, got %q", c.logFormat)
	}
	if c.store != "" && !pgstore.IsURL(c.store) {
		return c, fmt.Errorf("--store must be a postgres:// URL (or empty for bbolt in --data-dir); got %q", displayStore(c.store))
	}
	if c.pg.maxConns < 0 || c.pg.connectTimeout <= 0 || c.pg.statementTimeout <= 0 {
		return c, errors.New("--store-max-conns must be 0 or more, --store-connect-timeout and --store-statement-timeout above 0")
	}
	if c.nodeID != "" {
		if err := checkNodeID("--node-id", c.nodeID); err != nil {
			return c, err
		}
	}
	if c.segmentSize < 1 || c.segmentSize > quota.MaxSegmentSize {
		return c, fmt.Errorf("--segment-size must be 1 to %d, got %d", quota.MaxSegmentSize, c.segmentSize)
	}
	if c.starterGrant < 0 {
		return c, fmt.Errorf("--starter-grant must be 0 (no grant) or more, got %d", c.starterGrant)
	}
	if err := c.tls.check(); err != nil {
		return c, err
	}
	if c.tls.enabled() && c.demo {
		// The demo seeds through a plaintext connection and prints http://
		// commands; with TLS on, neither would work.
		return c, errors.New("--demo cannot be combined with --tls-cert: the demo seeds and prints commands for plaintext ports")
	}
	if err := c.overload.check(); err != nil {
		return c, err
	}
	return c, c.memory.check()
}

// configStarterGrant translates --starter-grant for server.Config, where 0
// means the default and a negative value means none.
func configStarterGrant(flagValue int64) int64 {
	if flagValue == 0 {
		return -1
	}
	return flagValue
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// runServe runs the service until ctx is cancelled (SIGINT/SIGTERM), then
// shuts down in order: stop taking requests, finish in-flight ones, close
// the database.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, stderr)
	cfg.memory.apply(os.Getenv)
	// The certificate is checked before the data dir is touched, so a bad
	// file fails the start at once and leaves nothing behind.
	var served *servedTLS
	if cfg.tls.enabled() {
		if served, err = loadServedTLS(cfg.tls, time.Now()); err != nil {
			return err
		}
	}

	var store storage.Store
	var control *controlServer
	if cfg.store != "" {
		if store, err = openPostgresStore(ctx, cfg, log); err != nil {
			return err
		}
		defer store.Close()
	} else {
		bolt, err := openServedStore(cfg, log)
		if err != nil {
			return err
		}
		store = bolt
		defer store.Close()
		// The control socket comes up before anything is written to a
		// fresh data dir, so a start it fails leaves the data dir as it
		// found it but for an empty database, and before the ports, so an
		// operator who sees the server answer can also back it up. It
		// backs up the bbolt file; a PostgreSQL database is backed up with
		// PostgreSQL's own tools.
		if control, err = startControl(cfg.dataDir, bolt, log); err != nil {
			return err
		}
		defer control.Close()
	}

	nodeID, err := resolveNodeID(cfg.nodeID, cfg.dataDir)
	if err != nil {
		return err
	}
	srvCfg := server.Config{Store: store, Logger: log, StarterGrant: configStarterGrant(cfg.starterGrant),
		NodeID: nodeID, SegmentSize: cfg.segmentSize}
	cfg.overload.apply(&srvCfg)
	srv := server.New(srvCfg)
	adminKey, err := bootstrapAdmin(ctx, srv.Keys(), cfg, log)
	if err != nil {
		return err
	}

	grpcLis, err := net.Listen("tcp", cfg.grpcAddr)
	if err != nil {
		return fmt.Errorf("gRPC listen on %s: %w", cfg.grpcAddr, err)
	}
	httpLis, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		grpcLis.Close()
		return fmt.Errorf("HTTP listen on %s: %w", cfg.httpAddr, err)
	}
	// The gateway is a gRPC client of our own port, so REST requests pass
	// the same interceptors as gRPC ones. With TLS that hop is TLS too,
	// verified against the served certificate.
	gatewayCreds := insecure.NewCredentials()
	if served != nil {
		// server.New builds the gRPC server without transport
		// credentials, so TLS is done by the listener: the handshake runs
		// on each connection's first read, in the goroutine gRPC gives
		// that connection, under gRPC's connection deadline. "h2" is the
		// ALPN protocol gRPC clients require.
		grpcLis = tls.NewListener(grpcLis, served.serverConfig("h2"))
		gatewayCreds = served.gatewayCredentials()
	}
	conn, err := grpc.NewClient(grpcLis.Addr().String(), server.ClientOptions(grpc.WithTransportCredentials(gatewayCreds))...)
	if err != nil {
		return err
	}
	defer conn.Close()
	handler, err := srv.HTTPHandler(ctx, conn)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		// net/http's own complaints (with TLS, every failed handshake)
		// go to the service's log in its format, not as bare lines.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	errc := make(chan error, 3)
	go func() { errc <- srv.GRPC().Serve(grpcLis) }()
	if served != nil {
		httpSrv.TLSConfig = served.serverConfig()
		// The certificate is in TLSConfig, so no file names are passed.
		go func() { errc <- httpSrv.ServeTLS(httpLis, "", "") }()
	} else {
		go func() { errc <- httpSrv.Serve(httpLis) }()
	}
	where := []any{"data_dir", cfg.dataDir}
	if control != nil {
		go func() { errc <- control.Serve() }()
		where = append(where, "control", control.path)
	} else {
		where = append(where, "store", displayStore(cfg.store))
	}
	log.Info("ewaybill serving", append([]any{"grpc", grpcLis.Addr().String(), "http", httpLis.Addr().String(), "tls", served != nil}, where...)...)

	if cfg.demo {
		if err := runDemo(ctx, cfg, adminKey, grpcLis.Addr().String(), httpLis.Addr().String(), stdout, log); err != nil {
			log.Error("demo seed failed", "error", err)
		}
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests")
	case err := <-errc:
		log.Error("listener failed; shutting down", "error", err)
	}
	srv.Draining()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		log.Warn("HTTP shutdown incomplete", "error", err)
	}
	stopped := make(chan struct{})
	go func() { srv.GRPC().GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-shutdownCtx.Done():
		log.Warn("in-flight gRPC requests did not finish in time; stopping")
		srv.GRPC().Stop()
	}
	// A backup in progress holds a read transaction that Close would wait
	// for; it gets what is left of the shutdown time, then is cut off (its
	// client sees a short copy and keeps nothing).
	if control != nil {
		if err := control.Shutdown(shutdownCtx); err != nil {
			log.Warn("backup in progress did not finish in time; cut off", "error", err)
		}
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	log.Info("stopped")
	return nil
}

// openServedStore opens the data dir's store with the PII keys given, or
// the data dir's own key file, which the store creates on a data dir with
// nothing sealed yet. Keys come before the database: a bad key file fails
// the start at once.
func openServedStore(cfg serveConfig, log *slog.Logger) (*boltstore.Store, error) {
	keys, err := loadPIIKeys(cfg.piiKeyFile, cfg.piiKeyFileFlag, os.Getenv)
	if err != nil {
		return nil, err
	}
	store, err := boltstore.Open(cfg.dataDir, boltstore.Options{PII: keys})
	if err != nil {
		return nil, missingKeyHint(err)
	}
	active := store.PIIKeys()
	inDataDir := filepath.Join(cfg.dataDir, boltstore.KeyFileName)
	switch {
	case store.GeneratedKeyFile() != "":
		log.Warn("generated the key that seals personal data into the data dir; anyone with a copy of the data dir can read the data. "+
			"In production keep the key file apart from the data and from backups (--pii-key-file or EWAYBILL_PII_KEYS), and keep a copy of it: without it the data is lost",
			"path", store.GeneratedKeyFile(), "key_id", active.Active())
	case keys != nil && !(cfg.piiKeyFile != "" && samePath(cfg.piiKeyFile, inDataDir)):
		if _, err := os.Stat(inDataDir); err == nil {
			log.Warn("the data dir still holds a PII key file that is not in use; once the keys given hold its keys, move it out of the data dir",
				"path", inDataDir, "keys", keys.Source())
		}
	}
	log.Info("personal data sealed at rest", "key_id", active.Active(), "keys", active.Source())
	return store, nil
}

// openPostgresStore opens the PostgreSQL store of --store. Its PII keys
// must be given: a database has no data dir of its own to keep a key
// file in, and every node must seal with the same keys. The data dir is
// still made, for admin.key and the demo's keys.
func openPostgresStore(ctx context.Context, cfg serveConfig, log *slog.Logger) (storage.Store, error) {
	keys, err := loadPIIKeys(cfg.piiKeyFile, cfg.piiKeyFileFlag, os.Getenv)
	if err != nil {
		return nil, err
	}
	if keys == nil {
		return nil, fmt.Errorf("--store needs the keys that seal personal data: pass --pii-key-file (or EWAYBILL_PII_KEY_FILE, %s), the same on every node", piiKeysEnv)
	}
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", cfg.dataDir, err)
	}
	store, err := pgstore.Open(ctx, cfg.store, pgstore.Options{PII: keys, MaxConns: int32(min(cfg.pg.maxConns, 1<<30)),
		ConnectTimeout: cfg.pg.connectTimeout, StatementTimeout: cfg.pg.statementTimeout})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayStore(cfg.store), err)
	}
	log.Info("personal data sealed at rest", "key_id", keys.Active(), "keys", keys.Source())
	return store, nil
}

// bootstrapAdmin gives a fresh data dir its first admin key: the one from
// --bootstrap-admin-key, or a generated one written to <data-dir>/admin.key
// (mode 0600). The key itself is never logged. It returns the admin key
// when this run created it, for the demo.
func bootstrapAdmin(ctx context.Context, keys *apikeys.Service, cfg serveConfig, log *slog.Logger) (string, error) {
	fresh, err := keys.NeedsBootstrap(ctx)
	if err != nil || !fresh {
		if cfg.bootstrapAdminKey != "" && err == nil {
			log.Info("data dir already has keys; --bootstrap-admin-key ignored")
		}
		return "", err
	}
	secret := cfg.bootstrapAdminKey
	path := ""
	if secret == "" {
		secret = apikeys.NewSecret()
		// Written before it is stored: a crash in between leaves a file
		// to delete, never a stored key nobody has.
		path = filepath.Join(cfg.dataDir, "admin.key")
		if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
	}
	created, err := keys.Bootstrap(ctx, secret)
	if err != nil {
		return "", fmt.Errorf("bootstrap admin key: %w", err)
	}
	if !created {
		// Another node sharing the database stored its first admin key
		// between the check above and now; this one's was not stored
		// and would not work.
		if path != "" {
			os.Remove(path)
		}
		log.Info("another node sharing the store created the first admin key just now; this node's was not stored (use the other node's admin.key or --bootstrap-admin-key)")
		return "", nil
	}
	if path != "" {
		log.Info("generated the first admin key", "path", path)
	}
	return secret, nil
}
