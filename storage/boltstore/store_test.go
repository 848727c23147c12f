package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/storage"
)

func TestSecondOpenerGetsClearError(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "--data-dir") {
		t.Fatalf("second open: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, SchemaVersion+1))
	})
	s.Close()
	_, err = Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "upgrade the binary") {
		t.Fatalf("open of newer schema: %v", err)
	}
}

func TestListPagesWithFilterAndCreditCodeIndex(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	err = s.Update(ctx, func(tx storage.Tx) error {
		for i, id := range []string{"a", "b", "c", "d", "e"} {
			m := &ewaybillv1.Merchant{Name: "merchants/" + id, State: ewaybillv1.MerchantState(1 + i%2),
				Qualification: &ewaybillv1.Qualification{CreditCode: "CODE-" + id}}
			if err := tx.Merchants().Put(id, m); err != nil {
				return err
			}
		}
		// Changing a credit code moves its index entry.
		m, _ := tx.Merchants().Get("e")
		m.Qualification.CreditCode = "CODE-E2"
		return tx.Merchants().Put("e", m)
	})
	if err != nil {
		t.Fatal(err)
	}
	keepPending := func(m *ewaybillv1.Merchant) bool { return m.GetState() == 1 }
	var got []string
	after := ""
	pages := 0
	for {
		var list []*ewaybillv1.Merchant
		err := s.View(ctx, func(tx storage.Tx) (err error) {
			list, after, err = tx.Merchants().List(storage.Page[*ewaybillv1.Merchant]{After: after, Limit: 2, Keep: keepPending})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, m := range list {
			got = append(got, m.GetName())
		}
		if after == "" {
			break
		}
	}
	// a, c, e are pending; two pages, the last one not empty.
	if strings.Join(got, ",") != "merchants/a,merchants/c,merchants/e" || pages != 2 {
		t.Fatalf("got %v in %d pages", got, pages)
	}
	s.View(ctx, func(tx storage.Tx) error {
		if _, err := tx.Merchants().IDByCreditCode("CODE-e"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("old credit code still indexed: %v", err)
		}
		if id, _ := tx.Merchants().IDByCreditCode("CODE-E2"); id != "e" {
			t.Errorf("new credit code maps to %q", id)
		}
		return nil
	})
}

// A schema 1 file (before the allocation engine) gains the new buckets and
// is marked current when opened.
func TestSchemaOneFileIsUpgraded(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketWaybills); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, 1))
	})
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketWaybills) == nil {
			t.Error("waybills bucket not created on upgrade")
		}
		if v := binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchemaVersion)); v != SchemaVersion {
			t.Errorf("schema version %d after upgrade; want %d", v, SchemaVersion)
		}
		return nil
	})
}

// A routing table's revision starts at 0 and rises with every Put, and it
// is not mistaken for a table.
func TestRoutingTableRevision(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for want := uint64(0); want < 3; want++ {
		err := s.Update(ctx, func(tx storage.Tx) error {
			got, err := tx.RoutingTables().Revision("SF")
			if err != nil || got != want {
				t.Errorf("revision %d (%v), want %d", got, err, want)
			}
			return tx.RoutingTables().Put("SF", &ewaybillv1.RoutingTable{Name: "carriers/SF/routingTable"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = s.View(ctx, func(tx storage.Tx) error {
		if rev, _ := tx.RoutingTables().Revision("ZTO"); rev != 0 {
			t.Errorf("revision of a carrier without a table: %d", rev)
		}
		got, err := tx.RoutingTables().Get("SF")
		if err != nil || got.GetName() != "carriers/SF/routingTable" {
			t.Errorf("table after three puts: %v, %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
