package boltstore

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
)

// table is a bucket of protobuf values of one type. Every typed table of
// the store is a table plus the indexes that type needs.
type table[T proto.Message] struct {
	name  []byte
	b     *bolt.Bucket
	fresh func() T
	// pii is set for tables whose records hold personal data, which is
	// sealed with keys on put and opened on get (see pii.go).
	pii  *personal
	keys *sealing.Keyring
}

func newTable[T proto.Message](tx *bolt.Tx, name []byte, fresh func() T) table[T] {
	return table[T]{name: name, b: bucket(tx, name), fresh: fresh}
}

// newPersonalTable is newTable for records holding personal data.
func newPersonalTable[T proto.Message](t *tx, pii *personal, fresh func() T) table[T] {
	return table[T]{name: pii.Table, b: bucket(t.btx, pii.Table), fresh: fresh, pii: pii, keys: t.keys}
}

// appendOrdered are the buckets whose new keys mostly come after the
// existing ones of their prefix: waybills under time-ordered ids, numbers
// in serial order, ledger entries by sequence, jobs and events by time.
// bbolt splits a page it spills at half full by default, right for keys
// that arrive in random order; for these, the left half would never fill
// again, so they are packed to 90%. That writes (and fsyncs, and maps)
// about half the pages per committed record.
var appendOrdered = map[string]bool{
	string(bucketWaybills): true, string(bucketWaybillNumbers): true, string(bucketLedger): true,
	string(bucketPrintJobs): true, string(bucketAuditLog): true, string(bucketReuseQueue): true,
}

// bucket returns the named top-level bucket with the fill its key order
// calls for (which lasts for the transaction: bbolt hands out one *Bucket
// per name and transaction).
func bucket(tx *bolt.Tx, name []byte) *bolt.Bucket {
	b := tx.Bucket(name)
	if b != nil && tx.Writable() && appendOrdered[string(name)] {
		b.FillPercent = 0.9
	}
	return b
}

func (t table[T]) get(key []byte) (T, error) {
	var zero T
	raw := t.b.Get(key)
	if raw == nil {
		return zero, storage.ErrNotFound
	}
	return t.decode(key, raw)
}

func (t table[T]) decode(key, raw []byte) (T, error) {
	var zero T
	v := t.fresh()
	var err error
	if t.pii != nil {
		err = t.pii.Decode(t.keys, key, raw, v)
	} else {
		err = proto.Unmarshal(raw, v)
	}
	if err != nil {
		return zero, fmt.Errorf("decode %s/%q: %w", t.name, key, err)
	}
	return v, nil
}

func (t table[T]) put(key []byte, v T) error {
	var raw []byte
	var err error
	if t.pii != nil {
		raw, err = t.pii.Encode(t.keys, key, v)
	} else {
		raw, err = marshalOptions.Marshal(v)
	}
	if err != nil {
		return fmt.Errorf("encode %s/%q: %w", t.name, key, err)
	}
	return t.b.Put(key, raw)
}

// list walks keys with prefix in order, starting after p.After (a full key,
// exclusive), and returns up to p.Limit values that pass p.Keep. The cursor
// is returned only if a further kept value exists, so the last page never
// comes back empty.
func (t table[T]) list(prefix []byte, p storage.Page[T]) ([]T, string, error) {
	c := t.b.Cursor()
	var k, raw []byte
	if p.After != "" {
		k, raw = c.Seek([]byte(p.After))
		if k != nil && bytes.Equal(k, []byte(p.After)) {
			k, raw = c.Next()
		}
	} else {
		k, raw = c.Seek(prefix)
	}
	return t.collect(prefix, p, k, raw, c.Next)
}

// collect gathers a page from the cursor position k, raw onwards, stepping
// with next, while keys have prefix: up to p.Limit values that pass
// p.Keep, and the cursor to continue from when a further kept value
// exists, so the last page never comes back empty.
func (t table[T]) collect(prefix []byte, p storage.Page[T], k, raw []byte, next func() ([]byte, []byte)) ([]T, string, error) {
	var out []T
	var lastKey []byte
	for ; k != nil && bytes.HasPrefix(k, prefix); k, raw = next() {
		v, err := t.decode(k, raw)
		if err != nil {
			return nil, "", err
		}
		if p.Keep != nil && !p.Keep(v) {
			continue
		}
		if len(out) == p.Limit {
			return out, string(lastKey), nil
		}
		out = append(out, v)
		lastKey = append(lastKey[:0], k...)
	}
	return out, "", nil
}
