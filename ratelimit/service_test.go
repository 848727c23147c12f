package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/ratelimit"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newService(t *testing.T) (*ratelimit.Service, storage.Store, *clock) {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{now: time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)}
	return &ratelimit.Service{Store: st, Now: c.Now, Refresh: time.Minute}, st, c
}

// admitted counts how many of n requests at the same instant get through.
func admitted(t *testing.T, s *ratelimit.Service, p access.Principal, n int) (ok int, last error) {
	t.Helper()
	for range n {
		err := s.Admit(context.Background(), p)
		if err == nil {
			ok++
			continue
		}
		if fe, isFault := fault.As(err); !isFault || fe.Reason != fault.ReasonRateLimited {
			t.Fatalf("Admit: %v; want RATE_LIMITED", err)
		}
		last = err
	}
	return ok, last
}

// Until an admin sets one, the built-in default applies to every merchant
// and, in one shared bucket, to public calls; admins are never limited.
func TestAdmitBuiltInDefault(t *testing.T) {
	s, _, _ := newService(t)
	merchant := access.Principal{Key: "apiKeys/k", Role: ewaybillv1.Role_ROLE_MERCHANT, MerchantID: "m1"}
	if n, _ := admitted(t, s, merchant, ratelimit.BuiltIn.Burst+5); n != ratelimit.BuiltIn.Burst {
		t.Fatalf("merchant admitted %d at once; want the built-in burst %d", n, ratelimit.BuiltIn.Burst)
	}
	if n, _ := admitted(t, s, access.Public, ratelimit.BuiltIn.Burst+5); n != ratelimit.BuiltIn.Burst {
		t.Fatalf("public calls admitted %d at once; want %d", n, ratelimit.BuiltIn.Burst)
	}
	admin := access.Principal{Key: "apiKeys/a", Role: ewaybillv1.Role_ROLE_ADMIN}
	if n, _ := admitted(t, s, admin, 3*ratelimit.BuiltIn.Burst); n != 3*ratelimit.BuiltIn.Burst {
		t.Fatalf("admin admitted %d; admins are not limited", n)
	}
}

// A limit written to the store by another process applies once the cached
// one has aged past Refresh, and not before; the refusal names the limit
// in force and when to retry.
func TestAdmitRereadsLimitsAfterRefresh(t *testing.T) {
	s, st, c := newService(t)
	printer := access.Principal{Key: "apiKeys/p", Role: ewaybillv1.Role_ROLE_PRINTER, MerchantID: "m1"}
	if _, err := admitted(t, s, printer, 1); err != nil {
		t.Fatal(err)
	}
	err := st.Update(context.Background(), func(tx storage.Tx) error {
		return tx.RateLimits().Put("m1", &ewaybillv1.RateLimit{Name: "merchants/m1/rateLimit", RequestsPerSecond: 4, Burst: 2})
	})
	if err != nil {
		t.Fatal(err)
	}
	c.now = c.now.Add(59 * time.Second)
	if n, _ := admitted(t, s, printer, 10); n != 10 {
		t.Fatalf("within Refresh the cached built-in limit applies; admitted %d of 10", n)
	}
	c.now = c.now.Add(2 * time.Second)
	n, last := admitted(t, s, printer, 10)
	if n != 2 {
		t.Fatalf("after Refresh the stored limit (burst 2) applies; admitted %d of 10", n)
	}
	fe, _ := fault.As(last)
	if fe.RetryAfter != 250*time.Millisecond || fe.Metadata["limit"] != "merchants/m1/rateLimit" ||
		fe.Metadata["requests_per_second"] != "4" || fe.Metadata["burst"] != "2" {
		t.Fatalf("refusal: retry after %s, metadata %v", fe.RetryAfter, fe.Metadata)
	}
	if fe.Kind != fault.KindResourceExhausted {
		t.Fatalf("kind %v; want resource exhausted", fe.Kind)
	}
}

// A store failure while reading a limit is an error, not a free pass or a
// refusal dressed as RATE_LIMITED.
func TestAdmitReportsStoreFailure(t *testing.T) {
	s, st, _ := newService(t)
	st.Close()
	err := s.Admit(context.Background(), access.Principal{Role: ewaybillv1.Role_ROLE_MERCHANT, MerchantID: "m1"})
	if !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("Admit over a closed store: %v; want storage.ErrClosed", err)
	}
}
