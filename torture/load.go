package torture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// rpcTimeout bounds one request of the load. It is generous: a request
// that times out has an open outcome, and on a busy 2-core machine a
// commit can take a while; the kill, not the timeout, is what ends calls.
const rpcTimeout = 30 * time.Second

// openBackoff is how long a worker waits after a request whose outcome
// is open: the server is most likely gone, and spinning on refused
// connections would only pile up open outcomes to settle.
const openBackoff = 3 * time.Millisecond

// loader drives one cycle's load against one server process.
type loader struct {
	m     *Model
	cl    clients
	cycle int
	// quit stops the workers from sending more; the requests they have in
	// flight still run to their answer or error.
	quit chan struct{}
	wg   sync.WaitGroup
}

func newLoader(m *Model, cl clients, cycle int) *loader {
	return &loader{m: m, cl: cl, cycle: cycle, quit: make(chan struct{})}
}

// run starts workers goroutines, each with its own random stream drawn
// from seed, until stop is called or ctx ends. A request's context ends
// with ctx.
func (l *loader) run(ctx context.Context, workers int, seed uint64) {
	for w := range workers {
		rng := rand.New(rand.NewPCG(seed, uint64(l.cycle)<<16|uint64(w)))
		l.wg.Go(func() { l.worker(ctx, w, rng) })
	}
}

// stopWait is how long stop lets the requests in flight end by themselves
// before it cancels them.
const stopWait = 10 * time.Second

// stop ends the load once the server is gone. The workers send nothing
// new, and the requests in flight are left to end on their own: an answer
// the server wrote before it exited may still be in the socket, and
// cancelling the call would turn an acknowledged request into an open one.
// cancel is the fallback, should a call hang.
func (l *loader) stop(cancel context.CancelFunc) {
	close(l.quit)
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(stopWait):
		cancel()
		<-done
	}
}

// The mix of operations, in percent of a worker's steps.
const (
	pctAllocate     = 34
	pctReplay       = 14
	pctBatch        = 14
	pctCancel       = 16
	pctCancelReplay = 5
	pctTopUp        = 9
	// the rest: top-up replays
)

func (l *loader) worker(ctx context.Context, w int, rng *rand.Rand) {
	for seq := 0; ; seq++ {
		select {
		case <-l.quit:
			return
		case <-ctx.Done():
			return
		default:
		}
		var open bool
		switch r := rng.IntN(100); {
		case r < pctAllocate:
			open = l.allocate(ctx, w, seq, rng)
		case r < pctAllocate+pctReplay:
			open = l.replay(ctx, rng)
		case r < pctAllocate+pctReplay+pctBatch:
			open = l.batch(ctx, w, seq, rng)
		case r < pctAllocate+pctReplay+pctBatch+pctCancel:
			open = l.cancel(ctx, rng)
		case r < pctAllocate+pctReplay+pctBatch+pctCancel+pctCancelReplay:
			open = l.cancelReplay(ctx, rng)
		case r < pctAllocate+pctReplay+pctBatch+pctCancel+pctCancelReplay+pctTopUp:
			open = l.topUp(ctx, w, seq, rng)
		default:
			open = l.topUpReplay(ctx, rng)
		}
		if open {
			select {
			case <-l.quit:
			case <-ctx.Done():
			case <-time.After(openBackoff):
			}
		}
	}
}

// refusal tells a definite refusal (the server answered, and the answer
// promises nothing was written) from an open outcome (the request may or
// may not have been carried out: a transport failure, a timeout, an
// internal error, a shutdown).
func refusal(err error) (reason, message string, definite bool) {
	st, ok := status.FromError(err)
	if !ok {
		return "", "", false
	}
	switch st.Code() {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.ResourceExhausted, codes.NotFound,
		codes.AlreadyExists, codes.PermissionDenied, codes.Unauthenticated, codes.OutOfRange:
	default:
		return "", "", false
	}
	reason = st.Code().String()
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			reason = info.GetReason()
		}
	}
	return reason, st.Message(), true
}

func (l *loader) carrier(rng *rand.Rand) string { return carrierCodes[rng.IntN(len(carrierCodes))] }

// allocate sends a first allocation for a new order; one in four carries a
// request id, so both kinds of idempotency key are crashed into.
func (l *loader) allocate(ctx context.Context, w, seq int, rng *rand.Rand) (open bool) {
	carrier := l.carrier(rng)
	code := fmt.Sprintf("T%d-%d-%d", l.cycle, w, seq)
	requestID := ""
	if rng.IntN(4) == 0 {
		requestID = fmt.Sprintf("rq-%d-%d-%d", l.cycle, w, seq)
	}
	a := l.m.NewAlloc(l.cycle, carrier, code, requestID, false, false)
	cctx, cancel := l.callContext(ctx, l.cl.merchant)
	defer cancel()
	resp, err := l.cl.waybills.AllocateWaybill(cctx, &ewaybillv1.AllocateWaybillRequest{Parent: l.m.Merchant,
		Carrier: "carriers/" + carrier, Order: orderFor(code, false), RequestId: requestID})
	if err != nil {
		if reason, msg, ok := refusal(err); ok {
			l.m.RefuseAlloc(a, reason, msg)
			return false
		}
		l.m.Lost(opAllocate, 1)
		return true
	}
	l.m.AckAlloc(a, resp.GetWaybill(), resp.GetReplayed(), opAllocate)
	return false
}

