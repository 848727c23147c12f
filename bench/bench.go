// Package bench is `ewaybill bench`: it starts the whole server in this
// process (real gRPC over loopback TCP, the bbolt store with fsync), loads
// it with the workloads of a promotion peak and a print room, and reports
// rates and latencies against the ceiling of a trivial RPC on the same
// machine, server and client. Over PostgreSQL it measures allocation on
// one node and on several sharing the database.
package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
)

// Config is what a run is told.
type Config struct {
	// Duration is how long each workload runs.
	Duration time.Duration
	// Concurrency is the number of requests in flight (closed loop).
	Concurrency int
	// Preload is the number of waybills the store holds before the scale
	// workload measures allocation again.
	Preload int
	// PDFBatches is how many 200-label PDFs are rendered, one after
	// another; the median time is reported.
	PDFBatches int
	// TempDir is where the data dir is made ("" for the system's).
	TempDir string
	// ProfileDir, when set, receives a CPU profile of each workload,
	// <workload>.pprof, for `go tool pprof`.
	ProfileDir string
	// Workloads are the ids (see Workloads) of the workloads to run, in
	// any order; nil runs them all. A workload that works on what another
	// issued needs that one too (see Check).
	Workloads []string
	// Store, when set, is an empty PostgreSQL database (a postgres:// URL)
	// to measure instead of bbolt: the workloads of StoreWorkloads run on
	// one node over it, then again on Nodes nodes.
	Store string
	// Nodes is how many nodes share Store in the second pass (1: one pass
	// only). Each is a server in this process with a store of its own
	// (its own connection pool and writer); the client spreads calls over
	// them round-robin.
	Nodes int
}

// StoreWorkloads are the workloads a run with --store measures, for one
// node and for several: allocation, replays (a read of another node's
// write) and batches.
var StoreWorkloads = []string{"allocate", "replay", "batch"}

// Workloads are the workload ids, in the order a run measures them. They
// name the profiles (<id>.pprof) and the choices of --workloads.
var Workloads = []string{"ceiling", "allocate", "replay", "replay-serial", "batch", "cancel",
	"preview-zpl", "zpl", "png", "pdf", "pdf200", "preload", "allocate-preloaded", "overload"}

// needs names, for each workload that works on waybills another one
// issued, that workload and what it takes from it.
var needs = map[string]struct{ workload, what string }{
	"replay":        {"allocate", "replays the orders allocate issued"},
	"replay-serial": {"allocate", "replays the orders allocate issued"},
	"cancel":        {"allocate", "cancels the waybills allocate issued"},
	"preview-zpl":   {"batch", "draws labels of the waybills batch issued"},
	"zpl":           {"batch", "prints labels of the waybills batch issued"},
	"png":           {"batch", "prints labels of the waybills batch issued"},
	"pdf":           {"batch", "prints labels of the waybills batch issued"},
	"pdf200":        {"batch", "prints labels of the waybills batch issued"},
}

// ParseWorkloads reads a comma-separated list of workload ids ("" or
// "all" for every workload); Check validates the ids.
func ParseWorkloads(s string) []string {
	if strings.TrimSpace(s) == "" || strings.TrimSpace(s) == "all" {
		return nil
	}
	var out []string
	for _, id := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(id))
	}
	return out
}

// checkWorkloads validates ids against Workloads and needs.
func checkWorkloads(ids []string) error {
	chosen := map[string]bool{}
	for _, id := range ids {
		if !slices.Contains(Workloads, id) {
			return fmt.Errorf("--workloads: unknown workload %q; choose from %s (comma-separated), or all", id, strings.Join(Workloads, ", "))
		}
		if chosen[id] {
			return fmt.Errorf("--workloads: %s is named twice", id)
		}
		chosen[id] = true
	}
	for _, id := range ids {
		if n, ok := needs[id]; ok && !chosen[n.workload] {
			return fmt.Errorf("--workloads: %s %s, so it needs %s too: add it to --workloads", id, n.what, n.workload)
		}
	}
	return nil
}

// runs reports whether the run measures workload id.
func (c Config) runs(id string) bool {
	if c.Store != "" && !slices.Contains(StoreWorkloads, id) {
		return false
	}
	return c.Workloads == nil || slices.Contains(c.Workloads, id)
}

// QuickConfig is the CI run: every workload briefly, a small preload.
func QuickConfig() Config {
	return Config{Duration: 1500 * time.Millisecond, Concurrency: 64, Preload: 20_000, PDFBatches: 2, Nodes: 1}
}

// DefaultConfig is the full run BENCHMARKS.md records.
func DefaultConfig() Config {
	return Config{Duration: 10 * time.Second, Concurrency: 64, Preload: 1_000_000, PDFBatches: 5, Nodes: 1}
}

