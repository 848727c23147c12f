// Package ratelimit bounds how fast each merchant's keys may send
// requests: one token bucket per merchant, shaped by limits admins set
// (a default, and merchants' own), kept in memory and read from the store
// only when a merchant's limit is first needed or has aged.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// Limit is a token bucket's shape: it holds at most Burst tokens and
// gains PerSecond tokens a second; each request takes one.
type Limit struct {
	PerSecond float64
	Burst     int
}

// Buckets holds one token bucket per key. A bucket left alone long enough
// to fill up is the same as no bucket, so full buckets are dropped when
// the map grows: memory follows the callers active lately, not every
// caller ever seen.
type Buckets struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt int
}

type bucket struct {
	tokens float64
	at     time.Time
	limit  Limit
}

// minSweep is the map size below which no sweep runs.
const minSweep = 1024

// Take takes a token from key's bucket, shaped by lim, at now. When the
// bucket is empty it takes nothing and reports how long until a token is
// there. A new key starts with a full bucket; a bucket whose limit
// changed keeps its tokens, up to the new burst.
func (b *Buckets) Take(key string, lim Limit, now time.Time) (wait time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buckets == nil {
		b.buckets = make(map[string]*bucket)
		b.sweepAt = minSweep
	}
	bk := b.buckets[key]
	if bk == nil {
		if len(b.buckets) >= b.sweepAt {
			b.sweep(now)
		}
		bk = &bucket{tokens: float64(lim.Burst), at: now}
		b.buckets[key] = bk
	}
	bk.limit = lim
	bk.refill(now)
	if bk.tokens >= 1-epsilon {
		bk.tokens = max(bk.tokens-1, 0)
		return 0, true
	}
	return bk.untilOne(), false
}

// refill adds what the time since the last visit earned. A clock that
// stepped back earns nothing rather than taking tokens away.
func (bk *bucket) refill(now time.Time) {
	if elapsed := now.Sub(bk.at); elapsed > 0 {
		bk.tokens += elapsed.Seconds() * bk.limit.PerSecond
		bk.at = now
	}
	bk.tokens = math.Min(bk.tokens, float64(bk.limit.Burst))
}

// untilOne is how long the bucket takes to earn its next whole token,
// rounded up to the millisecond so that a caller waiting exactly this long
// finds it there.
func (bk *bucket) untilOne() time.Duration {
	ms := (1 - bk.tokens) / bk.limit.PerSecond * 1000
	return time.Duration(math.Ceil(ms-epsilon)) * time.Millisecond
}

// epsilon absorbs floating-point error in token counts: 0.998 tokens plus
// a millisecond at 2/s must make a whole token, and must wait 1 ms, not 2.
const epsilon = 1e-9

// sweep drops the buckets that are full by now, and sets the size at which
// the next sweep runs to twice what is left, so sweeps cost O(1) a Take.
func (b *Buckets) sweep(now time.Time) {
	for key, bk := range b.buckets {
		bk.refill(now)
		if bk.tokens >= float64(bk.limit.Burst)-epsilon {
			delete(b.buckets, key)
		}
	}
	b.sweepAt = max(minSweep, 2*len(b.buckets))
}

// Len is how many buckets are held (for tests).
func (b *Buckets) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.buckets)
}
