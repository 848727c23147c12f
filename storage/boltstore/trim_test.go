package boltstore

import (
	"bytes"
	"fmt"
	"runtime"
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
