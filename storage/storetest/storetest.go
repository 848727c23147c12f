// Package storetest is the conformance test of storage.Store: every
// backend's tests run it, so each table behaves the same on each. Where
// the interface's comments leave a behaviour open, boltstore's is the one
// tested here.
package storetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage"
)

// Backend opens stores of one kind for the tests.
type Backend struct {
	// Open returns a new, empty store sealing personal data with keys,
	// closed when the test ends (closing it earlier too must be safe).
	Open func(t *testing.T, keys *sealing.Keyring) storage.Store
	// Raw returns every byte the store keeps of s's records, as stored
	// (the file, or every column of every table), for the check that no
	// personal data is in clear.
	Raw func(t *testing.T, s storage.Store) []byte
}

// Keys returns a key ring of one key, id "A", for the tests.
func Keys(t testing.TB) *sealing.Keyring {
	t.Helper()
	line := "A:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, sealing.KeySize))
	r, err := sealing.Parse([]byte(line), "storetest keys", "line")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Run runs the conformance tests against b.
func Run(t *testing.T, b Backend) {
	c := &conformance{b: b}
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"MissingRecordsAreNotFound", c.missingRecordsAreNotFound},
		{"MerchantsPagesAndCreditCodeIndex", c.merchantsPagesAndCreditCodeIndex},
		{"ListsInKeyOrderAndPages", c.listsInKeyOrderAndPages},
		{"ScopedListsIgnoreOtherScopesCursors", c.scopedListsIgnoreOtherScopesCursors},
		{"APIKeys", c.apiKeys},
		{"NumberRangesInSerialOrder", c.numberRangesInSerialOrder},
		{"NumberSegments", c.numberSegments},
		{"NegativeBalanceRefused", c.negativeBalanceRefused},
		{"ReuseQueueInReadyOrder", c.reuseQueueInReadyOrder},
		{"LedgerAppendOnlyAtTheEnd", c.ledgerAppendOnlyAtTheEnd},
		{"SmallTables", c.smallTables},
		{"WaybillsAndNumberHolders", c.waybillsAndNumberHolders},
		{"IdempotencyKeys", c.idempotencyKeys},
		{"MappingProfilesDelete", c.mappingProfilesDelete},
		{"NewestFirstLists", c.newestFirstLists},
		{"UpdateRollsBackOnError", c.updateRollsBackOnError},
		{"BatchLosesNoUpdate", c.batchLosesNoUpdate},
		{"BatchIsolatesFailingCalls", c.batchIsolatesFailingCalls},
		{"PreparedWaybills", c.preparedWaybills},
		{"PersonalDataNotInClear", c.personalDataNotInClear},
		{"ClosedStoreRefuses", c.closedStoreRefuses},
	} {
		t.Run(tc.name, tc.fn)
	}
}

type conformance struct{ b Backend }

func (c *conformance) open(t *testing.T) storage.Store { return c.b.Open(t, Keys(t)) }

