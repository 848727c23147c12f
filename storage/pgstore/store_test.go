package pgstore

import (
	"context"
	"testing"

	"github.com/ewaybill/ewaybill/internal/pgtest"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func openTest(t *testing.T, url string, keys *sealing.Keyring) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, Options{PII: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Backend{
		Open: func(t *testing.T, keys *sealing.Keyring) storage.Store { return openTest(t, pgtest.DB(t), keys) },
		Raw:  func(t *testing.T, s storage.Store) []byte { return rawTables(t, s.(*Store)) },
	})
}

// rawTables returns every value of every column of every table, as the
// server holds it (bytea as is, text as its UTF-8 bytes).
func rawTables(t *testing.T, s *Store) []byte {
	t.Helper()
	ctx := context.Background()
	rows, err := s.pool.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type IN ('bytea', 'text')`)
	if err != nil {
		t.Fatal(err)
	}
	type column struct{ table, name string }
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, c := range cols {
		rows, err := s.pool.Query(ctx, `SELECT "`+c.name+`"::bytea FROM "`+c.table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v []byte
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(append(out, v...), 0)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
