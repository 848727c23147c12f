package boltstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T, keys *sealing.Keyring) storage.Store {
			s, err := Open(t.TempDir(), Options{PII: keys})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		// The whole file: every commit is fsynced before Update returns.
		Raw: func(t *testing.T, s storage.Store) []byte {
			raw, err := os.ReadFile(filepath.Join(filepath.Dir(s.(*Store).db.Path()), FileName))
			if err != nil {
				t.Fatal(err)
			}
			return raw
		},
	})
}
