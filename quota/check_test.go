package quota_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/storage"
)

// The checker recounts from the records, so each kind of damage a bug
// could do is reported, naming what is wrong.
func TestCheckFindsEachBrokenInvariant(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func(tx storage.Tx, merchantID string, w *ewaybillv1.Waybill) error
		want    string
	}{
		{"quota drifts from its ledger", func(tx storage.Tx, m string, _ *ewaybillv1.Waybill) error {
			q, _ := tx.Quotas().Get(m, "ZTO")
			q.Available += 5
			return tx.Quotas().Put(m, "ZTO", q)
		}, "available (sum of its ledger) should be"},
		{"a number held by two live waybills", func(tx storage.Tx, m string, w *ewaybillv1.Waybill) error {
			twin := proto.Clone(w).(*ewaybillv1.Waybill)
			twin.Name = "merchants/" + m + "/waybills/ffffffff-0000-7000-8000-000000000000"
			return tx.Waybills().Put(storage.WaybillRef{MerchantID: m, ID: "ffffffff-0000-7000-8000-000000000000"}, twin)
		}, "is held by more than one live waybill"},
		{"pool counters that do not add up", func(tx storage.Tx, _ string, _ *ewaybillv1.Waybill) error {
			p, _ := tx.Pools().Get("ZTO")
			p.Available--
			return tx.Pools().Put("ZTO", p)
		}, "imported (available + issued + voided + awaiting reuse)"},
		{"an idempotency key without its waybill", func(tx storage.Tx, m string, _ *ewaybillv1.Waybill) error {
			return tx.IdempotencyKeys().Insert(m+"\x00r\x00lost", storage.WaybillRef{MerchantID: m, ID: "missing"})
		}, "points at missing waybill"},
		{"a number issued beyond its range's high-water mark", func(tx storage.Tx, _ string, _ *ewaybillv1.Waybill) error {
			r, _ := tx.NumberRanges().Get("ZTO", 1)
			r.NextSerial = 1
			return tx.NumberRanges().Put("ZTO", r)
		}, "beyond the issued part"},
		{"a number its segment has yet to issue", func(tx storage.Tx, _ string, _ *ewaybillv1.Waybill) error {
			seg, _ := tx.NumberSegments().Get("ZTO", 1)
			seg.NextSerial = 1
			return tx.NumberSegments().Put("ZTO", seg)
		}, "has yet to issue"},
		{"a segment reaching past its range", func(tx storage.Tx, _ string, _ *ewaybillv1.Waybill) error {
			seg, _ := tx.NumberSegments().Get("ZTO", 1)
			seg.LastSerial = 150
			return tx.NumberSegments().Put("ZTO", seg)
		}, "lies in no imported range"},
		{"a segment above the high-water mark", func(tx storage.Tx, _ string, _ *ewaybillv1.Waybill) error {
			r, _ := tx.NumberRanges().Get("ZTO", 1)
			r.NextSerial = 50
			return tx.NumberRanges().Put("ZTO", r)
		}, "above the high-water mark"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 100, 10)
			ctx := context.Background()
			w, _, err := e.svc.Allocate(ctx, e.p, "", e.request(1))
			if err != nil {
				t.Fatal(err)
			}
			e.check(t)
			err = e.store.Update(ctx, func(tx storage.Tx) error { return tc.corrupt(tx, e.p.MerchantID, w) })
			if err != nil {
				t.Fatal(err)
			}
			r, err := quota.Check(ctx, e.store)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), tc.want) {
				t.Errorf("problems %q; want one containing %q", r.Problems, tc.want)
			}
		})
	}
}

func TestCheckCountsRecords(t *testing.T) {
	e := newEngine(t, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 100, 10)
	ctx := context.Background()
	for i := range 3 {
		if _, _, err := e.svc.Allocate(ctx, e.p, "", e.request(i)); err != nil {
			t.Fatal(err)
		}
	}
	r := e.check(t)
	// Ledger: the starter grant and three allocations.
	if r.Carriers != 1 || r.Ranges != 1 || r.Waybills != 3 || r.Quotas != 1 || r.LedgerEntries != 4 || r.IdempotencyKeys != 3 {
		t.Errorf("report %+v", r)
	}
}
