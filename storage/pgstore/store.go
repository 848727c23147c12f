// Package pgstore implements storage.Store on PostgreSQL, so that several
// stateless ewaybill nodes can share one database. It keeps bbolt's table
// semantics (package boltstore is the reference): the same records as
// protobuf bytes, sealed where boltstore seals them (package pii), under
// real key columns whose primary keys make the database itself refuse a
// second holder of a number or of an idempotency key. `ewaybill serve
// --store`, `check --store` and `bench --store` open it.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
)

// IsURL reports whether s is a PostgreSQL URL (postgres:// or
// postgresql://), the form the commands' --store takes.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Options tune Open.
type Options struct {
	// PII holds the keys that seal personal data. A writable store needs
	// them: unlike a bbolt data dir, a database has no place of its own
	// for a key file.
	PII *sealing.Keyring
	// ReadOnly opens for View only (checks); it needs no keys, and
	// personal fields then read empty.
	ReadOnly bool
	// MaxConns bounds the pool's connections; zero means pgxpool's
	// default (the larger of 4 and the number of CPUs).
	MaxConns int32
	// ConnectTimeout bounds establishing one connection; zero means 10 s.
	ConnectTimeout time.Duration
	// StatementTimeout makes the server cancel a statement that runs
	// longer (statement_timeout); zero means 30 s, negative none.
	StatementTimeout time.Duration
	// MaxWriters bounds this node's read-write transactions running at
	// once; zero means 1. Transactions of one node that touch the same
	// rows (every allocation of a carrier updates its pool) would abort
	// each other at SERIALIZABLE and burn their retries; queued here they
	// do not, and only other nodes' transactions conflict.
	MaxWriters int
}

// Store is a storage.Store on PostgreSQL.
type Store struct {
	pool     *pgxpool.Pool
	keys     *sealing.Keyring
	readOnly bool
	// writers holds a token per running read-write transaction.
	writers chan struct{}

	// mu keeps Close from closing the pool under running transactions.
	mu     sync.RWMutex
	closed bool
}

var _ storage.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or key=value
// string), applies the schema migrations this binary embeds and checks
// the PII keys against those records may be sealed with.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	if opt.PII == nil && !opt.ReadOnly {
		return nil, errors.New("a PostgreSQL store needs the PII keys that seal personal data (--pii-key-file or EWAYBILL_PII_KEYS)")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL connection string: %w", err)
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	cfg.ConnConfig.ConnectTimeout = opt.ConnectTimeout
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	switch {
	case opt.StatementTimeout == 0:
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = "30000"
	case opt.StatementTimeout > 0:
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opt.StatementTimeout.Milliseconds(), 10)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL pool: %w", err)
	}
	if opt.MaxWriters <= 0 {
		opt.MaxWriters = 1
	}
	s := &Store{pool: pool, keys: opt.PII, readOnly: opt.ReadOnly, writers: make(chan struct{}, opt.MaxWriters)}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// View implements storage.Store. It reads one snapshot (REPEATABLE READ,
// READ ONLY): every record as of one moment, as a bbolt read transaction
// sees them.
func (s *Store) View(ctx context.Context, fn func(storage.Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, false, fn)
}

// Update implements storage.Store at SERIALIZABLE: whatever nodes run
// concurrently, the outcome is that of some order of whole transactions,
// which is what bbolt's single writer gives the allocation engine. A
// transaction PostgreSQL aborts as a serialization failure or deadlock
// is run again, fn included, up to maxAttempts times.
func (s *Store) Update(ctx context.Context, fn func(storage.Tx) error) error {
	if s.readOnly {
		return errReadOnly
	}
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, false, fn)
}

// Batch implements storage.Store as Update in a transaction of its own:
// with several nodes there is no single writer to group commits in, and
// the server commits concurrent transactions side by side. As in
// boltstore's group commit, a panic in fn comes back as an error.
func (s *Store) Batch(ctx context.Context, fn func(storage.Tx) error) error {
	if s.readOnly {
		return errReadOnly
	}
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, true, fn)
}