// Check validates c, naming the flag at fault.
func (c Config) Check() error {
	switch {
	case c.Duration < 100*time.Millisecond:
		return fmt.Errorf("--duration must be at least 100ms, got %s", c.Duration)
	case c.Concurrency < 1 || c.Concurrency > 4096:
		return fmt.Errorf("--concurrency must be 1 to 4096, got %d", c.Concurrency)
	case c.Preload < 0 || c.Preload > 100_000_000:
		return fmt.Errorf("--preload must be 0 to 100000000, got %d", c.Preload)
	case c.PDFBatches < 1 || c.PDFBatches > 100:
		return fmt.Errorf("--pdf-batches must be 1 to 100, got %d", c.PDFBatches)
	case c.Nodes < 1 || c.Nodes > 16:
		return fmt.Errorf("--nodes must be 1 to 16, got %d", c.Nodes)
	case c.Nodes > 1 && c.Store == "":
		return fmt.Errorf("--nodes %d needs --store postgres://...: nodes share a PostgreSQL database, bbolt serves one process", c.Nodes)
	}
	if c.Store != "" {
		for _, id := range c.Workloads {
			if slices.Contains(Workloads, id) && !slices.Contains(StoreWorkloads, id) {
				return fmt.Errorf("--workloads: with --store the bench measures %s; %s runs on bbolt only", strings.Join(StoreWorkloads, ", "), id)
			}
		}
	}
	return checkWorkloads(c.Workloads)
}

// labelsKept bounds the batch workload's waybills kept for the label
// workloads, so the client's own memory stays small next to the server's.
const labelsKept = 300_000

// pdfBatchLabels is the size of the print room's batch PDF.
const pdfBatchLabels = 200

