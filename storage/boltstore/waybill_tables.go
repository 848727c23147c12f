package boltstore

import (
	"bytes"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/pii"
)

// waybills keys records "<merchant id>/<waybill id>" and the number index
// "<number>\x00<carrier>" → "<merchant id>/<waybill id>", so every carrier's
// holder of a number is one prefix scan away.
type waybills struct {
	table   table[*ewaybillv1.Waybill]
	numbers *bolt.Bucket
}

func refKey(r storage.WaybillRef) []byte { return []byte(r.MerchantID + "/" + r.ID) }

func parseRef(raw []byte) (storage.WaybillRef, error) {
	merchantID, id, ok := strings.Cut(string(raw), "/")
	if !ok {
		return storage.WaybillRef{}, fmt.Errorf("%w: %q", errCorrupt, raw)
	}
	return storage.WaybillRef{MerchantID: merchantID, ID: id}, nil
}

func numberKey(carrier, number string) []byte { return []byte(number + "\x00" + carrier) }

func (w *waybills) Get(ref storage.WaybillRef) (*ewaybillv1.Waybill, error) {
	return w.table.get(refKey(ref))
}

func (w *waybills) Put(ref storage.WaybillRef, v *ewaybillv1.Waybill) error {
	return w.table.put(refKey(ref), v)
}

// preparedWaybill is boltstore's PreparedWaybill.Encoded: the record
// prepared (pii.Prepared) with the keys it was sealed with, those of the
// store that prepared it.
type preparedWaybill struct {
	keys *sealing.Keyring
	pii.Prepared
}

// PrepareWaybill implements storage.Store: it encodes w and seals its
// personal data for ref's record, as Put would, outside any transaction.
func (s *Store) PrepareWaybill(ref storage.WaybillRef, w *ewaybillv1.Waybill) (*storage.PreparedWaybill, error) {
	if s.committer == nil {
		return nil, bolt.ErrDatabaseReadOnly
	}
	key := refKey(ref)
	rec, err := waybillPII.Prepare(s.keys, key, w)
	if err != nil {
		return nil, fmt.Errorf("encode %s/%q: %w", bucketWaybills, key, err)
	}
	return &storage.PreparedWaybill{Ref: ref, Encoded: &preparedWaybill{keys: s.keys, Prepared: rec}}, nil
}

// Insert stores the prepared record with late's fields (pii.Join).
func (w *waybills) Insert(p *storage.PreparedWaybill, late *ewaybillv1.Waybill) error {
	key := refKey(p.Ref)
	rec, ok := p.Encoded.(*preparedWaybill)
	if !ok || rec.keys != w.table.keys {
		return fmt.Errorf("insert %s/%q: the waybill was not prepared by this store", bucketWaybills, key)
	}
	out, err := waybillPII.Join(rec.Prepared, late)
	if err != nil {
		return fmt.Errorf("insert %s/%q: %w", bucketWaybills, key, err)
	}
	return w.table.b.Put(key, out)
}

func (w *waybills) List(merchantID string, p storage.Page[*ewaybillv1.Waybill]) ([]*ewaybillv1.Waybill, string, error) {
	if merchantID == "" {
		return w.table.list(nil, p)
	}
	prefix := []byte(merchantID + "/")
	return w.table.list(prefix, scoped(prefix, p))
}

func (w *waybills) Holder(carrier, number string) (storage.WaybillRef, error) {
	raw := w.numbers.Get(numberKey(carrier, number))
	if raw == nil {
		return storage.WaybillRef{}, storage.ErrNotFound
	}
	return parseRef(raw)
}

func (w *waybills) SetHolder(carrier, number string, ref storage.WaybillRef) error {
	return w.numbers.Put(numberKey(carrier, number), refKey(ref))
}

func (w *waybills) Holders(number string) ([]storage.NumberHolder, error) {
	prefix := []byte(number + "\x00")
	c := w.numbers.Cursor()
	var out []storage.NumberHolder
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		ref, err := parseRef(v)
		if err != nil {
			return nil, err
		}
		out = append(out, storage.NumberHolder{Carrier: string(k[len(prefix):]), WaybillRef: ref})
	}
	return out, nil
}

// idempotencyKeys maps keys to "<merchant id>/<waybill id>". In a write
// transaction it remembers the keys Get found missing, so that Insert of
// such a key, the allocation's path (look the key up, then insert it),
// does not search the bucket a second time. Only Insert writes this
// bucket, and it forgets the key it inserts, so a remembered key is still
// missing.
type idempotencyKeys struct {
	b        *bolt.Bucket
	writable bool
	missing  map[string]struct{}
}

func (t *idempotencyKeys) Get(key string) (storage.WaybillRef, error) {
	raw := t.b.Get([]byte(key))
	if raw == nil {
		if t.writable {
			if t.missing == nil {
				t.missing = map[string]struct{}{}
			}
			t.missing[key] = struct{}{}
		}
		return storage.WaybillRef{}, storage.ErrNotFound
	}
	return parseRef(raw)
}

func (t *idempotencyKeys) Insert(key string, ref storage.WaybillRef) error {
	if _, known := t.missing[key]; known {
		delete(t.missing, key)
	} else if t.b.Get([]byte(key)) != nil {
		return storage.ErrDuplicate
	}
	return t.b.Put([]byte(key), refKey(ref))
}

func (t *idempotencyKeys) List(p storage.Page[storage.IdempotencyEntry]) ([]storage.IdempotencyEntry, string, error) {
	c := t.b.Cursor()
	var k, v []byte
	if p.After != "" {
		k, v = c.Seek([]byte(p.After))
		if k != nil && string(k) == p.After {
			k, v = c.Next()
		}
	} else {
		k, v = c.First()
	}
	var out []storage.IdempotencyEntry
	for ; k != nil; k, v = c.Next() {
		ref, err := parseRef(v)
		if err != nil {
			return nil, "", err
		}
		e := storage.IdempotencyEntry{Key: string(k), Ref: ref}
		if p.Keep != nil && !p.Keep(e) {
			continue
		}
		if len(out) == p.Limit {
			return out, out[len(out)-1].Key, nil
		}
		out = append(out, e)
	}
	return out, "", nil
}