// allocRequest rebuilds the request of a committed allocation.
func allocRequest(merchant string, v AllocView) *ewaybillv1.AllocateWaybillRequest {
	return &ewaybillv1.AllocateWaybillRequest{Parent: merchant, Carrier: "carriers/" + v.Carrier,
		Order: orderFor(v.OrderCode, false), RequestId: v.RequestID}
}

// replay sends a committed allocation again; the answer must be the same
// waybill, replayed.
func (l *loader) replay(ctx context.Context, rng *rand.Rand) (open bool) {
	v, ok := l.m.PickCommitted(rng)
	if !ok {
		return false
	}
	cctx, cancel := l.callContext(ctx, l.cl.merchant)
	defer cancel()
	resp, err := l.cl.waybills.AllocateWaybill(cctx, allocRequest(l.m.Merchant, v))
	if err != nil {
		if reason, msg, ok := refusal(err); ok {
			l.m.RefuseReplay(l.cycle, v, reason, msg)
			return false
		}
		l.m.Lost(opReplay, 1)
		return true
	}
	l.m.CheckReplay(l.cycle, v, resp.GetWaybill(), resp.GetReplayed(), opReplay)
	return false
}

// callContext bounds one call by rpcTimeout and by ctx, while keeping the
// key of base.
func (l *loader) callContext(ctx, base context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithTimeout(base, rpcTimeout)
	stop := context.AfterFunc(ctx, cancel)
	return cctx, func() { stop(); cancel() }
}

// batch sends 2–20 items: mostly new orders (some with request ids), some
// replays of committed ones and, one batch in eight, an item with a broken
// order that must be refused on its own without costing anything.
func (l *loader) batch(ctx context.Context, w, seq int, rng *rand.Rand) (open bool) {
	n := 2 + rng.IntN(19)
	invalidAt := -1
	if rng.IntN(8) == 0 {
		invalidAt = rng.IntN(n)
	}
	req := &ewaybillv1.BatchAllocateWaybillsRequest{Parent: l.m.Merchant}
	news := make([]*Alloc, n)
	replays := make([]*AllocView, n)
	fresh := 0
	for k := range n {
		if k != invalidAt && rng.IntN(5) == 0 {
			if v, ok := l.m.PickCommitted(rng); ok {
				replays[k] = &v
				r := allocRequest(l.m.Merchant, v)
				req.Items = append(req.Items, &ewaybillv1.BatchAllocateWaybillsItem{Carrier: r.GetCarrier(), Order: r.GetOrder(), RequestId: r.GetRequestId()})
				continue
			}
		}
		carrier := l.carrier(rng)
		code := fmt.Sprintf("T%d-%d-%d-%d", l.cycle, w, seq, k)
		requestID := ""
		if rng.IntN(6) == 0 {
			requestID = fmt.Sprintf("rq-%d-%d-%d-%d", l.cycle, w, seq, k)
		}
		news[k] = l.m.NewAlloc(l.cycle, carrier, code, requestID, true, k == invalidAt)
		fresh++
		req.Items = append(req.Items, &ewaybillv1.BatchAllocateWaybillsItem{Carrier: "carriers/" + carrier,
			Order: orderFor(code, k == invalidAt), RequestId: requestID})
	}
	cctx, cancel := l.callContext(ctx, l.cl.merchant)
	defer cancel()
	resp, err := l.cl.waybills.BatchAllocateWaybills(cctx, req)
	if err != nil {
		if reason, msg, ok := refusal(err); ok {
			l.m.AddViolation(Violation{Cycle: l.cycle, What: "batch refused",
				Detail: fmt.Sprintf("a batch of %d items was refused as a whole with %s: %s", n, reason, msg)})
			for _, a := range news {
				if a != nil {
					l.m.RefuseAlloc(a, reason, msg)
				}
			}
			return false
		}
		l.m.Lost(opBatchItem, fresh)
		return true
	}
	results := resp.GetResults()
	if len(results) != n {
		l.m.AddViolation(Violation{Cycle: l.cycle, What: "batch answered the wrong number of results",
			Detail: fmt.Sprintf("sent %d items, got %d results; the items' outcomes are treated as open", n, len(results))})
		l.m.Lost(opBatchItem, fresh)
		return false
	}
	for k, r := range results {
		switch {
		case news[k] != nil && r.GetError() != nil:
			l.m.RefuseAlloc(news[k], r.GetError().GetReason(), r.GetError().GetMessage())
		case news[k] != nil:
			l.m.AckAlloc(news[k], r.GetWaybill(), r.GetReplayed(), opBatchItem)
		case r.GetError() != nil:
			l.m.RefuseReplay(l.cycle, *replays[k], r.GetError().GetReason(), r.GetError().GetMessage())
		default:
			l.m.CheckReplay(l.cycle, *replays[k], r.GetWaybill(), r.GetReplayed(), opBatchReplay)
		}
	}
	l.m.Count(opBatch)
	return false
}

