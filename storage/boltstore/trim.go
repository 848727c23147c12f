package boltstore

import (
	"math"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ewaybill/ewaybill/internal/procstatus"
)

// DefaultMappedBudget is how much of the mapped file may always stay
// resident.
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
// next touch of a page is a minor fault, not a disk read.
//
// Those faults are the cost: the kernel maps 16 neighbouring pages with
// each one (fault-around, which MADV_RANDOM does not turn off), so random
// lookups fill the budget fast, and after each trim every lookup faults
// again. With the mapped file held to 64 MiB, replays spent 12% of all
// CPU on those faults and ran 20–29% slower than with no trimming. So the
// file may also use the room the heap leaves: it is trimmed only when it
// is past its own budget and the whole process is past the resident
// budget (the heap's limit plus the mapped budget, by default).
type trimmer struct {
	db       *bolt.DB
	mapped   int64 // the file may always hold this much
	resident int64 // past mapped, the file may grow while the process stays within this; 0 for no such room
	stop     chan struct{}
	done     chan struct{}
}

func startTrimmer(db *bolt.DB, mapped, resident int64) *trimmer {
	t := &trimmer{db: db, mapped: mapped, resident: resident, stop: make(chan struct{}), done: make(chan struct{})}
	go t.loop()
	return t
}

// residentBudget is opt's resident budget, 0 when there is none.
func residentBudget(opt Options) int64 {
	switch {
	case opt.ResidentBudget > 0:
		return opt.ResidentBudget
	case opt.ResidentBudget < 0:
		return 0
	}
	limit := debug.SetMemoryLimit(-1) // reads the limit without changing it
	if limit > math.MaxInt64-opt.MappedBudget {
		return 0 // no limit (math.MaxInt64), or one too large to add to
	}
	return limit + opt.MappedBudget
}

// over reports whether m calls for a trim.
func (t *trimmer) over(m procstatus.Memory) bool {
	if m.File <= t.mapped {
		return false
	}
	return t.resident <= 0 || m.Anon+m.File > t.resident
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
			if t.over(procstatus.Read()) {
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
