package main

import (
	"context"
	"flag"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/ratelimit"
)

// rateLimitNameFlag declares --merchant and returns the name of the limit
// it selects: the merchant's, or the default when it is not given.
func rateLimitNameFlag(fs *flag.FlagSet) func() string {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID (default: the default limit)")
	return func() string {
		if *merchant == "" {
			return ratelimit.DefaultName
		}
		return merchantName(*merchant) + "/rateLimit"
	}
}

func rateLimitShow(fs *flag.FlagSet) commandAction {
	name := rateLimitNameFlag(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewRateLimitServiceClient(conn).GetRateLimit(ctx, &ewaybillv1.GetRateLimitRequest{Name: name()})
	}
}

func rateLimitSet(fs *flag.FlagSet) commandAction {
	name := rateLimitNameFlag(fs)
	perSecond := fs.Float64("rps", 0, "requests a second the bucket refills at, 0.01–1,000,000")
	burst := fs.Int("burst", 0, "requests that may come at once, 1–1,000,000")
	useDefault := fs.Bool("use-default", false, "with --merchant: drop the merchant's own values and follow the default")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		// The server checks the values and names the field of any it
		// refuses; a burst out of int32's range is sent as the nearest
		// value the server refuses, not wrapped into one it might accept.
		b := int32(max(min(*burst, ratelimit.MaxBurst+1), -1))
		return ewaybillv1.NewRateLimitServiceClient(conn).UpdateRateLimit(ctx, &ewaybillv1.UpdateRateLimitRequest{
			RateLimit: &ewaybillv1.RateLimit{Name: name(), RequestsPerSecond: *perSecond, Burst: b, UseDefault: *useDefault}})
	}
}
