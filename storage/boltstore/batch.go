package boltstore

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// maxCallsPerCommit bounds one group commit so a burst cannot make one
// transaction (and its fsync) arbitrarily large.
const maxCallsPerCommit = 256

// call is one Batch function waiting for a commit.
type call struct {
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

// submit queues fn and waits for its commit (or its failure).
func (c *committer) submit(fn func(*bolt.Tx) error) error {
	done := make(chan error, 1)
	c.queue <- call{fn: fn, done: done}
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
		c.commit(calls)
	}
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
