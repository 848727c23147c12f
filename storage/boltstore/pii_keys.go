package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/pii"
)

// The meta record keyPIIKeyIDs lists every key records may be sealed
// with: a writable open adds its active key before anything is sealed,
// and a finished RotatePII leaves only the active one. So a start with
// keys that lack a listed one is refused at once, naming it, instead of
// failing later on the first record it seals.

// MissingKeysError refuses to open a store for writing without a key that
// records may be sealed with.
type MissingKeysError struct {
	// IDs are the missing key ids.
	IDs []string
	// Source is where the keys given came from; empty when none was given
	// and the data dir has no key file.
	Source string
	// KeyFile is the data dir's key file, when it was looked for.
	KeyFile string
}

func (e *MissingKeysError) Error() string {
	ids := `"` + strings.Join(e.IDs, `", "`) + `"`
	if e.Source == "" {
		return fmt.Sprintf("records are sealed with PII key %s, but no key was given and %s does not exist: give the key file that holds it", ids, e.KeyFile)
	}
	return fmt.Sprintf("records may be sealed with PII key %s, which is not in the %s: add the old key back (as a later line: the first stays the active key); "+
		"a key can be dropped once ewaybill rotate-pii-key has sealed every record with the active key", ids, e.Source)
}

// generatedKeyComment heads a key file Open creates.
const generatedKeyComment = `ewaybill PII key file: seals names, phone numbers and addresses in ewaybill.db.
One KEY-ID:BASE64-KEY a line; the first is the active key. Losing this file
loses the sealed data. Keep a copy apart from the data dir and its backups.
`

// takeKeys settles the keys of a store opened for writing: the ones given,
// or the data dir's key file (created on a store with nothing sealed), and
// checks them against the keys records may be sealed with.
func (s *Store) takeKeys(dataDir string) error {
	var inUse []string
	if err := s.db.View(func(btx *bolt.Tx) error {
		inUse = recordedKeyIDs(btx)
		return nil
	}); err != nil {
		return err
	}
	if s.keys == nil {
		path := filepath.Join(dataDir, KeyFileName)
		_, err := os.Stat(path)
		switch {
		case err == nil:
			if s.keys, err = sealing.LoadFile(path); err != nil {
				return err
			}
		case errors.Is(err, fs.ErrNotExist) && len(inUse) == 0:
			if s.keys, err = sealing.CreateFile(path, generatedKeyComment); err != nil {
				return err
			}
			s.generatedKeyFile = path
		case errors.Is(err, fs.ErrNotExist):
			return &MissingKeysError{IDs: inUse, KeyFile: path}
		default:
			return fmt.Errorf("PII key file: %w", err)
		}
	}
	var missing []string
	for _, id := range inUse {
		if !s.keys.Has(id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return &MissingKeysError{IDs: missing, Source: s.keys.Source()}
	}
	if slices.Contains(inUse, s.keys.Active()) {
		return nil
	}
	return s.db.Update(func(btx *bolt.Tx) error {
		return putKeyIDs(btx, append(inUse, s.keys.Active()))
	})
}

func recordedKeyIDs(btx *bolt.Tx) []string {
	raw := btx.Bucket(bucketMeta).Get(keyPIIKeyIDs)
	if len(raw) == 0 {
		return nil
	}
	return strings.Split(string(raw), "\n")
}

func putKeyIDs(btx *bolt.Tx, ids []string) error {
	return btx.Bucket(bucketMeta).Put(keyPIIKeyIDs, []byte(strings.Join(ids, "\n")))
}

// PIIKeyIDs returns the ids of the keys records may be sealed with: every
// key a writable open used since the last finished RotatePII. A store
// opened with keys lacking one of them for writing is refused.
func (s *Store) PIIKeyIDs(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, storage.ErrClosed
	}
	var ids []string
	err := s.db.View(func(btx *bolt.Tx) error {
		ids = recordedKeyIDs(btx)
		return nil
	})
	return ids, err
}

// GeneratedKeyFile names the key file Open created in the data dir, or is
// empty when it created none.
func (s *Store) GeneratedKeyFile() string { return s.generatedKeyFile }

// PIIKeys returns the keys the store seals and opens personal data with;
// nil for a read-only store opened without keys.
func (s *Store) PIIKeys() *sealing.Keyring { return s.keys }

// PIIReport counts, for each kind of record that holds personal data, the
// records by how their personal data is stored.
type PIIReport struct {
	// Active is the key records are sealed with after a rotation; empty
	// for a census without keys.
	Active string
	// Kinds holds every kind, in a fixed order.
	Kinds []PIIKindCount
}

