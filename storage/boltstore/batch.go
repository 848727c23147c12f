package boltstore

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// maxCallsPerCommit bounds one group commit so a burst cannot make one
// transaction (and its fsync) arbitrarily large.
const maxCallsPerCommit = 256

// call is one Batch function waiting for a commit.
type call struct {
	ctx  context.Context
	fn   func(*bolt.Tx) error
	done chan error
}

// committer is ewaybill's group commit. One goroutine runs every queued
// function in one read-write transaction and commits once; calls that
// arrive while that commit is being fsynced queue up and share the next
// one. Unlike bbolt's own Batch it never waits on a timer, so a lone call
// commits at once and throughput grows with concurrency.
type committer struct {
	db     *bolt.DB
	queue  chan call
	exited chan struct{}
}

func newCommitter(db *bolt.DB) *committer {
	c := &committer{db: db, queue: make(chan call, maxCallsPerCommit), exited: make(chan struct{})}
	go c.loop()
	return c
}

// submit queues fn and waits for its commit (or its failure). If ctx ends
// while fn waits in the queue, fn is dropped unrun and submit returns
// ctx's error: under a backlog, work whose caller has gone is not done.
// Once fn's group has started, submit waits for its outcome whatever ctx
// does, so the caller learns whether it committed.
func (c *committer) submit(ctx context.Context, fn func(*bolt.Tx) error) error {
	done := make(chan error, 1)
	c.queue <- call{ctx: ctx, fn: fn, done: done}
	return <-done
}

// stop ends the loop once the queue is drained; no submit may follow.
func (c *committer) stop() {
	close(c.queue)
	<-c.exited
}

func (c *committer) loop() {
	defer close(c.exited)
	for first := range c.queue {
		calls := []call{first}
	gather:
		for len(calls) < maxCallsPerCommit {
			select {
			case next, ok := <-c.queue:
				if !ok {
					break gather
				}
				calls = append(calls, next)
			default:
				break gather
			}
		}
		c.commit(dropAbandoned(calls))
	}
}

// dropAbandoned answers the calls whose context has ended with its error
// and returns the others.
func dropAbandoned(calls []call) []call {
	live := calls[:0]
	for _, cl := range calls {
		if err := cl.ctx.Err(); err != nil {
			cl.done <- err
			continue
		}
		live = append(live, cl)
	}
	return live
}

// commit runs calls in one transaction. If one fails, the transaction is
// rolled back, that call is run again alone so it gets its own verdict,
// and the rest are retried together: this is why Batch functions must be
// safe to re-run.
func (c *committer) commit(calls []call) {
	for len(calls) > 0 {
		failed := -1
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, cl := range calls {
				if err := safely(cl.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, cl := range calls {
				cl.done <- err
			}
			return
		}
		solo := calls[failed]
		calls = append(calls[:failed:failed], calls[failed+1:]...)
		solo.done <- c.db.Update(func(tx *bolt.Tx) error { return safely(solo.fn, tx) })
	}
}

// safely turns a panic in fn into an error so one bad call cannot take
// the commit loop (and every waiting caller) down with it.
func safely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in batch function: %v", r)
		}
	}()
	return fn(tx)
}
