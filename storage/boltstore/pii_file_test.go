package boltstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/carriers"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/mapping"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// Personal data that must never reach the database file in clear. Each is
// distinctive enough not to turn up by chance.
const (
	receiverName    = "司马相如"
	receiverMobile  = "13987654321"
	receiverAddress = "科技园南路 88 号 7 栋 1203"
	senderName      = "诸葛孔明"
	senderLandline  = "0710-86013388"
	senderAddress   = "隆中路 1 号"
	profileMobile   = "13566667777"
	rawBuyerName    = "王小明明"
	contactMobile   = "13744445555"
	legalRepID      = "11010519491231002X"
)

// TestDatabaseFileHoldsNoPersonalDataInClear allocates waybills through the
// allocation engine (single, batch and from a raw order with a mapping
// profile), prints and cancels some, closes the store and reads the
// database file byte by byte: no name, phone number or address of a
// sender, receiver, merchant contact or profile is in it, while the store
// gives every one of them back.
func TestDatabaseFileHoldsNoPersonalDataInClear(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if store.GeneratedKeyFile() == "" {
		t.Fatal("a fresh data dir got no key file")
	}
	now := time.Now
	svc, merchant, carrier, merchantName := seedEngine(t, store)
	var issued []*ewaybillv1.Waybill
	single, _, err := svc.Allocate(ctx, merchant, "", quota.Request{Carrier: carrier, Order: testOrder(0)})
	if err != nil {
		t.Fatal(err)
	}
	issued = append(issued, single)
	var batch []quota.Request
	for i := 1; i <= 50; i++ {
		batch = append(batch, quota.Request{Carrier: carrier, Order: testOrder(i)})
	}
	results, err := svc.BatchAllocate(ctx, merchant, "", batch)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		issued = append(issued, r.Waybill)
	}

	fixed := func(s string) *string { return &s }
	profile, err := (&mapping.Service{Store: store, Now: now}).Create(ctx, merchant, "", &ewaybillv1.MappingProfile{
		DisplayName: "shop ERP", Fields: []*ewaybillv1.FieldMapping{
			{Target: "order_code", Sources: []string{"tid"}},
			{Target: "receiver.name", Sources: []string{"buyer.name"}},
			{Target: "receiver.mobile", Sources: []string{"buyer.mobile"}},
			{Target: "receiver.province", Sources: []string{"buyer.prov"}},
			{Target: "receiver.city", Sources: []string{"buyer.city"}},
			{Target: "receiver.address", Sources: []string{"buyer.street"}},
			{Target: "sender.name", FixedValue: fixed(senderName)},
			{Target: "sender.mobile", FixedValue: fixed(profileMobile)},
			{Target: "sender.province", FixedValue: fixed("湖北省")},
			{Target: "sender.city", FixedValue: fixed("襄阳市")},
			{Target: "sender.address", FixedValue: fixed(senderAddress)},
			{Target: "parcel.weight_grams", FixedValue: fixed("500")},
			{Target: "items[].name", Sources: []string{"lines[].title"}},
			{Target: "items[].quantity", DefaultValue: fixed("1"), Sources: []string{"lines[].qty"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := structpb.NewStruct(map[string]any{
		"tid":   "PII-RAW-1",
		"buyer": map[string]any{"name": rawBuyerName, "mobile": receiverMobile, "prov": "广东省", "city": "深圳市", "street": receiverAddress},
		"lines": []any{map[string]any{"title": "茶叶", "qty": 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fromRaw, _, err := svc.Allocate(ctx, merchant, "", quota.Request{Carrier: carrier, RawOrder: raw, MappingProfile: profile.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	issued = append(issued, fromRaw)
	// Later writes of a waybill seal it again.
	printed, err := svc.MarkPrinted(ctx, merchant, issued[1].GetName())
	if err != nil {
		t.Fatal(err)
	}
	issued[1] = printed
	cancelled, _, err := svc.Cancel(ctx, merchant, issued[2].GetName(), "buyer cancelled")
	if err != nil {
		t.Fatal(err)
	}
	issued[2] = cancelled
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	file, err := os.ReadFile(filepath.Join(dir, boltstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{receiverName, receiverMobile, receiverAddress, "科技园南路", senderName, senderLandline, "86013388",
		senderAddress, profileMobile, rawBuyerName, contactMobile, legalRepID, "欧阳娜娜"} {
		if i := bytes.Index(file, []byte(secret)); i >= 0 {
			t.Errorf("the database file holds %q in clear at byte %d", secret, i)
		}
	}
	// The scan finds what is stored in clear: the search itself works.
	for _, clear := range []string{issued[0].GetNumber(), "PII-0050", "PII-RAW-1", "91350100M000100Y43", "buyer cancelled"} {
		if !bytes.Contains(file, []byte(clear)) {
			t.Errorf("the database file lacks %q, which is stored in clear", clear)
		}
	}

	// Reopened with the data dir's key, the store gives everything back.
	store, err = boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, w := range issued {
		got, err := svc2(store).GetWaybill(ctx, merchant, w.GetName())
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, w) {
			t.Errorf("waybill %s reads back as\n%v\nwant\n%v", w.GetNumber(), got, w)
		}
	}
	if r := fromRaw.GetOrder(); r.GetReceiver().GetName() != rawBuyerName || r.GetSender().GetMobile() != profileMobile {
		t.Errorf("the raw order mapped to %v", r)
	}
	err = store.View(ctx, func(tx storage.Tx) error {
		got, err := tx.Merchants().Get(merchant.MerchantID)
		if err != nil {
			return err
		}
		if q := got.GetQualification(); q.GetContact().GetMobile() != contactMobile || q.GetLegalRepresentative().GetIdNumber() != legalRepID {
			t.Errorf("merchant reads back as %v", got)
		}
		p, err := tx.MappingProfiles().Get(merchant.MerchantID, profile.GetName()[len(merchantName+"/mappingProfiles/"):])
		if err != nil {
			return err
		}
		if !proto.Equal(p, profile) {
			t.Errorf("profile reads back as %v", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func svc2(store storage.Store) *quota.Service { return quota.New(store, time.Now) }

func testOrder(i int) *ewaybillv1.Order {
	return &ewaybillv1.Order{
		OrderCode: fmt.Sprintf("PII-%04d", i), PackageId: "1",
		Sender:   &ewaybillv1.Party{Name: senderName, Landline: senderLandline, Province: "湖北省", City: "襄阳市", Address: senderAddress},
		Receiver: &ewaybillv1.Party{Name: receiverName, Mobile: receiverMobile, Province: "广东省", City: "深圳市", District: "南山区", Address: receiverAddress},
		Parcel:   &ewaybillv1.Parcel{WeightGrams: 1200},
		Items:    []*ewaybillv1.Item{{Name: "T恤", Quantity: 2}},
	}
}

// seedEngine sets up, on store, the allocation engine with an approved
// merchant (with a legal representative and contact person) authorized
// for one carrier with 1000 numbers.
func seedEngine(t *testing.T, store storage.Store) (svc *quota.Service, merchant access.Principal, carrier, merchantName string) {
	t.Helper()
	ctx := context.Background()
	admin := access.Principal{Key: "apiKeys/admin", Role: ewaybillv1.Role_ROLE_ADMIN}
	svc = quota.New(store, time.Now)
	ms := &merchants.Service{Store: store, Now: time.Now}
	cs := &carriers.Service{Store: store, Now: time.Now, Activated: svc.GrantStarter}
	m, err := ms.Create(ctx, admin, &ewaybillv1.Qualification{
		LegalName: "测试商贸有限公司", Type: ewaybillv1.MerchantType_MERCHANT_TYPE_ENTERPRISE, CreditCode: "91350100M000100Y43",
		LegalRepresentative: &ewaybillv1.Person{Name: "欧阳娜娜", IdNumber: legalRepID},
		Contact:             &ewaybillv1.Contact{Name: "欧阳娜娜", Mobile: contactMobile}, LicenceDocumentRef: "doc://licence/1",
	})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t, func() error { _, err := ms.Approve(ctx, admin, m.GetName(), ""); return err })
	c, err := cs.Create(ctx, admin, &ewaybillv1.Carrier{Code: "ZTO", DisplayName: "中通快递", Kind: ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE,
		NumberFormat: &ewaybillv1.NumberFormat{SerialLength: 13, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD10}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := cs.CreateAuthorization(ctx, admin, m.GetName(), &ewaybillv1.CarrierAuthorization{Carrier: c.GetName(), BranchCode: "SZ001", BranchName: "深圳南山网点"})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t, func() error { _, err := cs.ApproveAuthorization(ctx, admin, a.GetName(), ""); return err })
	mustDo(t, func() error { _, _, err := svc.ImportRange(ctx, admin, c.GetName(), 1, 1000); return err })
	merchant = access.Principal{Key: "apiKeys/erp", Role: ewaybillv1.Role_ROLE_MERCHANT, MerchantID: m.GetName()[len("merchants/"):]}
	return svc, merchant, c.GetName(), m.GetName()
}

func mustDo(t *testing.T, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

// The offline checks need no key: a read-only store opened without one,
// as ewaybill check, backup and restore open it, checks every invariant
// of sealed records and reads them with their personal fields empty.
func TestCheckRunsWithoutKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, merchant, carrier, _ := seedEngine(t, store)
	var names []string
	for i := range 5 {
		w, _, err := svc.Allocate(ctx, merchant, "", quota.Request{Carrier: carrier, Order: testOrder(i)})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, w.GetName())
	}
	mustDo(t, func() error { _, _, err := svc.Cancel(ctx, merchant, names[0], "changed mind"); return err })
	store.Close()
	if err := os.Remove(filepath.Join(dir, boltstore.KeyFileName)); err != nil {
		t.Fatal(err)
	}

	ro, err := boltstore.Open(dir, boltstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	report, err := quota.Check(ctx, ro)
	if err != nil || !report.OK() || report.Waybills != 5 {
		t.Fatalf("check without keys: %+v %v", report, err)
	}
	w, err := svc2(ro).GetWaybill(ctx, merchant, names[1])
	if err != nil {
		t.Fatal(err)
	}
	if w.GetOrder().GetOrderCode() != "PII-0001" || w.GetOrder().GetSender() != nil || w.GetOrder().GetReceiver() != nil {
		t.Errorf("waybill read without keys: %v", w)
	}
}
