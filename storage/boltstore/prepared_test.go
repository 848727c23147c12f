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
		body, sealed, err := cutSealed(v)
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
