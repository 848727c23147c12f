package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// overloadClients is how many clients the overload workload runs at once:
// over six times what the server holds at its defaults (in flight plus
// waiting), each sending its next allocation as soon as the last one is
// answered, refusals included.
const overloadClients = 4096

// Overload is the overload workload's measurement: Result is every answer
// (and the memory while it ran); the rest splits them into allocations
// served and requests refused as OVERLOADED, and adds the latency of
// health checks sent one at a time meanwhile.
type Overload struct {
	Result
	Served, Shed                           int64
	ServedP99, ShedP50, ShedP99, HealthP99 time.Duration
}

// shedTally keeps, per client, the latencies of served and refused requests.
type shedTally struct {
	served, shed [][]time.Duration
}

// overloadAllocate allocates as allocate does, counting a refusal for
// overload as an answer (the server's, quick and cheap) rather than an
// error.
func (c clients) overloadAllocate(merchant, prefix string, tally *shedTally) op {
	return func(ctx context.Context, w, i int) (int, error) {
		start := time.Now()
		_, err := c.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{
			Parent: merchant, Carrier: "carriers/" + carrierCode, Order: order(fmt.Sprintf("%s-%d-%d", prefix, w, i))})
		took := time.Since(start)
		switch {
		case err == nil:
			tally.served[w] = append(tally.served[w], took)
			return 1, nil
		case isOverloaded(err):
			tally.shed[w] = append(tally.shed[w], took)
			return 0, nil
		}
		return 0, err
	}
}

func isOverloaded(err error) bool {
	st := status.Convert(err)
	if st.Code() != codes.Unavailable {
		return false
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() == fault.ReasonOverloaded {
			return true
		}
	}
	return false
}

// overload floods the server with overloadClients clients for d while one
// more sends health checks one at a time.
func (r *runner) overload(ctx context.Context, c clients, merchant string, d time.Duration) Overload {
	if !r.cfg.runs("overload") {
		return Overload{}
	}
	tally := &shedTally{served: make([][]time.Duration, overloadClients), shed: make([][]time.Duration, overloadClients)}
	probeCtx, stopProbe := context.WithCancel(ctx)
	probed := make(chan []time.Duration)
	go func() {
		var took []time.Duration
		for probeCtx.Err() == nil {
			start := time.Now()
			if _, err := c.health.Check(probeCtx, &healthpb.HealthCheckRequest{}); err == nil {
				took = append(took, time.Since(start))
			}
		}
		probed <- took
	}()
	res := r.run(ctx, "overload", fmt.Sprintf("overload: allocate, %d clients", overloadClients), d, overloadClients,
		c.overloadAllocate(merchant, "O", tally))
	stopProbe()
	o := Overload{Result: res}
	served, shed := slices.Concat(tally.served...), slices.Concat(tally.shed...)
	o.Served, o.Shed = int64(len(served)), int64(len(shed))
	slices.Sort(served)
	slices.Sort(shed)
	health := <-probed
	slices.Sort(health)
	o.ServedP99, o.ShedP50, o.ShedP99, o.HealthP99 = quantile(served, 0.99), quantile(shed, 0.5), quantile(shed, 0.99), quantile(health, 0.99)
	fmt.Fprintf(r.table.out, "  served %d (%.0f/s, p99 %.1f ms); refused as OVERLOADED %d (%.0f/s, p50 %.1f ms, p99 %.1f ms); health checks meanwhile p99 %.1f ms\n",
		o.Served, perSecond(o.Served, res.Elapsed), millis(o.ServedP99), o.Shed, perSecond(o.Shed, res.Elapsed),
		millis(o.ShedP50), millis(o.ShedP99), millis(o.HealthP99))
	return o
}

func millis(d time.Duration) float64 { return d.Seconds() * 1000 }
