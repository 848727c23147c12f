package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/storage"
)

// Keys of the allocation engine's buckets. Carrier codes, merchant ids and
// waybill ids never contain "/", and numbers and sequences are big-endian
// so byte order is numeric order.

func quotaKey(merchantID, carrier string) []byte { return []byte(merchantID + "/" + carrier + "/") }

func serialKey(prefix string, n int64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefix+"/"), uint64(n))
}

// scoped narrows a listing to prefix and drops a cursor that points
// outside it (a token from another parent's listing).
func scoped[T any](prefix []byte, p storage.Page[T]) storage.Page[T] {
	if p.After != "" && !bytes.HasPrefix([]byte(p.After), prefix) {
		p.After = ""
	}
	return p
}

type pools struct{ table table[*ewaybillv1.Pool] }

func (t pools) Get(carrier string) (*ewaybillv1.Pool, error) { return t.table.get([]byte(carrier)) }
func (t pools) Put(carrier string, p *ewaybillv1.Pool) error { return t.table.put([]byte(carrier), p) }
func (t pools) List(p storage.Page[*ewaybillv1.Pool]) ([]*ewaybillv1.Pool, string, error) {
	return t.table.list(nil, p)
}

// bySerial is a table of a carrier's records keyed by their first serial
// (number ranges, number segments).
type bySerial[T interface {
	proto.Message
	GetFirstSerial() int64
}] struct {
	table table[T]
}

func (t bySerial[T]) Get(carrier string, first int64) (T, error) {
	return t.table.get(serialKey(carrier, first))
}

func (t bySerial[T]) Put(carrier string, v T) error {
	return t.table.put(serialKey(carrier, v.GetFirstSerial()), v)
}

func (t bySerial[T]) List(carrier string, p storage.Page[T]) ([]T, string, error) {
	prefix := []byte(carrier + "/")
	return t.table.list(prefix, scoped(prefix, p))
}

type numberRanges struct {
	bySerial[*ewaybillv1.NumberRange]
}

func (t numberRanges) Floor(carrier string, serial int64) (*ewaybillv1.NumberRange, error) {
	prefix := []byte(carrier + "/")
	c := t.table.b.Cursor()
	k, raw := c.Seek(serialKey(carrier, serial))
	if k == nil || !bytes.Equal(k, serialKey(carrier, serial)) {
		k, raw = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, storage.ErrNotFound
	}
	return t.table.decode(k, raw)
}

type numberSegments struct {
	bySerial[*ewaybillv1.NumberSegment]
}

func (t numberSegments) Delete(carrier string, first int64) error {
	return t.table.b.Delete(serialKey(carrier, first))
}

// reuseQueue keys entries "<carrier>/<ready unix nanos><number>"; the value
// is empty.
type reuseQueue struct{ b *bolt.Bucket }

func queueKey(carrier string, q storage.QueuedNumber) []byte {
	return append(serialKey(carrier, q.Ready.UnixNano()), q.Number...)
}

func decodeQueueKey(prefix, k []byte) storage.QueuedNumber {
	rest := k[len(prefix):]
	return storage.QueuedNumber{
		Ready:  time.Unix(0, int64(binary.BigEndian.Uint64(rest[:8]))).UTC(),
		Number: string(rest[8:]),
	}
}

func (q reuseQueue) Push(carrier string, n storage.QueuedNumber) error {
	return q.b.Put(queueKey(carrier, n), nil)
}

func (q reuseQueue) First(carrier string) (storage.QueuedNumber, error) {
	prefix := []byte(carrier + "/")
	k, _ := q.b.Cursor().Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return storage.QueuedNumber{}, storage.ErrNotFound
	}
	return decodeQueueKey(prefix, k), nil
}

func (q reuseQueue) Remove(carrier string, n storage.QueuedNumber) error {
	key := queueKey(carrier, n)
	if q.b.Get(key) == nil {
		return storage.ErrNotFound
	}
	return q.b.Delete(key)
}

