package boltstore

import (
	"bytes"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/ewaybill/ewaybill/internal/procstatus"
)

// Trimming drops the touched pages of the mapping from the resident set,
// and every value reads back the same afterwards.
func TestTrimDropsMappedPagesAndKeepsData(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("trimming is Linux only")
	}
	s, err := Open(t.TempDir(), Options{MappedBudget: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const records, size = 8000, 4000 // about 32 MB
	value := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, size) }
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("trim-test"))
		for i := 0; i < records && err == nil; i++ {
			err = b.Put(fmt.Appendf(nil, "%08d", i), value(i))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	readAll := func() {
		t.Helper()
		if err := s.db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("trim-test"))
			for i := range records {
				if got := b.Get(fmt.Appendf(nil, "%08d", i)); !bytes.Equal(got, value(i)) {
					return fmt.Errorf("record %d reads back %d bytes, not its value", i, len(got))
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	readAll()
	before := procstatus.Read().File
	(&trimmer{db: s.db}).trim()
	after := procstatus.Read().File
	if before-after < 20<<20 {
		t.Errorf("resident file pages went from %d MiB to %d MiB; want at least 20 MiB dropped", before>>20, after>>20)
	}
	readAll()
}

// The mapped file is trimmed past its own budget only when the whole
// process is past the resident budget, or always when there is none.
func TestTrimmerWhenOver(t *testing.T) {
	const mib = 1 << 20
	shared := &trimmer{mapped: 64 * mib, resident: 240 * mib}
	alone := &trimmer{mapped: 64 * mib}
	for _, c := range []struct {
		anon, file            int64
		wantShared, wantAlone bool
	}{
		{anon: 200 * mib, file: 60 * mib},                                    // file within its own budget
		{anon: 90 * mib, file: 140 * mib, wantAlone: true},                   // the heap leaves room
		{anon: 90 * mib, file: 151 * mib, wantShared: true, wantAlone: true}, // 241 MiB in all
		{anon: 176 * mib, file: 65 * mib, wantShared: true, wantAlone: true},
	} {
		m := procstatus.Memory{Anon: c.anon, File: c.file}
		if got := shared.over(m); got != c.wantShared {
			t.Errorf("heap %d MiB, file %d MiB, resident budget 240 MiB: over = %v, want %v", c.anon/mib, c.file/mib, got, c.wantShared)
		}
		if got := alone.over(m); got != c.wantAlone {
			t.Errorf("heap %d MiB, file %d MiB, no resident budget: over = %v, want %v", c.anon/mib, c.file/mib, got, c.wantAlone)
		}
	}
}

// By default the resident budget is the Go runtime's memory limit plus
// the mapped budget; without a limit there is none.
func TestResidentBudgetFollowsMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(176 << 20)
	defer debug.SetMemoryLimit(old)
	if got := residentBudget(Options{MappedBudget: 64 << 20}); got != 240<<20 {
		t.Errorf("with a 176 MiB limit: %d MiB, want 240", got>>20)
	}
	if got := residentBudget(Options{MappedBudget: 64 << 20, ResidentBudget: 300 << 20}); got != 300<<20 {
		t.Errorf("set to 300 MiB: %d MiB", got>>20)
	}
	if got := residentBudget(Options{MappedBudget: 64 << 20, ResidentBudget: -1}); got != 0 {
		t.Errorf("turned off: %d MiB, want 0", got>>20)
	}
	debug.SetMemoryLimit(math.MaxInt64 - 1)
	if got := residentBudget(Options{MappedBudget: 64 << 20}); got != 0 {
		t.Errorf("with a limit too large to add to: %d MiB, want 0", got>>20)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	if got := residentBudget(Options{MappedBudget: 64 << 20}); got != 0 {
		t.Errorf("with no limit: %d MiB, want 0", got>>20)
	}
}
