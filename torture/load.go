package torture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
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

// target is one server process the load is sent to.
type target struct {
	cl   clients
	name string
	// killed is set just before the harness kills the process: an open
	// outcome there is then expected, and the request goes on to another
	// target, if there is one.
	killed atomic.Bool
}

// loader drives one cycle's load against one server process, or against
// several nodes sharing a database.
type loader struct {
	m       *Model
	targets []*target
	cycle   int
	// strict makes an open outcome from a target the harness has not
	// killed a violation: nodes over one database must answer every
	// request while they run. A lone server's open outcomes are expected
	// around its kill and settled after its restart.
	strict bool
	// quit stops the workers from sending more; the requests they have in
	// flight still run to their answer or error.
	quit chan struct{}
	wg   sync.WaitGroup
}

func newLoader(m *Model, targets []*target, cycle int, strict bool) *loader {
	return &loader{m: m, targets: targets, cycle: cycle, strict: strict, quit: make(chan struct{})}
}

// live returns the targets the harness has not killed.
func (l *loader) live() []*target {
	var out []*target
	for _, t := range l.targets {
		if !t.killed.Load() {
			out = append(out, t)
		}
	}
	return out
}

// pick returns a target at random among the live ones, or the first when
// every one was killed (the request's outcome is then open).
func (l *loader) pick(rng *rand.Rand) *target {
	live := l.live()
	if len(live) == 0 {
		return l.targets[0]
	}
	return live[rng.IntN(len(live))]
}

// spread returns where to send a first allocation: one target, or, one
// time in racedEvery when several are live, two or more of them at once
// with the same idempotency key.
func (l *loader) spread(rng *rand.Rand, racedEvery int) []*target {
	live := l.live()
	if len(live) < 2 || rng.IntN(racedEvery) != 0 {
		return []*target{l.pick(rng)}
	}
	rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	return live[:2+rng.IntN(len(live)-1)]
}

// next returns the first live target after t in the list, nil if none.
func (l *loader) next(t *target) *target {
	i := slices.Index(l.targets, t)
	for k := 1; k < len(l.targets); k++ {
		if n := l.targets[(i+k)%len(l.targets)]; !n.killed.Load() {
			return n
		}
	}
	return nil
}

// send runs call against t with the admin's or the merchant's key. When
// the outcome is open because t was killed, it runs it again against the
// next live target, as a client behind a load balancer retries, until one
// answers or none is left; resent says the last error (nil: answered)
// came from another target than t.
func (l *loader) send(ctx context.Context, t *target, admin bool, call func(context.Context, clients) error) (resent bool, err error) {
	for {
		base := t.cl.merchant
		if admin {
			base = t.cl.admin
		}
		cctx, cancel := l.callContext(ctx, base)
		err = call(cctx, t.cl)
		cancel()
		if _, _, definite := refusal(err); err == nil || definite {
			return resent, err
		}
		if !t.killed.Load() {
			if l.strict && ctx.Err() == nil {
				l.m.AddViolation(Violation{Cycle: l.cycle, What: "a running node failed a request",
					Detail: fmt.Sprintf("%s, which the harness did not kill, answered %v", t.name, err)})
			}
			return resent, err
		}
		n := l.next(t)
		if n == nil || ctx.Err() != nil {
			return resent, err
		}
		l.m.Count(opResent)
		t, resent = n, true
	}
}

// reply is what one send of a request came to.
type reply[R any] struct {
	resp   R
	err    error
	resent bool
}

