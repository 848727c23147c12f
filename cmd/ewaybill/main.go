// Command ewaybill is the electronic waybill service and its admin client:
// `ewaybill serve` runs the server, `ewaybill check` verifies a stopped
// server's data dir, `ewaybill backup` copies a data dir's database (from
// the running server if there is one), `ewaybill restore` puts a backup in
// place, `ewaybill rotate-pii-key` seals a stopped server's personal data
// again with a new key, `ewaybill bench` measures a server in this process, `ewaybill
// torture` kills and restarts one under load and checks what survived;
// every other subcommand talks to a server.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve" {
		if err := runServe(ctx, args[1:], stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "ewaybill serve:", err)
			return 1
		}
		return 0
	}
	if len(args) > 0 && args[0] == "bench" {
		return runBench(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "check" {
		return runCheck(ctx, args[1:], os.Getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "backup" {
		return runBackup(ctx, args[1:], os.Getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "restore" {
		return runRestore(ctx, args[1:], os.Getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "rotate-pii-key" {
		return runRotatePIIKey(ctx, args[1:], os.Getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "torture" {
		return runTorture(ctx, args[1:], stdout, stderr)
	}
	return runClient(ctx, args, stdout, stderr)
}
