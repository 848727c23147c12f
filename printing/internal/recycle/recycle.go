// Package recycle keeps a bounded stock of values that are expensive to
// make, such as zlib writers (about a megabyte of tables each) and label
// canvases.
//
// Unlike a sync.Pool, a Stock is not emptied by garbage collection: a
// renderer allocates enough per label that collections come every few
// labels, and a sync.Pool then hands out a new writer about as often as
// a recycled one. The bound keeps memory flat when many renders run at
// once: values beyond it are left to the collector.
package recycle

import "runtime"

// Stock holds up to its capacity of values for reuse. It is safe for
// concurrent use.
type Stock[T any] struct {
	free     chan T
	newValue func() T
}

// New returns a Stock that makes new values with newValue and keeps one
// per processor for reuse, from four to eight: renders are CPU-bound, so
// about that many run at once, and a megabyte-sized value kept per core
// of a large machine would be memory the service never gets back.
func New[T any](newValue func() T) *Stock[T] {
	return &Stock[T]{free: make(chan T, min(max(runtime.GOMAXPROCS(0), 4), 8)), newValue: newValue}
}

// Get returns a kept value, or a new one if none is kept.
func (s *Stock[T]) Get() T {
	select {
	case v := <-s.free:
		return v
	default:
		return s.newValue()
	}
}

// Put keeps v for a later Get, unless the stock is full.
func (s *Stock[T]) Put(v T) {
	select {
	case s.free <- v:
	default:
	}
}
