// Package sealing seals personal data at rest: AES-256-GCM under a ring
// of named keys. One key, the active one, seals; every key of the ring
// opens what was sealed with it, so a new key can take over while records
// sealed under older ones still read, until they are sealed again.
//
// # Key files
//
// A key file (and the EWAYBILL_PII_KEYS variable, which holds the same
// text) lists one key a line:
//
//	# comments and blank lines are ignored
//	k2:8wX1...base64...=
//	k1:Qm9v...base64...=
//
// Each line is a key id, a colon and the key: 32 random bytes in standard
// base64 with padding (44 characters, what `openssl rand -base64 32`
// prints). Ids are 1–32 letters, digits, '.', '_' or '-' and unique in the
// file. The first key line is the active key. In the variable, ';' also
// separates lines.
//
// # Sealed values
//
// A sealed value is
//
//	version (1 byte, 1) | id length n (1 byte) | key id (n bytes) |
//	nonce (12 bytes, random) | ciphertext | GCM tag (16 bytes)
//
// so it names the key that opens it. The caller passes additional data,
// the identity of the record the value belongs to, which GCM binds to the
// ciphertext without storing it: a value copied onto another record does
// not open.
//
// Nonces are random, as NIST SP 800-38D allows for up to 2^32 seals per
// key; rotate to a new key well before one key has sealed that many
// values (every write of a record seals it again).
//
// Errors never contain key material or sealed contents.
package sealing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const (
	// KeySize is the length of a key: AES-256.
	KeySize = 32
	// NonceSize is GCM's standard nonce length, 96 bits.
	NonceSize = 12
	// TagSize is GCM's authentication tag length.
	TagSize = 16
	// MaxIDLength bounds a key id; it is stored with every sealed value.
	MaxIDLength = 32

	formatVersion = 1
)

// ErrNotAuthentic is returned for a sealed value that does not open under
// its key: it was altered, or it belongs to another record.
var ErrNotAuthentic = errors.New("sealed data does not authenticate: it was altered, or it was moved from another record")

// ErrMalformed is returned for bytes that are not a sealed value.
var ErrMalformed = errors.New("sealed data is malformed")

// UnknownKeyError is returned when a value was sealed with a key the ring
// does not hold.
type UnknownKeyError struct {
	// ID is the key id the value names.
	ID string
	// Source is where the ring came from, e.g. "key file /etc/ewaybill/pii.key".
	Source string
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("record sealed with key %q, which is not in the %s; add the old key back (as a later line: the first stays the active key)", e.ID, e.Source)
}

// Keyring holds the keys of one key file. It is safe for concurrent use.
type Keyring struct {
	source string
	ids    []string // file order; ids[0] is active
	aeads  map[string]cipher.AEAD
	active cipher.AEAD
	// header is the active key's prefix of every sealed value.
	header []byte
}

// Source says where the keys came from, for messages.
func (r *Keyring) Source() string { return r.source }

// Active returns the id of the key that seals.
func (r *Keyring) Active() string { return r.ids[0] }

// IDs returns every key id, the active one first.
func (r *Keyring) IDs() []string { return append([]string(nil), r.ids...) }

// Has reports whether the ring holds the key id.
func (r *Keyring) Has(id string) bool {
	_, ok := r.aeads[id]
	return ok
}

// Overhead is how many bytes sealing adds to a plaintext under the active
// key.
func (r *Keyring) Overhead() int { return len(r.header) + NonceSize + TagSize }

// Seal appends to dst the plaintext sealed under the active key, bound to
// ad (the identity of the record it belongs to), and returns the extended
// slice. With room in dst for Overhead()+len(plaintext) more bytes it
// allocates nothing. dst and plaintext must not overlap.
func (r *Keyring) Seal(dst, plaintext, ad []byte) []byte {
	dst = append(dst, r.header...)
	n := len(dst)
	dst = append(dst, make([]byte, NonceSize)...)
	nonce := dst[n : n+NonceSize]
	// crypto/rand does not fail: on a broken system source it ends the
	// program rather than return predictable bytes.
	rand.Read(nonce)
	return r.active.Seal(dst, nonce, plaintext, ad)
}

// Open appends to dst the plaintext of sealed, which must have been sealed
// with ad, and returns the extended slice.
func (r *Keyring) Open(dst, sealed, ad []byte) ([]byte, error) {
	id, rest, err := split(sealed)
	if err != nil {
		return nil, err
	}
	var aead cipher.AEAD
	if r != nil {
		aead = r.aeads[string(id)]
	}
	if aead == nil {
		source := "key file"
		if r != nil {
			source = r.source
		}
		return nil, &UnknownKeyError{ID: string(id), Source: source}
	}
	out, err := aead.Open(dst, rest[:NonceSize], rest[NonceSize:], ad)
	if err != nil {
		return nil, ErrNotAuthentic
	}
	return out, nil
}

