package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/ewaybill/ewaybill/internal/procstatus"
)

// Report is a run's measurements.
type Report struct {
	Config Config
	// Results are every workload's, in the order run.
	Results                                 []Result
	Ceiling, Allocate, Replay, ReplaySerial Result
	Batch, Cancel                           Result
	PreviewZPL, ZPL, PNG, PDF, PDF200       Result
	Preload, AllocatePreloaded              Result
	Overload                                Overload
	// NodesPasses are the passes of a run over PostgreSQL: one node, then
	// Config.Nodes.
	NodesPasses []NodesPass
	// Preloaded is the number of waybills in the store when
	// AllocatePreloaded ran.
	Preloaded int64
	// PeakRSSMB is the process's peak resident set (server and client:
	// they share the process), in MiB; 0 where the OS does not say.
	PeakRSSMB float64
	// Waybills and Problems are what the check after the run found.
	Waybills int
	Problems []string
	Wall     time.Duration
}

// NodesPass is one pass over PostgreSQL: the workloads with Nodes nodes
// serving.
type NodesPass struct {
	Nodes                   int
	Allocate, Replay, Batch Result
}

// Errors counts failed requests over every workload.
func (r *Report) Errors() int64 {
	var n int64
	for _, x := range r.Results {
		n += x.Errors
	}
	return n
}

// Summary is the final JSON line: the figures under stable keys,
// those of workloads the run left out omitted.
func (r *Report) Summary() map[string]any {
	ms := func(d time.Duration) float64 { return round(d.Seconds()*1000, 3) }
	runs := r.Config.runs
	out := map[string]any{
		"peak_rss_mb": round(r.PeakRSSMB, 0),
		"errors":      r.Errors(),
		"duration_s":  r.Config.Duration.Seconds(),
		"concurrency": r.Config.Concurrency,
		"cpus":        runtime.NumCPU(),
		"gomaxprocs":  runtime.GOMAXPROCS(0),
	}
	add := func(ok bool, kv ...any) {
		for i := 0; ok && i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	if r.Config.Store != "" {
		// Over PostgreSQL, each figure once per pass: pg_alloc_rps_1node,
		// pg_alloc_rps_3nodes.
		out["store"], out["nodes"] = "postgres", r.Config.Nodes
		for _, p := range r.NodesPasses {
			tag := nodesTag(p.Nodes)
			add(runs("allocate"), "pg_alloc_rps_"+tag, round(p.Allocate.RequestsPerSecond(), 0),
				"pg_alloc_p50_ms_"+tag, ms(p.Allocate.P50), "pg_alloc_p99_ms_"+tag, ms(p.Allocate.P99))
			add(runs("replay"), "pg_replay_rps_"+tag, round(p.Replay.RequestsPerSecond(), 0))
			add(runs("batch"), "pg_batch_numbers_per_s_"+tag, round(p.Batch.ItemsPerSecond(), 0))
		}
		return out
	}
	add(runs("ceiling"), "ceiling_rps", round(r.Ceiling.RequestsPerSecond(), 0))
	add(runs("allocate"), "alloc_rps", round(r.Allocate.RequestsPerSecond(), 0),
		"alloc_p50_ms", ms(r.Allocate.P50), "alloc_p99_ms", ms(r.Allocate.P99))
	add(runs("allocate") && runs("ceiling"),
		"alloc_vs_ceiling", round(ratio(r.Allocate.RequestsPerSecond(), r.Ceiling.RequestsPerSecond()), 3))
	add(runs("replay"), "replay_rps", round(r.Replay.RequestsPerSecond(), 0), "replay_loaded_p50_ms", ms(r.Replay.P50))
	add(runs("replay-serial"), "replay_p50_ms", ms(r.ReplaySerial.P50))
	add(runs("batch"), "batch_numbers_per_s", round(r.Batch.ItemsPerSecond(), 0))
	add(runs("cancel"), "cancel_rps", round(r.Cancel.RequestsPerSecond(), 0))
	add(runs("zpl"), "zpl_labels_per_s", round(r.ZPL.ItemsPerSecond(), 0))
	add(runs("preview-zpl"), "zpl_preview_labels_per_s", round(r.PreviewZPL.ItemsPerSecond(), 0))
	add(runs("png"), "png_labels_per_s", round(r.PNG.ItemsPerSecond(), 0))
	add(runs("pdf"), "pdf_labels_per_s", round(r.PDF.ItemsPerSecond(), 0))
	add(runs("pdf200"), "pdf_200_batch_s", round(r.PDF200.P50.Seconds(), 3))
	add(runs("allocate-preloaded"), "preloaded_waybills", r.Preloaded,
		"alloc_rps_preloaded", round(r.AllocatePreloaded.RequestsPerSecond(), 0))
	add(runs("allocate-preloaded") && runs("allocate"),
		"preloaded_vs_empty", round(ratio(r.AllocatePreloaded.RequestsPerSecond(), r.Allocate.RequestsPerSecond()), 3))
	add(runs("overload"), "overload_clients", overloadClients,
		"overload_served_per_s", round(perSecond(r.Overload.Served, r.Overload.Elapsed), 0),
		"overload_served_p99_ms", ms(r.Overload.ServedP99),
		"overload_shed_per_s", round(perSecond(r.Overload.Shed, r.Overload.Elapsed), 0),
		"overload_shed_p50_ms", ms(r.Overload.ShedP50),
		"overload_shed_p99_ms", ms(r.Overload.ShedP99),
		"overload_health_p99_ms", ms(r.Overload.HealthP99),
		"overload_rss_mb", round(r.Overload.Memory.AnonMB+r.Overload.Memory.FileMB, 0))
	return out
}

// WriteSummary writes the closing lines: peak RSS, the check, and the JSON
// summary as the very last line.
func (r *Report) WriteSummary(w io.Writer) error {
	fmt.Fprintf(w, "\npeak RSS (server and client, one process): %.0f MiB\n", r.PeakRSSMB)
	fmt.Fprintf(w, "books checked after the run: %d waybills, %d problems\n", r.Waybills, len(r.Problems))
	fmt.Fprintf(w, "wall time: %s\n", r.Wall.Round(time.Second))
	line, err := json.Marshal(r.Summary())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", line)
	return err
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}

// table prints one row per workload as it completes.
type table struct {
	out io.Writer
	tw  *tabwriter.Writer
}

func newTable(out io.Writer) *table {
	t := &table{out: out, tw: tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)}
	fmt.Fprintln(t.tw, "workload\tconc\trequests\treq/s\titems/s\tp50 ms\tp99 ms\terrors\tRSS MiB (heap+file)\t")
	t.tw.Flush()
	return t
}

