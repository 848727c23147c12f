package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// piiKeyLine is a key-file line for id whose key bytes are all b.
func piiKeyLine(id string, b byte) string {
	return id + ":" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, sealing.KeySize))
}

// writeKeyFile writes lines as a key file in a directory of its own (not
// the data dir) and returns its path.
func writeKeyFile(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadKeys(t *testing.T, path string) *sealing.Keyring {
	t.Helper()
	r, err := sealing.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rotationWaybill(i int) *ewaybillv1.Waybill {
	return &ewaybillv1.Waybill{
		Name: fmt.Sprintf("merchants/m1/waybills/w%d", i), Number: fmt.Sprintf("SF%013d", i), Carrier: "carriers/SF",
		Order: &ewaybillv1.Order{OrderCode: fmt.Sprintf("O%d", i),
			Sender:   &ewaybillv1.Party{Name: "李四", Mobile: "13800138000", Address: "张江路 88 号"},
			Receiver: &ewaybillv1.Party{Name: "王五", Mobile: "13912345678", Address: "科技园南区 6 栋"}},
	}
}

// sealedDataDir makes a data dir whose waybills 0..n-1 and one merchant
// are sealed with keys, and one more waybill, n, is in clear as a binary
// from before sealing wrote it.
func sealedDataDir(t *testing.T, keys *sealing.Keyring, n int) string {
	t.Helper()
	dir := t.TempDir()
	store, err := boltstore.Open(dir, boltstore.Options{PII: keys})
	if err != nil {
		t.Fatal(err)
	}
	err = store.Update(context.Background(), func(tx storage.Tx) error {
		for i := range n {
			if err := tx.Waybills().Put(storage.WaybillRef{MerchantID: "m1", ID: fmt.Sprint("w", i)}, rotationWaybill(i)); err != nil {
				return err
			}
		}
		return tx.Merchants().Put("m1", &ewaybillv1.Merchant{Name: "merchants/m1",
			Qualification: &ewaybillv1.Qualification{CreditCode: "91350100M000100Y43", Contact: &ewaybillv1.Contact{Name: "赵六", Mobile: "13700137000"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	db, err := bolt.Open(filepath.Join(dir, boltstore.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(btx *bolt.Tx) error {
		raw, err := proto.Marshal(rotationWaybill(n))
		if err != nil {
			return err
		}
		return btx.Bucket([]byte("waybills")).Put([]byte(fmt.Sprint("m1/w", n)), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// keysInUse counts the data dir's records by the key that seals them, for
// waybills and merchants ("" for in clear).
func keysInUse(t *testing.T, dir string) map[string]map[string]int {
	t.Helper()
	store, err := boltstore.Open(dir, boltstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r, err := store.CensusPII(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int{}
	for _, k := range r.Kinds {
		out[k.Kind] = k.ByKey
	}
	return out
}

func runRotate(env map[string]string, args ...string) cli {
	return runCopyCmd(runRotatePIIKey, env, args...)
}

func TestRotatePIIKey(t *testing.T) {
	fileA := writeKeyFile(t, piiKeyLine("A", 1))
	dir := sealedDataDir(t, loadKeys(t, fileA), 3)

	// The new key first, the old one kept.
	fileBA := writeKeyFile(t, "# B replaces A", piiKeyLine("B", 2), piiKeyLine("A", 1))
	r := runRotate(nil, "--data-dir", dir, "--pii-key-file", fileBA, "--batch", "2")
	want := "sealed personal data in " + filepath.Join(dir, boltstore.FileName) + " with key B (key file " + fileBA + ")\n" +
		"  kind              records  sealed again  by the key they had\n" +
		"  waybills          4        4             in clear 1, A 3\n" +
		"  merchants         1        1             A 1\n" +
		"  mapping profiles  0        0             -\n" +
		"done: every record with personal data is sealed with B; A may now be dropped from the keys\n"
	if r.code != rotateOK || r.stdout != want || r.stderr != "" {
		t.Fatalf("rotate: exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
	if got := keysInUse(t, dir); got[boltstore.KindWaybills]["B"] != 4 || len(got[boltstore.KindWaybills]) != 1 || got[boltstore.KindMerchants]["B"] != 1 {
		t.Errorf("after the rotation: %v", got)
	}

	// A dropped: a rerun has nothing to do, and everything reads.
	fileB := writeKeyFile(t, piiKeyLine("B", 2))
	r = runRotate(nil, "--data-dir", dir, "--pii-key-file", fileB)
	if r.code != rotateOK || !strings.Contains(r.stdout, "  waybills          4        0             B (active) 4\n") ||
		!strings.HasSuffix(r.stdout, "done: every record with personal data is sealed with B\n") {
		t.Errorf("rerun with B alone: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	store, err := boltstore.Open(dir, boltstore.Options{PII: loadKeys(t, fileB)})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = store.View(context.Background(), func(tx storage.Tx) error {
		for i := range 4 {
			w, err := tx.Waybills().Get(storage.WaybillRef{MerchantID: "m1", ID: fmt.Sprint("w", i)})
			if err != nil {
				return err
			}
			if !proto.Equal(w, rotationWaybill(i)) {
				t.Errorf("waybill %d reads back as %v", i, w)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A record that does not open stops the rotation: what was committed is
// kept and reported, the record is named, its contents are not.
func TestRotatePIIKeyStopsOnADamagedRecord(t *testing.T) {
	fileA := writeKeyFile(t, piiKeyLine("A", 1))
	dir := sealedDataDir(t, loadKeys(t, fileA), 3)
	db, err := bolt.Open(filepath.Join(dir, boltstore.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(btx *bolt.Tx) error {
		b := btx.Bucket([]byte("waybills"))
		v := bytes.Clone(b.Get([]byte("m1/w2")))
		v[len(v)-1] ^= 1
		return b.Put([]byte("m1/w2"), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	fileBA := writeKeyFile(t, piiKeyLine("B", 2), piiKeyLine("A", 1))
	r := runRotate(nil, "--data-dir", dir, "--pii-key-file", fileBA, "--batch", "1")
	if r.code != rotateFailed || !strings.Contains(r.stdout, "  waybills  2        2             A 2\n") ||
		!strings.Contains(r.stderr, `stopped partway: waybills/"m1/w2": personal data (order.sender, order.receiver): sealed data does not authenticate`) ||
		!strings.Contains(r.stderr, "run the command again to finish") {
		t.Fatalf("rotation over a damaged record: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "13912345678") || strings.Contains(r.stdout+r.stderr, "王五") {
		t.Error("the output shows personal data")
	}
	if got := keysInUse(t, dir); got[boltstore.KindWaybills]["B"] != 2 || got[boltstore.KindWaybills]["A"] != 1 {
		t.Errorf("after the stopped rotation: %v", got)
	}
	// Not finished: A is still needed.
	if _, err := boltstore.Open(dir, boltstore.Options{PII: loadKeys(t, writeKeyFile(t, piiKeyLine("B", 2)))}); err == nil {
		t.Error("a store whose rotation stopped opened without the old key")
	}
}

func TestRotatePIIKeyDryRunChangesNothing(t *testing.T) {
	fileA := writeKeyFile(t, piiKeyLine("A", 1))
	dir := sealedDataDir(t, loadKeys(t, fileA), 2)
	before := readFile(t, filepath.Join(dir, boltstore.FileName))
	fileBA := writeKeyFile(t, piiKeyLine("B", 2), piiKeyLine("A", 1))
	r := runRotate(nil, "--data-dir", dir, "--pii-key-file", fileBA, "--dry-run")
	if r.code != rotateOK || !strings.Contains(r.stdout, "(nothing changed); the active key is B") ||
		!strings.Contains(r.stdout, "  waybills          3        3              in clear 1, A 2\n") {
		t.Errorf("dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if readFile(t, filepath.Join(dir, boltstore.FileName)) != before {
		t.Error("a dry run changed the database")
	}
}

// Without flags the rotation uses the data dir's key file, as serve does;
// EWAYBILL_PII_KEYS and EWAYBILL_DATA_DIR work as for serve.
func TestRotatePIIKeyDefaultsAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	store, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = store.Update(context.Background(), func(tx storage.Tx) error {
		return tx.Waybills().Put(storage.WaybillRef{MerchantID: "m1", ID: "w0"}, rotationWaybill(0))
	})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	dataDirKey := strings.TrimSpace(readFile(t, filepath.Join(dir, boltstore.KeyFileName)))
	id := loadKeys(t, filepath.Join(dir, boltstore.KeyFileName)).Active()
	r := runRotate(map[string]string{"EWAYBILL_DATA_DIR": dir})
	if r.code != rotateOK || !strings.Contains(r.stdout, "with key "+id+" (key file "+filepath.Join(dir, boltstore.KeyFileName)+")") {
		t.Fatalf("rotate with the data dir's key file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// The keys in the variable: a new one first, the data dir's second.
	lines := strings.Split(dataDirKey, "\n")
	env := map[string]string{"EWAYBILL_PII_KEYS": piiKeyLine("k2", 9) + ";" + lines[len(lines)-1]}
	r = runRotate(env, "--data-dir", dir)
	if r.code != rotateOK || !strings.Contains(r.stdout, "with key k2 (EWAYBILL_PII_KEYS)") || !strings.Contains(r.stdout, id+" 1\n") {
		t.Errorf("rotate with EWAYBILL_PII_KEYS: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := keysInUse(t, dir); got[boltstore.KindWaybills]["k2"] != 1 {
		t.Errorf("after rotating to k2: %v", got)
	}
}

func TestRotatePIIKeyRefusals(t *testing.T) {
	fileA := writeKeyFile(t, piiKeyLine("A", 1))
	sealed := sealedDataDir(t, loadKeys(t, fileA), 1)
	fileB := writeKeyFile(t, piiKeyLine("B", 2))
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no database", nil, []string{"--data-dir", t.TempDir(), "--pii-key-file", fileA}, "no ewaybill database at "},
		{"no keys", nil, []string{"--data-dir", sealed}, "no PII keys: pass --pii-key-file (or EWAYBILL_PII_KEY_FILE, EWAYBILL_PII_KEYS); the data dir has no pii.key"},
		{"key in use missing", nil, []string{"--data-dir", sealed, "--pii-key-file", fileB},
			`records may be sealed with PII key "A", which is not in the key file ` + fileB + ": add the old key back"},
		{"both variables", map[string]string{"EWAYBILL_PII_KEY_FILE": fileA, "EWAYBILL_PII_KEYS": piiKeyLine("A", 1)}, []string{"--data-dir", sealed},
			"both EWAYBILL_PII_KEY_FILE and EWAYBILL_PII_KEYS are set; set one of them"},
		{"malformed key file", nil, []string{"--data-dir", sealed, "--pii-key-file", writeKeyFile(t, piiKeyLine("A", 1), "B")},
			"line 2: want KEY-ID:BASE64-KEY (no ':' found)"},
		{"bad batch", nil, []string{"--data-dir", sealed, "--pii-key-file", fileA, "--batch", "0"}, "--batch must be 1 or more"},
		{"argument", nil, []string{"--data-dir", sealed, "now"}, `unexpected argument "now"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runRotate(c.env, c.args...)
			if r.code != rotateNotRun || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant it to contain %q", r.code, r.stderr, c.want)
			}
		})
	}
	if got := keysInUse(t, sealed); got[boltstore.KindWaybills]["A"] != 1 || got[boltstore.KindWaybills][""] != 1 {
		t.Errorf("a refused rotation changed records: %v", got)
	}
	// A command line key file wins over the variable holding keys.
	r := runRotate(map[string]string{"EWAYBILL_PII_KEYS": piiKeyLine("B", 2)}, "--data-dir", sealed, "--pii-key-file", fileA, "--dry-run")
	if r.code != rotateOK || !strings.Contains(r.stdout, "the active key is A") {
		t.Errorf("--pii-key-file with EWAYBILL_PII_KEYS set: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestRotatePIIKeyRefusedWhileServing(t *testing.T) {
	dir := t.TempDir()
	startServed(t, dir)
	r := runRotate(nil, "--data-dir", dir)
	if r.code != rotateNotRun || !strings.Contains(r.stderr, "a server is running on "+dir+" (its control socket "+controlSocketPath(dir)+" answers); stop it before rotating") {
		t.Errorf("rotate while serving: exit %d\n%s", r.code, r.stderr)
	}

	// Another process holding the data dir without a control socket.
	held := t.TempDir()
	store, err := boltstore.Open(held, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r = runRotate(nil, "--data-dir", held, "--lock-timeout", "100ms")
	if r.code != rotateNotRun || !strings.Contains(r.stderr, "data dir is in use by another process") {
		t.Errorf("rotate on a held data dir: exit %d\n%s", r.code, r.stderr)
	}
}

// TestServePIIKeyLifecycle: a fresh data dir gets its own key file, 0600,
// with a warning; a restart uses it and reads the sealed data; without it
// the server refuses to start and names the key.
func TestServePIIKeyLifecycle(t *testing.T) {
	dir := t.TempDir()
	p := startServed(t, dir)
	keyFile := filepath.Join(dir, boltstore.KeyFileName)
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file of a fresh data dir: %v %v", fi, err)
	}
	keyText := readFile(t, keyFile)
	id := loadKeys(t, keyFile).Active()
	if log := p.log.String(); !strings.Contains(log, "generated the key that seals personal data into the data dir") ||
		!strings.Contains(log, "path="+keyFile) || !strings.Contains(log, "key_id="+id) {
		t.Errorf("the start log does not warn about the generated key:\n%s", log)
	}
	secret := strings.SplitN(strings.TrimSpace(keyText[strings.LastIndex(keyText, id+":"):]), ":", 2)[1]
	if strings.Contains(p.log.String(), secret) {
		t.Fatal("the log holds the key")
	}
	merchant := registerMerchant(t, p, "13911112222")
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(readFile(t, filepath.Join(dir, boltstore.FileName)), "13911112222") {
		t.Error("the contact's mobile is in the database file in clear")
	}

	p = startServed(t, dir)
	if strings.Contains(p.log.String(), "generated the key") {
		t.Errorf("a restart generated a key:\n%s", p.log.String())
	}
	if readFile(t, keyFile) != keyText {
		t.Error("a restart changed the key file")
	}
	if body := getAsAdmin(t, p, "/v1/"+merchant); !strings.Contains(body, `"mobile":"13911112222"`) {
		t.Errorf("the merchant after a restart: %s", body)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}

	if err := os.Rename(keyFile, keyFile+".elsewhere"); err != nil {
		t.Fatal(err)
	}
	err = runServe(context.Background(), []string{"--data-dir", dir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `records are sealed with PII key "`+id+`", but no key was given and `+keyFile+" does not exist") ||
		!strings.Contains(err.Error(), "--pii-key-file") {
		t.Fatalf("serve without its key: %v", err)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Errorf("the refused start made a key file: %v", err)
	}
	// Given the moved key file, it starts again.
	p = startServed(t, dir, "--pii-key-file", keyFile+".elsewhere")
	if body := getAsAdmin(t, p, "/v1/"+merchant); !strings.Contains(body, `"mobile":"13911112222"`) {
		t.Errorf("the merchant with the moved key file: %s", body)
	}
}

func TestServePIIKeySources(t *testing.T) {
	// A key file outside the data dir: none is made inside it.
	dir := t.TempDir()
	keyFile := writeKeyFile(t, piiKeyLine("prod1", 3))
	p := startServed(t, dir, "--pii-key-file", keyFile)
	if _, err := os.Stat(filepath.Join(dir, boltstore.KeyFileName)); !os.IsNotExist(err) {
		t.Errorf("a key file was made in the data dir: %v", err)
	}
	if log := p.log.String(); !strings.Contains(log, "key_id=prod1") || strings.Contains(log, "generated the key") {
		t.Errorf("start log:\n%s", log)
	}
	p.stop()

	// The same keys from the variable.
	t.Setenv("EWAYBILL_PII_KEYS", piiKeyLine("prod1", 3))
	p = startServed(t, dir)
	if !strings.Contains(p.log.String(), "key_id=prod1 keys=EWAYBILL_PII_KEYS") {
		t.Errorf("start log with EWAYBILL_PII_KEYS:\n%s", p.log.String())
	}
	p.stop()

	serveErr := func(dataDir string, extra ...string) error {
		return runServe(context.Background(), append([]string{"--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, extra...), io.Discard, io.Discard)
	}
	// Both variables: refused.
	t.Setenv("EWAYBILL_PII_KEY_FILE", keyFile)
	if err := serveErr(dir); err == nil || !strings.Contains(err.Error(), "both EWAYBILL_PII_KEY_FILE and EWAYBILL_PII_KEYS are set") {
		t.Errorf("serve with both variables: %v", err)
	}
	t.Setenv("EWAYBILL_PII_KEYS", "")

	// A key file without the key in use: refused, naming it.
	if err := serveErr(dir, "--pii-key-file", writeKeyFile(t, piiKeyLine("other", 4))); err == nil || !strings.Contains(err.Error(), `PII key "prod1", which is not in the key file`) {
		t.Errorf("serve with another key: %v", err)
	}

	// A malformed key file fails the start before the data dir is touched.
	fresh := filepath.Join(t.TempDir(), "data")
	bad := writeKeyFile(t, "prod1:"+base64.StdEncoding.EncodeToString(make([]byte, 16)))
	if err := serveErr(fresh, "--pii-key-file", bad); err == nil || err.Error() != "key file "+bad+" line 1: key \"prod1\" is 16 bytes; AES-256 needs 32 (44 base64 characters)" {
		t.Errorf("serve with a short key: %v", err)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("the refused start made the data dir: %v", err)
	}
}

// A backup of a data dir that keeps its own key file carries a copy of it
// beside the backup, and restore installs it, so the restored data dir
// serves; without it, restore says which key serve will need, the checks
// still run, and serve refuses until given the key.
func TestBackupCarriesTheDataDirKey(t *testing.T) {
	ts := checkedServer(t) // sealed with the data dir's generated key
	dataDirKey := filepath.Join(ts.dataDir, boltstore.KeyFileName)
	id := loadKeys(t, dataDirKey).Active()
	out := filepath.Join(t.TempDir(), "backup.db")
	b := runCopyCmd(runBackup, nil, "--data-dir", ts.dataDir, "--out", out)
	if b.code != copyOK || b.stderr != "" {
		t.Fatalf("backup: exit %d\n%s%s", b.code, b.stdout, b.stderr)
	}
	if fi, err := os.Stat(out + ".pii.key"); err != nil || fi.Mode().Perm() != 0o600 || readFile(t, out+".pii.key") != readFile(t, dataDirKey) {
		t.Fatalf("the key file beside the backup: %v %v", fi, err)
	}
	// Its copy is not overwritten by accident.
	if r := runCopyCmd(runBackup, nil, "--data-dir", ts.dataDir, "--out", filepath.Join(filepath.Dir(out), "other.db")); r.code != copyOK {
		t.Fatalf("second backup: %d %s", r.code, r.stderr)
	}
	os.Remove(out)
	if r := runCopyCmd(runBackup, nil, "--data-dir", ts.dataDir, "--out", out); r.code != copyNotRun || !strings.Contains(r.stderr, out+".pii.key (where the data dir's PII key file is copied) exists; pass --force") {
		t.Errorf("backup over an existing key copy: exit %d %s", r.code, r.stderr)
	}
	if r := runCopyCmd(runBackup, nil, "--data-dir", ts.dataDir, "--out", out, "--force"); r.code != copyOK {
		t.Fatalf("backup --force: exit %d %s", r.code, r.stderr)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	r := runCopyCmd(runRestore, nil, "--backup", out, "--data-dir", restored)
	if r.code != copyOK || r.stderr != "" || !strings.Contains(r.stdout, "installed the backup's PII key file "+out+".pii.key as "+filepath.Join(restored, boltstore.KeyFileName)+"\n") ||
		strings.Contains(r.stdout, "note:") {
		t.Fatalf("restore: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	p := startServed(t, restored)
	if body := getAsAdmin(t, p, "/v1/"+ts.demo.Merchant); !strings.Contains(body, `"contact":{"name":`) {
		t.Errorf("the restored merchant: %s", body)
	}
	p.stop()

	// The backup without its key file.
	os.Remove(out + ".pii.key")
	bare := filepath.Join(t.TempDir(), "bare")
	r = runCopyCmd(runRestore, nil, "--backup", out, "--data-dir", bare)
	if r.code != copyOK || !strings.Contains(r.stdout, "note: the restored records are sealed with PII key "+id+", which "+filepath.Join(bare, boltstore.KeyFileName)+" does not hold") {
		t.Fatalf("restore without the key file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if c := runCheckWith(nil, "--data-dir", bare); c.code != checkOK {
		t.Errorf("check of a restored data dir without its key: exit %d\n%s%s", c.code, c.stdout, c.stderr)
	}
	err := runServe(context.Background(), []string{"--data-dir", bare, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `records are sealed with PII key "`+id+`"`) {
		t.Fatalf("serve on the restored data dir without its key: %v", err)
	}
	p = startServed(t, bare, "--pii-key-file", dataDirKey)
	if body := getAsAdmin(t, p, "/v1/"+ts.demo.Merchant); !strings.Contains(body, `"contact":{"name":`) {
		t.Errorf("the restored merchant with the key given: %s", body)
	}
}

// Keys kept outside the data dir never travel with a backup.
func TestBackupCopiesNoKeyKeptElsewhere(t *testing.T) {
	ts := checkedServer(t)
	// The operator moved the key out of the data dir.
	keys := filepath.Join(t.TempDir(), "pii.key")
	if err := os.Rename(filepath.Join(ts.dataDir, boltstore.KeyFileName), keys); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "backup.db")
	if b := runCopyCmd(runBackup, nil, "--data-dir", ts.dataDir, "--out", out); b.code != copyOK {
		t.Fatalf("backup: exit %d\n%s%s", b.code, b.stdout, b.stderr)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("backup wrote %d files", len(entries))
	}
}

// registerMerchant registers a merchant over REST whose contact has the
// given mobile, and returns its name.
func registerMerchant(t *testing.T, p *servedProcess, mobile string) string {
	t.Helper()
	body := `{"qualification": {"legalName": "杭州小店", "type": "MERCHANT_TYPE_INDIVIDUAL_BUSINESS", "creditCode": "92330100MA2H00000H",
		"legalRepresentative": {"name": "王五", "idNumber": "440524188001010014"},
		"contact": {"name": "王五", "mobile": "` + mobile + `"}, "licenceDocumentRef": "doc://licence/hz-1"}, "keyDisplayName": "shop erp"}`
	resp, err := http.Post("http://"+p.httpAddr+"/v1/merchants:register", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	_, rest, _ := strings.Cut(string(out), `"name":"`)
	name, _, _ := strings.Cut(rest, `"`)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(name, "merchants/") {
		t.Fatalf("register: %s %s", resp.Status, out)
	}
	return name
}

func getAsAdmin(t *testing.T, p *servedProcess, path string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+p.httpAddr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return string(out)
}
