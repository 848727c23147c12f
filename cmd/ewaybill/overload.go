package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/ewaybill/ewaybill/ratelimit"
	"github.com/ewaybill/ewaybill/server"
)

// overloadConfig is how much the server holds at once and how long it
// keeps rate limits cached: --max-in-flight, --max-waiting, --queue-wait
// and --rate-limit-refresh.
type overloadConfig struct {
	maxInFlight      int
	maxWaiting       int
	queueWait        time.Duration
	rateLimitRefresh time.Duration
}

func (o *overloadConfig) register(fs *flag.FlagSet) {
	fs.IntVar(&o.maxInFlight, "max-in-flight", server.DefaultMaxInFlight, "requests served at once (health checks aside); more wait for a turn")
	fs.IntVar(&o.maxWaiting, "max-waiting", server.DefaultMaxWaiting, "requests that may wait for a turn; beyond them the server refuses new requests unread (OVERLOADED); 0 for no waiting")
	fs.DurationVar(&o.queueWait, "queue-wait", server.DefaultQueueWait, "longest a request waits for a turn before it is refused as OVERLOADED (never past the client's deadline)")
	fs.DurationVar(&o.rateLimitRefresh, "rate-limit-refresh", ratelimit.DefaultRefresh, "how long a rate limit read from the store is used before it is read again (a change made through another node applies within it)")
}

func (o overloadConfig) check() error {
	switch {
	case o.maxInFlight < 1:
		return fmt.Errorf("--max-in-flight must be 1 or more, got %d", o.maxInFlight)
	case o.maxWaiting < 0:
		return fmt.Errorf("--max-waiting must be 0 (no waiting) or more, got %d", o.maxWaiting)
	case o.queueWait <= 0:
		return fmt.Errorf("--queue-wait must be more than 0, got %s", o.queueWait)
	case o.rateLimitRefresh <= 0:
		return fmt.Errorf("--rate-limit-refresh must be more than 0, got %s", o.rateLimitRefresh)
	}
	return nil
}

// apply sets the bounds in cfg.
func (o overloadConfig) apply(cfg *server.Config) {
	cfg.MaxInFlight, cfg.QueueWait, cfg.RateLimitRefresh = o.maxInFlight, o.queueWait, o.rateLimitRefresh
	// server.Config reads 0 as the default and a negative value as none.
	cfg.MaxWaiting = o.maxWaiting
	if o.maxWaiting == 0 {
		cfg.MaxWaiting = -1
	}
}
