package main

import (
	"context"
	"flag"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// poolName accepts a carrier's pool as "carriers/CODE/pool", its carrier
// "carriers/CODE" or the bare code.
func poolName(s string) (string, error) {
	name := carrierName(s)
	if !strings.HasSuffix(name, "/pool") {
		name += "/pool"
	}
	return name, nil
}

func poolImport(fs *flag.FlagSet) commandAction {
	carrier := fs.String("carrier", "", "the carrier, carriers/CODE or CODE")
	first := fs.Int64("first", 0, "the first serial of the range, at least 1")
	last := fs.Int64("last", 0, "the last serial of the range, inclusive")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewPoolServiceClient(conn).ImportNumberRange(ctx, &ewaybillv1.ImportNumberRangeRequest{
			Parent: carrierName(*carrier), FirstSerial: *first, LastSerial: *last,
		})
	}
}

func poolStatus(fs *flag.FlagSet) commandAction {
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		api := ewaybillv1.NewPoolServiceClient(conn)
		if name == "" {
			return api.ListPools(ctx, &ewaybillv1.ListPoolsRequest{PageSize: *p.size, PageToken: *p.token})
		}
		return api.GetPool(ctx, &ewaybillv1.GetPoolRequest{Name: name})
	}
}

func poolRanges(fs *flag.FlagSet) commandAction {
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, carrier string) (proto.Message, error) {
		return ewaybillv1.NewPoolServiceClient(conn).ListNumberRanges(ctx, &ewaybillv1.ListNumberRangesRequest{
			Parent: carrier, PageSize: *p.size, PageToken: *p.token,
		})
	}
}

func poolRetire(fs *flag.FlagSet) commandAction {
	reason := fs.String("reason", "", "why, 1–200 characters")
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewPoolServiceClient(conn).RetireNumberRange(ctx, &ewaybillv1.RetireNumberRangeRequest{
			Name: name, Reason: *reason,
		})
	}
}

// poolUpdatePaths maps each flag of pool update to the Pool field it
// changes.
func poolUpdatePaths() map[string]string {
	return map[string]string{
		"low-watermark":    "low_watermark",
		"reuse-quarantine": "reuse_quarantine",
	}
}

func poolUpdate(fs *flag.FlagSet) commandAction {
	lowWatermark := fs.Int64("low-watermark", 0, "below this many never-issued numbers the pool is low; 0 turns the alert off")
	quarantine := fs.Duration("reuse-quarantine", 0, "how long a cancelled, unprinted number waits before reuse, e.g. 24h")
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		mask := updateMask(fs, poolUpdatePaths())
		if len(mask.GetPaths()) == 0 {
			return nil, usagef("nothing to update: give --low-watermark or --reuse-quarantine")
		}
		return ewaybillv1.NewPoolServiceClient(conn).UpdatePool(ctx, &ewaybillv1.UpdatePoolRequest{
			Pool: &ewaybillv1.Pool{
				Name:            name,
				LowWatermark:    proto.Int64(*lowWatermark),
				ReuseQuarantine: durationpb.New(*quarantine),
			},
			UpdateMask: mask,
		})
	}
}