// BatchLocked implements storage.KeyLocker with PostgreSQL's session
// advisory locks, one per key (a 64-bit hash of it), taken on the
// transaction's connection before BEGIN, so that the transaction's
// snapshot is taken only once no other node holds them: a transaction
// that waited sees the writes of the one it waited for, rather than
// failing on them. They are taken in hash order and released after the
// commit or rollback.
func (s *Store) BatchLocked(ctx context.Context, keys []string, fn func(storage.Tx) error) error {
	if s.readOnly {
		return errReadOnly
	}
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, true, fn, lockKeys(keys)...)
}

// lockKeys hashes keys into advisory lock ids, sorted and distinct, with
// FNV-1a: the order every node takes them in.
func lockKeys(keys []string) []int64 {
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		h := fnv.New64a()
		h.Write([]byte(k))
		ids = append(ids, int64(h.Sum64()))
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

var errReadOnly = errors.New("pgstore: the store was opened read-only")

// maxAttempts bounds how often a transaction is run when PostgreSQL
// aborts it as a serialization failure or deadlock.
const maxAttempts = 10

func (s *Store) run(ctx context.Context, opts pgx.TxOptions, recoverPanic bool, fn func(storage.Tx) error, locks ...int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = s.writing(ctx, opts, func() error { return s.attempt(ctx, opts, recoverPanic, fn, locks) })
		if err == nil || !retryable(err) {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("pgstore: transaction still conflicting after %d attempts: %w", attempt, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// writing runs one attempt of a read-write transaction holding one of the
// node's writer tokens, and a read-only one without. The token is let go
// between attempts, so a backoff holds up no other writer.
func (s *Store) writing(ctx context.Context, opts pgx.TxOptions, attempt func() error) error {
	if opts.AccessMode == pgx.ReadOnly {
		return attempt()
	}
	select {
	case s.writers <- struct{}{}:
		defer func() { <-s.writers }()
	case <-ctx.Done():
		return ctx.Err()
	}
	return attempt()
}

// backoff waits before attempt+1: exponential from 1 ms, capped at 100 ms,
// with full jitter so that the transactions that collided do not collide
// again in step.
func backoff(ctx context.Context, attempt int) error {
	ceiling := min(time.Millisecond<<(attempt-1), 100*time.Millisecond)
	t := time.NewTimer(rand.N(ceiling) + time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryable reports a serialization failure or a deadlock, after which
// the whole transaction can be run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// attempt runs fn once in a new transaction and commits if fn returns
// nil.
func (s *Store) attempt(ctx context.Context, opts pgx.TxOptions, recoverPanic bool, fn func(storage.Tx) error, locks []int64) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: connect: %w", err)
	}
	defer conn.Release()
	if len(locks) > 0 {
		// Taken one at a time in order, as every node takes them; a
		// connection that breaks meanwhile loses them with its session.
		defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock_all()")
		for _, id := range locks {
			if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", id); err != nil {
				return fmt.Errorf("pgstore: lock: %w", err)
			}
		}
	}
	pgTx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("pgstore: begin: %w", err)
	}
	t := &tx{ctx: ctx, pg: pgTx, keys: s.keys, store: s}
	defer func() {
		if r := recover(); r != nil {
			pgTx.Rollback(context.WithoutCancel(ctx))
			if !recoverPanic {
				panic(r)
			}
			err = fmt.Errorf("panic in batch function: %v", r)
		}
	}()
	err = fn(t)
	// A statement that failed aborted the transaction, whatever fn made of
	// its error; when it was a conflict, the transaction is run again.
	if t.failed != nil && (err == nil || retryable(t.failed)) {
		err = t.failed
	}
	if err != nil {
		pgTx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	// The commit is not cancelled with ctx: a caller that gave up still
	// gets told, if it waits, whether its writes were stored.
	if err := pgTx.Commit(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("pgstore: commit: %w", err)
	}
	return nil
}

// Close waits for running transactions and closes the pool.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.pool.Close()
	return nil
}
