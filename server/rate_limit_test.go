package server_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/ratelimit"
	"github.com/ewaybill/ewaybill/server"
)

// retryInfo is the RetryInfo delay a status carries, or -1.
func retryInfo(st *status.Status) time.Duration {
	if d, ok := server.RetryDelay(st.Err()); ok {
		return d
	}
	return -1
}

func (e *env) setRateLimit(name string, perSecond float64, burst int32) *ewaybillv1.RateLimit {
	e.t.Helper()
	resp, err := e.limits.UpdateRateLimit(admin(), &ewaybillv1.UpdateRateLimitRequest{
		RateLimit: &ewaybillv1.RateLimit{Name: name, RequestsPerSecond: perSecond, Burst: burst}})
	if err != nil {
		e.t.Fatalf("set rate limit %s: %v", name, err)
	}
	return resp.GetRateLimit()
}

func (e *env) rateLimit(ctx context.Context, name string) *ewaybillv1.RateLimit {
	e.t.Helper()
	resp, err := e.limits.GetRateLimit(ctx, &ewaybillv1.GetRateLimitRequest{Name: name})
	if err != nil {
		e.t.Fatalf("get rate limit %s: %v", name, err)
	}
	return resp.GetRateLimit()
}

func limitString(l *ewaybillv1.RateLimit) string {
	return fmt.Sprintf("%s %g/s burst %d default=%v", l.GetName(), l.GetRequestsPerSecond(), l.GetBurst(), l.GetUseDefault())
}

// Admins set the default and merchants' own limits; a merchant reads its
// own (or the default it follows) and nobody else's; every change is
// audited with before and after.
func TestRateLimitsReadAndSet(t *testing.T) {
	e := newEnv(t)
	m := e.approvedMerchant(creditCodes[0])
	other := e.approvedMerchant(creditCodes[1])
	own := m.name + "/rateLimit"

	builtIn := fmt.Sprintf("%s %g/s burst %d default=true", own, ratelimit.BuiltIn.PerSecond, ratelimit.BuiltIn.Burst)
	if got := limitString(e.rateLimit(as(m.key), own)); got != builtIn {
		t.Fatalf("before any change: %s; want %s", got, builtIn)
	}
	if got := e.rateLimit(as(m.key), ratelimit.DefaultName); got.GetUpdateTime() != nil || got.GetBurst() != int32(ratelimit.BuiltIn.Burst) {
		t.Fatalf("built-in default: %v", got)
	}
	_, err := e.limits.GetRateLimit(as(m.key), &ewaybillv1.GetRateLimitRequest{Name: other.name + "/rateLimit"})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	_, err = e.limits.UpdateRateLimit(as(m.key), &ewaybillv1.UpdateRateLimitRequest{
		RateLimit: &ewaybillv1.RateLimit{Name: own, RequestsPerSecond: 1e6, Burst: 1e6}})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")

	e.setRateLimit(ratelimit.DefaultName, 50, 100)
	if got := limitString(e.rateLimit(as(m.key), own)); got != own+" 50/s burst 100 default=true" {
		t.Fatalf("after the default changed: %s", got)
	}
	set := e.setRateLimit(own, 0.5, 3)
	if got := limitString(set); got != own+" 0.5/s burst 3 default=false" || set.GetUpdateTime() == nil {
		t.Fatalf("merchant's own limit: %s (update time %v)", got, set.GetUpdateTime())
	}
	if got := limitString(e.rateLimit(as(other.key), other.name+"/rateLimit")); got != other.name+"/rateLimit 50/s burst 100 default=true" {
		t.Fatalf("another merchant still follows the default: %s", got)
	}

	// Over REST: read as the merchant, and back to the default as admin.
	code, body := e.rest("GET", "/v1/"+own, m.key, nil)
	if code != http.StatusOK || body["rateLimit"].(map[string]any)["burst"] != float64(3) {
		t.Fatalf("GET %s: %d %v", own, code, body)
	}
	code, body = e.rest("PUT", "/v1/"+own, testAdminKey, map[string]any{"useDefault": true})
	if code != http.StatusOK || body["rateLimit"].(map[string]any)["useDefault"] != true ||
		body["rateLimit"].(map[string]any)["burst"] != float64(100) {
		t.Fatalf("PUT %s useDefault: %d %v", own, code, body)
	}

	events := e.auditLog(m.name)
	var updates []string
	for _, ev := range events {
		if ev.GetAction() == "rate_limit.update" {
			d := ev.GetDetails()
			updates = append(updates, fmt.Sprintf("%s→%s/%s %s→%s", d["requests_per_second.previous"], d["requests_per_second"],
				d["burst"], d["use_default.previous"], d["use_default"]))
			if ev.GetActor() == "" || ev.GetResources()[0] != own {
				t.Errorf("audit event %v lacks its actor or resource", ev)
			}
		}
	}
	// Newest first: back to the default, then the merchant's own values.
	want := []string{"0.5→50/100 false→true", "50→0.5/3 true→false"}
	if fmt.Sprint(updates) != fmt.Sprint(want) {
		t.Fatalf("audited merchant updates %v; want %v", updates, want)
	}
}

