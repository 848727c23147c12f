package boltstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ewaybill/ewaybill/storage"
)

// Snapshot is one committed state of the database, held by a read
// transaction while it is copied. Writers go on meanwhile: bbolt never
// overwrites a page a reader can still see, so the copy is the state of one
// commit, not a mix of several.
//
// A long copy has two costs worth knowing: pages freed by later commits
// cannot be reused until it ends (the file may grow), and a commit that
// must grow the memory map waits for it (bbolt remaps only with no reader
// open), holding up later transactions behind it.
type Snapshot struct{ tx *bolt.Tx }

// Size is the number of bytes WriteTo writes, known before the first one
// is written, so a copy sent elsewhere can announce its length and its
// receiver can tell a complete copy from a cut one.
func (s Snapshot) Size() int64 { return s.tx.Size() }

// WriteTo writes the snapshot to w as a complete database file: exactly
// Size bytes when it returns no error.
func (s Snapshot) WriteTo(w io.Writer) (int64, error) { return s.tx.WriteTo(w) }

// Backup runs fn with a snapshot of the database. The store cannot close
// while fn runs, so a copy in progress delays Close until it ends.
func (s *Store) Backup(ctx context.Context, fn func(Snapshot) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	return s.db.View(func(tx *bolt.Tx) error { return fn(Snapshot{tx: tx}) })
}

// WriteBackup writes a snapshot of the database to w and returns the bytes
// written. What w receives is itself a database file: copied in as a data
// dir's FileName it is the store as of the snapshot.
func (s *Store) WriteBackup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := s.Backup(ctx, func(snap Snapshot) error {
		var err error
		n, err = snap.WriteTo(w)
		if err == nil && n != snap.Size() {
			// bbolt promises Size bytes on success; a shortfall would be a
			// backup that opens as a damaged file.
			err = fmt.Errorf("snapshot copy wrote %d bytes, want %d", n, snap.Size())
		}
		return err
	})
	return n, err
}

// OpenFile opens the database file at path read-only, whatever its name and
// directory, so a backup can be checked where it lies before it is put
// anywhere a server would open it.
func OpenFile(path string, opt Options) (*Store, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = 2 * time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, ReadOnly: true})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s is locked (waited %s)", ErrLocked, path, opt.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := s.checkLength(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := s.initSchema(true); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// checkLength refuses a file shorter than its last commit says it is, as a
// copy cut off in transit would be. bbolt does not check this, and reading
// a page past the end of a mapped file kills the process (SIGBUS) instead
// of returning an error; only the two meta pages are read here.
func (s *Store) checkLength() error {
	fi, err := os.Stat(s.db.Path())
	if err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		if fi.Size() < tx.Size() {
			return fmt.Errorf("file is cut short: %d bytes, but its last commit needs %d", fi.Size(), tx.Size())
		}
		return nil
	})
}

// maxPageProblems bounds what CheckPages reports: one damaged branch page
// can make thousands of pages unreachable, and the first few say enough.
const maxPageProblems = 10

// CheckPages walks every page of a read-only store as bbolt's own check
// does (each page reachable once, none both used and free, keys in order)
// and returns what it found broken, or nil. The ledger invariants
// (quota.Check) read records through the page structure and can only be
// trusted once it holds. Stores open for writing are refused, because
// bbolt's walk is not safe alongside writers.
func (s *Store) CheckPages(ctx context.Context) error {
	if !s.db.IsReadOnly() {
		return errors.New("CheckPages needs a store opened read-only")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	return s.db.View(func(tx *bolt.Tx) error {
		var problems []error
		more := 0
		// The walk runs in its own goroutine and blocks on every send, so
		// the channel is drained to the end even past the reported few.
		for err := range tx.Check() {
			if len(problems) < maxPageProblems {
				problems = append(problems, err)
			} else {
				more++
			}
		}
		if more > 0 {
			problems = append(problems, fmt.Errorf("and %d more page problems", more))
		}
		return errors.Join(problems...)
	})
}