// sendAll sends one request to each of to at once (see send) and returns
// their replies in the same order.
func sendAll[R any](ctx context.Context, l *loader, to []*target, admin bool, call func(context.Context, clients) (R, error)) []reply[R] {
	out := make([]reply[R], len(to))
	one := func(i int) {
		out[i].resent, out[i].err = l.send(ctx, to[i], admin, func(cctx context.Context, cl clients) (err error) {
			out[i].resp, err = call(cctx, cl)
			return err
		})
	}
	if len(to) == 1 {
		one(0)
		return out
	}
	var wg sync.WaitGroup
	for i := range to {
		wg.Go(func() { one(i) })
	}
	wg.Wait()
	return out
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

// One first allocation in racedAllocEvery, and one batch in
// racedBatchEvery, goes to several nodes at once when several run.
const (
	racedAllocEvery = 3
	racedBatchEvery = 4
)

// allocAnswers turns the replies to one allocation into the model's
// answers.
func allocAnswers(rs []reply[*ewaybillv1.AllocateWaybillResponse]) []Answer {
	out := make([]Answer, len(rs))
	for i, r := range rs {
		out[i] = answerOf(r.err, r.resent, r.resp.GetWaybill(), r.resp.GetReplayed())
	}
	return out
}

// answerOf is one send's answer: w, or the refusal err is, or open.
func answerOf(err error, resent bool, w *ewaybillv1.Waybill, replayed bool) Answer {
	if err == nil {
		return Answer{Waybill: w, Replayed: replayed, Resent: resent}
	}
	if reason, msg, ok := refusal(err); ok {
		return Answer{Refusal: reason, Message: msg, Resent: resent}
	}
	return Answer{Resent: resent}
}

// allocate sends a first allocation for a new order, to one node or to
// several at once; one in four carries a request id, so both kinds of
// idempotency key are crashed into.
func (l *loader) allocate(ctx context.Context, w, seq int, rng *rand.Rand) (open bool) {
	carrier := l.carrier(rng)
	code := fmt.Sprintf("T%d-%d-%d", l.cycle, w, seq)
	requestID := ""
	if rng.IntN(4) == 0 {
		requestID = fmt.Sprintf("rq-%d-%d-%d", l.cycle, w, seq)
	}
	a := l.m.NewAlloc(l.cycle, carrier, code, requestID, false, false)
	req := &ewaybillv1.AllocateWaybillRequest{Parent: l.m.Merchant, Carrier: "carriers/" + carrier, Order: orderFor(code, false), RequestId: requestID}
	answers := allocAnswers(sendAll(ctx, l, l.spread(rng, racedAllocEvery), false,
		func(cctx context.Context, cl clients) (*ewaybillv1.AllocateWaybillResponse, error) {
			return cl.waybills.AllocateWaybill(cctx, req)
		}))
	l.m.RecordAlloc(a, opAllocate, answers...)
	return !slices.ContainsFunc(answers, func(x Answer) bool { return !x.open() })
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
	var resp *ewaybillv1.AllocateWaybillResponse
	_, err := l.send(ctx, l.pick(rng), false, func(cctx context.Context, cl clients) (err error) {
		resp, err = cl.waybills.AllocateWaybill(cctx, allocRequest(l.m.Merchant, v))
		return err
	})
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

// batch sends 2–20 items, to one node or to several at once: mostly new
// orders (some with request ids), some replays of committed ones and, one
// batch in eight, an item with a broken order that must be refused on its
// own without costing anything.
func (l *loader) batch(ctx context.Context, w, seq int, rng *rand.Rand) (open bool) {
	n := 2 + rng.IntN(19)
	invalidAt := -1
	if rng.IntN(8) == 0 {
		invalidAt = rng.IntN(n)
	}
	req := &ewaybillv1.BatchAllocateWaybillsRequest{Parent: l.m.Merchant}
	news := make([]*Alloc, n)
	replays := make([]*AllocView, n)
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
		req.Items = append(req.Items, &ewaybillv1.BatchAllocateWaybillsItem{Carrier: "carriers/" + carrier,
			Order: orderFor(code, k == invalidAt), RequestId: requestID})
	}
	replies := sendAll(ctx, l, l.spread(rng, racedBatchEvery), false,
		func(cctx context.Context, cl clients) (*ewaybillv1.BatchAllocateWaybillsResponse, error) {
			return cl.waybills.BatchAllocateWaybills(cctx, req)
		})
	// Each item's answers, one per send.
	items := make([][]Answer, n)
	answered := false
	for _, r := range replies {
		results := r.resp.GetResults()
		if reason, msg, ok := refusal(r.err); ok {
			l.m.AddViolation(Violation{Cycle: l.cycle, What: "batch refused",
				Detail: fmt.Sprintf("a batch of %d items was refused as a whole with %s: %s", n, reason, msg)})
		} else if r.err == nil && len(results) != n {
			l.m.AddViolation(Violation{Cycle: l.cycle, What: "batch answered the wrong number of results",
				Detail: fmt.Sprintf("sent %d items, got %d results; the items' outcomes are treated as open", n, len(results))})
			results = nil
		}
		answered = answered || r.err == nil
		for k := range n {
			var x Answer
			switch {
			case r.err != nil:
				x = answerOf(r.err, r.resent, nil, false)
			case results == nil:
				x = Answer{Resent: r.resent}
			case results[k].GetError() != nil:
				x = Answer{Refusal: results[k].GetError().GetReason(), Message: results[k].GetError().GetMessage(), Resent: r.resent}
			default:
				x = Answer{Waybill: results[k].GetWaybill(), Replayed: results[k].GetReplayed(), Resent: r.resent}
			}
			items[k] = append(items[k], x)
		}
	}
	for k := range n {
		if news[k] != nil {
			l.m.RecordAlloc(news[k], opBatchItem, items[k]...)
			continue
		}
		for _, x := range items[k] {
			switch {
			case x.Refusal != "":
				l.m.RefuseReplay(l.cycle, *replays[k], x.Refusal, x.Message)
			case x.Waybill != nil:
				l.m.CheckReplay(l.cycle, *replays[k], x.Waybill, x.Replayed, opBatchReplay)
			}
		}
	}
	if answered {
		l.m.Count(opBatch)
	}
	return !answered
}

// cancel cancels a committed waybill, by its resource name: with the reuse
// carrier its number may already belong to a newer waybill.
func (l *loader) cancel(ctx context.Context, rng *rand.Rand) (open bool) {
	a, v, ok := l.m.TakeCancelable(l.cycle, rng)
	if !ok {
		return false
	}
	var resp *ewaybillv1.CancelWaybillResponse
	resent, err := l.send(ctx, l.pick(rng), false, func(cctx context.Context, cl clients) (err error) {
		resp, err = cl.waybills.CancelWaybill(cctx, &ewaybillv1.CancelWaybillRequest{Name: v.Name, Reason: "torture cancel"})
		return err
	})
	if err != nil {
		if reason, msg, ok := refusal(err); ok {
			l.m.RefuseCancel(a, reason, msg)
			return false
		}
		l.m.Lost(opCancel, 1)
		return true
	}
	l.m.AckCancel(a, resp.GetWaybill(), resp.GetReplayed(), resent)
	return false
}

// cancelReplay cancels a cancelled waybill again: the first cancellation
// comes back, replayed, and nothing is credited twice.
func (l *loader) cancelReplay(ctx context.Context, rng *rand.Rand) (open bool) {
	a, v, ok := l.m.PickCancelled(rng)
	if !ok {
		return false
	}
	var resp *ewaybillv1.CancelWaybillResponse
	_, err := l.send(ctx, l.pick(rng), false, func(cctx context.Context, cl clients) (err error) {
		resp, err = cl.waybills.CancelWaybill(cctx, &ewaybillv1.CancelWaybillRequest{Name: v.Name, Reason: "torture cancel"})
		return err
	})
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
	resp, resent, err := l.sendTopUp(ctx, rng, t.RequestID, t.Carrier, t.Amount)
	if err != nil {
		if reason, msg, ok := refusal(err); ok {
			l.m.RefuseTopUp(t, reason, msg)
			return false
		}
		l.m.Lost(opTopUp, 1)
		return true
	}
	l.m.AckTopUp(t, resp.GetEntry(), resp.GetReplayed(), resent)
	return false
}

// sendTopUp sends a top-up to a node picked with rng.
func (l *loader) sendTopUp(ctx context.Context, rng *rand.Rand, requestID, carrier string, amount int64) (resp *ewaybillv1.TopUpQuotaResponse, resent bool, err error) {
	resent, err = l.send(ctx, l.pick(rng), true, func(cctx context.Context, cl clients) (err error) {
		resp, err = cl.quotas.TopUpQuota(cctx, topUpRequest(l.m.Merchant, requestID, carrier, amount))
		return err
	})
	return resp, resent, err
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
	resp, _, err := l.sendTopUp(ctx, rng, t.RequestID, t.Carrier, t.Amount)
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
