package main

import (
	"context"
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
	"github.com/ewaybill/ewaybill/storage/boltstore"
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
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ewaybill serve [flags]   (each flag also reads EWAYBILL_<FLAG>, e.g. EWAYBILL_DATA_DIR)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := applyEnv(fs, os.Getenv); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("--log-format must be text or json, got %q", c.logFormat)
	}
	if c.starterGrant < 0 {
		return c, fmt.Errorf("--starter-grant must be 0 (no grant) or more, got %d", c.starterGrant)
	}
	return c, nil
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

	store, err := boltstore.Open(cfg.dataDir, boltstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()

	srv := server.New(server.Config{Store: store, Logger: log, StarterGrant: configStarterGrant(cfg.starterGrant)})
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
	// the same interceptors as gRPC ones.
	conn, err := grpc.NewClient(grpcLis.Addr().String(), server.ClientOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		return err
	}
	defer conn.Close()
	handler, err := srv.HTTPHandler(ctx, conn)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}

	errc := make(chan error, 2)
	go func() { errc <- srv.GRPC().Serve(grpcLis) }()
	go func() { errc <- httpSrv.Serve(httpLis) }()
	log.Info("ewaybill serving", "grpc", grpcLis.Addr().String(), "http", httpLis.Addr().String(), "data_dir", cfg.dataDir)

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
	if err := store.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	log.Info("stopped")
	return nil
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
	if secret == "" {
		secret = apikeys.NewSecret()
		path := filepath.Join(cfg.dataDir, "admin.key")
		if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
		log.Info("generated the first admin key", "path", path)
	}
	if _, err := keys.Bootstrap(ctx, secret); err != nil {
		return "", fmt.Errorf("bootstrap admin key: %w", err)
	}
	return secret, nil
}
