package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ewaybill/ewaybill/server"
)

// The overload flags reach server.Config, with --max-waiting 0 meaning no
// waiting line (server.Config reads 0 as the default), and bad values are
// refused naming the flag.
func TestServeOverloadFlags(t *testing.T) {
	cfg, err := parseServeFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got server.Config
	cfg.overload.apply(&got)
	if got.MaxInFlight != server.DefaultMaxInFlight || got.MaxWaiting != server.DefaultMaxWaiting ||
		got.QueueWait != server.DefaultQueueWait || got.RateLimitRefresh != 10*time.Second {
		t.Fatalf("defaults reach the server as %+v", got)
	}
	cfg, err = parseServeFlags([]string{"--max-in-flight=8", "--max-waiting=0", "--queue-wait=2s", "--rate-limit-refresh=1m"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.overload.apply(&got)
	if got.MaxInFlight != 8 || got.MaxWaiting != -1 || got.QueueWait != 2*time.Second || got.RateLimitRefresh != time.Minute {
		t.Fatalf("flags reach the server as %+v", got)
	}
	t.Setenv("EWAYBILL_MAX_IN_FLIGHT", "16")
	if cfg, err := parseServeFlags(nil, io.Discard); err != nil || cfg.overload.maxInFlight != 16 {
		t.Fatalf("EWAYBILL_MAX_IN_FLIGHT: %+v, %v", cfg.overload, err)
	}
	for _, tc := range []struct{ arg, want string }{
		{"--max-in-flight=0", "--max-in-flight must be 1 or more"},
		{"--max-waiting=-1", "--max-waiting must be 0"},
		{"--queue-wait=0s", "--queue-wait must be more than 0"},
		{"--rate-limit-refresh=-1s", "--rate-limit-refresh must be more than 0"},
	} {
		if _, err := parseServeFlags([]string{tc.arg}, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error containing %q", tc.arg, err, tc.want)
		}
	}
}
