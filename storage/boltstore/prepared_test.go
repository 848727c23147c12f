package boltstore

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/pii"
)

// late is what only an allocation's transaction knows of waybill i.
func late(i int) *ewaybillv1.Waybill {
	w := testWaybill(i)
	ts := timestamppb.New(timestamppb.Now().AsTime())
	return &ewaybillv1.Waybill{Number: w.GetNumber(), PreviousHolder: "merchants/m0/waybills/old", CreateTime: ts, UpdateTime: ts}
}

// early is waybill i without its late fields, as an allocation prepares it.
func early(i int) *ewaybillv1.Waybill {
	w := testWaybill(i)
	w.Number = ""
	return w
}

func prepare(t testing.TB, s *Store, i int) *storage.PreparedWaybill {
	t.Helper()
	p, err := s.PrepareWaybill(wref(i), early(i))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A prepared waybill inserted with its late fields reads back as the two
// merged, its personal data sealed for its record as Put seals it, the
// sealed field last; it lists, rotates and reads like any other record.
func TestPreparedWaybillInsertReadsAsMerged(t *testing.T) {
	dir := t.TempDir()
	s := openWith(t, dir, testRing(t, keyLine("A", 1)))
	prepared := []*storage.PreparedWaybill{prepare(t, s, 0), prepare(t, s, 1)}
	lates := []*ewaybillv1.Waybill{late(0), late(1)}
	err := s.Update(context.Background(), func(tx storage.Tx) error {
		for i, p := range prepared {
			if err := tx.Waybills().Insert(p, lates[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := func(i int) *ewaybillv1.Waybill {
		w := early(i)
		proto.Merge(w, lates[i])
		return w
	}
	check := func(s *Store) {
		t.Helper()
		err := s.View(context.Background(), func(tx storage.Tx) error {
			for i := range prepared {
				w, err := tx.Waybills().Get(wref(i))
				if err != nil {
					return err
				}
				if !proto.Equal(w, want(i)) {
					t.Errorf("waybill %d reads back as %v", i, w)
				}
			}
			list, _, err := tx.Waybills().List("m1", storage.Page[*ewaybillv1.Waybill]{Limit: 10})
			if len(list) != 2 || !proto.Equal(list[1], want(1)) {
				t.Errorf("listing: %v, %v", list, err)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check(s)
	for k, v := range rawValues(t, s) {
		for _, secret := range []string{testPhone, "13711112222", "司马相如", "诸葛孔明", "科技园南路", "隆中路"} {
			if bytes.Contains(v, []byte(secret)) {
				t.Errorf("%s holds %q in clear", k, secret)
			}
		}
		body, sealed, err := pii.CutSealed(v)
		if err != nil || sealed == nil || &body[0] != &v[0] || !bytes.HasSuffix(v, sealed) {
			t.Errorf("%s: the sealed field is not last (err %v)", k, err)
		}
		if !bytes.Contains(body, []byte(testWaybill(0).GetNumber()[:10])) {
			t.Errorf("%s: the number is not in clear", k)
		}
	}
	// Moved onto another record, the sealed value does not open.
	err = s.Update(context.Background(), func(tx storage.Tx) error {
		return tx.Waybills().Insert(&storage.PreparedWaybill{Ref: wref(2), Encoded: prepared[0].Encoded}, late(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(context.Background(), func(tx storage.Tx) error {
		_, err := tx.Waybills().Get(wref(2))
		return err
	})
	if !errors.Is(err, sealing.ErrNotAuthentic) {
		t.Errorf("a prepared value stored under another record: %v, want it not to open", err)
	}
	if err := s.db.Update(func(btx *bolt.Tx) error { return btx.Bucket(bucketWaybills).Delete([]byte("m1/w002")) }); err != nil {
		t.Fatal(err)
	}

	// Rotation seals them again and they still read as merged.
	s.Close()
	s = openWith(t, dir, testRing(t, keyLine("B", 2), keyLine("A", 1)))
	defer s.Close()
	if _, err := s.RotatePII(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if got := census(t, s); got[KindWaybills]["B"] != 2 || len(got[KindWaybills]) != 1 {
		t.Errorf("census after rotation %v", got)
	}
	check(s)
}

// A prepared waybill is stored again whole when its transaction is run
// again after a rollback, as a group commit does.
func TestPreparedWaybillSurvivesRollback(t *testing.T) {
	s := openWith(t, t.TempDir(), testRing(t, keyLine("A", 1)))
	defer s.Close()
	p := prepare(t, s, 0)
	injected := errors.New("injected")
	err := s.Update(context.Background(), func(tx storage.Tx) error {
		if err := tx.Waybills().Insert(p, late(0)); err != nil {
			return err
		}
		return injected
	})
	if !errors.Is(err, injected) {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx storage.Tx) error { return tx.Waybills().Insert(p, late(0)) })
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(context.Background(), func(tx storage.Tx) error {
		w, err := tx.Waybills().Get(wref(0))
		if err == nil && (w.GetOrder().GetReceiver().GetMobile() != testPhone || w.GetNumber() != testWaybill(0).GetNumber()) {
			t.Errorf("reads back as %v", w)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Insert refuses late fields holding personal data (they would be stored
// in clear) and a waybill prepared by another store (sealed with other
// keys); a read-only store prepares nothing.
func TestPreparedWaybillRefusals(t *testing.T) {
	dir := t.TempDir()
	s := openWith(t, dir, testRing(t, keyLine("A", 1)))
	other := openWith(t, t.TempDir(), testRing(t, keyLine("A", 1)))
	defer other.Close()
	p := prepare(t, s, 0)
	personal := late(0)
	personal.Order = &ewaybillv1.Order{Receiver: &ewaybillv1.Party{Mobile: testPhone}}
	err := s.Update(context.Background(), func(tx storage.Tx) error { return tx.Waybills().Insert(p, personal) })
	if err == nil || !strings.Contains(err.Error(), "personal data") {
		t.Errorf("late fields with personal data: %v", err)
	}
	err = other.Update(context.Background(), func(tx storage.Tx) error { return tx.Waybills().Insert(p, late(0)) })
	if err == nil || !strings.Contains(err.Error(), "not prepared by this store") {
		t.Errorf("prepared by another store: %v", err)
	}
	s.Close()
	ro, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.PrepareWaybill(wref(0), early(0)); err == nil {
		t.Error("a read-only store prepared a waybill")
	}
}

// Ledger entries are only added at the end: a sequence at or below one
// stored for the quota is refused, within one transaction and across.
func TestLedgerAppendOnlyAtTheEnd(t *testing.T) {
	s := openWith(t, t.TempDir(), testRing(t, keyLine("A", 1)))
	defer s.Close()
	entry := func(seq int64) *ewaybillv1.LedgerEntry { return &ewaybillv1.LedgerEntry{Sequence: seq, Delta: 1} }
	update := func(fn func(l storage.Ledger) error) error {
		return s.Update(context.Background(), func(tx storage.Tx) error { return fn(tx.Ledger()) })
	}
	err := update(func(l storage.Ledger) error {
		for _, seq := range []int64{1, 2, 3, 5} {
			if err := l.Append("m1", "SF", entry(seq)); err != nil {
				return err
			}
		}
		if err := l.Append("m1", "SF", entry(5)); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("sequence 5 again in the same transaction: %v", err)
		}
		if err := l.Append("m1", "SF", entry(4)); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("sequence 4 after 5 in the same transaction: %v", err)
		}
		// Another quota of the same merchant, and a carrier whose code
		// starts with this one's, are ledgers of their own.
		if err := l.Append("m1", "SFX", entry(1)); err != nil {
			return err
		}
		return l.Append("m1", "S", entry(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []int64{1, 4, 5} {
		if err := update(func(l storage.Ledger) error { return l.Append("m1", "SF", entry(seq)) }); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("sequence %d in a later transaction: %v", seq, err)
		}
	}
	if err := update(func(l storage.Ledger) error { return l.Append("m1", "SF", entry(6)) }); err != nil {
		t.Errorf("sequence 6: %v", err)
	}
	s.View(context.Background(), func(tx storage.Tx) error {
		list, _, err := tx.Ledger().List("m1", "SF", storage.Page[*ewaybillv1.LedgerEntry]{Limit: 10})
		if len(list) != 5 || list[4].GetSequence() != 6 || err != nil {
			t.Errorf("ledger m1/SF holds %v (%v)", list, err)
		}
		return nil
	})
}

// Insert of an idempotency key Get found missing in the same transaction
// stores it without a second lookup; a key inserted is a duplicate after,
// whichever way it was found missing.
func TestIdempotencyInsertAfterMissingGet(t *testing.T) {
	s := openWith(t, t.TempDir(), testRing(t, keyLine("A", 1)))
	defer s.Close()
	err := s.Update(context.Background(), func(tx storage.Tx) error {
		keys := tx.IdempotencyKeys()
		if _, err := keys.Get("k1"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("get of a new key: %v", err)
		}
		if err := keys.Insert("k1", wref(1)); err != nil {
			return err
		}
		if err := tx.IdempotencyKeys().Insert("k1", wref(2)); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("second insert of k1: %v", err)
		}
		if _, err := keys.Get("k1"); err != nil {
			t.Errorf("get of k1 after its insert: %v", err)
		}
		return keys.Insert("k2", wref(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx storage.Tx) error {
		for k, want := range map[string]storage.WaybillRef{"k1": wref(1), "k2": wref(2)} {
			if err := tx.IdempotencyKeys().Insert(k, wref(3)); !errors.Is(err, storage.ErrDuplicate) {
				t.Errorf("insert of %s in a later transaction: %v", k, err)
			}
			if got, err := tx.IdempotencyKeys().Get(k); got != want || err != nil {
				t.Errorf("%s points at %v (%v), want %v", k, got, err, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
