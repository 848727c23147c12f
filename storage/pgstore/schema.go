package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema's steps, NNNN_what.sql, applied in order;
// the schema version is the number of the last one applied. A step is
// never changed once released, only followed by another.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key under which nodes migrate and
// register PII keys, one at a time ("ewaybill" in ASCII).
const migrationLock int64 = 0x6577617962696c6c

type migration struct {
	version uint64
	name    string
	sql     string
}

// loadMigrations reads the embedded steps in order; it panics on a
// misnamed file, which every test would hit at once.
func loadMigrations() []migration {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseUint(num, 10, 64)
		if !ok || err != nil || v != uint64(len(out)+1) {
			panic(fmt.Sprintf("pgstore: migration %s is not named NNNN_what.sql in sequence", e.Name()))
		}
		raw, err := migrations.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			panic(err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(raw)})
	}
	return out
}

// steps are the embedded migrations, read once.
var steps = loadMigrations()

// SchemaVersion is the schema this binary writes: its last migration.
// A database written by a newer binary is refused, as boltstore refuses
// a newer file.
var SchemaVersion = uint64(len(steps))

// migrate brings the schema up to SchemaVersion and registers the active
// PII key, in one transaction under an advisory lock, so nodes starting
// together take turns and the later ones find the work done. The
// transaction is READ COMMITTED on purpose: each statement after the
// lock sees what the node before committed.
func (s *Store) migrate(ctx context.Context) error {
	if s.readOnly {
		return s.pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error {
			v, err := schemaVersion(ctx, c.Conn())
			switch {
			case err != nil:
				return err
			case v == 0:
				return errors.New("pgstore: the database holds no ewaybill schema")
			case v > SchemaVersion:
				return newerSchema(v)
			}
			return nil
		})
	}
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(t pgx.Tx) error {
		if _, err := t.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return fmt.Errorf("pgstore: take the migration lock: %w", err)
		}
		v, err := schemaVersion(ctx, t.Conn())
		if err != nil {
			return err
		}
		if v > SchemaVersion {
			return newerSchema(v)
		}
		for _, m := range steps[v:] {
			if _, err := t.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("pgstore: migration %s: %w", m.name, err)
			}
		}
		if v < SchemaVersion {
			if err := putMeta(ctx, t, metaSchemaVersion, strconv.FormatUint(SchemaVersion, 10)); err != nil {
				return err
			}
		}
		return s.registerKeys(ctx, t)
	})
}

func newerSchema(v uint64) error {
	return fmt.Errorf("pgstore: the database was written by a newer ewaybill (schema %d; this binary knows up to %d): upgrade the binary", v, SchemaVersion)
}

const (
	metaSchemaVersion = "schema_version"
	// metaPIIKeyIDs lists, one a line, the ids of the keys records may be
	// sealed with, as boltstore's meta record of the same name does.
	metaPIIKeyIDs = "pii_key_ids"
)

// schemaVersion reads the version of the database's schema; 0 for an
// empty database.
func schemaVersion(ctx context.Context, c *pgx.Conn) (uint64, error) {
	var exists bool
	if err := c.QueryRow(ctx, "SELECT to_regclass('meta') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("pgstore: read the schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var raw string
	err := c.QueryRow(ctx, "SELECT value FROM meta WHERE name = $1", metaSchemaVersion).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errors.New("pgstore: the schema version record is missing: this database was not made by ewaybill, or is damaged")
	}
	if err != nil {
		return 0, fmt.Errorf("pgstore: read the schema version: %w", err)
	}
	v, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pgstore: the schema version record is damaged (%q)", raw)
	}
	return v, nil
}

func putMeta(ctx context.Context, t pgx.Tx, name, value string) error {
	_, err := t.Exec(ctx, "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", name, value)
	if err != nil {
		return fmt.Errorf("pgstore: write %s: %w", name, err)
	}
	return nil
}

// registerKeys refuses keys that lack one records may be sealed with and
// records the active key as one they may be sealed with from now on.
func (s *Store) registerKeys(ctx context.Context, t pgx.Tx) error {
	var raw string
	err := t.QueryRow(ctx, "SELECT value FROM meta WHERE name = $1", metaPIIKeyIDs).Scan(&raw)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: read the PII key ids: %w", err)
	}
	var inUse, missing []string
	if raw != "" {
		inUse = strings.Split(raw, "\n")
	}
	for _, id := range inUse {
		if !s.keys.Has(id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("pgstore: records may be sealed with PII key %q, which is not in the %s: add the old key back (as a later line: the first stays the active key)",
			missing, s.keys.Source())
	}
	if slices.Contains(inUse, s.keys.Active()) {
		return nil
	}
	return putMeta(ctx, t, metaPIIKeyIDs, strings.Join(append(inUse, s.keys.Active()), "\n"))
}