// cancel cancels a committed waybill, by its resource name: with the reuse
// carrier its number may already belong to a newer waybill.
func (l *loader) cancel(ctx context.Context, rng *rand.Rand) (open bool) {
	a, v, ok := l.m.TakeCancelable(l.cycle, rng)
	if !ok {
		return false
	}
	cctx, cancel := l.callContext(ctx, l.cl.merchant)
	defer cancel()
	resp, err := l.cl.waybills.CancelWaybill(cctx, &ewaybillv1.CancelWaybillRequest{Name: v.Name, Reason: "torture cancel"})
	if err != nil {
		if reason, msg, ok := refusal(err); ok {
			l.m.RefuseCancel(a, reason, msg)
			return false
		}
		l.m.Lost(opCancel, 1)
		return true
	}
	l.m.AckCancel(a, resp.GetWaybill(), resp.GetReplayed())
	return false
}

// cancelReplay cancels a cancelled waybill again: the first cancellation
// comes back, replayed, and nothing is credited twice.
func (l *loader) cancelReplay(ctx context.Context, rng *rand.Rand) (open bool) {
	a, v, ok := l.m.PickCancelled(rng)
	if !ok {
		return false
	}
	cctx, cancel := l.callContext(ctx, l.cl.merchant)
	defer cancel()
	resp, err := l.cl.waybills.CancelWaybill(cctx, &ewaybillv1.CancelWaybillRequest{Name: v.Name, Reason: "torture cancel"})
	if err != nil {
		if reason, msg, ok := refusal(err); ok {
			l.m.AddViolation(Violation{Cycle: l.cycle, What: "cancel replay refused",
				Detail: fmt.Sprintf("cancelling %s (%s) again was refused with %s: %s", v.Name, v.Number, reason, msg)})
			return false
		}
		l.m.Lost(opCancelReplay, 1)
		return true
	}
	l.m.CheckCancelReplay(l.cycle, a, resp.GetWaybill(), resp.GetReplayed())
	return false
}

// topUp credits 1–50 units with a new request id, as an admin.
func (l *loader) topUp(ctx context.Context, w, seq int, rng *rand.Rand) (open bool) {
	t := l.m.NewTopUp(l.cycle, fmt.Sprintf("tu-%d-%d-%d", l.cycle, w, seq), l.carrier(rng), 1+rng.Int64N(50), false)
	cctx, cancel := l.callContext(ctx, l.cl.admin)
	defer cancel()
	resp, err := l.cl.quotas.TopUpQuota(cctx, topUpRequest(l.m.Merchant, t.RequestID, t.Carrier, t.Amount))
	if err != nil {
		if reason, msg, ok := refusal(err); ok {
			l.m.RefuseTopUp(t, reason, msg)
			return false
		}
		l.m.Lost(opTopUp, 1)
		return true
	}
	l.m.AckTopUp(t, resp.GetEntry(), resp.GetReplayed())
	return false
}

func topUpRequest(merchant, requestID, carrier string, amount int64) *ewaybillv1.TopUpQuotaRequest {
	return &ewaybillv1.TopUpQuotaRequest{Name: merchant + "/quotas/" + carrier, Amount: amount,
		Reason: topUpReason(requestID), RequestId: requestID}
}

// topUpReplay sends a committed top-up again: it must answer the first
// entry, replayed, and add nothing.
func (l *loader) topUpReplay(ctx context.Context, rng *rand.Rand) (open bool) {
	t, ok := l.m.PickTopUp(rng)
	if !ok {
		return false
	}
	cctx, cancel := l.callContext(ctx, l.cl.admin)
	defer cancel()
	resp, err := l.cl.quotas.TopUpQuota(cctx, topUpRequest(l.m.Merchant, t.RequestID, t.Carrier, t.Amount))
	if err != nil {
		if reason, msg, ok := refusal(err); ok {
			l.m.AddViolation(Violation{Cycle: l.cycle, What: "top-up replay refused",
				Detail: fmt.Sprintf("sending top-up %s again was refused with %s: %s", t.RequestID, reason, msg)})
			return false
		}
		l.m.Lost(opTopUpReplay, 1)
		return true
	}
	l.m.CheckTopUpReplay(l.cycle, t, resp.GetEntry(), resp.GetReplayed())
	return false
}
