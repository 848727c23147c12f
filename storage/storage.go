// Package storage is the persistence seam. Domain code runs inside a
// transaction obtained from a Store and reaches its records through the
// typed tables a Tx hands out; it never sees bbolt (or, later, SQL).
// A backend implements Store and every table with the same semantics:
// writes inside Update are atomic and durable when Update returns nil.
package storage

import (
	"context"
	"errors"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// ErrNotFound is returned by Get-style lookups for a missing record.
var ErrNotFound = errors.New("storage: record not found")

// ErrDuplicate is returned when a unique index already holds the value.
var ErrDuplicate = errors.New("storage: duplicate unique value")

// ErrClosed is returned once the store has been closed (shutdown).
var ErrClosed = errors.New("storage: store is closed")

// Store opens transactions. Update runs fn in a read-write transaction that
// commits, durably, only if fn returns nil; View runs fn read-only. fn may
// be called more than once by a backend that retries conflicts, so it must
// have no effects outside the transaction.
type Store interface {
	View(ctx context.Context, fn func(Tx) error) error
	Update(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx hands out the tables of one transaction. Records returned by a table
// are copies the caller may modify; nothing is written until Put.
type Tx interface {
	Merchants() Merchants
	Carriers() Carriers
	CarrierAuthorizations() CarrierAuthorizations
	APIKeys() APIKeys
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
