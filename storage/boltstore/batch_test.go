package boltstore

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/storage"
)

// Concurrent Batch calls read-modify-write one record; group commit runs
// them one after another in shared transactions, so no increment is lost.
func TestBatchSerialisesConcurrentCalls(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const n = 300
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Batch(ctx, func(tx storage.Tx) error {
				p, err := tx.Pools().Get("SF")
				if errors.Is(err, storage.ErrNotFound) {
					p, err = &ewaybillv1.Pool{Name: "carriers/SF/pool"}, nil
				}
				if err != nil {
					return err
				}
				p.Issued++
				return tx.Pools().Put("SF", p)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var got int64
	s.View(ctx, func(tx storage.Tx) error {
		p, err := tx.Pools().Get("SF")
		got = p.GetIssued()
		return err
	})
	if got != n {
		t.Fatalf("issued = %d after %d increments", got, n)
	}
}

// A call whose caller gives up while it waits behind a running group is
// dropped unrun with the context's error; the group that was running
// commits, and a call whose context is still live runs after it.
func TestBatchDropsCallsAbandonedWhileQueued(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(id string) func(tx storage.Tx) error {
		return func(tx storage.Tx) error {
			return tx.Pools().Put(id, &ewaybillv1.Pool{Name: "carriers/" + id + "/pool"})
		}
	}
	started, release := make(chan struct{}), make(chan struct{})
	running := make(chan error, 1)
	go func() {
		running <- s.Batch(context.Background(), func(tx storage.Tx) error {
			close(started)
			<-release
			return put("RUN")(tx)
		})
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	abandoned := make(chan error, 1)
	go func() { abandoned <- s.Batch(ctx, put("GONE")) }()
	live := make(chan error, 1)
	go func() { live <- s.Batch(context.Background(), put("LIVE")) }()
	// Both wait in the queue while the first group runs; the committer
	// takes neither before release, so the cancel lands before their turn.
	waitQueued(t, s, 2)
	cancel()
	close(release)
	if err := <-running; err != nil {
		t.Fatalf("running call: %v", err)
	}
	if err := <-abandoned; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned call returned %v; want context.Canceled", err)
	}
	if err := <-live; err != nil {
		t.Fatalf("live call: %v", err)
	}
	s.View(context.Background(), func(tx storage.Tx) error {
		for id, want := range map[string]bool{"RUN": true, "GONE": false, "LIVE": true} {
			_, err := tx.Pools().Get(id)
			if got := err == nil; got != want {
				t.Errorf("pool %s stored = %v; want %v (err %v)", id, got, want, err)
			}
		}
		return nil
	})
}

// waitQueued waits until n calls wait in the committer's queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for len(s.committer.queue) < n {
		runtime.Gosched()
	}
}
