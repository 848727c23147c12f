package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/internal/pgtest"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/storetest"
)

func keyRing(t *testing.T, lines ...string) *sealing.Keyring {
	t.Helper()
	r, err := sealing.Parse([]byte(strings.Join(lines, "\n")), "key file test.key", "line")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Nodes starting together on an empty database take turns migrating:
// every one opens, and the schema is made once.
func TestNodesStartingTogetherMigrateOnce(t *testing.T) {
	url := pgtest.DB(t)
	keys := storetest.Keys(t)
	const nodes = 4
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), url, Options{PII: keys, MaxConns: 2})
			errs[i] = err
			if err == nil {
				s.Close()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
	s := openTest(t, url, keys)
	var version string
	if err := s.pool.QueryRow(context.Background(), "SELECT value FROM meta WHERE name = 'schema_version'").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != strconv.FormatUint(SchemaVersion, 10) {
		t.Errorf("schema version %s, want %d", version, SchemaVersion)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	url := pgtest.DB(t)
	keys := storetest.Keys(t)
	s := openTest(t, url, keys)
	if _, err := s.pool.Exec(context.Background(), "UPDATE meta SET value = $1 WHERE name = 'schema_version'", strconv.FormatUint(SchemaVersion+1, 10)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, opt := range []Options{{PII: keys}, {ReadOnly: true}} {
		_, err := Open(context.Background(), url, opt)
		if err == nil || !strings.Contains(err.Error(), "upgrade the binary") {
			t.Errorf("open (read-only %v) of a newer schema: %v", opt.ReadOnly, err)
		}
	}
}

// A database whose records may be sealed with key A is refused to keys
// without A, naming it; keys with A (even not as the active one) open it.
func TestMissingPIIKeyRefused(t *testing.T) {
	url := pgtest.DB(t)
	a := "A:" + strings.Repeat("A", 43) + "="
	b := "B:" + strings.Repeat("B", 43) + "="
	openTest(t, url, keyRing(t, a)).Close()
	_, err := Open(context.Background(), url, Options{PII: keyRing(t, b)})
	if err == nil || !strings.Contains(err.Error(), `"A"`) || !strings.Contains(err.Error(), "add the old key back") {
		t.Fatalf("open without key A: %v", err)
	}
	openTest(t, url, keyRing(t, b, a))
	if _, err := Open(context.Background(), url, Options{}); err == nil || !strings.Contains(err.Error(), "PII keys") {
		t.Errorf("a writable open without keys: %v", err)
	}
}

// A read-only store needs no keys, reads, and refuses to write.
func TestReadOnly(t *testing.T) {
	url := pgtest.DB(t)
	w := openTest(t, url, storetest.Keys(t))
	err := w.Update(context.Background(), func(tx storage.Tx) error {
		return tx.Carriers().Put("SF", &ewaybillv1.Carrier{Code: "SF"})
	})
	if err != nil {
		t.Fatal(err)
	}
	ro, err := Open(context.Background(), url, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.View(context.Background(), func(tx storage.Tx) error {
		c, err := tx.Carriers().Get("SF")
		if err == nil && c.GetCode() != "SF" {
			t.Errorf("read %v", c)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ro.Update(context.Background(), func(storage.Tx) error { return nil }); !errors.Is(err, errReadOnly) {
		t.Errorf("Update of a read-only store: %v", err)
	}
	if _, err := Open(context.Background(), pgtest.DB(t), Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "no ewaybill schema") {
		t.Errorf("read-only open of an empty database: %v", err)
	}
}

// Two nodes (stores on one database) read-modify-write one pool row and
// append to one ledger at once: SERIALIZABLE aborts the losers, their
// re-runs see the winners' writes, and no update is lost.
func TestTwoNodesLoseNoUpdate(t *testing.T) {
	for _, locked := range []bool{false, true} {
		t.Run(fmt.Sprintf("locked=%v", locked), func(t *testing.T) { twoNodesCounting(t, locked) })
	}
}

// twoNodesCounting has two nodes increment one counter and append its
// ledger entry concurrently, in Batch or in BatchLocked on one key. No
// update is lost either way; holding the lock, no transaction is aborted
// for a conflict, so each function runs exactly once.
func twoNodesCounting(t *testing.T, locked bool) {
	url := pgtest.DB(t)
	keys := storetest.Keys(t)
	nodes := []*Store{openTest(t, url, keys), openTest(t, url, keys)}
	const perNode = 25
	var runs atomic.Int64
	var wg sync.WaitGroup
	for _, s := range nodes {
		for range perNode {
			wg.Go(func() {
				fn := func(tx storage.Tx) error {
					runs.Add(1)
					p, err := tx.Pools().Get("SF")
					if errors.Is(err, storage.ErrNotFound) {
						p, err = &ewaybillv1.Pool{}, nil
					}
					if err != nil {
						return err
					}
					p.Issued++
					if err := tx.Pools().Put("SF", p); err != nil {
						return err
					}
					return tx.Ledger().Append("m1", "SF", &ewaybillv1.LedgerEntry{Sequence: p.Issued})
				}
				var err error
				if locked {
					err = s.BatchLocked(context.Background(), []string{"quota/m1/SF", "quota/m1/SF"}, fn)
				} else {
					err = s.Batch(context.Background(), fn)
				}
				if err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	err := nodes[0].View(context.Background(), func(tx storage.Tx) error {
		p, err := tx.Pools().Get("SF")
		if err != nil || p.GetIssued() != 2*perNode {
			t.Errorf("issued %d (%v), want %d", p.GetIssued(), err, 2*perNode)
		}
		entries, _, err := tx.Ledger().List("m1", "SF", storage.Page[*ewaybillv1.LedgerEntry]{Limit: 100})
		if err != nil || len(entries) != 2*perNode {
			t.Errorf("%d ledger entries (%v), want %d", len(entries), err, 2*perNode)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if locked && runs.Load() != 2*perNode {
		t.Errorf("%d runs of %d functions under the lock; want one each, none aborted", runs.Load(), 2*perNode)
	}
	t.Logf("%d runs of %d functions", runs.Load(), 2*perNode)
}

// The same allocation sent to two nodes at once issues one number: the
// idempotency key's primary key lets one insert win, and the other's
// re-run finds it and replays.
func TestTwoNodesOneIdempotencyKeyOneNumber(t *testing.T) {
	url := pgtest.DB(t)
	keys := storetest.Keys(t)
	nodes := []*Store{openTest(t, url, keys), openTest(t, url, keys)}
	const requests = 10
	got := make([]storage.WaybillRef, 2*requests)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := nodes[i%2].Batch(context.Background(), func(tx storage.Tx) error {
				ref, err := tx.IdempotencyKeys().Get("m1/SF/o1/1")
				if err == nil {
					got[i] = ref
					return nil
				}
				if !errors.Is(err, storage.ErrNotFound) {
					return err
				}
				p, err := tx.Pools().Get("SF")
				if errors.Is(err, storage.ErrNotFound) {
					p, err = &ewaybillv1.Pool{}, nil
				}
				if err != nil {
					return err
				}
				p.Issued++
				ref = storage.WaybillRef{MerchantID: "m1", ID: "w" + strconv.Itoa(i)}
				if err := tx.Pools().Put("SF", p); err != nil {
					return err
				}
				if err := tx.IdempotencyKeys().Insert("m1/SF/o1/1", ref); err != nil {
					return err
				}
				got[i] = ref
				return tx.Waybills().SetHolder("SF", "SF"+strconv.FormatInt(p.Issued, 10), ref)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i, ref := range got {
		if ref != got[0] {
			t.Fatalf("request %d got %v, request 0 got %v", i, ref, got[0])
		}
	}
	err := nodes[1].View(context.Background(), func(tx storage.Tx) error {
		p, err := tx.Pools().Get("SF")
		if err != nil || p.GetIssued() != 1 {
			t.Errorf("issued %d numbers (%v) for one key", p.GetIssued(), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A transaction that keeps failing to serialize is run maxAttempts times,
// then its error is returned, saying so.
func TestRetriesAreBounded(t *testing.T) {
	s := openTest(t, pgtest.DB(t), storetest.Keys(t))
	runs := 0
	conflict := &pgconn.PgError{Code: "40001", Message: "could not serialize access"}
	err := s.Update(context.Background(), func(storage.Tx) error {
		runs++
		return conflict
	})
	if runs != maxAttempts || !errors.Is(err, conflict) || !strings.Contains(err.Error(), "after 10 attempts") {
		t.Fatalf("%d runs, error %v", runs, err)
	}
	runs = 0
	boom := errors.New("boom")
	if err := s.Update(context.Background(), func(storage.Tx) error { runs++; return boom }); !errors.Is(err, boom) || runs != 1 {
		t.Fatalf("a plain error: %d runs, %v", runs, err)
	}
}

// The pool's settings reach the server's sessions.
func TestOptionsReachTheServer(t *testing.T) {
	url := pgtest.DB(t)
	openTest(t, url, storetest.Keys(t)).Close()
	s, err := Open(context.Background(), url, Options{PII: storetest.Keys(t), StatementTimeout: 1500 * time.Millisecond, MaxConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var timeout string
	if err := s.pool.QueryRow(context.Background(), "SHOW statement_timeout").Scan(&timeout); err != nil || timeout != "1500ms" {
		t.Errorf("statement_timeout %q (%v), want 1500ms", timeout, err)
	}
	if got := s.pool.Config().MaxConns; got != 3 {
		t.Errorf("max conns %d, want 3", got)
	}
}
