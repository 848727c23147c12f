package pgstore

import (
	"fmt"
	"strings"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/pii"
)

func (t *tx) Waybills() storage.Waybills {
	tb := newTable(t, "waybills", func() *ewaybillv1.Waybill { return new(ewaybillv1.Waybill) }, text("merchant_id"), text("id"))
	tb.pii = pii.Waybills
	return waybills{tb}
}

func (t *tx) IdempotencyKeys() storage.IdempotencyKeys { return idempotencyKeys{t} }

type waybills struct {
	table table[*ewaybillv1.Waybill]
}

func refKey(r storage.WaybillRef) []any { return []any{r.MerchantID, r.ID} }

func (w waybills) Get(ref storage.WaybillRef) (*ewaybillv1.Waybill, error) {
	return w.table.get(refKey(ref)...)
}

func (w waybills) Put(ref storage.WaybillRef, v *ewaybillv1.Waybill) error {
	return w.table.put(refKey(ref), v)
}

// preparedWaybill is pgstore's PreparedWaybill.Encoded: the record
// prepared (pii.Prepared) by store, with its keys.
type preparedWaybill struct {
	store *Store
	pii.Prepared
}

// PrepareWaybill implements storage.Store: it encodes w and seals its
// personal data for ref's record, as Put would, outside any transaction.
func (s *Store) PrepareWaybill(ref storage.WaybillRef, w *ewaybillv1.Waybill) (*storage.PreparedWaybill, error) {
	if s.readOnly {
		return nil, errReadOnly
	}
	key := []byte(joinKey(refKey(ref)))
	rec, err := pii.Waybills.Prepare(s.keys, key, w)
	if err != nil {
		return nil, fmt.Errorf("encode waybills/%q: %w", key, err)
	}
	return &storage.PreparedWaybill{Ref: ref, Encoded: &preparedWaybill{store: s, Prepared: rec}}, nil
}

// Insert stores the prepared record with late's fields (pii.Join).
func (w waybills) Insert(p *storage.PreparedWaybill, late *ewaybillv1.Waybill) error {
	key := joinKey(refKey(p.Ref))
	rec, ok := p.Encoded.(*preparedWaybill)
	if !ok || rec.store != w.table.t.store {
		return fmt.Errorf("insert waybills/%q: the waybill was not prepared by this store", key)
	}
	out, err := pii.Waybills.Join(rec.Prepared, late)
	if err != nil {
		return fmt.Errorf("insert waybills/%q: %w", key, err)
	}
	return w.table.putRaw(refKey(p.Ref), out)
}

func (w waybills) List(merchantID string, p storage.Page[*ewaybillv1.Waybill]) ([]*ewaybillv1.Waybill, string, error) {
	return w.table.list(scopeOf(merchantID), p)
}

func (w waybills) Holder(carrier, number string) (storage.WaybillRef, error) {
	var ref storage.WaybillRef
	err := w.table.t.one("waybill_numbers", "SELECT merchant_id, waybill_id FROM waybill_numbers WHERE carrier = $1 AND number = $2",
		[]any{carrier, number}, &ref.MerchantID, &ref.ID)
	return ref, err
}

func (w waybills) SetHolder(carrier, number string, ref storage.WaybillRef) error {
	_, err := w.table.t.exec("waybill_numbers", "INSERT INTO waybill_numbers (carrier, number, merchant_id, waybill_id) VALUES ($1, $2, $3, $4) "+
		"ON CONFLICT (carrier, number) DO UPDATE SET merchant_id = EXCLUDED.merchant_id, waybill_id = EXCLUDED.waybill_id",
		carrier, number, ref.MerchantID, ref.ID)
	return err
}

// Holders lists by carrier code, as boltstore's "<number>\x00<carrier>"
// keys do.
func (w waybills) Holders(number string) ([]storage.NumberHolder, error) {
	k := keyed{name: "waybill_numbers", cols: []col{text("carrier"), text("merchant_id")}, value: "waybill_id"}
	rows, err := readRows(w.table.t, k, "SELECT carrier, merchant_id, waybill_id FROM waybill_numbers WHERE number = $1 ORDER BY carrier", []any{number})
	if err != nil {
		return nil, err
	}
	var out []storage.NumberHolder
	for _, r := range rows {
		out = append(out, storage.NumberHolder{Carrier: r.key[0].(string), WaybillRef: storage.WaybillRef{MerchantID: r.key[1].(string), ID: string(r.raw)}})
	}
	return out, nil
}

type idempotencyKeys struct{ t *tx }

func (k idempotencyKeys) Get(key string) (storage.WaybillRef, error) {
	var ref storage.WaybillRef
	err := k.t.one("idempotency_keys", "SELECT merchant_id, waybill_id FROM idempotency_keys WHERE key = $1", []any{[]byte(key)}, &ref.MerchantID, &ref.ID)
	return ref, err
}

// Insert relies on the primary key: of two nodes inserting one key, one
// stores it and the other gets ErrDuplicate (or, when its transaction
// looked the key up first, a serialization failure, and its re-run finds
// the key stored).
func (k idempotencyKeys) Insert(key string, ref storage.WaybillRef) error {
	tag, err := k.t.exec("idempotency_keys", "INSERT INTO idempotency_keys (key, merchant_id, waybill_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		[]byte(key), ref.MerchantID, ref.ID)
	if err == nil && tag.RowsAffected() == 0 {
		return storage.ErrDuplicate
	}
	return err
}

func (k idempotencyKeys) List(p storage.Page[storage.IdempotencyEntry]) ([]storage.IdempotencyEntry, string, error) {
	kd := keyed{name: "idempotency_keys", cols: []col{bytea("key")}, value: "merchant_id || '/' || waybill_id"}
	return list(k.t, kd, nil, false, p, func(r row) (storage.IdempotencyEntry, error) {
		merchantID, id, ok := strings.Cut(string(r.raw), "/")
		if !ok {
			return storage.IdempotencyEntry{}, fmt.Errorf("pgstore: idempotency key %q: malformed waybill reference %q", r.key[0], r.raw)
		}
		return storage.IdempotencyEntry{Key: string(r.key[0].([]byte)), Ref: storage.WaybillRef{MerchantID: merchantID, ID: id}}, nil
	})
}
