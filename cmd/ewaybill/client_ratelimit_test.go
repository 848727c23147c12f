package main

import (
	"testing"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/ratelimit"
)

func TestClientRateLimitCommands(t *testing.T) {
	t.Setenv("EWAYBILL_KEY", "")
	ts := startTestServer(t)
	m := ts.demo.Merchant
	admin := []string{"--key", testAdminKey}

	shown, _ := ok(ts, &ewaybillv1.GetRateLimitResponse{}, "ratelimit", "show", "--merchant", m, "--key", ts.demo.MerchantKey)
	if l := shown.GetRateLimit(); l.GetName() != m+"/rateLimit" || !l.GetUseDefault() || l.GetBurst() != int32(ratelimit.BuiltIn.Burst) {
		t.Errorf("show before any change: %v", l)
	}
	set, _ := ok(ts, &ewaybillv1.UpdateRateLimitResponse{}, append([]string{"ratelimit", "set", "--merchant", m, "--rps", "2.5", "--burst", "5"}, admin...)...)
	if l := set.GetRateLimit(); l.GetRequestsPerSecond() != 2.5 || l.GetBurst() != 5 || l.GetUseDefault() {
		t.Errorf("set: %v", l)
	}
	def, _ := ok(ts, &ewaybillv1.UpdateRateLimitResponse{}, append([]string{"ratelimit", "set", "--rps", "300", "--burst", "600"}, admin...)...)
	if l := def.GetRateLimit(); l.GetName() != ratelimit.DefaultName || l.GetBurst() != 600 {
		t.Errorf("set the default: %v", l)
	}
	back, _ := ok(ts, &ewaybillv1.UpdateRateLimitResponse{}, append([]string{"ratelimit", "set", "--merchant", m, "--use-default"}, admin...)...)
	if l := back.GetRateLimit(); !l.GetUseDefault() || l.GetRequestsPerSecond() != 300 {
		t.Errorf("back to the default: %v", l)
	}
	ts.fails(exitRPC, []string{"reason: INVALID_REQUEST", "rate_limit.burst: rate_limit.burst must be from 1 to 1000000; got 1000001"},
		append([]string{"ratelimit", "set", "--rps", "10", "--burst", "5000000000"}, admin...)...)
	ts.fails(exitRPC, []string{"rate_limit.burst: rate_limit.burst must be from 1 to 1000000; got -1"},
		append([]string{"ratelimit", "set", "--rps", "10", "--burst", "-5000000000"}, admin...)...)
	ts.fails(exitRPC, []string{"reason: ROLE_NOT_PERMITTED"},
		"ratelimit", "set", "--merchant", m, "--rps", "1e6", "--burst", "1000000", "--key", ts.demo.MerchantKey)

	// A merchant over its limit is told when to retry.
	ok(ts, &ewaybillv1.UpdateRateLimitResponse{}, append([]string{"ratelimit", "set", "--merchant", m, "--rps", "0.01", "--burst", "1"}, admin...)...)
	ok(ts, &ewaybillv1.GetRateLimitResponse{}, "ratelimit", "show", "--merchant", m, "--key", ts.demo.MerchantKey)
	ts.fails(exitRPC, []string{"error: ResourceExhausted:", "reason: RATE_LIMITED", "retry after: 1m"},
		"ratelimit", "show", "--merchant", m, "--key", ts.demo.MerchantKey)
}
