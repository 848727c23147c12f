package boltstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/pii"
)

const testPhone = "13987654321"

// keyLine is a key-file line for id whose key bytes are all b.
func keyLine(id string, b byte) string {
	return id + ":" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, sealing.KeySize))
}

func testRing(t testing.TB, lines ...string) *sealing.Keyring {
	t.Helper()
	r, err := sealing.Parse([]byte(strings.Join(lines, "\n")), "key file test.key", "line")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func openWith(t testing.TB, dir string, keys *sealing.Keyring) *Store {
	t.Helper()
	s, err := Open(dir, Options{PII: keys})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testWaybill(i int) *ewaybillv1.Waybill {
	return &ewaybillv1.Waybill{
		Name: fmt.Sprintf("merchants/m1/waybills/w%03d", i), Number: fmt.Sprintf("SF%013d", i), Carrier: "carriers/SF",
		State: ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED,
		Order: &ewaybillv1.Order{
			OrderCode: fmt.Sprintf("O%03d", i), PackageId: "1", Remark: "fragile",
			Sender:   &ewaybillv1.Party{Name: "诸葛孔明", Mobile: "13711112222", Province: "湖北省", City: "襄阳市", Address: "隆中路 1 号"},
			Receiver: &ewaybillv1.Party{Name: "司马相如", Mobile: testPhone, Landline: "0755-86013388", Province: "广东省", City: "深圳市", Address: "科技园南路 88 号 7 栋 1203"},
			Parcel:   &ewaybillv1.Parcel{WeightGrams: 1200},
			Items:    []*ewaybillv1.Item{{Name: "T恤", Quantity: 2}},
		},
	}
}

func testMerchant() *ewaybillv1.Merchant {
	return &ewaybillv1.Merchant{
		Name: "merchants/m1", State: ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED,
		Qualification: &ewaybillv1.Qualification{
			LegalName: "测试商贸有限公司", CreditCode: "91350100M000100Y43",
			LegalRepresentative: &ewaybillv1.Person{Name: "欧阳娜娜", IdNumber: "11010519491231002X"},
			Contact:             &ewaybillv1.Contact{Name: "欧阳娜娜", Mobile: testPhone},
		},
	}
}

func testProfile() *ewaybillv1.MappingProfile {
	fixed := func(s string) *string { return &s }
	return &ewaybillv1.MappingProfile{
		Name: "merchants/m1/mappingProfiles/p1", DisplayName: "shop ERP", Version: 2,
		Fields: []*ewaybillv1.FieldMapping{
			{Target: "order_code", Sources: []string{"tid"}, Trim: true},
			{Target: "sender.mobile", FixedValue: fixed(testPhone)},
			{Target: "sender.name", FixedValue: fixed("诸葛孔明")},
			{Target: "receiver.mobile", Sources: []string{"buyer.mobile"}, DefaultValue: fixed("13800138000")},
		},
	}
}

func wref(i int) storage.WaybillRef {
	return storage.WaybillRef{MerchantID: "m1", ID: fmt.Sprintf("w%03d", i)}
}

// putAll stores waybills 0..n-1, the merchant and the profile.
func putAll(t testing.TB, s *Store, from, n int) {
	t.Helper()
	err := s.Update(context.Background(), func(tx storage.Tx) error {
		for i := from; i < from+n; i++ {
			if err := tx.Waybills().Put(wref(i), testWaybill(i)); err != nil {
				return err
			}
		}
		if err := tx.Merchants().Put("m1", testMerchant()); err != nil {
			return err
		}
		return tx.MappingProfiles().Put("m1", "p1", testProfile())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readAll checks that waybills 0..n-1, the merchant and the profile read
// back as stored.
func readAll(t testing.TB, s *Store, n int) {
	t.Helper()
	err := s.View(context.Background(), func(tx storage.Tx) error {
		for i := range n {
			w, err := tx.Waybills().Get(wref(i))
			if err != nil {
				return err
			}
			if !proto.Equal(w, testWaybill(i)) {
				t.Errorf("waybill %d reads back as %v", i, w)
			}
		}
		list, _, err := tx.Waybills().List("m1", storage.Page[*ewaybillv1.Waybill]{Limit: n + 1})
		if err != nil {
			return err
		}
		if len(list) != n || !proto.Equal(list[n-1], testWaybill(n-1)) {
			t.Errorf("listing: %d waybills, the last %v", len(list), list[len(list)-1])
		}
		m, err := tx.Merchants().Get("m1")
		if err != nil {
			return err
		}
		if !proto.Equal(m, testMerchant()) {
			t.Errorf("merchant reads back as %v", m)
		}
		p, err := tx.MappingProfiles().Get("m1", "p1")
		if err != nil {
			return err
		}
		if !proto.Equal(p, testProfile()) {
			t.Errorf("profile reads back as %v", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rawValues returns every stored value of the tables holding personal
// data, by bucket and key.
func rawValues(t testing.TB, s *Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := s.db.View(func(btx *bolt.Tx) error {
		for _, p := range piiTables {
			err := btx.Bucket(p.Table).ForEach(func(k, v []byte) error {
				out[string(p.Table)+"/"+string(k)] = bytes.Clone(v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func census(t testing.TB, s *Store) map[string]map[string]int {
	t.Helper()
	r, err := s.CensusPII(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int{}
	for _, k := range r.Kinds {
		out[k.Kind] = k.ByKey
	}
	return out
}

func TestSealedRecordsRoundTripAndHideValues(t *testing.T) {
	s := openWith(t, t.TempDir(), testRing(t, keyLine("A", 1)))
	defer s.Close()
	putAll(t, s, 0, 3)
	readAll(t, s, 3)
	for k, v := range rawValues(t, s) {
		for _, secret := range []string{testPhone, "13711112222", "0755-86013388", "司马相如", "诸葛孔明", "欧阳娜娜", "11010519491231002X", "科技园南路", "隆中路"} {
			if bytes.Contains(v, []byte(secret)) {
				t.Errorf("%s holds %q in clear", k, secret)
			}
		}
		body, sealed, err := pii.CutSealed(v)
		if err != nil || sealed == nil {
			t.Fatalf("%s has no sealed field: %v", k, err)
		}
		if id, _ := sealing.KeyID(sealed); id != "A" {
			t.Errorf("%s sealed with %q", k, id)
		}
		// What listings and checks read stays in clear.
		var i int
		if _, err := fmt.Sscanf(k, "waybills/m1/w%03d", &i); err == nil {
			if !bytes.Contains(body, []byte(testWaybill(i).GetNumber())) || !bytes.Contains(body, []byte("fragile")) {
				t.Errorf("%s lost its clear fields", k)
			}
		}
	}
	if got := census(t, s); got[KindWaybills]["A"] != 3 || got[KindMerchants]["A"] != 1 || got[KindMappingProfiles]["A"] != 1 || len(got[KindWaybills]) != 1 {
		t.Errorf("census %v", got)
	}
}

func TestRecordsWithoutPersonalDataAreStoredAsTheyAre(t *testing.T) {
	s := openWith(t, t.TempDir(), testRing(t, keyLine("A", 1)))
	defer s.Close()
	w := &ewaybillv1.Waybill{Name: "merchants/m1/waybills/w000", Number: "SF1", Order: &ewaybillv1.Order{OrderCode: "O1"}}
	err := s.Update(context.Background(), func(tx storage.Tx) error { return tx.Waybills().Put(wref(0), w) })
	if err != nil {
		t.Fatal(err)
	}
	want, _ := marshalOptions.Marshal(w)
	if got := rawValues(t, s)["waybills/m1/w000"]; !bytes.Equal(got, want) {
		t.Errorf("stored %x, want the plain encoding %x", got, want)
	}
	if c := census(t, s); len(c[KindWaybills]) != 0 {
		t.Errorf("census counts a record without personal data: %v", c)
	}
}

// A sealed value is bound to its record: copied onto another, it does not
// open.
func TestSealedValueDoesNotOpenOnAnotherRecord(t *testing.T) {
	s := openWith(t, t.TempDir(), testRing(t, keyLine("A", 1)))
	defer s.Close()
	putAll(t, s, 0, 2)
	err := s.db.Update(func(btx *bolt.Tx) error {
		b := btx.Bucket(bucketWaybills)
		return b.Put([]byte("m1/w001"), bytes.Clone(b.Get([]byte("m1/w000"))))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(context.Background(), func(tx storage.Tx) error {
		_, err := tx.Waybills().Get(wref(1))
		return err
	})
	if !errors.Is(err, sealing.ErrNotAuthentic) || !strings.Contains(err.Error(), `decode waybills/"m1/w001": personal data (order.sender, order.receiver)`) {
		t.Errorf("moved sealed value: %v", err)
	}
}

// writePlain stores records as a binary from before sealing did: their
// plain encoding.
func writePlain(t testing.TB, s *Store, n int) {
	t.Helper()
	err := s.db.Update(func(btx *bolt.Tx) error {
		put := func(bucket []byte, key string, m proto.Message) error {
			raw, err := proto.Marshal(m)
			if err != nil {
				return err
			}
			return btx.Bucket(bucket).Put([]byte(key), raw)
		}
		for i := range n {
			if err := put(bucketWaybills, "m1/"+wref(i).ID, testWaybill(i)); err != nil {
				return err
			}
		}
		if err := put(bucketMerchants, "m1", testMerchant()); err != nil {
			return err
		}
		return put(bucketMappingProfiles, "m1/p1", testProfile())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPlainRecordsReadAndRotationSealsThem(t *testing.T) {
	dir := t.TempDir()
	s := openWith(t, dir, testRing(t, keyLine("A", 1)))
	defer s.Close()
	writePlain(t, s, 5)
	readAll(t, s, 5)
	if c := census(t, s); c[KindWaybills][""] != 5 || c[KindMerchants][""] != 1 || c[KindMappingProfiles][""] != 1 {
		t.Fatalf("census of plain records: %v", c)
	}

	report, err := s.RotatePII(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if report.Active != "A" || len(report.Kinds) != 3 {
		t.Fatalf("report %+v", report)
	}
	for _, k := range report.Kinds {
		want := map[string]int{KindWaybills: 5, KindMerchants: 1, KindMappingProfiles: 1}[k.Kind]
		if k.ByKey[""] != want || len(k.ByKey) != 1 || k.Resealed != want {
			t.Errorf("%s: %+v, want %d resealed from clear", k.Kind, k, want)
		}
	}
	readAll(t, s, 5)
	for k, v := range rawValues(t, s) {
		if bytes.Contains(v, []byte(testPhone)) {
			t.Errorf("%s still holds the phone number in clear", k)
		}
	}
	// A rerun finds nothing left to do.
	report, err = s.RotatePII(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range report.Kinds {
		if k.Resealed != 0 || k.ByKey[""] != 0 || k.ByKey["A"] == 0 {
			t.Errorf("second rotation, %s: %+v", k.Kind, k)
		}
	}
}

func TestRotateToNewKeyThenDropTheOld(t *testing.T) {
	dir := t.TempDir()
	a := testRing(t, keyLine("A", 1))
	s := openWith(t, dir, a)
	putAll(t, s, 0, 25)
	s.Close()

	// The new key goes first; the old one stays until the rotation.
	ba := testRing(t, keyLine("B", 2), keyLine("A", 1))
	s = openWith(t, dir, ba)
	putAll(t, s, 25, 3) // sealed with B; the merchant and profile again too
	if c := census(t, s); c[KindWaybills]["A"] != 25 || c[KindWaybills]["B"] != 3 || c[KindMerchants]["B"] != 1 {
		t.Fatalf("census before the rotation: %v", c)
	}
	report, err := s.RotatePII(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range report.Kinds {
		if k.Kind == KindWaybills && (k.ByKey["A"] != 25 || k.ByKey["B"] != 3 || k.Resealed != 25) {
			t.Errorf("waybills rotated: %+v", k)
		}
	}
	for k, v := range rawValues(t, s) {
		_, sealed, _ := pii.CutSealed(v)
		if id, _ := sealing.KeyID(sealed); id != "B" {
			t.Errorf("%s is sealed with %q after the rotation", k, id)
		}
	}
	s.Close()

	// A is gone from the key file: everything still reads.
	s = openWith(t, dir, testRing(t, keyLine("B", 2)))
	readAll(t, s, 28)
	s.Close()

	// A key file without the key records are sealed with is refused at
	// open, naming the key.
	_, err = Open(dir, Options{PII: a})
	var missing *MissingKeysError
	if !errors.As(err, &missing) || len(missing.IDs) != 1 || missing.IDs[0] != "B" ||
		!strings.Contains(err.Error(), `records may be sealed with PII key "B", which is not in the key file test.key: add the old key back`) {
		t.Errorf("open with only the old key: %v", err)
	}
}

// A record sealed with a key the ring lacks fails to read with an error
// that names the key, the record and the fields, and never a value.
func TestRecordSealedWithMissingKey(t *testing.T) {
	dir := t.TempDir()
	s := openWith(t, dir, testRing(t, keyLine("A", 1)))
	putAll(t, s, 0, 1)
	s.Close()

	ro, err := Open(dir, Options{ReadOnly: true, PII: testRing(t, keyLine("B", 2))})
	if err != nil {
		t.Fatal(err)
	}
	err = ro.View(context.Background(), func(tx storage.Tx) error {
		_, err := tx.Waybills().Get(wref(0))
		return err
	})
	want := `decode waybills/"m1/w000": personal data (order.sender, order.receiver): record sealed with key "A", which is not in the key file test.key; add the old key back`
	var unknown *sealing.UnknownKeyError
	if !errors.As(err, &unknown) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("read with a ring lacking A:\n%v\nwant it to start\n%s", err, want)
	}
	if err != nil && (strings.Contains(err.Error(), testPhone) || strings.Contains(err.Error(), "司马相如")) {
		t.Errorf("error shows personal data: %v", err)
	}
	ro.Close()

	_, err = Open(dir, Options{PII: testRing(t, keyLine("B", 2))})
	if !errors.As(err, new(*MissingKeysError)) || !strings.Contains(err.Error(), `"A"`) {
		t.Errorf("writable open with a ring lacking A: %v", err)
	}
}

// Without keys a read-only store, as the offline checks open it, reads
// every record with its personal fields empty.
func TestReadOnlyWithoutKeysLeavesPersonalDataSealed(t *testing.T) {
	dir := t.TempDir()
	s := openWith(t, dir, testRing(t, keyLine("A", 1)))
	putAll(t, s, 0, 2)
	s.Close()
	ro, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.View(context.Background(), func(tx storage.Tx) error {
		w, err := tx.Waybills().Get(wref(1))
		if err != nil {
			return err
		}
		if w.GetNumber() != "SF0000000000001" || w.GetOrder().GetOrderCode() != "O001" || w.GetOrder().GetSender() != nil || w.GetOrder().GetReceiver() != nil {
			t.Errorf("waybill without keys: %v", w)
		}
		if len(w.ProtoReflect().GetUnknown()) != 0 {
			t.Error("the sealed value is carried as an unknown field")
		}
		m, err := tx.Merchants().Get("m1")
		if err != nil {
			return err
		}
		if m.GetQualification().GetCreditCode() != "91350100M000100Y43" || m.GetQualification().GetContact() != nil {
			t.Errorf("merchant without keys: %v", m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := census(t, ro); c[KindWaybills]["A"] != 2 {
		t.Errorf("census without keys: %v", c)
	}
	if _, err := ro.RotatePII(context.Background(), 0); err == nil {
		t.Error("a read-only store rotated")
	}
}

func TestDataDirKeyFile(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	if s.GeneratedKeyFile() != path {
		t.Errorf("GeneratedKeyFile = %q, want %q", s.GeneratedKeyFile(), path)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("generated key file: %v %v", fi, err)
	}
	text, _ := os.ReadFile(path)
	putAll(t, s, 0, 2)
	s.Close()

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.GeneratedKeyFile() != "" {
		t.Error("a second open generated a key again")
	}
	readAll(t, s, 2)
	s.Close()
	if again, _ := os.ReadFile(path); !bytes.Equal(again, text) {
		t.Error("the key file changed")
	}

	// Sealed records and no key file: refused, naming the key; no new key
	// is made.
	os.Rename(path, path+".away")
	id := testRingFromFile(t, path+".away").Active()
	_, err = Open(dir, Options{})
	want := `records are sealed with PII key "` + id + `", but no key was given and ` + path + ` does not exist: give the key file that holds it`
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("open without the key file:\n%v\nwant it to end\n%s", err, want)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a refused open left a key file: %v", err)
	}
}

func testRingFromFile(t *testing.T, path string) *sealing.Keyring {
	t.Helper()
	r, err := sealing.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// countdown is a context that reports itself cancelled after n checks,
// standing in for a rotation killed midway.
type countdown struct {
	context.Context
	n atomic.Int32
}

func (c *countdown) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestRotationCutShortResumes(t *testing.T) {
	dir := t.TempDir()
	s := openWith(t, dir, testRing(t, keyLine("A", 1)))
	putAll(t, s, 0, 20)
	s.Close()

	s = openWith(t, dir, testRing(t, keyLine("B", 2), keyLine("A", 1)))
	ctx := &countdown{Context: context.Background()}
	ctx.n.Store(2) // two batches of 5 commit, then the rotation stops
	report, err := s.RotatePII(ctx, 5)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cut-short rotation: %v", err)
	}
	if len(report.Kinds) != 1 || report.Kinds[0].Resealed != 10 || report.Kinds[0].ByKey["A"] != 10 {
		t.Errorf("report of the cut-short rotation: %+v", report.Kinds)
	}
	if c := census(t, s); c[KindWaybills]["B"] != 10 || c[KindWaybills]["A"] != 10 {
		t.Fatalf("after the cut: %v", c)
	}
	readAll(t, s, 20)
	s.Close()
	// Not finished, so A may still be in use: without it the open fails.
	if _, err := Open(dir, Options{PII: testRing(t, keyLine("B", 2))}); !errors.As(err, new(*MissingKeysError)) {
		t.Fatalf("open without A after a cut-short rotation: %v", err)
	}

	s = openWith(t, dir, testRing(t, keyLine("B", 2), keyLine("A", 1)))
	report, err = s.RotatePII(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if k := report.Kinds[0]; k.Kind != KindWaybills || k.ByKey["A"] != 10 || k.ByKey["B"] != 10 || k.Resealed != 10 {
		t.Errorf("resumed rotation: %+v", k)
	}
	s.Close()
	s = openWith(t, dir, testRing(t, keyLine("B", 2)))
	defer s.Close()
	readAll(t, s, 20)
}

// BenchmarkWaybillEncode measures what sealing adds to the encoding of a
// waybill, the allocation path's one write of personal data.
func BenchmarkWaybillEncode(b *testing.B) {
	w := testWaybill(1)
	key := []byte("m1/w001")
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := marshalOptions.Marshal(w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sealed", func(b *testing.B) {
		keys := testRing(b, keyLine("A", 1))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := waybillPII.Encode(keys, key, w); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWaybillDecode measures what opening adds to reading a waybill
// (a replay, a label).
func BenchmarkWaybillDecode(b *testing.B) {
	w := testWaybill(1)
	key := []byte("m1/w001")
	keys := testRing(b, keyLine("A", 1))
	plain, _ := marshalOptions.Marshal(w)
	sealed, _ := waybillPII.Encode(keys, key, w)
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := proto.Unmarshal(plain, new(ewaybillv1.Waybill)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sealed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := waybillPII.Decode(keys, key, sealed, new(ewaybillv1.Waybill)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
