package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/server"
)

const (
	entryAllocation   = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_ALLOCATION
	entryTopUp        = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_TOP_UP
	entryDeduction    = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_DEDUCTION
	entryStarterGrant = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_STARTER_GRANT
)

// ledgerTypes renders entries as "TYPE:delta" for comparison.
func ledgerTypes(entries []*ewaybillv1.LedgerEntry) string {
	var out []string
	for _, e := range entries {
		out = append(out, fmt.Sprintf("%s:%d", strings.TrimPrefix(e.GetType().String(), "LEDGER_ENTRY_TYPE_"), e.GetDelta()))
	}
	return strings.Join(out, ",")
}

// TestStarterGrantOnce: the starter grant is credited when the
// authorization first becomes ACTIVE, and never again for that merchant
// and carrier, even after a revoke and a new approval.
func TestStarterGrantOnce(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	m := e.approvedMerchant(creditCodes[0])
	_, err := e.quotas.GetQuota(as(m.key), &ewaybillv1.GetQuotaRequest{Name: quotaName(m, "SF")})
	if err != nil {
		t.Fatal(err)
	}
	if q := e.quota(quotaName(m, "SF")); q.GetGranted() != 0 || q.GetStarterGranted() {
		t.Fatalf("quota before any authorization: %v", q)
	}
	first := e.authorize(m, "SF")
	q := e.quota(quotaName(m, "SF"))
	if balances(q) != "granted=1000 available=1000 live=0 issued=0 cancelled=0 recycled=0" || !q.GetStarterGranted() || q.GetLedgerSequence() != 1 {
		t.Fatalf("quota after the first approval: %v", q)
	}

	authzMust(t, e, admin(), "revoke", first, "contract ended")
	// An approval refused while the merchant is suspended grants nothing;
	// the one after reinstatement grants nothing either: the grant was
	// already given.
	again := authzApply(t, e, as(m.key), m.name, authzSF())
	if _, err := e.merchants.SuspendMerchant(admin(), &ewaybillv1.SuspendMerchantRequest{Name: m.name, Reason: "audit"}); err != nil {
		t.Fatal(err)
	}
	_, err = authzDo(e, admin(), "approve", again.GetName(), "")
	wantError(t, err, codes.FailedPrecondition, "MERCHANT_NOT_QUALIFIED")
	if _, err := e.merchants.ReinstateMerchant(admin(), &ewaybillv1.ReinstateMerchantRequest{Name: m.name, Reason: "audit passed"}); err != nil {
		t.Fatal(err)
	}
	authzMust(t, e, admin(), "approve", again.GetName(), "")
	q = e.quota(quotaName(m, "SF"))
	if balances(q) != "granted=1000 available=1000 live=0 issued=0 cancelled=0 recycled=0" || q.GetLedgerSequence() != 1 {
		t.Fatalf("quota after revoke and re-approval: %v", q)
	}
	entries := e.ledger(as(m.key), quotaName(m, "SF"))
	if ledgerTypes(entries) != "STARTER_GRANT:1000" || !strings.HasPrefix(entries[0].GetOperator(), "apiKeys/") {
		t.Fatalf("ledger: %v", entries)
	}

	// The grant commits with the approval: a refused first approval
	// (carrier disabled) credits nothing, the later one credits it once.
	late := e.approvedMerchant(creditCodes[1])
	pending := authzApply(t, e, as(late.key), late.name, authzSF())
	authzSetCarrierEnabled(t, e, "SF", false)
	_, err = authzDo(e, admin(), "approve", pending.GetName(), "")
	wantError(t, err, codes.FailedPrecondition, "CARRIER_DISABLED")
	if q := e.quota(quotaName(late, "SF")); q.GetGranted() != 0 || q.GetStarterGranted() || q.GetLedgerSequence() != 0 {
		t.Fatalf("quota after a refused approval: %v", q)
	}
	authzSetCarrierEnabled(t, e, "SF", true)
	authzMust(t, e, admin(), "approve", pending.GetName(), "")
	if got := ledgerTypes(e.ledger(admin(), quotaName(late, "SF"))); got != "STARTER_GRANT:1000" {
		t.Fatalf("ledger after the approval: %s", got)
	}
}

