package sealing

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// key returns a valid base64 key whose bytes are all b, so tests can tell
// keys apart and check that messages never quote them.
func key(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, KeySize)) }

func mustParse(t *testing.T, text string) *Keyring {
	t.Helper()
	r, err := Parse([]byte(text), "key file test.key", "line")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSealOpenRoundTrip(t *testing.T) {
	r := mustParse(t, "k1:"+key(1)+"\n")
	plain := []byte("张三 13912345678 科技园南路 1 号")
	ad := []byte("waybills\x00m1/w1")
	a := r.Seal(nil, plain, ad)
	b := r.Seal(nil, plain, ad)
	if bytes.Equal(a, b) {
		t.Error("two seals of the same plaintext are equal: the nonce is not fresh")
	}
	if bytes.Contains(a, []byte("13912345678")) || bytes.Contains(a, []byte("张三")) {
		t.Error("sealed value holds the plaintext")
	}
	if len(a) != len(plain)+r.Overhead() {
		t.Errorf("sealed length %d, want %d + overhead %d", len(a), len(plain), r.Overhead())
	}
	if id, err := KeyID(a); err != nil || id != "k1" {
		t.Errorf("KeyID = %q, %v; want k1", id, err)
	}
	got, err := r.Open([]byte("prefix:"), a, ad)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "prefix:"+string(plain) {
		t.Errorf("Open = %q", got)
	}
}

func TestSealAppendsWithoutAllocating(t *testing.T) {
	r := mustParse(t, "k1:"+key(1))
	plain := bytes.Repeat([]byte("x"), 200)
	ad := []byte("waybills\x00m1/w1")
	buf := make([]byte, 0, len(plain)+r.Overhead())
	if n := testing.AllocsPerRun(100, func() { r.Seal(buf[:0], plain, ad) }); n != 0 {
		t.Errorf("Seal into a large enough slice allocates %v times", n)
	}
}

func TestOpenRefusesOtherRecordsAndAlteredData(t *testing.T) {
	r := mustParse(t, "k1:"+key(1))
	ad := []byte("waybills\x00m1/w1")
	sealed := r.Seal(nil, []byte("李四 13800138000"), ad)
	if _, err := r.Open(nil, sealed, []byte("waybills\x00m1/w2")); !errors.Is(err, ErrNotAuthentic) {
		t.Errorf("open with another record's AD: %v, want ErrNotAuthentic", err)
	}
	for _, i := range []int{len(r.header), len(r.header) + NonceSize, len(sealed) - 1} {
		altered := bytes.Clone(sealed)
		altered[i] ^= 1
		if _, err := r.Open(nil, altered, ad); !errors.Is(err, ErrNotAuthentic) {
			t.Errorf("open with byte %d altered: %v, want ErrNotAuthentic", i, err)
		}
	}
	for _, bad := range [][]byte{nil, {1}, {2, 2, 'k', '1'}, sealed[:len(r.header)+NonceSize+TagSize-1], append([]byte{1, 0}, sealed[2:]...)} {
		if _, err := r.Open(nil, bad, ad); !errors.Is(err, ErrMalformed) {
			t.Errorf("open of %d malformed bytes: %v, want ErrMalformed", len(bad), err)
		}
	}
}

func TestOpenWithUnknownKey(t *testing.T) {
	old := mustParse(t, "k1:"+key(1))
	sealed := old.Seal(nil, []byte("王五"), []byte("ad"))
	now := mustParse(t, "k2:"+key(2))
	_, err := now.Open(nil, sealed, []byte("ad"))
	var unknown *UnknownKeyError
	if !errors.As(err, &unknown) || unknown.ID != "k1" {
		t.Fatalf("open under a ring without k1: %v", err)
	}
	want := `record sealed with key "k1", which is not in the key file test.key; add the old key back (as a later line: the first stays the active key)`
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
	var none *Keyring
	if _, err := none.Open(nil, sealed, []byte("ad")); !errors.As(err, &unknown) {
		t.Errorf("open without a ring: %v", err)
	}
}

// A new key goes first and seals; the old one, kept below it, still opens
// what it sealed.
func TestRotationOrder(t *testing.T) {
	before := mustParse(t, "k1:"+key(1))
	ad := []byte("merchants\x00m1")
	old := before.Seal(nil, []byte("legal representative"), ad)

	after := mustParse(t, "# rotated\nk2:"+key(2)+"\n\nk1:"+key(1)+"\n")
	if after.Active() != "k2" || strings.Join(after.IDs(), ",") != "k2,k1" || !after.Has("k1") || after.Has("k3") {
		t.Fatalf("active %q, ids %v", after.Active(), after.IDs())
	}
	if got, err := after.Open(nil, old, ad); err != nil || string(got) != "legal representative" {
		t.Errorf("old value under the rotated ring: %q, %v", got, err)
	}
	if id, _ := KeyID(after.Seal(nil, []byte("x"), ad)); id != "k2" {
		t.Errorf("new seals use %q, want k2", id)
	}
}

func TestParseErrors(t *testing.T) {
	short := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 16))
	for _, c := range []struct{ text, want string }{
		{"", "key file test.key holds no key: want one KEY-ID:BASE64-KEY line per key, the active key first"},
		{"# only a comment\n\n", "key file test.key holds no key"},
		{"k1:" + key(1) + "\n" + key(2), "key file test.key line 2: want KEY-ID:BASE64-KEY (no ':' found)"},
		{"\n\nbad id:" + key(1), "key file test.key line 3: a key id is 1–32 letters, digits, '.', '_' or '-'"},
		{":" + key(1), "line 1: a key id is 1–32"},
		{strings.Repeat("k", 33) + ":" + key(1), "line 1: a key id is 1–32"},
		{"k1:" + key(1) + "\nk1:" + key(2), `line 2: key id "k1" is already used on line 1`},
		{"k1:not base64!", `line 1: key "k1" is not standard base64`},
		{"k1:" + short, `line 1: key "k1" is 16 bytes; AES-256 needs 32 (44 base64 characters)`},
	} {
		_, err := Parse([]byte(c.text), "key file test.key", "line")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q): %v\nwant it to contain %q", c.text, err, c.want)
			continue
		}
		for _, b := range []byte{1, 2, 7} {
			if strings.Contains(err.Error(), key(b)) || strings.Contains(err.Error(), short) {
				t.Errorf("error quotes a key: %v", err)
			}
		}
	}
}

