package bench

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// errDone stops a worker early without counting as a failure: the
// workload ran out of what it works on (e.g. waybills to cancel).
var errDone = errors.New("workload exhausted")

// op performs one request for worker w (its i-th) and reports how many
// items (numbers, labels) it produced.
type op func(ctx context.Context, w, i int) (items int, err error)

// Result is one workload's measurement.
type Result struct {
	Name        string
	Concurrency int
	Elapsed     time.Duration
	Requests    int64
	Items       int64
	Errors      int64
	FirstError  error
	// P50 and P99 are request latencies as the client saw them.
	P50, P99 time.Duration
	// Memory is the process's largest resident set seen while the
	// workload ran (sampled every 50 ms).
	Memory memory
}

// RequestsPerSecond is the rate of completed requests.
func (r Result) RequestsPerSecond() float64 { return perSecond(r.Requests, r.Elapsed) }

// ItemsPerSecond is the rate of produced items.
func (r Result) ItemsPerSecond() float64 { return perSecond(r.Items, r.Elapsed) }

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// drive runs do from concurrency workers in a closed loop (each sends its
// next request when the last one is answered) for d, or until every
// worker is done, and measures each request's latency. Requests are not
// cut off at the end: the last ones are answered and counted, so no
// request fails for the bench's own deadline.
func drive(ctx context.Context, name string, d time.Duration, concurrency int, do op) Result {
	type worker struct {
		latencies    []time.Duration
		items, fails int64
		firstErr     error
	}
	workers := make([]worker, concurrency)
	sampled := sampleMemory(50 * time.Millisecond)
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			me := &workers[w]
			for i := 0; ctx.Err() == nil && time.Now().Before(end); i++ {
				t := time.Now()
				n, err := do(ctx, w, i)
				if errors.Is(err, errDone) {
					return
				}
				if err != nil {
					me.fails++
					if me.firstErr == nil {
						me.firstErr = err
					}
					continue
				}
				me.latencies = append(me.latencies, time.Since(t))
				me.items += int64(n)
			}
		})
	}
	wg.Wait()
	r := Result{Name: name, Concurrency: concurrency, Elapsed: time.Since(start)}
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.latencies...)
		r.Items += w.items
		r.Errors += w.fails
		if r.FirstError == nil {
			r.FirstError = w.firstErr
		}
	}
	r.Requests = int64(len(all))
	slices.Sort(all)
	r.P50, r.P99 = quantile(all, 0.50), quantile(all, 0.99)
	r.Memory = sampled()
	return r
}

// quantile is the q-quantile of sorted latencies (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
