package quota_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/carriers"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

var adminP = access.Principal{Key: "apiKeys/admin", Role: ewaybillv1.Role_ROLE_ADMIN}

// engine is the allocation engine on a fresh store with one approved
// merchant authorized for one carrier and a pool of serials 1..poolSize.
type engine struct {
	store    *boltstore.Store
	svc      *quota.Service
	merchant string // "merchants/{id}"
	carrier  string // "carriers/{code}"
	p        access.Principal
}

func newEngine(tb testing.TB, policy ewaybillv1.RecyclePolicy, poolSize, starter int64) *engine {
	tb.Helper()
	ctx := context.Background()
	store, err := boltstore.Open(tb.TempDir(), boltstore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	now := time.Now
	svc := quota.New(store, now)
	svc.StarterGrant = starter
	ms := &merchants.Service{Store: store, Now: now}
	cs := &carriers.Service{Store: store, Now: now, Activated: svc.GrantStarter}
	m, err := ms.Create(ctx, adminP, &ewaybillv1.Qualification{
		LegalName: "测试商贸有限公司", Type: ewaybillv1.MerchantType_MERCHANT_TYPE_ENTERPRISE, CreditCode: "91350100M000100Y43",
		LegalRepresentative: &ewaybillv1.Person{Name: "张三"},
		Contact:             &ewaybillv1.Contact{Name: "李四", Mobile: "13800138000"}, LicenceDocumentRef: "doc://licence/1",
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := ms.Approve(ctx, adminP, m.GetName(), ""); err != nil {
		tb.Fatal(err)
	}
	c, err := cs.Create(ctx, adminP, &ewaybillv1.Carrier{Code: "ZTO", DisplayName: "中通快递", Kind: ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE,
		RecyclePolicy: policy, NumberFormat: &ewaybillv1.NumberFormat{SerialLength: 13, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD10}})
	if err != nil {
		tb.Fatal(err)
	}
	a, err := cs.CreateAuthorization(ctx, adminP, m.GetName(), &ewaybillv1.CarrierAuthorization{Carrier: c.GetName(), BranchCode: "SZ001", BranchName: "深圳南山网点"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := cs.ApproveAuthorization(ctx, adminP, a.GetName(), ""); err != nil {
		tb.Fatal(err)
	}
	if _, _, err := svc.ImportRange(ctx, adminP, c.GetName(), 1, poolSize); err != nil {
		tb.Fatal(err)
	}
	id := m.GetName()[len("merchants/"):]
	return &engine{store: store, svc: svc, merchant: m.GetName(), carrier: c.GetName(),
		p: access.Principal{Key: "apiKeys/erp", Role: ewaybillv1.Role_ROLE_MERCHANT, MerchantID: id}}
}

// order is a valid canonical order for order code and package id.
func order(code, pkg string) *ewaybillv1.Order {
	return &ewaybillv1.Order{
		OrderCode: code, PackageId: pkg,
		Sender:   &ewaybillv1.Party{Name: "王五", Mobile: "13912345678", Province: "浙江省", City: "杭州市", District: "余杭区", Address: "文一西路 969 号"},
		Receiver: &ewaybillv1.Party{Name: "赵六", Mobile: "13800138000", Province: "广东省", City: "深圳市", District: "南山区", Address: "科技园南路 1 号 3 栋 502"},
		Parcel:   &ewaybillv1.Parcel{WeightGrams: 1200},
		Items:    []*ewaybillv1.Item{{Name: "T恤", Quantity: 2}},
	}
}

func (e *engine) request(i int) quota.Request {
	return quota.Request{Carrier: e.carrier, Order: order(fmt.Sprintf("O%06d", i), "1")}
}

func (e *engine) check(tb testing.TB) *quota.Report {
	tb.Helper()
	r, err := quota.Check(context.Background(), e.store)
	if err != nil {
		tb.Fatal(err)
	}
	if !r.OK() {
		tb.Fatalf("check found %d problems:\n%v", len(r.Problems), r.Problems)
	}
	return r
}