func TestParseVariable(t *testing.T) {
	r, err := Parse([]byte("k2:"+key(2)+"; k1:"+key(1)), "EWAYBILL_PII_KEYS", "entry")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.IDs(), ",") != "k2,k1" || r.Source() != "EWAYBILL_PII_KEYS" {
		t.Errorf("ids %v source %q", r.IDs(), r.Source())
	}
	_, err = Parse([]byte("k2:"+key(2)+";k1"), "EWAYBILL_PII_KEYS", "entry")
	if err == nil || err.Error() != "EWAYBILL_PII_KEYS entry 2: want KEY-ID:BASE64-KEY (no ':' found)" {
		t.Errorf("bad second entry: %v", err)
	}
}

func TestCreateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pii.key")
	r, err := CreateFile(path, "first line\nsecond line\n")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi, err)
	}
	text, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(lines) != 3 || lines[0] != "# first line" || lines[1] != "# second line" || !strings.HasPrefix(lines[2], r.Active()+":") {
		t.Errorf("key file:\n%s", text)
	}
	loaded, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sealed := r.Seal(nil, []byte("x"), nil)
	if got, err := loaded.Open(nil, sealed, nil); err != nil || string(got) != "x" {
		t.Errorf("the written key does not open what the returned ring sealed: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("CreateFile left %d files in the directory", len(entries))
	}
	if _, err := CreateFile(path, ""); err == nil {
		t.Error("CreateFile replaced an existing key file")
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, text) {
		t.Error("a refused CreateFile changed the key file")
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.key")); err == nil || !strings.Contains(err.Error(), "PII key file") {
		t.Errorf("LoadFile of a missing file: %v", err)
	}
}

func TestNewKeyLineIDsDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		r := mustParse(t, NewKeyLine())
		if seen[r.Active()] {
			t.Fatalf("key id %s generated twice", r.Active())
		}
		seen[r.Active()] = true
	}
}
