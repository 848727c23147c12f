package audit_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

var adminKey = access.Principal{Key: "apiKeys/a", Role: ewaybillv1.Role_ROLE_ADMIN}

// TestListFiltered: the merchant filter finds a merchant's own events and
// those naming it among others; the action prefix narrows by action; the
// two combine.
func TestListFiltered(t *testing.T) {
	store, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	events := []*ewaybillv1.AuditEvent{
		{Action: "quota.top_up", Merchant: "merchants/m1", Resources: []string{"merchants/m1/quotas/SF"}},
		{Action: "quota.deduct", Merchant: "merchants/m2", Resources: []string{"merchants/m2/quotas/SF"}},
		{Action: "merchant.read_unmasked", Resources: []string{"merchants/m1", "merchants/m2"}},
		{Action: "carrier.update", Resources: []string{"carriers/SF"}},
		// A merchant whose id extends m1's is not m1.
		{Action: "quota_report.export", Merchant: "merchants/m10", Resources: []string{"merchants/m10/quotas/SF"}},
	}
	err = store.Update(context.Background(), func(tx storage.Tx) error {
		for _, e := range events {
			if err := audit.Record(tx, adminKey, e, timestamppb.Now()); err != nil {
				return err
			}
			time.Sleep(time.Millisecond) // ids order by time
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &audit.Service{Store: store}
	cases := []struct {
		filter audit.Filter
		want   []string // actions, newest first
	}{
		{audit.Filter{}, []string{"quota_report.export", "carrier.update", "merchant.read_unmasked", "quota.deduct", "quota.top_up"}},
		{audit.Filter{Merchant: "merchants/m1"}, []string{"merchant.read_unmasked", "quota.top_up"}},
		{audit.Filter{Merchant: "merchants/m2"}, []string{"merchant.read_unmasked", "quota.deduct"}},
		{audit.Filter{ActionPrefix: "quota."}, []string{"quota.deduct", "quota.top_up"}},
		{audit.Filter{Merchant: "merchants/m2", ActionPrefix: "quota."}, []string{"quota.deduct"}},
		{audit.Filter{ActionPrefix: "pool."}, nil},
	}
	for _, c := range cases {
		list, next, err := s.ListFiltered(context.Background(), adminKey, c.filter, 0, "")
		if err != nil || next != "" {
			t.Fatalf("%+v: %v, next %q", c.filter, err, next)
		}
		var got []string
		for _, e := range list {
			got = append(got, e.GetAction())
			if e.GetActor() != adminKey.Key || e.GetTime() == nil {
				t.Errorf("%s: actor %q, time %v", e.GetAction(), e.GetActor(), e.GetTime())
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.filter, got, c.want)
		}
	}

	_, _, err = s.ListFiltered(context.Background(), adminKey, audit.Filter{Merchant: "carriers/SF"}, 0, "")
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.KindInvalid {
		t.Errorf("a filter that is not a merchant: %v", err)
	}
	merchantKey := access.Principal{Key: "apiKeys/m", Role: ewaybillv1.Role_ROLE_MERCHANT, MerchantID: "m1"}
	_, _, err = s.List(context.Background(), merchantKey, "merchants/m1", 0, "")
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.KindPermissionDenied {
		t.Errorf("a merchant lists its own events: %v", err)
	}
}

// TestRecordRollsBackWithTheAct: an event recorded in a transaction that
// then fails is gone with the act.
func TestRecordRollsBackWithTheAct(t *testing.T) {
	store, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	failed := errors.New("the act failed after recording")
	err = store.Update(context.Background(), func(tx storage.Tx) error {
		if err := audit.Record(tx, adminKey, &ewaybillv1.AuditEvent{Action: "quota.top_up"}, timestamppb.Now()); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("update: %v", err)
	}
	list, _, err := (&audit.Service{Store: store}).List(context.Background(), adminKey, "", 0, "")
	if err != nil || len(list) != 0 {
		t.Fatalf("log after a failed act: %v, %v", list, err)
	}
}