// TestStarterGrantConfigured: server.Config.StarterGrant sets the grant;
// negative means none, and still only once.
func TestStarterGrantConfigured(t *testing.T) {
	for _, c := range []struct {
		grant   int64
		want    int64
		entries string
	}{
		{5, 5, "STARTER_GRANT:5"},
		{-1, 0, ""},
	} {
		t.Run(fmt.Sprint(c.grant), func(t *testing.T) {
			e := startEnvWith(t, t.TempDir(), server.Config{StarterGrant: c.grant})
			e.createCarrier(sfCarrier())
			m := e.shop(creditCodes[0], "SF")
			q := e.quota(quotaName(m, "SF"))
			// Both are below the default threshold of 100: low_balance.
			if q.GetAvailable() != c.want || q.GetGranted() != c.want || !q.GetStarterGranted() || !q.GetLowBalance() {
				t.Fatalf("quota: %v", q)
			}
			low, err := e.quotas.ListQuotas(as(m.key), &ewaybillv1.ListQuotasRequest{Parent: m.name, LowBalanceOnly: true})
			if err != nil || len(low.GetQuotas()) != 1 {
				t.Fatalf("low-balance quotas: %v %v", low, err)
			}
			if got := ledgerTypes(e.ledger(admin(), quotaName(m, "SF"))); got != c.entries {
				t.Fatalf("ledger %q, want %q", got, c.entries)
			}
		})
	}
}

