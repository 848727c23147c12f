package quota_test

import (
	"context"
	"sync/atomic"
	"testing"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
)

// The engine's benchmarks measure the domain and the store (fsync on)
// without gRPC; `ewaybill bench` measures the whole server.

func benchEngine(b *testing.B) *engine {
	return newEngine(b, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, 1_000_000_000, 1_000_000_000)
}

// BenchmarkAllocate allocates with unique keys from parallel callers, so
// group commit shares fsyncs between them.
func BenchmarkAllocate(b *testing.B) {
	e := benchEngine(b)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := e.svc.Allocate(ctx, e.p, "", e.request(int(next.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAllocateReplay replays one allocated key: a read, no commit.
func BenchmarkAllocateReplay(b *testing.B) {
	e := benchEngine(b)
	ctx := context.Background()
	req := e.request(1)
	if _, _, err := e.svc.Allocate(ctx, e.p, "", req); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, replayed, err := e.svc.Allocate(ctx, e.p, "", req); err != nil || !replayed {
				b.Errorf("replayed=%v err=%v", replayed, err)
				return
			}
		}
	})
}

// BenchmarkBatchAllocate allocates 100 numbers per call; it reports
// numbers per second.
func BenchmarkBatchAllocate(b *testing.B) {
	e := benchEngine(b)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		reqs := make([]quota.Request, quota.MaxBatch)
		for pb.Next() {
			for i := range reqs {
				reqs[i] = e.request(int(next.Add(1)))
			}
			results, err := e.svc.BatchAllocate(ctx, e.p, "", reqs)
			if err != nil {
				b.Error(err)
				return
			}
			for _, r := range results {
				if r.Err != nil {
					b.Error(r.Err)
					return
				}
			}
		}
	})
	b.ReportMetric(float64(next.Load())/b.Elapsed().Seconds(), "numbers/s")
}