// KeyID returns the id of the key sealed was sealed with.
func KeyID(sealed []byte) (string, error) {
	id, _, err := split(sealed)
	return string(id), err
}

// split parses a sealed value into its key id and nonce+ciphertext+tag.
func split(sealed []byte) (id, rest []byte, err error) {
	if len(sealed) < 2 || sealed[0] != formatVersion {
		return nil, nil, ErrMalformed
	}
	n := int(sealed[1])
	if n == 0 || n > MaxIDLength || len(sealed) < 2+n+NonceSize+TagSize {
		return nil, nil, ErrMalformed
	}
	return sealed[2 : 2+n], sealed[2+n:], nil
}

// Parse reads key-file text. source names it in messages ("key file
// /etc/ewaybill/pii.key"); what names a line in them ("line", or "entry"
// for a variable, where ';' also ends a line).
func Parse(text []byte, source, what string) (*Keyring, error) {
	r := &Keyring{source: source, aeads: map[string]cipher.AEAD{}}
	lines := strings.Split(string(text), "\n")
	if what != "line" {
		lines = strings.FieldsFunc(string(text), func(c rune) bool { return c == '\n' || c == ';' })
	}
	firstLine := map[string]int{}
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		// Messages never quote the line: a line without its id is likely
		// a bare key.
		fail := func(format string, args ...any) (*Keyring, error) {
			return nil, fmt.Errorf("%s %s %d: %s", source, what, i+1, fmt.Sprintf(format, args...))
		}
		id, encoded, ok := strings.Cut(line, ":")
		if !ok {
			return fail("want KEY-ID:BASE64-KEY (no ':' found)")
		}
		id, encoded = strings.TrimSpace(id), strings.TrimSpace(encoded)
		if !validID(id) {
			return fail("a key id is 1–%d letters, digits, '.', '_' or '-'", MaxIDLength)
		}
		if prev, dup := firstLine[id]; dup {
			return fail("key id %q is already used on %s %d", id, what, prev)
		}
		key, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			return fail("key %q is not standard base64 (as `openssl rand -base64 32` prints it)", id)
		}
		if len(key) != KeySize {
			return fail("key %q is %d bytes; AES-256 needs %d (44 base64 characters)", id, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		firstLine[id] = i + 1
		r.ids = append(r.ids, id)
		r.aeads[id] = aead
	}
	if len(r.ids) == 0 {
		return nil, fmt.Errorf("%s holds no key: want one KEY-ID:BASE64-KEY %s per key, the active key first", source, what)
	}
	r.active = r.aeads[r.ids[0]]
	r.header = append([]byte{formatVersion, byte(len(r.ids[0]))}, r.ids[0]...)
	return r, nil
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLength {
		return false
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// LoadFile reads a key file.
func LoadFile(path string) (*Keyring, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("PII key file: %w", err)
	}
	return Parse(text, "key file "+path, "line")
}

// NewKeyLine returns a key-file line holding a new random key under a new
// random id.
func NewKeyLine() string {
	var id [4]byte
	key := make([]byte, KeySize)
	rand.Read(id[:])
	rand.Read(key)
	return "k" + hex.EncodeToString(id[:]) + ":" + base64.StdEncoding.EncodeToString(key)
}

// CreateFile writes a new key file at path holding one new random key,
// readable by its owner only, and returns its ring. It refuses to replace
// an existing file: that would make everything sealed with it unreadable.
// The file appears whole or not at all: it is written and flushed under a
// temporary name first, so a crash never leaves a key file without its
// key.
func CreateFile(path, comment string) (*Keyring, error) {
	var text strings.Builder
	for line := range strings.Lines(comment) {
		text.WriteString("# " + strings.TrimSuffix(line, "\n") + "\n")
	}
	text.WriteString(NewKeyLine() + "\n")
	ring, err := Parse([]byte(text.String()), "key file "+path, "line")
	if err != nil {
		return nil, err
	}
	if err := createWhole(path, text.String()); err != nil {
		return nil, fmt.Errorf("create PII key file %s: %w", path, err)
	}
	return ring, nil
}

// createWhole creates path with text, mode 0600, in one step, and fails
// if path exists.
func createWhole(path, text string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.WriteString(text)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// A hard link fails if path exists; file systems without hard links
	// get a look, then a rename.
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return err
	} else if err != nil {
		if _, lerr := os.Lstat(path); lerr == nil {
			return fs.ErrExist
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// syncDir flushes a directory, so a file created in it survives a crash:
// a lost key file would lose every record sealed with it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