// TestTopUpAndDeduct: admin adjustments are idempotent by request_id,
// refuse a reused id with another change, and never deduct units that
// are not available.
func TestTopUpAndDeduct(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	name := quotaName(m, "SF")

	top, err := e.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{Name: name, Amount: 500, Reason: "invoice 2025-03", RequestId: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	entry := top.GetEntry()
	if top.GetReplayed() || top.GetQuota().GetAvailable() != 1500 || top.GetQuota().GetGranted() != 1500 ||
		entry.GetType() != entryTopUp || entry.GetDelta() != 500 || entry.GetBalanceAfter() != 1500 || entry.GetSequence() != 2 ||
		entry.GetRequestId() != "t1" || entry.GetReason() != "invoice 2025-03" || entry.GetName() != name+"/ledgerEntries/2" {
		t.Fatalf("top-up: %v", top)
	}
	again, err := e.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{Name: name, Amount: 500, Reason: "invoice 2025-03", RequestId: "t1"})
	if err != nil || !again.GetReplayed() || again.GetEntry().GetSequence() != 2 || again.GetQuota().GetAvailable() != 1500 {
		t.Fatalf("top-up replay: %v %v", again, err)
	}

	for _, c := range []struct {
		name   string
		amount int64
		reason string
		deduct bool
		fields string
	}{
		{"other amount", 600, "invoice 2025-03", false, "amount"},
		{"other reason", 500, "invoice 2025-04", false, "reason"},
		{"both", 1, "x", false, "amount,reason"},
		{"deduction with a top-up's id", 500, "invoice 2025-03", true, "type,amount"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.deduct {
				_, err = e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: name, Amount: c.amount, Reason: c.reason, RequestId: "t1"})
			} else {
				_, err = e.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{Name: name, Amount: c.amount, Reason: c.reason, RequestId: "t1"})
			}
			st := wantError(t, err, codes.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED")
			if md := errorMetadata(st); md["fields"] != c.fields || md["resource"] != name+"/ledgerEntries/2" {
				t.Fatalf("metadata %v, want fields %q", md, c.fields)
			}
		})
	}

	// A live waybill holds a unit that cannot be deducted.
	e.allocate(as(m.key), "carriers/SF", order("T-1"), "")
	_, err = e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: name, Amount: 1500, Reason: "refund", RequestId: "d1"})
	st := wantError(t, err, codes.FailedPrecondition, "DEDUCTION_EXCEEDS_AVAILABLE")
	if md := errorMetadata(st); md["available"] != "1499" {
		t.Fatalf("metadata %v", md)
	}
	// The refused deduction did not consume its request id.
	ded, err := e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: name, Amount: 1499, Reason: "refund", RequestId: "d1"})
	if err != nil || ded.GetReplayed() || ded.GetEntry().GetDelta() != -1499 || ded.GetEntry().GetType() != entryDeduction || ded.GetQuota().GetAvailable() != 0 {
		t.Fatalf("deduction: %v %v", ded, err)
	}
	ded, err = e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: name, Amount: 1499, Reason: "refund", RequestId: "d1"})
	if err != nil || !ded.GetReplayed() || ded.GetQuota().GetAvailable() != 0 {
		t.Fatalf("deduction replay: %v %v", ded, err)
	}
	q := e.quota(name)
	if balances(q) != "granted=1 available=0 live=1 issued=1 cancelled=0 recycled=0" || !q.GetLowBalance() {
		t.Fatalf("quota: %v", q)
	}
	if q.GetGranted() != q.GetAvailable()+q.GetLive() {
		t.Fatalf("granted %d != available %d + live %d", q.GetGranted(), q.GetAvailable(), q.GetLive())
	}

	t.Run("invalid", func(t *testing.T) {
		for _, c := range []struct {
			req   *ewaybillv1.TopUpQuotaRequest
			field string
		}{
			{&ewaybillv1.TopUpQuotaRequest{Name: name, Amount: 0, Reason: "r", RequestId: "x"}, "amount"},
			{&ewaybillv1.TopUpQuotaRequest{Name: name, Amount: 10_000_001, Reason: "r", RequestId: "x"}, "amount"},
			{&ewaybillv1.TopUpQuotaRequest{Name: name, Amount: 1, RequestId: "x"}, "reason"},
			{&ewaybillv1.TopUpQuotaRequest{Name: name, Amount: 1, Reason: "r"}, "request_id"},
		} {
			_, err := e.quotas.TopUpQuota(admin(), c.req)
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			if _, ok := violations(st)[c.field]; !ok {
				t.Fatalf("%v: violations %v", c.req, violations(st))
			}
		}
		_, err := e.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{Name: m.name + "/quotas/YTO", Amount: 1, Reason: "r", RequestId: "x"})
		wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
		_, err = e.quotas.TopUpQuota(as(m.key), &ewaybillv1.TopUpQuotaRequest{Name: name, Amount: 1, Reason: "r", RequestId: "x"})
		wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
		_, err = e.quotas.DeductQuota(as(m.key), &ewaybillv1.DeductQuotaRequest{Name: name, Amount: 1, Reason: "r", RequestId: "x"})
		wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	})
	if got := ledgerTypes(e.ledger(admin(), name)); got != "STARTER_GRANT:1000,TOP_UP:500,ALLOCATION:-1,DEDUCTION:-1499" {
		t.Fatalf("ledger: %s", got)
	}
}

