package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)

func take(t *testing.T, b *Buckets, key string, lim Limit, at time.Time, wantOK bool, wantWait time.Duration) {
	t.Helper()
	wait, ok := b.Take(key, lim, at)
	if ok != wantOK || wait != wantWait {
		t.Fatalf("Take(%s) at +%s = (%s, %v); want (%s, %v)", key, at.Sub(t0), wait, ok, wantWait, wantOK)
	}
}

// A new bucket is full; once empty it tells how long until the next token,
// and it refills at the limit's rate.
func TestBucketBurstThenRefill(t *testing.T) {
	var b Buckets
	lim := Limit{PerSecond: 2, Burst: 3}
	for range 3 {
		take(t, &b, "m", lim, t0, true, 0)
	}
	take(t, &b, "m", lim, t0, false, 500*time.Millisecond)
	take(t, &b, "m", lim, t0.Add(200*time.Millisecond), false, 300*time.Millisecond)
	take(t, &b, "m", lim, t0.Add(500*time.Millisecond), true, 0)
	take(t, &b, "m", lim, t0.Add(500*time.Millisecond), false, 500*time.Millisecond)
	// A long pause refills to the burst, not beyond.
	later := t0.Add(time.Hour)
	for range 3 {
		take(t, &b, "m", lim, later, true, 0)
	}
	take(t, &b, "m", lim, later, false, 500*time.Millisecond)
}

// Each key has its own bucket: one caller emptying its bucket leaves
// another's untouched.
func TestBucketsAreIndependent(t *testing.T) {
	var b Buckets
	lim := Limit{PerSecond: 1, Burst: 2}
	take(t, &b, "flood", lim, t0, true, 0)
	take(t, &b, "flood", lim, t0, true, 0)
	take(t, &b, "flood", lim, t0, false, time.Second)
	take(t, &b, "quiet", lim, t0, true, 0)
	take(t, &b, "quiet", lim, t0, true, 0)
}

// The wait is rounded up to the millisecond, so that a caller waiting
// exactly that long finds a token.
func TestBucketWaitRoundsUp(t *testing.T) {
	var b Buckets
	lim := Limit{PerSecond: 3, Burst: 1}
	take(t, &b, "m", lim, t0, true, 0)
	take(t, &b, "m", lim, t0, false, 334*time.Millisecond)
	take(t, &b, "m", lim, t0.Add(334*time.Millisecond), true, 0)
	// Floating-point error does not add a millisecond: 0.998 tokens at
	// 2/s lack exactly 1 ms, and have a whole token 1 ms later.
	half := Limit{PerSecond: 2, Burst: 1}
	take(t, &b, "h", half, t0, true, 0)
	take(t, &b, "h", half, t0.Add(499*time.Millisecond), false, time.Millisecond)
	take(t, &b, "h", half, t0.Add(500*time.Millisecond), true, 0)
}

// A lowered burst caps what the bucket holds at once; a raised rate
// applies from the next visit.
func TestBucketFollowsLimitChanges(t *testing.T) {
	var b Buckets
	take(t, &b, "m", Limit{PerSecond: 1, Burst: 10}, t0, true, 0) // 9 left
	small := Limit{PerSecond: 1, Burst: 2}
	take(t, &b, "m", small, t0, true, 0) // capped to 2, 1 left
	take(t, &b, "m", small, t0, true, 0)
	take(t, &b, "m", small, t0, false, time.Second)
	fast := Limit{PerSecond: 100, Burst: 2}
	take(t, &b, "m", fast, t0, false, 10*time.Millisecond)
	take(t, &b, "m", fast, t0.Add(10*time.Millisecond), true, 0)
}

// A clock that steps back earns nothing and takes nothing away.
func TestBucketClockSteppingBack(t *testing.T) {
	var b Buckets
	lim := Limit{PerSecond: 1, Burst: 1}
	take(t, &b, "m", lim, t0, true, 0)
	take(t, &b, "m", lim, t0.Add(-time.Hour), false, time.Second)
	take(t, &b, "m", lim, t0.Add(time.Second), true, 0)
}

// Buckets that have filled up are dropped when the map grows, so memory
// follows the callers active lately; busy buckets keep their state.
func TestBucketsSweepFullBuckets(t *testing.T) {
	var b Buckets
	idle := Limit{PerSecond: 1, Burst: 5}
	for i := range minSweep - 1 {
		take(t, &b, "idle-"+strconv.Itoa(i), idle, t0, true, 0)
	}
	slow := Limit{PerSecond: 0.01, Burst: 5}
	for range 5 {
		take(t, &b, "busy", slow, t0, true, 0)
	}
	if n := b.Len(); n != minSweep {
		t.Fatalf("before the sweep: %d buckets; want %d", n, minSweep)
	}
	// A new key a minute later finds the map at the sweep size: the idle
	// buckets are full again (they refill in 4 s) and go; the busy one has
	// earned 0.6 of a token and stays.
	take(t, &b, "new", idle, t0.Add(time.Minute), true, 0)
	if n := b.Len(); n != 2 {
		t.Fatalf("after the sweep: %d buckets; want 2 (busy and new)", n)
	}
	take(t, &b, "busy", slow, t0.Add(time.Minute), false, 40*time.Second)
}
