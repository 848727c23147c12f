// Package boltstore implements storage.Store on one bbolt file: fsync on
// every commit, protobuf-encoded values, a fixed bucket registry and a
// schema version checked on open.
package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
)

// FileName is the database file inside the data dir.
const FileName = "ewaybill.db"

// Options tune Open.
type Options struct {
	// ReadOnly opens the file without writing (for checks); it still takes
	// a shared lock.
	ReadOnly bool
	// LockTimeout bounds the wait for another process to release the file;
	// zero means 2 seconds.
	LockTimeout time.Duration
	// MappedBudget is how much of the mapped file may always stay
	// resident (see trimmer); zero means DefaultMappedBudget, negative
	// never trims.
	MappedBudget int64
	// ResidentBudget lets the mapped file stay resident past MappedBudget
	// while the whole process (heap and file) stays within it. Zero means
	// the Go runtime's memory limit plus MappedBudget when a limit is set
	// (GOMEMLIMIT, `serve --memory-limit-mb`), which is no more than the
	// heap at its limit plus the mapped budget; negative, or no limit,
	// means the mapped file alone is held to MappedBudget.
	ResidentBudget int64
	// PII holds the keys that seal personal data (see pii.go). When nil,
	// a store opened for writing uses the data dir's own key file,
	// KeyFileName: read when present; created, with one new key, when
	// absent and nothing is sealed yet (GeneratedKeyFile then names it).
	// A read-only store opened without keys leaves personal data sealed:
	// those fields read empty, and the offline checks need none of them.
	PII *sealing.Keyring
}

// KeyFileName is the data dir's default PII key file. Keeping the key
// there protects a copy of the database file alone; production keeps it
// apart from the data dir and its backups (Options.PII).
const KeyFileName = "pii.key"

// Store is a storage.Store on bbolt.
type Store struct {
	db        *bolt.DB
	committer *committer // nil when read-only
	trimmer   *trimmer   // nil when read-only or never trimming
	// keys seal and open personal data; nil only when read-only.
	keys *sealing.Keyring
	// generatedKeyFile is the key file Open created, if it did.
	generatedKeyFile string

	// closing guards against transactions starting while Close runs.
	mu     sync.RWMutex
	closed bool
}

var _ storage.Store = (*Store)(nil)

// ErrLocked is returned when another process holds the data dir.
var ErrLocked = errors.New("data dir is in use by another process")

// Open opens (creating if needed) the store in dataDir.
func Open(dataDir string, opt Options) (*Store, error) {
	if !opt.ReadOnly {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir %s: %w", dataDir, err)
		}
	}
	if opt.LockTimeout == 0 {
		opt.LockTimeout = 2 * time.Second
	}
	path := filepath.Join(dataDir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, ReadOnly: opt.ReadOnly})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s is locked (waited %s); stop the other ewaybill using it or choose another --data-dir",
			ErrLocked, path, opt.LockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, keys: opt.PII}
	if err := s.initSchema(opt.ReadOnly); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !opt.ReadOnly {
		if err := s.takeKeys(dataDir); err != nil {
			db.Close()
			if s.generatedKeyFile != "" {
				os.Remove(s.generatedKeyFile)
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		s.committer = newCommitter(db)
		if opt.MappedBudget == 0 {
			opt.MappedBudget = DefaultMappedBudget
		}
		if opt.MappedBudget > 0 {
			s.trimmer = startTrimmer(db, opt.MappedBudget, residentBudget(opt))
		}
	}
	return s, nil
}

// initSchema creates the buckets of a new file and checks the version of an
// existing one.
func (s *Store) initSchema(readOnly bool) error {
	check := func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil
		}
		raw := meta.Get(keySchemaVersion)
		if len(raw) != 8 {
			return fmt.Errorf("schema version record is damaged (%d bytes)", len(raw))
		}
		if v := binary.BigEndian.Uint64(raw); v > SchemaVersion {
			return fmt.Errorf("written by a newer ewaybill (schema %d; this binary knows up to %d): upgrade the binary", v, SchemaVersion)
		}
		return nil
	}
	if readOnly {
		return s.db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketMeta) == nil {
				return errors.New("not an initialised ewaybill store")
			}
			return check(tx)
		})
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		// Every layout change so far only adds buckets, so an older file is
		// upgraded by the loop above and then marked current.
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, SchemaVersion))
	})
}

// View implements storage.Store.
func (s *Store) View(ctx context.Context, fn func(storage.Tx) error) error {
	return s.run(ctx, s.db.View, fn)
}

// Update implements storage.Store; it returns after the commit is fsynced.
func (s *Store) Update(ctx context.Context, fn func(storage.Tx) error) error {
	return s.run(ctx, s.db.Update, fn)
}

// Batch implements storage.Store with group commit: it returns after the
// shared commit is fsynced. A call whose ctx ends while it waits for its
// group is dropped unrun with ctx's error; once its group has started it
// is waited for even if ctx ends, so the caller learns whether it
// committed.
func (s *Store) Batch(ctx context.Context, fn func(storage.Tx) error) error {
	if s.committer == nil {
		return bolt.ErrDatabaseReadOnly
	}
	submit := func(fn func(*bolt.Tx) error) error { return s.committer.submit(ctx, fn) }
	return s.run(ctx, submit, fn)
}

// run starts fn in a transaction of the kind given by start, unless ctx
// has ended or the store is closed.
func (s *Store) run(ctx context.Context, start func(func(*bolt.Tx) error) error, fn func(storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	return start(func(btx *bolt.Tx) error { return fn(&tx{btx: btx, keys: s.keys}) })
}

// Close waits for running transactions and closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.committer != nil {
		s.committer.stop()
	}
	if s.trimmer != nil {
		s.trimmer.close()
	}
	return s.db.Close()
}
