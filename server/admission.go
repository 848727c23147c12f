package server

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/tap"

	"github.com/ewaybill/ewaybill/fault"
)

// Defaults of the overload bounds (Config.MaxInFlight, MaxWaiting,
// QueueWait). Two cores serve no faster with more than a few dozen
// requests running at once (the single writer and the CPU are the
// queues), so more in flight only adds memory and latency; a short
// waiting line absorbs bursts that a refusal would turn into retries.
const (
	DefaultMaxInFlight = 128
	DefaultMaxWaiting  = 512
	DefaultQueueWait   = 500 * time.Millisecond
)

// admission bounds how many requests the server holds: at most maxRunning
// run at once, and at most maxHeld run or wait for a turn. A request beyond
// maxHeld is refused before its body is read (the gRPC tap and the HTTP
// front door), so a flood costs a header's worth of work and no memory;
// one that waits longer than wait, or past its deadline, is refused
// without having been served. Health checks and reflection are never
// held back: a load balancer must see a busy server as alive.
type admission struct {
	running chan struct{} // a token per running request
	held    atomic.Int64  // running + waiting
	maxHeld int64
	wait    time.Duration
	shed    func() // counts a refusal (metrics)
}

func newAdmission(maxRunning, maxWaiting int, wait time.Duration, shed func()) *admission {
	return &admission{
		running: make(chan struct{}, maxRunning),
		maxHeld: int64(maxRunning + maxWaiting),
		wait:    wait,
		shed:    shed,
	}
}

// refuseUnread refuses a new request, counting the refusal, when the
// server holds all the requests it may: the gRPC tap and the REST front
// door call it before a request's body is read. It returns nil when there
// is room.
func (a *admission) refuseUnread() *fault.Error {
	if a.held.Load() < a.maxHeld {
		return nil
	}
	a.shed()
	return overloaded()
}

// tap refuses a new gRPC request when the server holds all it may, before
// the transport reads the request's body.
func (a *admission) tap(ctx context.Context, info *tap.Info) (context.Context, error) {
	if isHealthOrReflection(info.FullMethodName) {
		return ctx, nil
	}
	if f := a.refuseUnread(); f != nil {
		return nil, faultStatus(f)
	}
	return ctx, nil
}

// enter waits for a turn to run, at most a.wait and never past ctx's
// deadline. The release it returns must be called when the request ends.
func (a *admission) enter(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if a.held.Add(1) > a.maxHeld {
		a.held.Add(-1)
		a.shed()
		return nil, overloaded()
	}
	release = func() {
		<-a.running
		a.held.Add(-1)
	}
	select {
	case a.running <- struct{}{}:
		return release, nil
	default:
	}
	timer := time.NewTimer(a.wait)
	defer timer.Stop()
	select {
	case a.running <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		a.held.Add(-1)
		return nil, ctx.Err()
	case <-timer.C:
		a.held.Add(-1)
		a.shed()
		return nil, overloaded()
	}
}

// overloaded is the refusal of a request the server cannot take now. The
// retry delay is spread over a second so that refused clients do not all
// come back at the same instant.
func overloaded() *fault.Error {
	e := fault.New(fault.KindUnavailable, fault.ReasonOverloaded,
		"the server is serving all the requests it can; nothing was done; retry after the delay in RetryInfo (REST: Retry-After)")
	e.RetryAfter = 500*time.Millisecond + rand.N(time.Second)
	return e
}