// Bad limits are refused naming the field and the rule, and change nothing.
func TestRateLimitsRefuseBadValues(t *testing.T) {
	e := newEnv(t)
	m := e.approvedMerchant(creditCodes[0])
	own := m.name + "/rateLimit"
	for _, tc := range []struct {
		limit *ewaybillv1.RateLimit
		field string
		rule  string
	}{
		{&ewaybillv1.RateLimit{Name: own, RequestsPerSecond: 0, Burst: 10}, "rate_limit.requests_per_second", "range"},
		{&ewaybillv1.RateLimit{Name: own, RequestsPerSecond: math.NaN(), Burst: 10}, "rate_limit.requests_per_second", "range"},
		{&ewaybillv1.RateLimit{Name: own, RequestsPerSecond: math.Inf(1), Burst: 10}, "rate_limit.requests_per_second", "range"},
		{&ewaybillv1.RateLimit{Name: own, RequestsPerSecond: 2e6, Burst: 10}, "rate_limit.requests_per_second", "range"},
		{&ewaybillv1.RateLimit{Name: own, RequestsPerSecond: 10, Burst: 0}, "rate_limit.burst", "range"},
		{&ewaybillv1.RateLimit{Name: own, RequestsPerSecond: 10, Burst: ratelimit.MaxBurst + 1}, "rate_limit.burst", "range"},
		{&ewaybillv1.RateLimit{Name: ratelimit.DefaultName, UseDefault: true}, "rate_limit.use_default", "merchant_only"},
		{&ewaybillv1.RateLimit{Name: own, UseDefault: true, Burst: 5}, "rate_limit.use_default", "exclusive"},
		{&ewaybillv1.RateLimit{Name: "rateLimits/merchants", RequestsPerSecond: 1, Burst: 1}, "rate_limit.name", "resource_name"},
		{&ewaybillv1.RateLimit{Name: m.name, RequestsPerSecond: 1, Burst: 1}, "rate_limit.name", "resource_name"},
	} {
		_, err := e.limits.UpdateRateLimit(admin(), &ewaybillv1.UpdateRateLimitRequest{RateLimit: tc.limit})
		st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
		if got := violations(st)[tc.field]; got != tc.rule {
			t.Errorf("%v: violations %v; want %s on %s", tc.limit, violations(st), tc.rule, tc.field)
		}
	}
	if got := limitString(e.rateLimit(admin(), own)); !strings.HasSuffix(got, "default=true") {
		t.Fatalf("after refused updates: %s", got)
	}
	for _, ev := range e.auditLog(m.name) {
		if ev.GetAction() == "rate_limit.update" {
			t.Fatalf("a refused update was audited: %v", ev)
		}
	}
}

