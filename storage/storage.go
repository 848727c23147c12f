// Package storage is the persistence seam. Domain code runs inside a
// transaction obtained from a Store and reaches its records through the
// typed tables a Tx hands out; it never sees bbolt (or, later, SQL).
// A backend implements Store and every table with the same semantics:
// writes inside Update are atomic and durable when Update returns nil.
package storage

import (
	"context"
	"errors"
	"time"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// ErrNotFound is returned by Get-style lookups for a missing record.
var ErrNotFound = errors.New("storage: record not found")

// ErrDuplicate is returned when a unique index already holds the value.
var ErrDuplicate = errors.New("storage: duplicate unique value")

// ErrNegativeBalance is returned by Quotas.Put for a quota whose available
// balance is below zero. The domain never writes one; a backend refuses it
// all the same, so no interleaving of nodes can spend a unit twice.
var ErrNegativeBalance = errors.New("storage: quota balance below zero")

// ErrClosed is returned once the store has been closed (shutdown).
var ErrClosed = errors.New("storage: store is closed")

// Store opens transactions. Update runs fn in a read-write transaction that
// commits, durably, only if fn returns nil; View runs fn read-only. fn may
// be called more than once by a backend that retries conflicts, so it must
// have no effects outside the transaction.
type Store interface {
	View(ctx context.Context, fn func(Tx) error) error
	Update(ctx context.Context, fn func(Tx) error) error
	// Batch is Update for hot paths: concurrent calls may share one commit
	// (group commit), so fn may run more than once and, when several run
	// in one transaction, sees the writes of those before it. An error
	// from fn rolls the shared transaction back and costs the others a
	// re-run, so fn should report refusals (quota exhausted, bad input)
	// through its closure and return nil after writing nothing; it
	// returns an error only for failures.
	Batch(ctx context.Context, fn func(Tx) error) error
	// PrepareWaybill does ahead, outside any transaction, the part of
	// storing a new waybill under ref that needs nothing a transaction
	// reads: encoding w and sealing its personal data for the record ref.
	// Waybills.Insert then stores it, so the serial part of a write is
	// only that. The prepared waybill holds its own copy of w's contents.
	PrepareWaybill(ref WaybillRef, w *ewaybillv1.Waybill) (*PreparedWaybill, error)
	Close() error
}

// KeyLocker is implemented by a Store that several processes share
// (PostgreSQL). BatchLocked is Batch run while holding locks, across all
// of them, on keys (opaque names): transactions that would conflict only
// on those keys' records wait for each other instead of aborting and
// running again. The locks are taken before the transaction starts, in an
// order of the store's that avoids deadlocks, and let go when it ends.
type KeyLocker interface {
	BatchLocked(ctx context.Context, keys []string, fn func(Tx) error) error
}

// PreparedWaybill is a new waybill encoded by Store.PrepareWaybill, for
// Waybills.Insert in a transaction of the same store. Inserting it again
// is only for a transaction re-run after its first run rolled back.
type PreparedWaybill struct {
	Ref WaybillRef
	// Encoded is the backend's own form of the record.
	Encoded any
}

// Tx hands out the tables of one transaction. Records returned by a table
// are copies the caller may modify; nothing is written until Put.
type Tx interface {
	Merchants() Merchants
	Carriers() Carriers
	CarrierAuthorizations() CarrierAuthorizations
	APIKeys() APIKeys
	Pools() Pools
	NumberRanges() NumberRanges
	NumberSegments() NumberSegments
	ReuseQueue() ReuseQueue
	Quotas() Quotas
	Ledger() Ledger
	QuotaRequests() QuotaRequests
	CancelGuards() CancelGuards
	RateLimits() RateLimits
	Waybills() Waybills
	IdempotencyKeys() IdempotencyKeys
	MappingProfiles() MappingProfiles
	RoutingTables() RoutingTables
	LabelTemplates() LabelTemplates
	PrintJobs() PrintJobs
	AuditLog() AuditLog
}

// Page asks for at most Limit records after the cursor After (exclusive;
// empty for the start) that pass Keep (nil keeps all). Lists return records
// in key order and the cursor to continue from, empty on the last page.
type Page[T any] struct {
	After string
	Limit int
	Keep  func(T) bool
}

// Merchants holds merchants by id, with a unique index on credit code.
type Merchants interface {
	Get(id string) (*ewaybillv1.Merchant, error)
	// IDByCreditCode finds the merchant holding a unified social credit code.
	IDByCreditCode(code string) (string, error)
	// Put stores m under id and keeps the credit-code index in step.
	Put(id string, m *ewaybillv1.Merchant) error
	List(p Page[*ewaybillv1.Merchant]) ([]*ewaybillv1.Merchant, string, error)
}

// Carriers holds carriers by code.
type Carriers interface {
	Get(code string) (*ewaybillv1.Carrier, error)
	Put(code string, c *ewaybillv1.Carrier) error
	List(p Page[*ewaybillv1.Carrier]) ([]*ewaybillv1.Carrier, string, error)
}

// CarrierAuthorizations holds authorizations by merchant id and
// authorization id, so one merchant's are listed without scanning others'.
type CarrierAuthorizations interface {
	Get(merchantID, id string) (*ewaybillv1.CarrierAuthorization, error)
	Put(merchantID, id string, a *ewaybillv1.CarrierAuthorization) error
	// List lists one merchant's authorizations, or every merchant's when
	// merchantID is empty.
	List(merchantID string, p Page[*ewaybillv1.CarrierAuthorization]) ([]*ewaybillv1.CarrierAuthorization, string, error)
}

// APIKeys holds key metadata by id and an index from the secret's hash to
// the id. The secret itself is never stored.
type APIKeys interface {
	Get(id string) (*ewaybillv1.ApiKey, error)
	IDBySecretHash(hash []byte) (string, error)
	// Insert stores a new key and its hash; the hash must be new.
	Insert(id string, k *ewaybillv1.ApiKey, secretHash []byte) error
	// Put updates an existing key's metadata.
	Put(id string, k *ewaybillv1.ApiKey) error
	List(p Page[*ewaybillv1.ApiKey]) ([]*ewaybillv1.ApiKey, string, error)
	// Empty reports whether no key exists at all (a fresh data dir).
	Empty() (bool, error)
}

// Pools holds each carrier's pool counters and settings by carrier code.
type Pools interface {
	Get(carrier string) (*ewaybillv1.Pool, error)
	Put(carrier string, p *ewaybillv1.Pool) error
	// List pages through pools; the cursor is the carrier code.
	List(p Page[*ewaybillv1.Pool]) ([]*ewaybillv1.Pool, string, error)
}

// NumberRanges holds each carrier's ranges ordered by first serial.
type NumberRanges interface {
	Get(carrier string, first int64) (*ewaybillv1.NumberRange, error)
	Put(carrier string, r *ewaybillv1.NumberRange) error
	// Floor returns the range with the greatest first serial not above
	// serial, or ErrNotFound.
	Floor(carrier string, serial int64) (*ewaybillv1.NumberRange, error)
	List(carrier string, p Page[*ewaybillv1.NumberRange]) ([]*ewaybillv1.NumberRange, string, error)
}

// NumberSegments holds, per carrier, the segments of serials leased to
// serving nodes, by first serial.
type NumberSegments interface {
	Get(carrier string, first int64) (*ewaybillv1.NumberSegment, error)
	Put(carrier string, s *ewaybillv1.NumberSegment) error
	// Delete removes a segment; deleting a missing one is no error.
	Delete(carrier string, first int64) error
	List(carrier string, p Page[*ewaybillv1.NumberSegment]) ([]*ewaybillv1.NumberSegment, string, error)
}

// QueuedNumber is a cancelled number waiting in a carrier's reuse queue.
type QueuedNumber struct {
	Number string
	// Ready is when its quarantine ends.
	Ready time.Time
}

// ReuseQueue holds, per carrier, numbers waiting to be issued again,
// ordered by the end of their quarantine.
type ReuseQueue interface {
	Push(carrier string, q QueuedNumber) error
	// First returns the number whose quarantine ends first, or ErrNotFound
	// for an empty queue.
	First(carrier string) (QueuedNumber, error)
	Remove(carrier string, q QueuedNumber) error
	// Each calls fn for every queued number of carrier in queue order
	// until fn returns an error.
	Each(carrier string, fn func(QueuedNumber) error) error
}

// Quotas holds balances by merchant id and carrier code.
type Quotas interface {
	Get(merchantID, carrier string) (*ewaybillv1.Quota, error)
	// Put stores q; ErrNegativeBalance if its available is below zero.
	Put(merchantID, carrier string, q *ewaybillv1.Quota) error
	// List lists one merchant's quotas, or every merchant's for "".
	List(merchantID string, p Page[*ewaybillv1.Quota]) ([]*ewaybillv1.Quota, string, error)
}

// Ledger is the append-only record of quota changes, by merchant, carrier
// and sequence.
type Ledger interface {
	// Append stores e under its sequence, which must be above every
	// sequence stored for the quota (ErrDuplicate otherwise): entries are
	// only ever added at the end.
	Append(merchantID, carrier string, e *ewaybillv1.LedgerEntry) error
	Get(merchantID, carrier string, sequence int64) (*ewaybillv1.LedgerEntry, error)
	// List lists one quota's entries in sequence order, or all of a
	// merchant's (carrier "") by carrier then sequence.
	List(merchantID, carrier string, p Page[*ewaybillv1.LedgerEntry]) ([]*ewaybillv1.LedgerEntry, string, error)
}

// QuotaRequests remembers the ledger entry each client request id of a
// top-up or deduction produced, so a retry replays instead of repeating.
type QuotaRequests interface {
	Get(merchantID, carrier, requestID string) (sequence int64, err error)
	Put(merchantID, carrier, requestID string, sequence int64) error
}

// CancelGuards holds merchants' cancel-rate guards by merchant id.
type CancelGuards interface {
	Get(merchantID string) (*ewaybillv1.CancelGuard, error)
	Put(merchantID string, g *ewaybillv1.CancelGuard) error
}

// RateLimits holds the request-rate limits admins set: the default, and
// merchants' own by merchant id. Get-style calls return ErrNotFound for a
// limit never set; Delete of a missing limit is no error.
type RateLimits interface {
	Default() (*ewaybillv1.RateLimit, error)
	PutDefault(l *ewaybillv1.RateLimit) error
	Get(merchantID string) (*ewaybillv1.RateLimit, error)
	Put(merchantID string, l *ewaybillv1.RateLimit) error
	Delete(merchantID string) error
}

// WaybillRef locates a waybill record.
type WaybillRef struct {
	MerchantID string
	ID         string
}

// NumberHolder is the latest waybill to hold a carrier's number.
type NumberHolder struct {
	Carrier string
	WaybillRef
}

// Waybills holds waybills by merchant id and waybill id (ids sort by
// creation), with a unique index from carrier + number to the latest
// waybill holding it.
type Waybills interface {
	Get(ref WaybillRef) (*ewaybillv1.Waybill, error)
	Put(ref WaybillRef, w *ewaybillv1.Waybill) error
	// Insert stores a new waybill prepared by the store's PrepareWaybill
	// under its ref, merged (as proto.Merge does) with late: the fields
	// only the transaction knows, such as the number, which the prepared
	// waybill leaves unset. late holds no personal data.
	Insert(p *PreparedWaybill, late *ewaybillv1.Waybill) error
	// List lists one merchant's waybills oldest first, or every merchant's
	// for "".
	List(merchantID string, p Page[*ewaybillv1.Waybill]) ([]*ewaybillv1.Waybill, string, error)
	// Holder returns the latest waybill that held carrier's number.
	Holder(carrier, number string) (WaybillRef, error)
	// SetHolder points carrier's number at ref.
	SetHolder(carrier, number string, ref WaybillRef) error
	// Holders returns the latest holder of number at every carrier that
	// issued it (usually one).
	Holders(number string) ([]NumberHolder, error)
}

// IdempotencyEntry maps an allocation's idempotency key to its waybill.
type IdempotencyEntry struct {
	Key string
	Ref WaybillRef
}

// IdempotencyKeys maps allocation keys to the waybill they produced.
type IdempotencyKeys interface {
	Get(key string) (WaybillRef, error)
	// Insert stores a new key; ErrDuplicate if it exists.
	Insert(key string, ref WaybillRef) error
	List(p Page[IdempotencyEntry]) ([]IdempotencyEntry, string, error)
}

// MappingProfiles holds merchants' mapping profiles by merchant id and
// profile id.
type MappingProfiles interface {
	Get(merchantID, id string) (*ewaybillv1.MappingProfile, error)
	Put(merchantID, id string, p *ewaybillv1.MappingProfile) error
	// Delete removes a profile; ErrNotFound if there is none.
	Delete(merchantID, id string) error
	List(merchantID string, p Page[*ewaybillv1.MappingProfile]) ([]*ewaybillv1.MappingProfile, string, error)
}

// RoutingTables holds carriers' routing tables by carrier code.
type RoutingTables interface {
	Get(carrier string) (*ewaybillv1.RoutingTable, error)
	// Put stores t and raises the carrier's revision.
	Put(carrier string, t *ewaybillv1.RoutingTable) error
	// Revision changes whenever the carrier's table is replaced (0 for a
	// table never stored), so a compiled table can be cached and checked
	// without decoding its up to 20,000 rules.
	Revision(carrier string) (uint64, error)
}

// LabelTemplates holds merchants' label templates by merchant id.
type LabelTemplates interface {
	Get(merchantID string) (*ewaybillv1.LabelTemplate, error)
	Put(merchantID string, t *ewaybillv1.LabelTemplate) error
}

// PrintJobs holds print jobs by merchant id and job id (ids sort by
// creation), with an index from the client's request id to the job.
type PrintJobs interface {
	Get(merchantID, id string) (*ewaybillv1.PrintJob, error)
	Put(merchantID, id string, j *ewaybillv1.PrintJob) error
	// ByRequest returns the id of the job a request id produced.
	ByRequest(merchantID, requestID string) (string, error)
	SetRequest(merchantID, requestID, id string) error
	// List lists one merchant's jobs, newest first.
	List(merchantID string, p Page[*ewaybillv1.PrintJob]) ([]*ewaybillv1.PrintJob, string, error)
}

// AuditLog is the append-only audit log by event id (ids sort by time).
type AuditLog interface {
	// Append stores e under id, which must be new.
	Append(id string, e *ewaybillv1.AuditEvent) error
	// List lists events newest first.
	List(p Page[*ewaybillv1.AuditEvent]) ([]*ewaybillv1.AuditEvent, string, error)
}
