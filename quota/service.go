// Package quota is ewaybill's allocation engine: carriers' number pools,
// merchants' quotas and their append-only ledger, idempotent allocation,
// cancellation with recycling, and the checker that proves the books
// balance. It holds the rules; storage holds the records and server only
// translates.
package quota

import (
	"time"

	"github.com/ewaybill/ewaybill/storage"
)

// Defaults a deployment may change.
const (
	// DefaultStarterGrant is credited once when a merchant's authorization
	// for a carrier first becomes ACTIVE.
	DefaultStarterGrant = 1000
	// DefaultLowWatermark is a pool's low_watermark when unset.
	DefaultLowWatermark = 1000
	// DefaultReuseQuarantine is a pool's reuse_quarantine when unset.
	DefaultReuseQuarantine = 24 * time.Hour
	// DefaultLowBalanceThreshold is a new quota's low_balance_threshold.
	DefaultLowBalanceThreshold = 100
	// MaxBatch is the most allocations one BatchAllocate takes.
	MaxBatch = 100
	// MaxAdjustment bounds one top-up or deduction.
	MaxAdjustment = 10_000_000
	// MaxRequestIDLength bounds a client's request id (allocation,
	// top-up, deduction), in characters.
	MaxRequestIDLength = 64
	// MaxReasonLength bounds the reason of a cancel, a top-up, a
	// deduction or a retired range, in characters.
	MaxReasonLength = 200
)

// Service runs the allocation engine on a store.
type Service struct {
	Store storage.Store
	Now   func() time.Time
	// StarterGrant is the one-time grant on a carrier authorization's first
	// activation; negative means none.
	StarterGrant int64
	// PoolLevel, when set, is told a carrier's available numbers and its
	// low watermark after every change of the pool (for metrics and alerts).
	PoolLevel func(carrier string, available, lowWatermark int64)
	// NodeID names this node's leases of number segments (segment.go);
	// empty means "local". SegmentSize is how many serials a lease takes,
	// SegmentTakeover how long a segment idles before another node may
	// take it over; 0 means the default.
	NodeID          string
	SegmentSize     int64
	SegmentTakeover time.Duration

	memory nodeMemory

	combiner combiner
}

// New returns a service with the default starter grant.
func New(store storage.Store, now func() time.Time) *Service {
	return &Service{Store: store, Now: now, StarterGrant: DefaultStarterGrant}
}