// TestLedgerListing filters a ledger by type and create time, pages
// through it, and lists all of a merchant's carriers at once.
func TestLedgerListing(t *testing.T) {
	clock := newFakeClock()
	e := startEnvWith(t, t.TempDir(), serverConfig(clock))
	e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF", "ZTO") // hour 0: two starter grants
	ctx := as(m.key)
	start := clock.Now()
	clock.Advance(time.Hour) // hour 1: top-ups
	for i := range 3 {
		if _, err := e.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{
			Name: quotaName(m, "SF"), Amount: int64(10 * (i + 1)), Reason: "top up", RequestId: fmt.Sprint("t", i)}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(time.Hour) // hour 2: allocations and a cancel
	var waybills []string
	for i := range 4 {
		waybills = append(waybills, e.allocate(ctx, "carriers/SF", order(fmt.Sprint("L-", i)), "").GetWaybill().GetName())
	}
	e.cancel(ctx, waybills[0], "mistake")
	clock.Advance(time.Hour) // hour 3: a deduction
	if _, err := e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: quotaName(m, "SF"), Amount: 7, Reason: "fix", RequestId: "d"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: quotaName(m, "ZTO"), Amount: 950, Reason: "fix", RequestId: "d"}); err != nil {
		t.Fatal(err)
	}

	all := "STARTER_GRANT:1000,TOP_UP:10,TOP_UP:20,TOP_UP:30,ALLOCATION:-1,ALLOCATION:-1,ALLOCATION:-1,ALLOCATION:-1,CANCEL_CREDIT:1,DEDUCTION:-7"
	cases := []struct {
		name   string
		req    *ewaybillv1.ListLedgerEntriesRequest
		want   string
		parent string
	}{
		{"everything", &ewaybillv1.ListLedgerEntriesRequest{}, all, ""},
		{"top-ups", &ewaybillv1.ListLedgerEntriesRequest{Type: entryTopUp}, "TOP_UP:10,TOP_UP:20,TOP_UP:30", ""},
		{"allocations", &ewaybillv1.ListLedgerEntriesRequest{Type: entryAllocation}, "ALLOCATION:-1,ALLOCATION:-1,ALLOCATION:-1,ALLOCATION:-1", ""},
		{"hour 1 to 3", &ewaybillv1.ListLedgerEntriesRequest{
			CreateTimeStart: timestamppb.New(start.Add(time.Hour)), CreateTimeEnd: timestamppb.New(start.Add(3 * time.Hour))},
			"TOP_UP:10,TOP_UP:20,TOP_UP:30,ALLOCATION:-1,ALLOCATION:-1,ALLOCATION:-1,ALLOCATION:-1,CANCEL_CREDIT:1", ""},
		{"from hour 2, deductions", &ewaybillv1.ListLedgerEntriesRequest{Type: entryDeduction, CreateTimeStart: timestamppb.New(start.Add(2 * time.Hour))}, "DEDUCTION:-7", ""},
		{"every carrier, grants", &ewaybillv1.ListLedgerEntriesRequest{Type: entryStarterGrant}, "STARTER_GRANT:1000,STARTER_GRANT:1000", m.name + "/quotas/-"},
		{"every carrier", &ewaybillv1.ListLedgerEntriesRequest{}, all + ",STARTER_GRANT:1000,DEDUCTION:-950", m.name + "/quotas/-"},
	}
	for _, c := range cases {
		for _, size := range []int32{0, 1, 3} {
			t.Run(fmt.Sprintf("%s/page size %d", c.name, size), func(t *testing.T) {
				req := proto.Clone(c.req).(*ewaybillv1.ListLedgerEntriesRequest)
				req.Parent = quotaName(m, "SF")
				if c.parent != "" {
					req.Parent = c.parent
				}
				req.PageSize = size
				var got []*ewaybillv1.LedgerEntry
				for pages := 1; ; pages++ {
					resp, err := e.quotas.ListLedgerEntries(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					if size > 0 && len(resp.GetEntries()) > int(size) {
						t.Fatalf("page of %d entries for page size %d", len(resp.GetEntries()), size)
					}
					got = append(got, resp.GetEntries()...)
					if resp.GetNextPageToken() == "" {
						break
					}
					if pages > 20 {
						t.Fatal("paging does not end")
					}
					req.PageToken = resp.GetNextPageToken()
				}
				if s := ledgerTypes(got); s != c.want {
					t.Fatalf("got %s\nwant %s", s, c.want)
				}
			})
		}
	}

	// Every quota's available is the sum of its ledger, and granted is
	// available + live.
	for _, code := range []string{"SF", "ZTO"} {
		q := e.quota(quotaName(m, code))
		var sum, granted int64
		for _, entry := range e.ledger(ctx, quotaName(m, code)) {
			sum += entry.GetDelta()
			if entry.GetType() == entryTopUp || entry.GetType() == entryDeduction || entry.GetType() == entryStarterGrant {
				granted += entry.GetDelta()
			}
		}
		if q.GetAvailable() != sum || q.GetGranted() != granted || q.GetGranted() != q.GetAvailable()+q.GetLive() {
			t.Fatalf("%s: %s, ledger sum %d, grants %d", code, balances(q), sum, granted)
		}
	}
	if got := balances(e.quota(quotaName(m, "SF"))); got != "granted=1053 available=1050 live=3 issued=4 cancelled=1 recycled=0" {
		t.Fatalf("SF quota: %s", got)
	}

	for _, req := range []*ewaybillv1.ListLedgerEntriesRequest{
		{Parent: quotaName(m, "SF"), PageToken: "not-a-token"},
		{Parent: quotaName(m, "SF"), PageSize: 1001},
		{Parent: quotaName(m, "SF"), Type: 42},
		{Parent: "merchants/-/quotas/SF"},
	} {
		_, err := e.quotas.ListLedgerEntries(admin(), req)
		wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	}

	t.Run("quotas", func(t *testing.T) {
		resp, err := e.quotas.ListQuotas(ctx, &ewaybillv1.ListQuotasRequest{Parent: m.name})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, q := range resp.GetQuotas() {
			names = append(names, q.GetName())
		}
		if !slices.Equal(names, []string{quotaName(m, "SF"), quotaName(m, "ZTO")}) {
			t.Fatalf("quotas %v", names)
		}
		low, err := e.quotas.ListQuotas(ctx, &ewaybillv1.ListQuotasRequest{Parent: m.name, LowBalanceOnly: true})
		if err != nil || len(low.GetQuotas()) != 1 || low.GetQuotas()[0].GetName() != quotaName(m, "ZTO") || low.GetQuotas()[0].GetAvailable() != 50 {
			t.Fatalf("low-balance quotas: %v %v", low, err)
		}
		// The merchant lowers its alert threshold; ZTO is no longer low.
		upd, err := e.quotas.UpdateQuota(ctx, &ewaybillv1.UpdateQuotaRequest{
			Quota:      &ewaybillv1.Quota{Name: quotaName(m, "ZTO"), LowBalanceThreshold: 20},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"low_balance_threshold"}},
		})
		if err != nil || upd.GetQuota().GetLowBalance() || upd.GetQuota().GetAvailable() != 50 {
			t.Fatalf("update threshold: %v %v", upd, err)
		}
		_, err = e.quotas.UpdateQuota(ctx, &ewaybillv1.UpdateQuotaRequest{
			Quota:      &ewaybillv1.Quota{Name: quotaName(m, "ZTO"), Available: 1_000_000},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"available"}},
		})
		wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
		low, err = e.quotas.ListQuotas(ctx, &ewaybillv1.ListQuotasRequest{Parent: m.name, LowBalanceOnly: true})
		if err != nil || len(low.GetQuotas()) != 0 {
			t.Fatalf("low-balance quotas after the change: %v %v", low, err)
		}
	})
}