func update(t *testing.T, s storage.Store, fn func(storage.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, s storage.Store, fn func(storage.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// pageAll lists everything through pages of size, returning what each
// value's name is and how many pages it took.
func pageAll[T any](t *testing.T, s storage.Store, size int, keep func(T) bool, name func(T) string,
	list func(tx storage.Tx, p storage.Page[T]) ([]T, string, error)) ([]string, int) {
	t.Helper()
	var got []string
	after, pages := "", 0
	for {
		var items []T
		view(t, s, func(tx storage.Tx) (err error) {
			items, after, err = list(tx, storage.Page[T]{After: after, Limit: size, Keep: keep})
			return err
		})
		pages++
		for _, it := range items {
			got = append(got, name(it))
		}
		if after == "" {
			return got, pages
		}
		if len(items) == 0 {
			t.Fatalf("an empty page with a cursor %q", after)
		}
		if pages > 100 {
			t.Fatal("listing does not end")
		}
	}
}

func wantNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func (c *conformance) missingRecordsAreNotFound(t *testing.T) {
	s := c.open(t)
	ref := storage.WaybillRef{MerchantID: "m1", ID: "w1"}
	view(t, s, func(tx storage.Tx) error {
		for name, err := range map[string]error{
			"Merchants.Get":             second(tx.Merchants().Get("m1")),
			"Merchants.IDByCreditCode":  second(tx.Merchants().IDByCreditCode("C")),
			"Carriers.Get":              second(tx.Carriers().Get("SF")),
			"CarrierAuthorizations.Get": second(tx.CarrierAuthorizations().Get("m1", "a1")),
			"APIKeys.Get":               second(tx.APIKeys().Get("k1")),
			"APIKeys.IDBySecretHash":    second(tx.APIKeys().IDBySecretHash([]byte{1, 2})),
			"Pools.Get":                 second(tx.Pools().Get("SF")),
			"NumberRanges.Get":          second(tx.NumberRanges().Get("SF", 1)),
			"NumberRanges.Floor":        second(tx.NumberRanges().Floor("SF", 100)),
			"NumberSegments.Get":        second(tx.NumberSegments().Get("SF", 1)),
			"ReuseQueue.First":          second(tx.ReuseQueue().First("SF")),
			"Quotas.Get":                second(tx.Quotas().Get("m1", "SF")),
			"Ledger.Get":                second(tx.Ledger().Get("m1", "SF", 1)),
			"QuotaRequests.Get":         second(tx.QuotaRequests().Get("m1", "SF", "r1")),
			"CancelGuards.Get":          second(tx.CancelGuards().Get("m1")),
			"RateLimits.Default":        second(tx.RateLimits().Default()),
			"RateLimits.Get":            second(tx.RateLimits().Get("m1")),
			"Waybills.Get":              second(tx.Waybills().Get(ref)),
			"Waybills.Holder":           second(tx.Waybills().Holder("SF", "SF1")),
			"IdempotencyKeys.Get":       second(tx.IdempotencyKeys().Get("k")),
			"MappingProfiles.Get":       second(tx.MappingProfiles().Get("m1", "p1")),
			"RoutingTables.Get":         second(tx.RoutingTables().Get("SF")),
			"LabelTemplates.Get":        second(tx.LabelTemplates().Get("m1")),
			"PrintJobs.Get":             second(tx.PrintJobs().Get("m1", "j1")),
			"PrintJobs.ByRequest":       second(tx.PrintJobs().ByRequest("m1", "r1")),
		} {
			if !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("%s of a missing record: %v, want ErrNotFound", name, err)
			}
		}
		holders, err := tx.Waybills().Holders("SF1")
		if err != nil || len(holders) != 0 {
			t.Errorf("Holders of a number never issued: %v, %v", holders, err)
		}
		if empty, err := tx.APIKeys().Empty(); !empty || err != nil {
			t.Errorf("APIKeys.Empty of a new store: %v, %v", empty, err)
		}
		if rev, err := tx.RoutingTables().Revision("SF"); rev != 0 || err != nil {
			t.Errorf("revision of a table never stored: %d, %v", rev, err)
		}
		return nil
	})
}

func second[T any](_ T, err error) error { return err }

func (c *conformance) merchantsPagesAndCreditCodeIndex(t *testing.T) {
	s := c.open(t)
	update(t, s, func(tx storage.Tx) error {
		for _, id := range []string{"e", "b", "d", "a", "c"} {
			m := &ewaybillv1.Merchant{Name: "merchants/" + id, State: ewaybillv1.MerchantState(1 + (int(id[0])-'a')%2),
				Qualification: &ewaybillv1.Qualification{CreditCode: "CODE-" + id}}
			if err := tx.Merchants().Put(id, m); err != nil {
				return err
			}
		}
		// Changing a credit code moves its index entry.
		m, err := tx.Merchants().Get("e")
		if err != nil {
			return err
		}
		m.Qualification.CreditCode = "CODE-E2"
		return tx.Merchants().Put("e", m)
	})
	pending := func(m *ewaybillv1.Merchant) bool { return m.GetState() == 1 }
	got, pages := pageAll(t, s, 2, pending, (*ewaybillv1.Merchant).GetName,
		func(tx storage.Tx, p storage.Page[*ewaybillv1.Merchant]) ([]*ewaybillv1.Merchant, string, error) {
			return tx.Merchants().List(p)
		})
	// a, c, e are pending: two pages, the last one not empty.
	wantNames(t, "pending merchants", got, "merchants/a", "merchants/c", "merchants/e")
	if pages != 2 {
		t.Errorf("%d pages, want 2", pages)
	}
	view(t, s, func(tx storage.Tx) error {
		if _, err := tx.Merchants().IDByCreditCode("CODE-e"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("old credit code still indexed: %v", err)
		}
		if id, err := tx.Merchants().IDByCreditCode("CODE-E2"); id != "e" || err != nil {
			t.Errorf("new credit code maps to %q (%v)", id, err)
		}
		if id, err := tx.Merchants().IDByCreditCode("CODE-b"); id != "b" || err != nil {
			t.Errorf("CODE-b maps to %q (%v)", id, err)
		}
		return nil
	})
}

func (c *conformance) listsInKeyOrderAndPages(t *testing.T) {
	s := c.open(t)
	codes := []string{"ZTO", "SF", "EMS", "YTO", "JD", "STO", "S1"}
	update(t, s, func(tx storage.Tx) error {
		for _, code := range codes {
			if err := tx.Carriers().Put(code, &ewaybillv1.Carrier{Code: code}); err != nil {
				return err
			}
			if err := tx.Pools().Put(code, &ewaybillv1.Pool{Name: "carriers/" + code + "/pool"}); err != nil {
				return err
			}
		}
		return nil
	})
	sorted := slices.Clone(codes)
	slices.Sort(sorted)
	for _, size := range []int{1, 3, 7, 50} {
		got, pages := pageAll(t, s, size, nil, (*ewaybillv1.Carrier).GetCode,
			func(tx storage.Tx, p storage.Page[*ewaybillv1.Carrier]) ([]*ewaybillv1.Carrier, string, error) {
				return tx.Carriers().List(p)
			})
		wantNames(t, "carriers by "+strconv.Itoa(size), got, sorted...)
		if want := (len(codes) + size - 1) / size; pages != want {
			t.Errorf("carriers by %d: %d pages, want %d", size, pages, want)
		}
	}
	got, _ := pageAll(t, s, 2, func(p *ewaybillv1.Pool) bool { return strings.Contains(p.GetName(), "/S") },
		(*ewaybillv1.Pool).GetName, func(tx storage.Tx, p storage.Page[*ewaybillv1.Pool]) ([]*ewaybillv1.Pool, string, error) {
			return tx.Pools().List(p)
		})
	wantNames(t, "pools kept", got, "carriers/S1/pool", "carriers/SF/pool", "carriers/STO/pool")
	// A limit of zero returns nothing and no cursor.
	view(t, s, func(tx storage.Tx) error {
		list, next, err := tx.Carriers().List(storage.Page[*ewaybillv1.Carrier]{Limit: 0})
		if len(list) != 0 || next != "" || err != nil {
			t.Errorf("limit 0: %v, %q, %v", list, next, err)
		}
		return nil
	})
}

func (c *conformance) scopedListsIgnoreOtherScopesCursors(t *testing.T) {
	s := c.open(t)
	update(t, s, func(tx storage.Tx) error {
		for _, m := range []string{"m2", "m1", "m3"} {
			for _, id := range []string{"a2", "a1", "a3"} {
				a := &ewaybillv1.CarrierAuthorization{Name: "merchants/" + m + "/carrierAuthorizations/" + id}
				if err := tx.CarrierAuthorizations().Put(m, id, a); err != nil {
					return err
				}
			}
			for _, car := range []string{"ZTO", "SF"} {
				if err := tx.Quotas().Put(m, car, &ewaybillv1.Quota{Name: "merchants/" + m + "/quotas/" + car}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	name := (*ewaybillv1.CarrierAuthorization).GetName
	listOf := func(m string) func(tx storage.Tx, p storage.Page[*ewaybillv1.CarrierAuthorization]) ([]*ewaybillv1.CarrierAuthorization, string, error) {
		return func(tx storage.Tx, p storage.Page[*ewaybillv1.CarrierAuthorization]) ([]*ewaybillv1.CarrierAuthorization, string, error) {
			return tx.CarrierAuthorizations().List(m, p)
		}
	}
	got, _ := pageAll(t, s, 2, nil, name, listOf("m2"))
	wantNames(t, "m2's authorizations", got, "merchants/m2/carrierAuthorizations/a1", "merchants/m2/carrierAuthorizations/a2", "merchants/m2/carrierAuthorizations/a3")
	got, pages := pageAll(t, s, 4, nil, name, listOf(""))
	if len(got) != 9 || got[0] != "merchants/m1/carrierAuthorizations/a1" || got[8] != "merchants/m3/carrierAuthorizations/a3" || pages != 3 {
		t.Errorf("every merchant's authorizations: %v in %d pages", got, pages)
	}
	// A cursor from m1's listing, given to m3's, starts m3's from its
	// beginning rather than leaking or skipping.
	view(t, s, func(tx storage.Tx) error {
		_, next, err := tx.CarrierAuthorizations().List("m1", storage.Page[*ewaybillv1.CarrierAuthorization]{Limit: 1})
		if err != nil || next == "" {
			t.Fatalf("m1's first page: cursor %q, %v", next, err)
		}
		list, _, err := tx.CarrierAuthorizations().List("m3", storage.Page[*ewaybillv1.CarrierAuthorization]{After: next, Limit: 10})
		if err != nil || len(list) != 3 || list[0].GetName() != "merchants/m3/carrierAuthorizations/a1" {
			t.Errorf("m3's listing after m1's cursor: %v, %v", list, err)
		}
		qs, _, err := tx.Quotas().List("", storage.Page[*ewaybillv1.Quota]{Limit: 10})
		var names []string
		for _, q := range qs {
			names = append(names, q.GetName())
		}
		wantNames(t, "every quota", names, "merchants/m1/quotas/SF", "merchants/m1/quotas/ZTO", "merchants/m2/quotas/SF",
			"merchants/m2/quotas/ZTO", "merchants/m3/quotas/SF", "merchants/m3/quotas/ZTO")
		qs, _, err2 := tx.Quotas().List("m2", storage.Page[*ewaybillv1.Quota]{Limit: 10})
		if len(qs) != 2 || qs[0].GetName() != "merchants/m2/quotas/SF" || err != nil || err2 != nil {
			t.Errorf("m2's quotas: %v, %v, %v", qs, err, err2)
		}
		return nil
	})
}

func (c *conformance) apiKeys(t *testing.T) {
	s := c.open(t)
	update(t, s, func(tx storage.Tx) error {
		keys := tx.APIKeys()
		if err := keys.Put("k1", &ewaybillv1.ApiKey{Name: "apiKeys/k1"}); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Put of a key never inserted: %v, want ErrNotFound", err)
		}
		if err := keys.Insert("k1", &ewaybillv1.ApiKey{Name: "apiKeys/k1"}, []byte("hash-1")); err != nil {
			return err
		}
		if err := keys.Insert("k2", &ewaybillv1.ApiKey{Name: "apiKeys/k2"}, []byte("hash-1")); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("a second key with the same hash: %v, want ErrDuplicate", err)
		}
		// The transaction goes on after a refusal.
		if err := keys.Insert("k3", &ewaybillv1.ApiKey{Name: "apiKeys/k3"}, []byte("hash-3")); err != nil {
			return err
		}
		return keys.Put("k1", &ewaybillv1.ApiKey{Name: "apiKeys/k1", DisplayName: "renamed"})
	})
	view(t, s, func(tx storage.Tx) error {
		if id, err := tx.APIKeys().IDBySecretHash([]byte("hash-1")); id != "k1" || err != nil {
			t.Errorf("hash-1 → %q, %v", id, err)
		}
		if _, err := tx.APIKeys().Get("k2"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("the refused key was stored: %v", err)
		}
		if k, err := tx.APIKeys().Get("k1"); k.GetDisplayName() != "renamed" || err != nil {
			t.Errorf("k1 after Put: %v, %v", k, err)
		}
		if empty, err := tx.APIKeys().Empty(); empty || err != nil {
			t.Errorf("Empty with keys: %v, %v", empty, err)
		}
		return nil
	})
}

func (c *conformance) numberRangesInSerialOrder(t *testing.T) {
	s := c.open(t)
	// Serials order as numbers (9 < 10 < 100), not as text.
	firsts := []int64{100, 9, 10, 1000000000000}
	update(t, s, func(tx storage.Tx) error {
		for _, f := range firsts {
			if err := tx.NumberRanges().Put("SF", &ewaybillv1.NumberRange{Name: fmt.Sprint(f), FirstSerial: f, LastSerial: f}); err != nil {
				return err
			}
		}
		return tx.NumberRanges().Put("SFX", &ewaybillv1.NumberRange{Name: "x", FirstSerial: 50})
	})
	got, _ := pageAll(t, s, 3, nil, (*ewaybillv1.NumberRange).GetName,
		func(tx storage.Tx, p storage.Page[*ewaybillv1.NumberRange]) ([]*ewaybillv1.NumberRange, string, error) {
			return tx.NumberRanges().List("SF", p)
		})
	wantNames(t, "SF's ranges", got, "9", "10", "100", "1000000000000")
	view(t, s, func(tx storage.Tx) error {
		for serial, want := range map[int64]string{9: "9", 10: "10", 55: "10", 99: "10", 100: "100", 1 << 50: "1000000000000"} {
			r, err := tx.NumberRanges().Floor("SF", serial)
			if err != nil || r.GetName() != want {
				t.Errorf("Floor(SF, %d) = %v, %v; want %s", serial, r, err, want)
			}
		}
		if _, err := tx.NumberRanges().Floor("SF", 8); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Floor below every range: %v", err)
		}
		if r, err := tx.NumberRanges().Get("SF", 10); err != nil || r.GetName() != "10" {
			t.Errorf("Get(SF, 10) = %v, %v", r, err)
		}
		return nil
	})
}

func (c *conformance) numberSegments(t *testing.T) {
	s := c.open(t)
	update(t, s, func(tx storage.Tx) error {
		for _, f := range []int64{2001, 1, 1001, 10001} {
			seg := &ewaybillv1.NumberSegment{Carrier: "SF", FirstSerial: f, LastSerial: f + 999, NextSerial: f, Node: fmt.Sprint("n", f)}
			if err := tx.NumberSegments().Put("SF", seg); err != nil {
				return err
			}
		}
		return tx.NumberSegments().Put("SFX", &ewaybillv1.NumberSegment{Carrier: "SFX", FirstSerial: 5, Node: "x"})
	})
	update(t, s, func(tx storage.Tx) error {
		seg, err := tx.NumberSegments().Get("SF", 1001)
		if err != nil {
			return err
		}
		seg.NextSerial = 1500
		if err := tx.NumberSegments().Put("SF", seg); err != nil {
			return err
		}
		// Deleting a segment already gone is no error.
		if err := tx.NumberSegments().Delete("SF", 7); err != nil {
			t.Errorf("Delete of a missing segment: %v", err)
		}
		return tx.NumberSegments().Delete("SF", 2001)
	})
	got, _ := pageAll(t, s, 2, nil, (*ewaybillv1.NumberSegment).GetNode,
		func(tx storage.Tx, p storage.Page[*ewaybillv1.NumberSegment]) ([]*ewaybillv1.NumberSegment, string, error) {
			return tx.NumberSegments().List("SF", p)
		})
	wantNames(t, "SF's segments", got, "n1", "n1001", "n10001")
	view(t, s, func(tx storage.Tx) error {
		if seg, err := tx.NumberSegments().Get("SF", 1001); seg.GetNextSerial() != 1500 || err != nil {
			t.Errorf("updated segment: %v, %v", seg, err)
		}
		if _, err := tx.NumberSegments().Get("SF", 2001); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("deleted segment: %v", err)
		}
		return nil
	})
}

// negativeBalanceRefused: a quota is never stored with a negative
// balance, and the refusal leaves the stored one as it was.
func (c *conformance) negativeBalanceRefused(t *testing.T) {
	s := c.open(t)
	update(t, s, func(tx storage.Tx) error {
		return tx.Quotas().Put("m1", "SF", &ewaybillv1.Quota{Name: "q", Available: 0})
	})
	err := s.Update(context.Background(), func(tx storage.Tx) error {
		return tx.Quotas().Put("m1", "SF", &ewaybillv1.Quota{Name: "q", Available: -1})
	})
	if !errors.Is(err, storage.ErrNegativeBalance) {
		t.Errorf("Put of a balance of -1: %v, want ErrNegativeBalance", err)
	}
	view(t, s, func(tx storage.Tx) error {
		if q, err := tx.Quotas().Get("m1", "SF"); q.GetAvailable() != 0 || err != nil {
			t.Errorf("quota after the refused put: %v, %v", q, err)
		}
		return nil
	})
}

func (c *conformance) reuseQueueInReadyOrder(t *testing.T) {
	s := c.open(t)
	base := time.Date(2026, 11, 21, 8, 0, 0, 123456789, time.UTC)
	q := func(n string, after time.Duration) storage.QueuedNumber {
		return storage.QueuedNumber{Number: n, Ready: base.Add(after)}
	}
	update(t, s, func(tx storage.Tx) error {
		for _, n := range []storage.QueuedNumber{q("SF3", time.Hour), q("SF1", 2*time.Hour), q("SF2", time.Hour), q("SF4", time.Nanosecond)} {
			if err := tx.ReuseQueue().Push("SF", n); err != nil {
				return err
			}
		}
		return tx.ReuseQueue().Push("ZTO", q("Z1", 0))
	})
	update(t, s, func(tx storage.Tx) error {
		first, err := tx.ReuseQueue().First("SF")
		if err != nil || first != q("SF4", time.Nanosecond) {
			t.Errorf("First = %v, %v", first, err)
		}
		if err := tx.ReuseQueue().Remove("SF", q("SF9", 0)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Remove of a number not queued: %v", err)
		}
		var seen []string
		// fn may remove what it is given.
		err = tx.ReuseQueue().Each("SF", func(n storage.QueuedNumber) error {
			seen = append(seen, n.Number+"@"+n.Ready.Sub(base).String())
			return tx.ReuseQueue().Remove("SF", n)
		})
		wantNames(t, "SF's queue", seen, "SF4@1ns", "SF2@1h0m0s", "SF3@1h0m0s", "SF1@2h0m0s")
		if err != nil {
			return err
		}
		if _, err := tx.ReuseQueue().First("SF"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("First of an emptied queue: %v", err)
		}
		if first, err := tx.ReuseQueue().First("ZTO"); err != nil || first.Number != "Z1" || !first.Ready.Equal(base) {
			t.Errorf("ZTO's first: %v, %v", first, err)
		}
		return nil
	})
}

func (c *conformance) ledgerAppendOnlyAtTheEnd(t *testing.T) {
	s := c.open(t)
	entry := func(seq int64) *ewaybillv1.LedgerEntry { return &ewaybillv1.LedgerEntry{Sequence: seq, Delta: seq} }
	appendIn := func(fn func(l storage.Ledger) error) error {
		return s.Update(context.Background(), func(tx storage.Tx) error { return fn(tx.Ledger()) })
	}
	err := appendIn(func(l storage.Ledger) error {
		for _, seq := range []int64{1, 2, 3, 5, 10} {
			if err := l.Append("m1", "SF", entry(seq)); err != nil {
				return err
			}
		}
		if err := l.Append("m1", "SF", entry(10)); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("sequence 10 again in the same transaction: %v", err)
		}
		if err := l.Append("m1", "SF", entry(4)); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("sequence 4 after 10 in the same transaction: %v", err)
		}
		// Another quota of the same merchant, and a carrier whose code
		// starts with this one's, are ledgers of their own.
		if err := l.Append("m1", "SFX", entry(1)); err != nil {
			return err
		}
		return l.Append("m1", "EMS", entry(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []int64{1, 4, 10} {
		if err := appendIn(func(l storage.Ledger) error { return l.Append("m1", "SF", entry(seq)) }); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("sequence %d in a later transaction: %v", seq, err)
		}
	}
	if err := appendIn(func(l storage.Ledger) error { return l.Append("m1", "SF", entry(11)) }); err != nil {
		t.Errorf("sequence 11: %v", err)
	}
	name := func(e *ewaybillv1.LedgerEntry) string { return strconv.FormatInt(e.GetDelta(), 10) }
	got, _ := pageAll(t, s, 2, nil, name, func(tx storage.Tx, p storage.Page[*ewaybillv1.LedgerEntry]) ([]*ewaybillv1.LedgerEntry, string, error) {
		return tx.Ledger().List("m1", "SF", p)
	})
	wantNames(t, "m1/SF's ledger", got, "1", "2", "3", "5", "10", "11")
	view(t, s, func(tx storage.Tx) error {
		all, _, err := tx.Ledger().List("m1", "", storage.Page[*ewaybillv1.LedgerEntry]{Limit: 100})
		if err != nil || len(all) != 8 || all[0].GetDelta() != 1 || all[1].GetDelta() != 1 || all[7].GetDelta() != 1 {
			t.Errorf("m1's ledgers by carrier (EMS, SF, SFX) then sequence: %v, %v", all, err)
		}
		if e, err := tx.Ledger().Get("m1", "SF", 5); err != nil || e.GetDelta() != 5 {
			t.Errorf("Get(m1, SF, 5) = %v, %v", e, err)
		}
		return nil
	})
}

func (c *conformance) smallTables(t *testing.T) {
	s := c.open(t)
	update(t, s, func(tx storage.Tx) error {
		if err := tx.QuotaRequests().Put("m1", "SF", "r1", 7); err != nil {
			return err
		}
		if err := tx.CancelGuards().Put("m1", &ewaybillv1.CancelGuard{Name: "g1"}); err != nil {
			return err
		}
		if err := tx.RateLimits().PutDefault(&ewaybillv1.RateLimit{Name: "default"}); err != nil {
			return err
		}
		if err := tx.RateLimits().Put("m1", &ewaybillv1.RateLimit{Name: "m1"}); err != nil {
			return err
		}
		if err := tx.RateLimits().Put("m2", &ewaybillv1.RateLimit{Name: "m2"}); err != nil {
			return err
		}
		if err := tx.LabelTemplates().Put("m1", &ewaybillv1.LabelTemplate{Name: "t1"}); err != nil {
			return err
		}
		for i := range 3 {
			if err := tx.RoutingTables().Put("SF", &ewaybillv1.RoutingTable{Name: "rt" + strconv.Itoa(i)}); err != nil {
				return err
			}
		}
		return tx.PrintJobs().SetRequest("m1", "req-1", "j1")
	})
	update(t, s, func(tx storage.Tx) error {
		// Deleting a limit never set is no error.
		if err := tx.RateLimits().Delete("m9"); err != nil {
			t.Errorf("Delete of a limit never set: %v", err)
		}
		return tx.RateLimits().Delete("m2")
	})
	view(t, s, func(tx storage.Tx) error {
		if seq, err := tx.QuotaRequests().Get("m1", "SF", "r1"); seq != 7 || err != nil {
			t.Errorf("quota request: %d, %v", seq, err)
		}
		if _, err := tx.QuotaRequests().Get("m1", "ZTO", "r1"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("another quota's request id: %v", err)
		}
		if g, err := tx.CancelGuards().Get("m1"); g.GetName() != "g1" || err != nil {
			t.Errorf("cancel guard: %v, %v", g, err)
		}
		if l, err := tx.RateLimits().Default(); l.GetName() != "default" || err != nil {
			t.Errorf("default limit: %v, %v", l, err)
		}
		if l, err := tx.RateLimits().Get("m1"); l.GetName() != "m1" || err != nil {
			t.Errorf("m1's limit: %v, %v", l, err)
		}
		if _, err := tx.RateLimits().Get("m2"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("deleted limit: %v", err)
		}
		if l, err := tx.LabelTemplates().Get("m1"); l.GetName() != "t1" || err != nil {
			t.Errorf("label template: %v, %v", l, err)
		}
		if rt, err := tx.RoutingTables().Get("SF"); rt.GetName() != "rt2" || err != nil {
			t.Errorf("routing table: %v, %v", rt, err)
		}
		if rev, err := tx.RoutingTables().Revision("SF"); rev != 3 || err != nil {
			t.Errorf("revision after three puts: %d, %v", rev, err)
		}
		if id, err := tx.PrintJobs().ByRequest("m1", "req-1"); id != "j1" || err != nil {
			t.Errorf("print job by request: %q, %v", id, err)
		}
		return nil
	})
}

func (c *conformance) waybillsAndNumberHolders(t *testing.T) {
	s := c.open(t)
	ref := func(m, id string) storage.WaybillRef { return storage.WaybillRef{MerchantID: m, ID: id} }
	update(t, s, func(tx storage.Tx) error {
		for _, r := range []storage.WaybillRef{ref("m2", "w1"), ref("m1", "w2"), ref("m1", "w1")} {
			w := &ewaybillv1.Waybill{Name: "merchants/" + r.MerchantID + "/waybills/" + r.ID, Number: "N-" + r.ID}
			if err := tx.Waybills().Put(r, w); err != nil {
				return err
			}
		}
		for _, h := range []storage.NumberHolder{{Carrier: "ZTO", WaybillRef: ref("m2", "w1")}, {Carrier: "SF", WaybillRef: ref("m1", "w1")}, {Carrier: "EMS", WaybillRef: ref("m1", "w2")}} {
			if err := tx.Waybills().SetHolder(h.Carrier, "N1", h.WaybillRef); err != nil {
				return err
			}
		}
		// A reused number points at its new holder.
		return tx.Waybills().SetHolder("SF", "N1", ref("m1", "w2"))
	})
	name := (*ewaybillv1.Waybill).GetName
	got, _ := pageAll(t, s, 2, nil, name, func(tx storage.Tx, p storage.Page[*ewaybillv1.Waybill]) ([]*ewaybillv1.Waybill, string, error) {
		return tx.Waybills().List("", p)
	})
	wantNames(t, "every waybill", got, "merchants/m1/waybills/w1", "merchants/m1/waybills/w2", "merchants/m2/waybills/w1")
	got, _ = pageAll(t, s, 1, nil, name, func(tx storage.Tx, p storage.Page[*ewaybillv1.Waybill]) ([]*ewaybillv1.Waybill, string, error) {
		return tx.Waybills().List("m1", p)
	})
	wantNames(t, "m1's waybills", got, "merchants/m1/waybills/w1", "merchants/m1/waybills/w2")
	view(t, s, func(tx storage.Tx) error {
		if h, err := tx.Waybills().Holder("SF", "N1"); h != ref("m1", "w2") || err != nil {
			t.Errorf("SF's N1 held by %v, %v", h, err)
		}
		if _, err := tx.Waybills().Holder("YTO", "N1"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a carrier that never issued N1: %v", err)
		}
		holders, err := tx.Waybills().Holders("N1")
		want := []storage.NumberHolder{{Carrier: "EMS", WaybillRef: ref("m1", "w2")}, {Carrier: "SF", WaybillRef: ref("m1", "w2")}, {Carrier: "ZTO", WaybillRef: ref("m2", "w1")}}
		if err != nil || !slices.Equal(holders, want) {
			t.Errorf("holders of N1: %v, %v; want %v", holders, err, want)
		}
		if w, err := tx.Waybills().Get(ref("m2", "w1")); w.GetNumber() != "N-w1" || err != nil {
			t.Errorf("waybill m2/w1: %v, %v", w, err)
		}
		return nil
	})
}

// Allocation keys join their parts with NUL bytes.
func (c *conformance) idempotencyKeys(t *testing.T) {
	s := c.open(t)
	ref := func(i int) storage.WaybillRef { return storage.WaybillRef{MerchantID: "m1", ID: "w" + strconv.Itoa(i)} }
	update(t, s, func(tx storage.Tx) error {
		keys := tx.IdempotencyKeys()
		if _, err := keys.Get("m1\x00SF\x00o1\x001"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a new key: %v", err)
		}
		for i, k := range []string{"m1\x00SF\x00o3\x001", "m1\x00SF\x00o1\x001", "m1\x00SF\x00o2\x001"} {
			if err := keys.Insert(k, ref(i)); err != nil {
				return err
			}
		}
		if err := keys.Insert("m1\x00SF\x00o1\x001", ref(9)); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("a key inserted twice in one transaction: %v", err)
		}
		return nil
	})
	update(t, s, func(tx storage.Tx) error {
		if err := tx.IdempotencyKeys().Insert("m1\x00SF\x00o2\x001", ref(9)); !errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("a stored key inserted again: %v", err)
		}
		if got, err := tx.IdempotencyKeys().Get("m1\x00SF\x00o2\x001"); got != ref(2) || err != nil {
			t.Errorf("o2's key → %v, %v", got, err)
		}
		return nil
	})
	got, pages := pageAll(t, s, 2, nil, func(e storage.IdempotencyEntry) string {
		return strings.ReplaceAll(e.Key, "\x00", "/") + "→" + e.Ref.ID
	},
		func(tx storage.Tx, p storage.Page[storage.IdempotencyEntry]) ([]storage.IdempotencyEntry, string, error) {
			return tx.IdempotencyKeys().List(p)
		})
	wantNames(t, "idempotency keys", got, "m1/SF/o1/1→w1", "m1/SF/o2/1→w2", "m1/SF/o3/1→w0")
	if pages != 2 {
		t.Errorf("%d pages, want 2", pages)
	}
}

func (c *conformance) mappingProfilesDelete(t *testing.T) {
	s := c.open(t)
	update(t, s, func(tx storage.Tx) error {
		for _, id := range []string{"p2", "p1"} {
			if err := tx.MappingProfiles().Put("m1", id, &ewaybillv1.MappingProfile{Name: id}); err != nil {
				return err
			}
		}
		return tx.MappingProfiles().Put("m2", "p1", &ewaybillv1.MappingProfile{Name: "m2p1"})
	})
	update(t, s, func(tx storage.Tx) error {
		if err := tx.MappingProfiles().Delete("m1", "p9"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Delete of a missing profile: %v", err)
		}
		return tx.MappingProfiles().Delete("m1", "p1")
	})
	view(t, s, func(tx storage.Tx) error {
		list, next, err := tx.MappingProfiles().List("m1", storage.Page[*ewaybillv1.MappingProfile]{Limit: 10})
		if err != nil || len(list) != 1 || list[0].GetName() != "p2" || next != "" {
			t.Errorf("m1's profiles after the delete: %v, %q, %v", list, next, err)
		}
		if p, err := tx.MappingProfiles().Get("m2", "p1"); p.GetName() != "m2p1" || err != nil {
			t.Errorf("m2's profile: %v, %v", p, err)
		}
		return nil
	})
}

func (c *conformance) newestFirstLists(t *testing.T) {
	s := c.open(t)
	update(t, s, func(tx storage.Tx) error {
		for _, id := range []string{"e2", "e4", "e1", "e3"} {
			if err := tx.AuditLog().Append(id, &ewaybillv1.AuditEvent{Name: id}); err != nil {
				return err
			}
			for _, m := range []string{"m1", "m2"} {
				if err := tx.PrintJobs().Put(m, id, &ewaybillv1.PrintJob{Name: m + "/" + id}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	err := s.Update(context.Background(), func(tx storage.Tx) error {
		return tx.AuditLog().Append("e2", &ewaybillv1.AuditEvent{Name: "again"})
	})
	if err == nil {
		t.Error("an audit event appended twice under one id")
	}
	got, pages := pageAll(t, s, 3, nil, (*ewaybillv1.AuditEvent).GetName,
		func(tx storage.Tx, p storage.Page[*ewaybillv1.AuditEvent]) ([]*ewaybillv1.AuditEvent, string, error) {
			return tx.AuditLog().List(p)
		})
	wantNames(t, "audit log", got, "e4", "e3", "e2", "e1")
	if pages != 2 {
		t.Errorf("audit log in %d pages, want 2", pages)
	}
	got, _ = pageAll(t, s, 1, func(j *ewaybillv1.PrintJob) bool { return !strings.HasSuffix(j.GetName(), "e3") },
		(*ewaybillv1.PrintJob).GetName, func(tx storage.Tx, p storage.Page[*ewaybillv1.PrintJob]) ([]*ewaybillv1.PrintJob, string, error) {
			return tx.PrintJobs().List("m1", p)
		})
	wantNames(t, "m1's print jobs", got, "m1/e4", "m1/e2", "m1/e1")
	view(t, s, func(tx storage.Tx) error {
		if j, err := tx.PrintJobs().Get("m2", "e3"); j.GetName() != "m2/e3" || err != nil {
			t.Errorf("print job m2/e3: %v, %v", j, err)
		}
		return nil
	})
}

func (c *conformance) updateRollsBackOnError(t *testing.T) {
	s := c.open(t)
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx storage.Tx) error {
		if err := tx.Carriers().Put("SF", &ewaybillv1.Carrier{Code: "SF"}); err != nil {
			return err
		}
		if err := tx.IdempotencyKeys().Insert("k", storage.WaybillRef{MerchantID: "m", ID: "w"}); err != nil {
			return err
		}
		// Within the transaction its own writes are seen.
		if c, err := tx.Carriers().Get("SF"); err != nil || c.GetCode() != "SF" {
			t.Errorf("own write not seen: %v, %v", c, err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	view(t, s, func(tx storage.Tx) error {
		if _, err := tx.Carriers().Get("SF"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a rolled-back carrier: %v", err)
		}
		if _, err := tx.IdempotencyKeys().Get("k"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a rolled-back key: %v", err)
		}
		return nil
	})
}

// Concurrent Batch calls read-modify-write one record, as allocations do
// a pool's counters: none is lost, however the backend runs them.
func (c *conformance) batchLosesNoUpdate(t *testing.T) {
	s := c.open(t)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Batch(context.Background(), func(tx storage.Tx) error {
				p, err := tx.Pools().Get("SF")
				if errors.Is(err, storage.ErrNotFound) {
					p, err = &ewaybillv1.Pool{Name: "carriers/SF/pool"}, nil
				}
				if err != nil {
					return err
				}
				p.Issued++
				if err := tx.Pools().Put("SF", p); err != nil {
					return err
				}
				return tx.Ledger().Append("m1", "SF", &ewaybillv1.LedgerEntry{Sequence: p.Issued, Delta: int64(i)})
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	view(t, s, func(tx storage.Tx) error {
		p, err := tx.Pools().Get("SF")
		if err != nil || p.GetIssued() != n {
			t.Errorf("issued = %d (%v) after %d increments", p.GetIssued(), err, n)
		}
		entries, _, err := tx.Ledger().List("m1", "SF", storage.Page[*ewaybillv1.LedgerEntry]{Limit: 2 * n})
		if err != nil || len(entries) != n {
			t.Errorf("%d ledger entries (%v), want %d", len(entries), err, n)
		}
		return nil
	})
}

// A failing or panicking call gets its own error and leaves no writes;
// the calls beside it commit, whether or not they had to run again.
func (c *conformance) batchIsolatesFailingCalls(t *testing.T) {
	s := c.open(t)
	boom := errors.New("boom")
	var wg sync.WaitGroup
	results := make([]error, 30)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := "C" + strconv.Itoa(i)
			results[i] = s.Batch(context.Background(), func(tx storage.Tx) error {
				if err := tx.Pools().Put(code, &ewaybillv1.Pool{Name: code}); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return boom
				case 7:
					panic("bad call")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range results {
		code := "C" + strconv.Itoa(i)
		var stored error
		view(t, s, func(tx storage.Tx) error { _, stored = tx.Pools().Get(code); return nil })
		switch i % 10 {
		case 3:
			if !errors.Is(err, boom) || !errors.Is(stored, storage.ErrNotFound) {
				t.Errorf("call %d: err %v, record %v; want boom and no record", i, err, stored)
			}
		case 7:
			if err == nil || !errors.Is(stored, storage.ErrNotFound) {
				t.Errorf("call %d: err %v, record %v; want the panic as an error and no record", i, err, stored)
			}
		default:
			if err != nil || stored != nil {
				t.Errorf("call %d: err %v, record %v; want committed", i, err, stored)
			}
		}
	}
}

const testPhone = "13987654321"

// personalWaybill holds personal data the sealing test looks for.
func personalWaybill(i int) *ewaybillv1.Waybill {
	return &ewaybillv1.Waybill{
		Name: fmt.Sprintf("merchants/m1/waybills/w%03d", i), Number: fmt.Sprintf("SF%013d", i), Carrier: "carriers/SF",
		State: ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED,
		Order: &ewaybillv1.Order{
			OrderCode: fmt.Sprintf("O%03d", i), PackageId: "1",
			Sender:   &ewaybillv1.Party{Name: "诸葛孔明", Mobile: "13711112222", Province: "湖北省", City: "襄阳市", Address: "隆中路 1 号"},
			Receiver: &ewaybillv1.Party{Name: "司马相如", Mobile: testPhone, Province: "广东省", City: "深圳市", Address: "科技园南路 88 号"},
			Parcel:   &ewaybillv1.Parcel{WeightGrams: 1200},
		},
	}
}

var personalValues = []string{testPhone, "13711112222", "诸葛孔明", "司马相如", "隆中路", "科技园南路", "欧阳娜娜", "11010519491231002X", "13600001111"}

func wref(i int) storage.WaybillRef {
	return storage.WaybillRef{MerchantID: "m1", ID: fmt.Sprintf("w%03d", i)}
}

func (c *conformance) preparedWaybills(t *testing.T) {
	s := c.open(t)
	early := func(i int) *ewaybillv1.Waybill {
		w := personalWaybill(i)
		w.Number = ""
		return w
	}
	late := func(i int) *ewaybillv1.Waybill {
		ts := timestamppb.New(time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC))
		return &ewaybillv1.Waybill{Number: personalWaybill(i).GetNumber(), PreviousHolder: "merchants/m0/waybills/old", CreateTime: ts}
	}
	prepared, err := s.PrepareWaybill(wref(1), early(1))
	if err != nil {
		t.Fatal(err)
	}
	// A run rolled back, then run again with the same prepared waybill,
	// as a re-run batch function does.
	injected := errors.New("injected")
	err = s.Update(context.Background(), func(tx storage.Tx) error {
		if err := tx.Waybills().Insert(prepared, late(1)); err != nil {
			return err
		}
		return injected
	})
	if !errors.Is(err, injected) {
		t.Fatal(err)
	}
	update(t, s, func(tx storage.Tx) error { return tx.Waybills().Insert(prepared, late(1)) })
	want := early(1)
	proto.Merge(want, late(1))
	view(t, s, func(tx storage.Tx) error {
		w, err := tx.Waybills().Get(wref(1))
		if err != nil || !proto.Equal(w, want) {
			t.Errorf("prepared waybill reads back as %v (%v), want %v", w, err, want)
		}
		list, _, err := tx.Waybills().List("m1", storage.Page[*ewaybillv1.Waybill]{Limit: 10})
		if err != nil || len(list) != 1 || !proto.Equal(list[0], want) {
			t.Errorf("listed as %v (%v)", list, err)
		}
		return nil
	})
	// Late fields with personal data would be stored in clear: refused.
	personal := late(2)
	personal.Order = &ewaybillv1.Order{Receiver: &ewaybillv1.Party{Mobile: testPhone}}
	p2, err := s.PrepareWaybill(wref(2), early(2))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx storage.Tx) error { return tx.Waybills().Insert(p2, personal) })
	if err == nil || !strings.Contains(err.Error(), "personal data") {
		t.Errorf("late fields with personal data: %v", err)
	}
	// Another store's prepared waybill is sealed with its keys: refused.
	other := c.open(t)
	err = other.Update(context.Background(), func(tx storage.Tx) error { return tx.Waybills().Insert(p2, late(2)) })
	if err == nil || !strings.Contains(err.Error(), "not prepared by this store") {
		t.Errorf("prepared by another store: %v", err)
	}
}

func (c *conformance) personalDataNotInClear(t *testing.T) {
	s := c.open(t)
	fixed := func(v string) *string { return &v }
	update(t, s, func(tx storage.Tx) error {
		for i := range 3 {
			if err := tx.Waybills().Put(wref(i), personalWaybill(i)); err != nil {
				return err
			}
		}
		m := &ewaybillv1.Merchant{Name: "merchants/m1", Qualification: &ewaybillv1.Qualification{
			LegalName: "测试商贸有限公司", CreditCode: "91350100M000100Y43",
			LegalRepresentative: &ewaybillv1.Person{Name: "欧阳娜娜", IdNumber: "11010519491231002X"},
			Contact:             &ewaybillv1.Contact{Name: "欧阳娜娜", Mobile: "13600001111"},
		}}
		if err := tx.Merchants().Put("m1", m); err != nil {
			return err
		}
		return tx.MappingProfiles().Put("m1", "p1", &ewaybillv1.MappingProfile{Name: "p1",
			Fields: []*ewaybillv1.FieldMapping{{Target: "sender.mobile", FixedValue: fixed("13711112222")}}})
	})
	view(t, s, func(tx storage.Tx) error {
		w, err := tx.Waybills().Get(wref(2))
		if err != nil || !proto.Equal(w, personalWaybill(2)) {
			t.Errorf("sealed waybill reads back as %v, %v", w, err)
		}
		m, err := tx.Merchants().Get("m1")
		if err != nil || m.GetQualification().GetContact().GetMobile() != "13600001111" {
			t.Errorf("sealed merchant reads back as %v, %v", m, err)
		}
		p, err := tx.MappingProfiles().Get("m1", "p1")
		if err != nil || p.GetFields()[0].GetFixedValue() != "13711112222" {
			t.Errorf("sealed profile reads back as %v, %v", p, err)
		}
		return nil
	})
	raw := c.b.Raw(t, s)
	for _, v := range []string{"SF0000000000002", "91350100M000100Y43"} {
		if !bytes.Contains(raw, []byte(v)) {
			t.Errorf("%q, kept in clear for listings and checks, is not in the raw store: the scan sees nothing", v)
		}
	}
	for _, v := range personalValues {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("the raw store holds %q in clear", v)
		}
	}
}

func (c *conformance) closedStoreRefuses(t *testing.T) {
	s := c.open(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.View(context.Background(), func(storage.Tx) error { return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("View after Close: %v", err)
	}
	if err := s.Update(context.Background(), func(storage.Tx) error { return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
	if err := s.Batch(context.Background(), func(storage.Tx) error { return nil }); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Batch after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
