package boltstore

import (
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ewaybill/ewaybill/internal/procstatus"
)

// DefaultMappedBudget is how much of the mapped file may stay resident.
const DefaultMappedBudget = 64 << 20

// trimInterval is how often the resident mapped pages are measured (a
// read of /proc/self/status, tens of microseconds: 0.15% of a core at this
// rate). Between two looks the mapped part can pass the budget: at 24,000
// replays a second it reached 146–164 MiB with looks every 250 ms and
// 89–115 MiB every 50 ms. Writes map pages in as fast: bbolt writes every
// changed page to a new place, and the next read maps the new place. At
// 11,000 cancels a second it reached 95–121 MiB with looks every 50 ms,
// 83–88 MiB every 20 ms, which keeps the bench's peak resident set
// (heap at its 176 MiB soft limit plus this) under 300 MiB.
const trimInterval = 20 * time.Millisecond

// trimmer keeps the file pages bbolt has mapped in from adding up in the
// process's resident set. bbolt reads the file through a read-only shared
// mapping, and every page a lookup touches stays mapped until the process
// unmaps it, so with random keys (idempotency keys, reprints of old
// waybills) the resident set grows with the file rather than with the
// work. Past the budget the mapping is told MADV_DONTNEED: the pages leave
// this process's page tables but stay in the kernel's page cache, so the
// next touch of a hot page is a minor fault, not a disk read.
type trimmer struct {
	db     *bolt.DB
	budget int64
	stop   chan struct{}
	done   chan struct{}
}

func startTrimmer(db *bolt.DB, budget int64) *trimmer {
	t := &trimmer{db: db, budget: budget, stop: make(chan struct{}), done: make(chan struct{})}
	go t.loop()
	return t
}

func (t *trimmer) loop() {
	defer close(t.done)
	tick := time.NewTicker(trimInterval)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			if procstatus.Read().File > t.budget {
				t.trim()
			}
		}
	}
}

// trim drops the mapping's pages from the page tables. It runs inside a
// read transaction, which holds bbolt's mmap lock: the mapping cannot be
// replaced (when the file grows) while it is advised.
func (t *trimmer) trim() {
	_ = t.db.View(func(tx *bolt.Tx) error {
		dropMapped(t.db.Info().Data, uintptr(tx.Size()))
		return nil
	})
}

func (t *trimmer) close() {
	close(t.stop)
	<-t.done
}