func (t *table) row(r Result) {
	fmt.Fprintf(t.tw, "%s\t%d\t%d\t%.0f\t%.0f\t%.3f\t%.3f\t%d\t%.0f+%.0f\t\n", r.Name, r.Concurrency, r.Requests,
		r.RequestsPerSecond(), r.ItemsPerSecond(), r.P50.Seconds()*1000, r.P99.Seconds()*1000, r.Errors, r.Memory.AnonMB, r.Memory.FileMB)
	t.tw.Flush()
	if r.FirstError != nil {
		fmt.Fprintf(t.tw, "  first error: %v\n", r.FirstError)
		t.tw.Flush()
	}
}

// memory is the process's resident set in MiB: its high-water mark, and
// its anonymous part (Go heap, stacks) and its file part (pages of the
// bbolt file mapped in and touched). All zero where there is no /proc.
type memory struct {
	PeakMB, AnonMB, FileMB float64
}

func readMemory() memory {
	m := procstatus.Read()
	const mib = 1 << 20
	return memory{PeakMB: float64(m.Peak) / mib, AnonMB: float64(m.Anon) / mib, FileMB: float64(m.File) / mib}
}

// sampleMemory reads the resident set every interval until the returned
// function is called, which returns the largest sample (by anonymous plus
// file part).
func sampleMemory(interval time.Duration) (stop func() memory) {
	done := make(chan struct{})
	result := make(chan memory)
	go func() {
		largest := readMemory()
		sample := func() {
			if m := readMemory(); m.AnonMB+m.FileMB > largest.AnonMB+largest.FileMB {
				largest = m
			}
		}
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				sample()
			case <-done:
				sample()
				result <- largest
				return
			}
		}
	}()
	return func() memory {
		close(done)
		return <-result
	}
}