// A merchant over its limit is refused before anything is done:
// RESOURCE_EXHAUSTED with RetryInfo on gRPC, 429 with Retry-After on
// REST; no number is taken and no quota spent; the next token comes when
// RetryInfo says.
func TestRateLimitRefusesOverGRPCAndREST(t *testing.T) {
	clock := newFakeClock()
	e := startEnvWith(t, t.TempDir(), serverConfig(clock))
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 1000)
	m := e.shop(creditCodes[0], "SF")
	e.setRateLimit(m.name+"/rateLimit", 2, 3)
	quotaBefore, poolBefore := e.quota(quotaName(m, "SF")), e.pool("SF")

	// The three calls above the limit's burst: two allocations and a read.
	e.allocate(as(m.key), "carriers/SF", order("RL-1"), "")
	e.allocate(as(m.key), "carriers/SF", order("RL-2"), "")
	if _, err := e.quotas.GetQuota(as(m.key), &ewaybillv1.GetQuotaRequest{Name: quotaName(m, "SF")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.waybills.AllocateWaybill(as(m.key), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: order("RL-3")})
	st := wantError(t, err, codes.ResourceExhausted, "RATE_LIMITED")
	if d := retryInfo(st); d != 500*time.Millisecond {
		t.Fatalf("RetryInfo %s; want 500ms (one token at 2/s)", d)
	}
	if md := errorMetadata(st); md["limit"] != m.name+"/rateLimit" || md["requests_per_second"] != "2" || md["burst"] != "3" {
		t.Fatalf("metadata %v", md)
	}

	req, _ := http.NewRequest("POST", e.http.URL+"/v1/"+m.name+"/waybills:allocate",
		strings.NewReader(`{"carrier":"carriers/SF","order":{"orderCode":"RL-3"}}`))
	req.Header.Set("Authorization", "Bearer "+m.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("REST over the limit: %d, Retry-After %q; want 429 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	if got, want := balances(e.quota(quotaName(m, "SF"))), balances(quotaBefore); got == want {
		t.Fatalf("the two allocations should show in the quota: %s", got)
	}
	q := e.quota(quotaName(m, "SF"))
	if q.GetAvailable() != quotaBefore.GetAvailable()-2 || e.pool("SF").GetIssued() != poolBefore.GetIssued()+2 {
		t.Fatalf("refused calls spent something: quota %s (was %s), pool %s (was %s)",
			balances(q), balances(quotaBefore), poolCounts(e.pool("SF")), poolCounts(poolBefore))
	}

	clock.Advance(499 * time.Millisecond)
	_, err = e.waybills.AllocateWaybill(as(m.key), &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: order("RL-3")})
	if d := retryInfo(wantError(t, err, codes.ResourceExhausted, "RATE_LIMITED")); d != time.Millisecond {
		t.Fatalf("1 ms before the token: RetryInfo %s", d)
	}
	clock.Advance(time.Millisecond)
	e.allocate(as(m.key), "carriers/SF", order("RL-3"), "")
}

// One merchant flooding the server is held to its own limit; another
// merchant's calls, sent at the same time, all succeed untouched, and
// nobody is refused for overload.
func TestOneMerchantsFloodDoesNotSlowAnother(t *testing.T) {
	clock := newFakeClock() // frozen: the flooder's bucket never refills
	e := startEnvWith(t, t.TempDir(), serverConfig(clock))
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 5000)
	flooder := e.shop(creditCodes[0], "SF")
	quiet := e.shop(creditCodes[1], "SF")
	const burst = 20
	e.setRateLimit(flooder.name+"/rateLimit", 1, burst)

	const floodWorkers, floodCalls, quietCalls = 16, 100, 150
	var (
		wg                       sync.WaitGroup
		mu                       sync.Mutex
		floodOK, floodLimited    int
		floodOther, quietFailure []error
	)
	for w := range floodWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range floodCalls {
				_, err := e.waybills.AllocateWaybill(as(flooder.key), &ewaybillv1.AllocateWaybillRequest{
					Carrier: "carriers/SF", Order: order(fmt.Sprintf("F-%d-%d", w, i))})
				mu.Lock()
				switch {
				case err == nil:
					floodOK++
				case status.Code(err) == codes.ResourceExhausted && errorReason(status.Convert(err)) == "RATE_LIMITED":
					floodLimited++
				default:
					floodOther = append(floodOther, err)
				}
				mu.Unlock()
			}
		}()
	}
	quietStart := e.quota(quotaName(quiet, "SF")).GetAvailable()
	for i := range quietCalls {
		_, err := e.waybills.AllocateWaybill(as(quiet.key), &ewaybillv1.AllocateWaybillRequest{
			Carrier: "carriers/SF", Order: order(fmt.Sprintf("Q-%d", i))})
		if err != nil {
			quietFailure = append(quietFailure, err)
		}
	}
	wg.Wait()
	if len(quietFailure) > 0 {
		t.Fatalf("the quiet merchant had %d failures, the first: %v", len(quietFailure), quietFailure[0])
	}
	if len(floodOther) > 0 {
		t.Fatalf("the flooder got %d errors other than RATE_LIMITED, the first: %v", len(floodOther), floodOther[0])
	}
	if floodOK != burst || floodLimited != floodWorkers*floodCalls-burst {
		t.Fatalf("flooder: %d allocated, %d rate-limited; want %d and %d", floodOK, floodLimited, burst, floodWorkers*floodCalls-burst)
	}
	if got := e.quota(quotaName(quiet, "SF")).GetAvailable(); got != quietStart-quietCalls {
		t.Fatalf("quiet merchant's quota %d; want %d", got, quietStart-quietCalls)
	}
	if shed := e.metric("ewaybill_requests_shed_total"); shed != "0" {
		t.Fatalf("requests shed for overload: %s; want 0", shed)
	}
}

// metric reads one unlabelled value from /metrics.
func (e *env) metric(name string) string {
	e.t.Helper()
	for _, line := range strings.Split(e.metricsText(), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	e.t.Fatalf("metric %s not exported", name)
	return ""
}