// Run measures every workload (or those cfg.Workloads names) in turn, writing each row of the table to
// out as it completes, then checks the books and returns the report.
func Run(ctx context.Context, cfg Config, out io.Writer) (*Report, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	started := time.Now()
	f, err := startFixture(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer f.close()
	// Every allocation the run can make, with room to spare: the quota
	// must not be what stops it.
	if err := f.topUp(int64(cfg.Preload) + int64(cfg.Duration.Seconds()*250_000) + 100_000); err != nil {
		return nil, err
	}
	rep := &Report{Config: cfg}
	r := &runner{cfg: cfg, rep: rep, table: newTable(out)}
	if cfg.Store != "" {
		err = r.nodes(ctx, f)
	} else {
		r.all(ctx, f)
	}
	if err != nil {
		return rep, err
	}
	rep.PeakRSSMB = readMemory().PeakMB
	if err := f.checkBooks(ctx, rep); err != nil {
		return rep, err
	}
	rep.Wall = time.Since(started)
	return rep, nil
}

// all measures the workloads on the one bbolt node.
func (r *runner) all(ctx context.Context, f *fixture) {
	rep, cfg := r.rep, r.cfg
	c := f.clients()
	n, d := cfg.Concurrency, cfg.Duration

	rep.Ceiling = r.run(ctx, "ceiling", "ceiling (health check)", d, n, c.ceiling())

	singles := newLedger(n, math.MaxInt)
	rep.Allocate = r.run(f.merchantCtx, "allocate", "allocate", d, n, c.allocate(f.merchant, "A", singles))
	allocated := singles.all()

	rep.Replay = r.run(f.merchantCtx, "replay", "replay", d, n, c.replay(f.merchant, allocated))
	// Under a closed loop of n requests, latency is n / rate whatever the
	// work (Little's law), so a replay's own latency is measured alone.
	rep.ReplaySerial = r.run(f.merchantCtx, "replay-serial", "replay, one at a time", max(d/5, 500*time.Millisecond), 1, c.replay(f.merchant, allocated))

	batched := newLedger(n, labelsKept/n)
	rep.Batch = r.run(f.merchantCtx, "batch", fmt.Sprintf("batch allocate (%d per call)", batchSize), d, n,
		c.batchAllocate(f.merchant, "B", batched))

	rep.Cancel = r.run(f.merchantCtx, "cancel", "cancel", d, n, c.cancel(newQueue(allocated)))

	toPrint := newQueue(batched.all())
	// Previews draw without recording: the renderer and the read path
	// alone, against which the prints' cost of recording shows.
	rep.PreviewZPL = r.run(f.printer, "preview-zpl", "preview ZPL", d, n,
		c.preview(f.merchant, toPrint.peek(10_000), ewaybillv1.LabelFormat_LABEL_FORMAT_ZPL, 203))
	rep.ZPL = r.run(f.printer, "zpl", "print ZPL", d, n, c.render(f.merchant, toPrint, 1, ewaybillv1.LabelFormat_LABEL_FORMAT_ZPL, 203))
	rep.PNG = r.run(f.printer, "png", "print PNG 203 dpi", d, n, c.render(f.merchant, toPrint, 1, ewaybillv1.LabelFormat_LABEL_FORMAT_PNG, 203))
	rep.PDF = r.run(f.printer, "pdf", "print PDF", d, n, c.render(f.merchant, toPrint, 1, ewaybillv1.LabelFormat_LABEL_FORMAT_PDF, 203))
	rep.PDF200 = r.run(f.printer, "pdf200", fmt.Sprintf("print PDF, %d per call", pdfBatchLabels), 24*time.Hour, 1,
		limited(int64(cfg.PDFBatches), c.render(f.merchant, toPrint, pdfBatchLabels, ewaybillv1.LabelFormat_LABEL_FORMAT_PDF, 203)))

	issued := rep.Allocate.Items + rep.Batch.Items
	rep.Preloaded = max(issued, int64(cfg.Preload))
	if missing := int64(cfg.Preload) - issued; missing > 0 {
		rep.Preload = r.run(f.merchantCtx, "preload", fmt.Sprintf("preload to %d waybills", cfg.Preload), 24*time.Hour, n,
			limited((missing+batchSize-1)/batchSize, c.batchAllocate(f.merchant, "P", newLedger(n, 0))))
		rep.Preloaded = issued + rep.Preload.Items
	}
	rep.AllocatePreloaded = r.run(f.merchantCtx, "allocate-preloaded", fmt.Sprintf("allocate, %d in store", rep.Preloaded), d, n,
		c.allocate(f.merchant, "S", newLedger(n, 0)))

	rep.Overload = r.overload(f.merchantCtx, c, f.merchant, d)
}

// nodes measures StoreWorkloads on the one PostgreSQL node, then again
// with cfg.Nodes nodes over the same database (and the same seed: the
// later pass allocates for orders of its own).
func (r *runner) nodes(ctx context.Context, f *fixture) error {
	passes := []int{1}
	if r.cfg.Nodes > 1 {
		passes = append(passes, r.cfg.Nodes)
	}
	n, d := r.cfg.Concurrency, r.cfg.Duration
	for _, nodes := range passes {
		if err := f.grow(ctx, nodes); err != nil {
			return fmt.Errorf("start %d nodes: %w", nodes, err)
		}
		c := f.clients()
		pass := NodesPass{Nodes: nodes}
		r.pass = nodesTag(nodes)
		singles := newLedger(n, math.MaxInt)
		pass.Allocate = r.run(f.merchantCtx, "allocate", "allocate", d, n, c.allocate(f.merchant, "A"+r.pass, singles))
		pass.Replay = r.run(f.merchantCtx, "replay", "replay", d, n, c.replay(f.merchant, singles.all()))
		pass.Batch = r.run(f.merchantCtx, "batch", fmt.Sprintf("batch allocate (%d per call)", batchSize), d, n,
			c.batchAllocate(f.merchant, "B"+r.pass, newLedger(n, 0)))
		r.rep.NodesPasses = append(r.rep.NodesPasses, pass)
	}
	return nil
}

// nodesTag names a pass of n nodes in rows, keys and profiles: "1node",
// "3nodes".
func nodesTag(n int) string {
	if n == 1 {
		return "1node"
	}
	return fmt.Sprintf("%dnodes", n)
}

// limited lets do run calls times in all, across workers.
func limited(calls int64, do op) op {
	var taken atomic.Int64
	return func(ctx context.Context, w, i int) (int, error) {
		if taken.Add(1) > calls {
			return 0, errDone
		}
		return do(ctx, w, i)
	}
}

// runner runs workloads one after another, each into the report and the
// table, under a CPU profile of its own when asked.
type runner struct {
	cfg   Config
	rep   *Report
	table *table
	// pass tags the rows and profiles of a pass of several nodes ("" on
	// bbolt).
	pass string
}

// run measures workload id unless the run leaves it out (a zero Result
// then, and no row).
func (r *runner) run(ctx context.Context, id, name string, d time.Duration, concurrency int, do op) Result {
	if !r.cfg.runs(id) {
		return Result{}
	}
	if r.pass != "" {
		id, name = id+"-"+r.pass, name+", "+strings.Replace(r.pass, "node", " node", 1)
	}
	stop := r.profile(id)
	res := drive(ctx, name, d, concurrency, do)
	stop()
	r.rep.Results = append(r.rep.Results, res)
	r.table.row(res)
	return res
}

// profile starts a CPU profile into <ProfileDir>/<id>.pprof and returns
// what stops it; without a ProfileDir it does nothing.
func (r *runner) profile(id string) (stop func()) {
	if r.cfg.ProfileDir == "" {
		return func() {}
	}
	path := filepath.Join(r.cfg.ProfileDir, id+".pprof")
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(r.table.out, "  no profile for %s: %v\n", id, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// checkBooks stops the servers and verifies, as `ewaybill check` does,
// that the load left every invariant intact: no number twice, balances
// equal to their ledgers.
func (f *fixture) checkBooks(ctx context.Context, rep *Report) error {
	f.stopServing()
	report, err := quota.Check(ctx, f.nodes[0].store)
	if err != nil {
		return fmt.Errorf("check the books after the run: %w", err)
	}
	rep.Waybills, rep.Problems = report.Waybills, report.Problems
	if !report.OK() {
		return fmt.Errorf("the books do not balance after the run: %d problems, first: %s", len(report.Problems), report.Problems[0])
	}
	return nil
}