// TestQuotaREST tops up over REST and gets 429 with QuotaFailure when an
// allocation finds the quota exhausted.
func TestQuotaREST(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	name := quotaName(m, "SF")

	code, out := e.rest("POST", "/v1/"+name+":deduct", testAdminKey, map[string]any{"amount": 1000, "reason": "drain", "requestId": "d1"})
	if code != 200 || out["quota"].(map[string]any)["available"] != nil {
		t.Fatalf("REST deduct: %d %v", code, out)
	}
	body := map[string]any{
		"carrier": "carriers/SF", "requestId": "r1",
		"order": map[string]any{
			"orderCode": "REST-1",
			"sender":    map[string]any{"name": "王小明", "mobile": "13800138000", "province": "广东省", "city": "深圳市", "address": "深南大道 10000 号"},
			"receiver":  map[string]any{"name": "李小红", "mobile": "13900139000", "province": "浙江省", "city": "杭州市", "address": "文三路 90 号"},
			"parcel":    map[string]any{"weightGrams": 800},
			"items":     []any{map[string]any{"name": "茶叶", "quantity": 1}},
		},
	}
	code, out = e.rest("POST", "/v1/"+m.name+"/waybills:allocate", m.key, body)
	if code != 429 || restReason(out) != "QUOTA_EXHAUSTED" || !restHasQuotaFailure(out, name) {
		t.Fatalf("REST allocate on an empty quota: %d %v", code, out)
	}

	code, out = e.rest("POST", "/v1/"+name+":topUp", testAdminKey, map[string]any{"amount": "3", "reason": "invoice 7", "requestId": "t1"})
	if code != 200 || out["quota"].(map[string]any)["available"] != "3" || out["entry"].(map[string]any)["type"] != "LEDGER_ENTRY_TYPE_TOP_UP" ||
		out["entry"].(map[string]any)["balanceAfter"] != "3" || out["replayed"] != nil {
		t.Fatalf("REST top-up: %d %v", code, out)
	}
	code, out = e.rest("POST", "/v1/"+name+":topUp", testAdminKey, map[string]any{"amount": 3, "reason": "invoice 7", "requestId": "t1"})
	if code != 200 || out["replayed"] != true || out["quota"].(map[string]any)["available"] != "3" {
		t.Fatalf("REST top-up replay: %d %v", code, out)
	}
	code, out = e.rest("POST", "/v1/"+name+":topUp", testAdminKey, map[string]any{"amount": 4, "reason": "invoice 7", "requestId": "t1"})
	if code != 400 || restReason(out) != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("REST top-up with a reused id: %d %v", code, out)
	}
	code, out = e.rest("POST", "/v1/"+name+":topUp", m.key, map[string]any{"amount": 4, "reason": "free units", "requestId": "t2"})
	if code != 403 || restReason(out) != "ROLE_NOT_PERMITTED" {
		t.Fatalf("REST top-up by the merchant: %d %v", code, out)
	}

	code, out = e.rest("POST", "/v1/"+m.name+"/waybills:allocate", m.key, body)
	if code != 200 {
		t.Fatalf("REST allocate: %d %v", code, out)
	}
	w := out["waybill"].(map[string]any)
	sfNumber := number(t, sfCarrier(), 1)
	if w["number"] != sfNumber || w["state"] != "WAYBILL_STATE_ISSUED" || w["requestId"] != "r1" || out["replayed"] != nil {
		t.Fatalf("REST allocate response: %v", out)
	}
	code, out = e.rest("POST", "/v1/"+m.name+"/waybills:allocate", m.key, body)
	if code != 200 || out["replayed"] != true || out["waybill"].(map[string]any)["number"] != sfNumber {
		t.Fatalf("REST allocate replay: %d %v", code, out)
	}
	code, out = e.rest("GET", "/v1/"+name, m.key, nil)
	if code != 200 || out["quota"].(map[string]any)["available"] != "2" || out["quota"].(map[string]any)["live"] != "1" {
		t.Fatalf("REST get quota: %d %v", code, out)
	}
	code, out = e.rest("GET", "/v1/"+name+"/ledgerEntries?type=LEDGER_ENTRY_TYPE_TOP_UP", m.key, nil)
	if entries, _ := out["entries"].([]any); code != 200 || len(entries) != 1 {
		t.Fatalf("REST ledger: %d %v", code, out)
	}
}

// restHasQuotaFailure reports whether a REST error carries a QuotaFailure
// for subject.
func restHasQuotaFailure(out map[string]any, subject string) bool {
	details, _ := out["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if !strings.HasSuffix(fmt.Sprint(m["@type"]), "QuotaFailure") {
			continue
		}
		vs, _ := m["violations"].([]any)
		for _, v := range vs {
			if v.(map[string]any)["subject"] == subject {
				return true
			}
		}
	}
	return false
}
