package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// batchSize is the number of orders in one BatchAllocateWaybills call.
const batchSize = 100

// issued is a waybill the bench allocated, by the order code it was
// allocated for.
type issued struct {
	orderCode, number string
}

// ledger collects what workloads issued, per worker so that workers do not
// contend on a lock while they are measured, and at most keep per worker.
type ledger struct {
	perWorker [][]issued
	keep      int
}

func newLedger(workers, keep int) *ledger {
	return &ledger{perWorker: make([][]issued, workers), keep: keep}
}

func (l *ledger) add(w int, x issued) {
	if len(l.perWorker[w]) < l.keep {
		l.perWorker[w] = append(l.perWorker[w], x)
	}
}

// all flattens the ledger.
func (l *ledger) all() []issued {
	var out []issued
	for _, xs := range l.perWorker {
		out = append(out, xs...)
	}
	return out
}

// queue hands out each of a list of waybill numbers once, to any worker.
type queue struct {
	mu      sync.Mutex
	numbers []string
}

func newQueue(xs []issued) *queue {
	q := &queue{numbers: make([]string, len(xs))}
	for i, x := range xs {
		q.numbers[i] = x.number
	}
	return q
}

// take returns the next n numbers, or errDone when fewer are left.
func (q *queue) take(n int) ([]string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.numbers) < n {
		return nil, errDone
	}
	taken := q.numbers[:n:n]
	q.numbers = q.numbers[n:]
	return taken, nil
}

// peek returns up to n numbers without taking them.
func (q *queue) peek(n int) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.numbers[:min(n, len(q.numbers))])
}

// clients are the bench's API clients, over one connection.
type clients struct {
	health   healthpb.HealthClient
	waybills ewaybillv1.WaybillServiceClient
	labels   ewaybillv1.LabelServiceClient
}

func (f *fixture) clients() clients {
	return clients{health: healthpb.NewHealthClient(f.conn), waybills: ewaybillv1.NewWaybillServiceClient(f.conn),
		labels: ewaybillv1.NewLabelServiceClient(f.conn)}
}

// ceiling is the trivial RPC: a health check, through the same server,
// connection and interceptor chain as every other workload.
func (c clients) ceiling() op {
	return func(ctx context.Context, _, _ int) (int, error) {
		_, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{})
		return 1, err
	}
}

// allocate allocates one waybill per request, for a unique order code
// (prefix, worker, sequence), and records it in issued.
func (c clients) allocate(merchant, prefix string, into *ledger) op {
	return func(ctx context.Context, w, i int) (int, error) {
		code := fmt.Sprintf("%s-%d-%d", prefix, w, i)
		resp, err := c.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{
			Parent: merchant, Carrier: "carriers/" + carrierCode, Order: order(code)})
		if err != nil {
			return 0, err
		}
		if resp.GetReplayed() {
			return 0, fmt.Errorf("order %s: a first allocation came back as a replay", code)
		}
		into.add(w, issued{orderCode: code, number: resp.GetWaybill().GetNumber()})
		return 1, nil
	}
}

// replay re-sends allocations of earlier orders and checks that each gets
// its first number back.
func (c clients) replay(merchant string, earlier []issued) op {
	return func(ctx context.Context, w, i int) (int, error) {
		if len(earlier) == 0 {
			return 0, errDone
		}
		x := earlier[(w*7919+i*104729)%len(earlier)]
		resp, err := c.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{
			Parent: merchant, Carrier: "carriers/" + carrierCode, Order: order(x.orderCode)})
		if err != nil {
			return 0, err
		}
		if !resp.GetReplayed() || resp.GetWaybill().GetNumber() != x.number {
			return 0, fmt.Errorf("replay of order %s: got %s (replayed=%v), want %s", x.orderCode,
				resp.GetWaybill().GetNumber(), resp.GetReplayed(), x.number)
		}
		return 1, nil
	}
}

// batchAllocate allocates batchSize waybills per request and records them
// in into.
func (c clients) batchAllocate(merchant, prefix string, into *ledger) op {
	return func(ctx context.Context, w, i int) (int, error) {
		req := &ewaybillv1.BatchAllocateWaybillsRequest{Parent: merchant,
			Items: make([]*ewaybillv1.BatchAllocateWaybillsItem, batchSize)}
		for k := range req.Items {
			req.Items[k] = &ewaybillv1.BatchAllocateWaybillsItem{Carrier: "carriers/" + carrierCode,
				Order: order(fmt.Sprintf("%s-%d-%d-%d", prefix, w, i, k))}
		}
		resp, err := c.waybills.BatchAllocateWaybills(ctx, req)
		if err != nil {
			return 0, err
		}
		for k, r := range resp.GetResults() {
			if r.GetError() != nil {
				return 0, fmt.Errorf("batch item %d: %s: %s", k, r.GetError().GetReason(), r.GetError().GetMessage())
			}
			into.add(w, issued{orderCode: req.Items[k].GetOrder().GetOrderCode(), number: r.GetWaybill().GetNumber()})
		}
		return len(resp.GetResults()), nil
	}
}

// cancel cancels each waybill of q once.
func (c clients) cancel(q *queue) op {
	return func(ctx context.Context, _, _ int) (int, error) {
		numbers, err := q.take(1)
		if err != nil {
			return 0, err
		}
		resp, err := c.waybills.CancelWaybill(ctx, &ewaybillv1.CancelWaybillRequest{Name: "waybills/" + numbers[0], Reason: "bench"})
		if err != nil {
			return 0, err
		}
		if resp.GetWaybill().GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED {
			return 0, fmt.Errorf("cancel %s: state %s", numbers[0], resp.GetWaybill().GetState())
		}
		return 1, nil
	}
}

// render prints perCall labels of q's waybills per request, as a print
// station does: each label is printed once, in the given format.
func (c clients) render(merchant string, q *queue, perCall int, format ewaybillv1.LabelFormat, dpi int32) op {
	return func(ctx context.Context, _, _ int) (int, error) {
		numbers, err := q.take(perCall)
		if err != nil {
			return 0, err
		}
		return c.renderLabels(ctx, merchant, numbers, format, dpi, ewaybillv1.LabelPurpose_LABEL_PURPOSE_PRINT)
	}
}

// preview renders one label per request for a preview, which records
// nothing: the cost of reading and drawing alone, so the same waybills
// serve again and again.
func (c clients) preview(merchant string, numbers []string, format ewaybillv1.LabelFormat, dpi int32) op {
	return func(ctx context.Context, w, i int) (int, error) {
		if len(numbers) == 0 {
			return 0, errDone
		}
		n := numbers[(w*7919+i*104729)%len(numbers)]
		return c.renderLabels(ctx, merchant, []string{n}, format, dpi, ewaybillv1.LabelPurpose_LABEL_PURPOSE_PREVIEW)
	}
}

func (c clients) renderLabels(ctx context.Context, merchant string, numbers []string, format ewaybillv1.LabelFormat, dpi int32,
	purpose ewaybillv1.LabelPurpose) (int, error) {
	resp, err := c.labels.RenderLabels(ctx, &ewaybillv1.RenderLabelsRequest{Parent: merchant, Numbers: numbers,
		Format: format, Dpi: dpi, Purpose: purpose})
	if err != nil {
		return 0, err
	}
	if len(resp.GetLabels()) != len(numbers) || len(resp.GetDocuments()) == 0 {
		return 0, fmt.Errorf("render of %d labels: got %d labels in %d documents", len(numbers), len(resp.GetLabels()), len(resp.GetDocuments()))
	}
	return len(numbers), nil
}
