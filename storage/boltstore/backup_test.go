package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/storage"
)

// putPair writes quota q<i> and carrier C<i> in one transaction, so a
// consistent copy holds both or neither.
func putPair(ctx context.Context, s *Store, i int) error {
	return s.Update(ctx, func(tx storage.Tx) error {
		code := fmt.Sprintf("C%05d", i)
		if err := tx.Quotas().Put("m", code, &ewaybillv1.Quota{Granted: int64(i), Available: int64(i)}); err != nil {
			return err
		}
		return tx.Carriers().Put(code, &ewaybillv1.Carrier{Code: code, DisplayName: strings.Repeat("x", 200)})
	})
}

// TestWriteBackupWhileWriting copies a store while a writer commits pairs
// of records, then checks the copy: it opens, its pages are sound, every
// pair committed before the copy began is in it, and no pair is half there
// or missing from the middle (the copy is one commit's state).
func TestWriteBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var committed atomic.Int64 // pairs 0..committed-1 are acknowledged
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := putPair(ctx, s, i); err != nil {
				done <- err
				return
			}
			committed.Store(int64(i + 1))
		}
	}()
	// Enough records for several pages per bucket before the copy.
	for committed.Load() < 300 {
		time.Sleep(time.Millisecond)
	}
	before := committed.Load()
	var buf bytes.Buffer
	n, err := s.WriteBackup(ctx, &buf)
	after := committed.Load()
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteBackup: %d bytes (buffer has %d), %v", n, buf.Len(), err)
	}

	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CheckPages(ctx); err != nil {
		t.Fatalf("pages of the copy: %v", err)
	}
	var present int64
	err = c.View(ctx, func(tx storage.Tx) error {
		for i := int64(0); i <= after; i++ {
			code := fmt.Sprintf("C%05d", i)
			_, qerr := tx.Quotas().Get("m", code)
			_, cerr := tx.Carriers().Get(code)
			switch {
			case qerr == nil && cerr == nil:
				if i != present {
					return fmt.Errorf("pair %d is in the copy but pair %d is not", i, present)
				}
				present++
			case errors.Is(qerr, storage.ErrNotFound) && errors.Is(cerr, storage.ErrNotFound):
			default:
				return fmt.Errorf("pair %d is half in the copy: quota %v, carrier %v", i, qerr, cerr)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("copy holds %d pairs; %d committed before it began, %d by its end", present, before, after)
	if present < before || present > after+1 {
		t.Errorf("copy holds %d pairs; %d were committed before it began, %d by its end", present, before, after)
	}
}

func TestWriteBackupOfClosedStore(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.WriteBackup(context.Background(), &bytes.Buffer{}); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("backup of a closed store: %v", err)
	}
}

// backupFile writes a store holding n pairs and returns a copy of its file.
func backupFile(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		if err := putPair(ctx, s, i); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := s.WriteBackup(ctx, f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenFileRefusesCutCopy(t *testing.T) {
	path := backupFile(t, 200)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()-4096); err != nil {
		t.Fatal(err)
	}
	_, err = OpenFile(path, Options{})
	want := fmt.Sprintf("file is cut short: %d bytes, but its last commit needs %d", fi.Size()-4096, fi.Size())
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
		t.Fatalf("open of a cut copy: %v; want %q", err, want)
	}
}

func TestCheckPagesFindsDamage(t *testing.T) {
	path := backupFile(t, 500)
	// Find the root page of the carriers bucket, which 500 records of 200
	// bytes give a page of its own, and turn it into a page of the wrong
	// kind, as a torn or misdirected write would.
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	db.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Bucket(bucketCarriers).Root())
		return nil
	})
	pageSize := db.Info().PageSize
	db.Close()
	if root == 0 {
		t.Fatal("carriers bucket is inline; the test needs it on its own page")
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A page header is id (8 bytes) then flags (2 bytes); 0x10 marks a
	// freelist page.
	if _, err := f.WriteAt(binary.LittleEndian.AppendUint16(nil, 0x10), int64(root)*int64(pageSize)+8); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.CheckPages(context.Background())
	t.Logf("CheckPages: %v", err)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprint(root)) {
		t.Fatalf("check of a damaged page %d: %v", root, err)
	}
}

func TestCheckPagesNeedsReadOnly(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CheckPages(context.Background()); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("CheckPages on a writable store: %v", err)
	}
	// A healthy file passes.
	path := backupFile(t, 10)
	c, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CheckPages(context.Background()); err != nil {
		t.Fatalf("CheckPages of a healthy copy: %v", err)
	}
}
