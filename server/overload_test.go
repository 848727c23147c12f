package server_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/ewaybill/ewaybill/access"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/server"
	"github.com/ewaybill/ewaybill/storage"
)

// gateStore holds, inside the store, the requests of one merchant until
// the gate opens, so a test can fill the server's running slots at will.
// Authentication and rate limits read the store before the principal is
// in the context, so only the handler's own reads are held.
type gateStore struct {
	storage.Store
	merchant string // held merchant's resource name
	entered  chan struct{}
	gate     chan struct{}
	opened   sync.Once
}

// open lets the held requests go on.
func (g *gateStore) open() { g.opened.Do(func() { close(g.gate) }) }

func (g *gateStore) View(ctx context.Context, fn func(storage.Tx) error) error {
	if "merchants/"+access.FromContext(ctx).MerchantID == g.merchant {
		g.entered <- struct{}{}
		<-g.gate
	}
	return g.Store.View(ctx, fn)
}

func startGated(t *testing.T, cfg server.Config) (*env, *gateStore, merchantFixture, merchantFixture) {
	t.Helper()
	g := &gateStore{entered: make(chan struct{}, 16), gate: make(chan struct{})}
	e := startEnvOver(t, t.TempDir(), cfg, func(s storage.Store) storage.Store { g.Store = s; return g })
	held := e.approvedMerchant(creditCodes[0])
	other := e.approvedMerchant(creditCodes[1])
	g.merchant = held.name
	t.Cleanup(g.open) // before the server stops, even if the test failed
	return e, g, held, other
}

// hold starts n reads by the held merchant and returns once all n are
// inside the store; their results come on the channel once the gate opens.
func hold(t *testing.T, e *env, g *gateStore, m merchantFixture, n int) chan error {
	t.Helper()
	done := make(chan error, n)
	for range n {
		go func() {
			_, err := e.merchants.GetMerchant(as(m.key), &ewaybillv1.GetMerchantRequest{Name: m.name})
			done <- err
		}()
	}
	for range n {
		<-g.entered
	}
	return done
}

func wantOverloaded(t *testing.T, err error) {
	t.Helper()
	st := wantError(t, err, codes.Unavailable, "OVERLOADED")
	if d := retryInfo(st); d < 500*time.Millisecond || d >= 1500*time.Millisecond {
		t.Fatalf("RetryInfo %s; want 0.5 s to 1.5 s", d)
	}
}

// With every running slot taken, a request waits at most QueueWait for one
// and is then refused as OVERLOADED, never having run.
func TestOverloadRefusesAfterQueueWait(t *testing.T) {
	e, g, held, other := startGated(t, server.Config{MaxInFlight: 2, MaxWaiting: 4, QueueWait: 20 * time.Millisecond})
	done := hold(t, e, g, held, 2)
	_, err := e.merchants.GetMerchant(as(other.key), &ewaybillv1.GetMerchantRequest{Name: other.name})
	wantOverloaded(t, err)
	g.open()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("held request: %v", err)
		}
	}
	if _, err := e.merchants.GetMerchant(as(other.key), &ewaybillv1.GetMerchantRequest{Name: other.name}); err != nil {
		t.Fatalf("once the slots are free: %v", err)
	}
	if shed := e.metric("ewaybill_requests_shed_total"); shed != "1" {
		t.Fatalf("shed %s; want 1", shed)
	}
}

// A waiting request whose deadline passes is answered DEADLINE_EXCEEDED
// and never runs. With the waiting line full too, new gRPC and REST calls
// are refused unread; health checks still answer; once the slots free,
// the waiting request runs.
func TestOverloadBoundsWhatTheServerHolds(t *testing.T) {
	e, g, held, other := startGated(t, server.Config{MaxInFlight: 2, MaxWaiting: 1, QueueWait: time.Hour})
	done := hold(t, e, g, held, 2)

	short, cancel := context.WithTimeout(as(other.key), 50*time.Millisecond)
	defer cancel()
	_, err := e.merchants.GetMerchant(short, &ewaybillv1.GetMerchantRequest{Name: other.name})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("a waiting request past its deadline: %v; want DEADLINE_EXCEEDED", err)
	}

	// The client gives up at its deadline; the server's side ends as its
	// own copy of the deadline fires, a moment later.
	e.waitInFlight(2)
	waiting := make(chan error, 1)
	go func() {
		_, err := e.merchants.GetMerchant(as(other.key), &ewaybillv1.GetMerchantRequest{Name: other.name})
		waiting <- err
	}()
	e.waitInFlight(3)

	_, err = e.merchants.GetMerchant(as(other.key), &ewaybillv1.GetMerchantRequest{Name: other.name})
	wantOverloaded(t, err)
	req, _ := http.NewRequest("GET", e.http.URL+"/v1/"+other.name, nil)
	req.Header.Set("Authorization", "Bearer "+other.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if after, _ := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusServiceUnavailable || after < 1 || after > 2 {
		t.Fatalf("REST while full: %d, Retry-After %q; want 503 and 1 or 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	health, err := healthpb.NewHealthClient(e.conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || health.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health while full: %v, %v", health, err)
	}
	if code, _ := e.rest("GET", "/healthz", "", nil); code != http.StatusOK {
		t.Fatalf("/healthz while full: %d", code)
	}
	if shed := e.metric("ewaybill_requests_shed_total"); shed != "2" {
		t.Fatalf("shed %s; want 2 (one gRPC, one REST)", shed)
	}

	g.open()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("held request: %v", err)
		}
	}
	if err := <-waiting; err != nil {
		t.Fatalf("the waiting request, once a slot freed: %v", err)
	}
}

// waitInFlight waits until the server counts n requests in flight.
func (e *env) waitInFlight(n int) {
	e.t.Helper()
	want := strconv.Itoa(n)
	deadline := time.Now().Add(10 * time.Second)
	for e.metric("ewaybill_grpc_requests_in_flight") != want {
		if time.Now().After(deadline) {
			e.t.Fatalf("requests in flight: %s; want %s", e.metric("ewaybill_grpc_requests_in_flight"), want)
		}
		time.Sleep(time.Millisecond)
	}
}