func (q reuseQueue) Each(carrier string, fn func(storage.QueuedNumber) error) error {
	prefix := []byte(carrier + "/")
	c := q.b.Cursor()
	var due []storage.QueuedNumber
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		due = append(due, decodeQueueKey(prefix, k))
	}
	// fn may remove entries, which a live bbolt cursor does not survive.
	for _, n := range due {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

type quotas struct{ table table[*ewaybillv1.Quota] }

func (t quotas) Get(merchantID, carrier string) (*ewaybillv1.Quota, error) {
	return t.table.get(quotaKey(merchantID, carrier))
}

func (t quotas) Put(merchantID, carrier string, q *ewaybillv1.Quota) error {
	if q.GetAvailable() < 0 {
		return fmt.Errorf("quota %s/%s: available %d: %w", merchantID, carrier, q.GetAvailable(), storage.ErrNegativeBalance)
	}
	return t.table.put(quotaKey(merchantID, carrier), q)
}

func (t quotas) List(merchantID string, p storage.Page[*ewaybillv1.Quota]) ([]*ewaybillv1.Quota, string, error) {
	if merchantID == "" {
		return t.table.list(nil, p)
	}
	prefix := []byte(merchantID + "/")
	return t.table.list(prefix, scoped(prefix, p))
}

// ledger keys entries "<merchant id>/<carrier>/<sequence, 8 bytes
// big-endian>". Sequences of a quota only grow, so Append checks that
// none at or above the new one is stored; within one tx it remembers the
// last it appended for each quota and checks the next against that, as
// only Append writes this bucket.
type ledger struct {
	table table[*ewaybillv1.LedgerEntry]
	last  map[string]int64
}

func (t *ledger) Append(merchantID, carrier string, e *ewaybillv1.LedgerEntry) error {
	prefix := merchantID + "/" + carrier
	seq := e.GetSequence()
	key := serialKey(prefix, seq)
	if last, known := t.last[prefix]; known {
		if seq <= last {
			return storage.ErrDuplicate
		}
	} else if k, _ := t.table.b.Cursor().Seek(key); k != nil && bytes.HasPrefix(k, key[:len(prefix)+1]) {
		return storage.ErrDuplicate
	}
	if err := t.table.put(key, e); err != nil {
		return err
	}
	if t.last == nil {
		t.last = map[string]int64{}
	}
	t.last[prefix] = seq
	return nil
}

func (t *ledger) Get(merchantID, carrier string, sequence int64) (*ewaybillv1.LedgerEntry, error) {
	return t.table.get(serialKey(merchantID+"/"+carrier, sequence))
}

func (t *ledger) List(merchantID, carrier string, p storage.Page[*ewaybillv1.LedgerEntry]) ([]*ewaybillv1.LedgerEntry, string, error) {
	prefix := []byte(merchantID + "/")
	if carrier != "" {
		prefix = quotaKey(merchantID, carrier)
	}
	return t.table.list(prefix, scoped(prefix, p))
}

type quotaRequests struct{ b *bolt.Bucket }

func (t quotaRequests) Get(merchantID, carrier, requestID string) (int64, error) {
	raw := t.b.Get(append(quotaKey(merchantID, carrier), requestID...))
	if len(raw) != 8 {
		return 0, storage.ErrNotFound
	}
	return int64(binary.BigEndian.Uint64(raw)), nil
}

func (t quotaRequests) Put(merchantID, carrier, requestID string, sequence int64) error {
	return t.b.Put(append(quotaKey(merchantID, carrier), requestID...), binary.BigEndian.AppendUint64(nil, uint64(sequence)))
}

type cancelGuards struct {
	table table[*ewaybillv1.CancelGuard]
}

func (t cancelGuards) Get(merchantID string) (*ewaybillv1.CancelGuard, error) {
	return t.table.get([]byte(merchantID))
}

func (t cancelGuards) Put(merchantID string, g *ewaybillv1.CancelGuard) error {
	return t.table.put([]byte(merchantID), g)
}

// errCorrupt marks an index entry that cannot be decoded.
var errCorrupt = errors.New("boltstore: malformed index entry")

// rateLimits keeps merchants' limits under their ids and the default
// under a key no id can take (ids never hold "/").
type rateLimits struct {
	table table[*ewaybillv1.RateLimit]
}

var keyDefaultRateLimit = []byte("/default")

func (t rateLimits) Default() (*ewaybillv1.RateLimit, error) {
	return t.table.get(keyDefaultRateLimit)
}

func (t rateLimits) PutDefault(l *ewaybillv1.RateLimit) error {
	return t.table.put(keyDefaultRateLimit, l)
}

func (t rateLimits) Get(merchantID string) (*ewaybillv1.RateLimit, error) {
	return t.table.get([]byte(merchantID))
}

func (t rateLimits) Put(merchantID string, l *ewaybillv1.RateLimit) error {
	return t.table.put([]byte(merchantID), l)
}

func (t rateLimits) Delete(merchantID string) error {
	return t.table.b.Delete([]byte(merchantID))
}