// PIIKindCount counts one kind's records that hold personal data.
type PIIKindCount struct {
	Kind string
	// ByKey counts records by the id of the key their personal data was
	// sealed with (before the rotation, for RotatePII); the id "" counts
	// records whose personal data was in clear.
	ByKey map[string]int
	// Resealed counts the records RotatePII sealed again.
	Resealed int
}

// CensusPII counts how the personal data of every record is stored,
// changing nothing. It needs no keys.
func (s *Store) CensusPII(ctx context.Context) (*PIIReport, error) {
	return s.walkPII(ctx, 0, false)
}

// DefaultRotationBatch is how many records RotatePII seals again per
// transaction: small enough to bound a transaction's memory and a crash's
// loss of work, large enough that fsyncs do not dominate.
const DefaultRotationBatch = 1000

// RotatePII seals the personal data of every record with the active key:
// records sealed with another key and records still in clear, perBatch
// (DefaultRotationBatch if 0 or less) to a transaction. Each transaction
// commits on its own, so a rotation cut short keeps what it did and a
// rerun does the rest; records already under the active key are left as
// they are. When every record is done, the active key becomes the only one
// recorded as in use, so older keys can leave the key file. The report
// counts records by the key they were sealed with before. The store must
// be open for writing, by no server: records written meanwhile under an
// older key would be missed.
func (s *Store) RotatePII(ctx context.Context, perBatch int) (*PIIReport, error) {
	if perBatch <= 0 {
		perBatch = DefaultRotationBatch
	}
	return s.walkPII(ctx, perBatch, true)
}

func (s *Store) walkPII(ctx context.Context, perBatch int, rewrite bool) (*PIIReport, error) {
	if rewrite && s.committer == nil {
		return nil, errors.New("rotating PII keys needs a store open for writing")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, storage.ErrClosed
	}
	report := &PIIReport{}
	if s.keys != nil {
		report.Active = s.keys.Active()
	}
	for _, p := range piiTables {
		count := PIIKindCount{Kind: p.Kind, ByKey: map[string]int{}}
		var after []byte
		// A walk cut short reports what it committed, the kind it was in
		// included.
		stop := func(err error) (*PIIReport, error) {
			report.Kinds = append(report.Kinds, count)
			return report, err
		}
		for done := false; !done; {
			if err := ctx.Err(); err != nil {
				return stop(err)
			}
			// Counts of one transaction join the report only once it
			// has committed.
			step := PIIKindCount{ByKey: map[string]int{}}
			run := s.db.View
			if rewrite {
				run = s.db.Update
			}
			err := run(func(btx *bolt.Tx) error {
				var err error
				after, done, err = s.piiBatch(btx, p, after, perBatch, rewrite, &step)
				return err
			})
			if err != nil {
				return stop(err)
			}
			for id, n := range step.ByKey {
				count.ByKey[id] += n
			}
			count.Resealed += step.Resealed
		}
		report.Kinds = append(report.Kinds, count)
	}
	if rewrite {
		err := s.db.Update(func(btx *bolt.Tx) error { return putKeyIDs(btx, []string{s.keys.Active()}) })
		if err != nil {
			return report, err
		}
	}
	return report, nil
}

// piiBatch counts, and when rewrite seals again, the records of p's
// bucket after the key after, until perBatch records were sealed again
// (0: no bound). It returns the last key it looked at and whether the
// bucket is done.
func (s *Store) piiBatch(btx *bolt.Tx, p *personal, after []byte, perBatch int, rewrite bool, count *PIIKindCount) ([]byte, bool, error) {
	b := bucket(btx, p.Table)
	c := b.Cursor()
	k, v := c.First()
	if after != nil {
		if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
	}
	type write struct{ key, value []byte }
	var writes []write
	sc := pii.GetScratch()
	defer sc.Release()
	for ; k != nil; k, v = c.Next() {
		if rewrite && len(writes) == perBatch {
			break
		}
		after = bytes.Clone(k)
		from, holds, sealed, err := p.Reseal(s.keys, k, v, rewrite, sc)
		if err != nil {
			return nil, false, fmt.Errorf("%s/%q: %w", p.Table, k, err)
		}
		if !holds {
			continue
		}
		count.ByKey[from]++
		if sealed != nil {
			writes = append(writes, write{after, sealed})
		}
	}
	// bbolt cursors do not survive writes to their bucket, so the
	// records are written once the walk of this batch is over.
	for _, w := range writes {
		if err := b.Put(w.key, w.value); err != nil {
			return nil, false, err
		}
	}
	count.Resealed += len(writes)
	return after, k == nil, nil
}
