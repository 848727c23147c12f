package server_test

import (
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc/status"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// TestConcurrentAllocations: calls that share a commit (group commit)
// still issue each key once, never one number twice, never more than the
// quota, and credit a cancel once however many race for it.
func TestConcurrentAllocations(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 1000)
	m := e.shop(creditCodes[0], "SF")
	if _, err := e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: quotaName(m, "SF"), Amount: 970, Reason: "leave 30", RequestId: "d"}); err != nil {
		t.Fatal(err)
	}
	ctx := as(m.key)

	// 40 distinct keys, each sent three times at once, against 30 units.
	const keys, tries = 40, 3
	type answer struct {
		key      int
		name     string
		number   string
		replayed bool
		reason   string
	}
	answers := make(chan answer, keys*tries)
	var wg sync.WaitGroup
	for k := range keys {
		for range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := e.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{
					Carrier: "carriers/SF", Order: order(fmt.Sprint("CC-", k)), RequestId: fmt.Sprint("k", k)})
				a := answer{key: k, name: resp.GetWaybill().GetName(), number: resp.GetWaybill().GetNumber(), replayed: resp.GetReplayed()}
				if err != nil {
					a.reason = errorReason(status.Convert(err))
				}
				answers <- a
			}()
		}
	}
	wg.Wait()
	close(answers)

	byKey := map[int]string{}
	owner := map[string]int{}
	fresh, exhausted := 0, 0
	for a := range answers {
		switch {
		case a.reason == "QUOTA_EXHAUSTED":
			exhausted++
			continue
		case a.reason != "":
			t.Fatalf("key %d: %s", a.key, a.reason)
		}
		if !a.replayed {
			fresh++
		}
		if prev, ok := byKey[a.key]; ok && prev != a.name {
			t.Fatalf("key %d got two waybills: %s and %s", a.key, prev, a.name)
		}
		byKey[a.key] = a.name
		if k, ok := owner[a.number]; ok && k != a.key {
			t.Fatalf("number %s issued for keys %d and %d", a.number, k, a.key)
		}
		owner[a.number] = a.key
	}
	if fresh != 30 || len(byKey) != 30 || len(owner) != 30 {
		t.Fatalf("%d fresh allocations for %d keys with %d numbers, want 30 each", fresh, len(byKey), len(owner))
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=30 available=0 live=30 issued=30 cancelled=0 recycled=0" {
		t.Fatalf("quota: %s", got)
	}

	// Ten cancels of one waybill at once: one cancels, nine replay.
	var name string
	for _, n := range byKey {
		name = n
		break
	}
	var mu sync.Mutex
	cancelled, replayed := 0, 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.waybills.CancelWaybill(ctx, &ewaybillv1.CancelWaybillRequest{Name: name, Reason: "race"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("cancel: %v", err)
			case resp.GetReplayed():
				replayed++
			default:
				cancelled++
			}
		}()
	}
	wg.Wait()
	if cancelled != 1 || replayed != 9 {
		t.Fatalf("%d cancels and %d replays, want 1 and 9", cancelled, replayed)
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=30 available=1 live=29 issued=30 cancelled=1 recycled=0" {
		t.Fatalf("quota after the cancels: %s", got)
	}
}
