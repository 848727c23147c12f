package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
)

// mustRun runs cfg and returns the report and the table; a failed run or
// request fails the test.
func mustRun(t *testing.T, cfg Config) (*Report, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	rep, err := Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if rep.Errors() != 0 {
		t.Fatalf("%d requests failed:\n%s", rep.Errors(), out.String())
	}
	return rep, &out
}

// A tiny run goes through every workload without a failed request, and
// its figures add up: every waybill a workload reported is in the store
// the checker read afterwards, and the summary carries every key.
func TestRunMeasuresEveryWorkload(t *testing.T) {
	rep, out := mustRun(t, Config{Duration: 150 * time.Millisecond, Concurrency: 4, Preload: 20_000, PDFBatches: 1, TempDir: t.TempDir(), Nodes: 1})
	for _, r := range rep.Results {
		// Under overload most answers are refusals, which carry no item.
		if r.Requests == 0 || (r.Items < r.Requests && r.Name != rep.Overload.Name) || r.P50 <= 0 || r.P99 < r.P50 {
			t.Errorf("%s: %d requests, %d items, p50 %s, p99 %s", r.Name, r.Requests, r.Items, r.P50, r.P99)
		}
		if !strings.Contains(out.String(), r.Name) {
			t.Errorf("table has no row for %s:\n%s", r.Name, out.String())
		}
	}
	if len(rep.Results) != 14 || rep.Preload.Items == 0 {
		t.Errorf("%d workloads measured (preload made %d), want 14 with a preload", len(rep.Results), rep.Preload.Items)
	}
	// 4096 clients against the 640 requests the server holds: some are
	// served, many refused, every one answered, and health checks answer.
	if o := rep.Overload; o.Served == 0 || o.Shed == 0 || o.Served+o.Shed != o.Requests || o.Items != o.Served || o.HealthP99 <= 0 {
		t.Errorf("overload: %d served, %d refused, %d answers, %d items, health p99 %s", o.Served, o.Shed, o.Requests, o.Items, o.HealthP99)
	}
	issued := rep.Allocate.Items + rep.Batch.Items + rep.Preload.Items + rep.AllocatePreloaded.Items + rep.Overload.Items
	if int64(rep.Waybills) != issued {
		t.Errorf("the store holds %d waybills; the workloads issued %d", rep.Waybills, issued)
	}
	if rep.Preloaded < 20_000 || rep.Preloaded != rep.Allocate.Items+rep.Batch.Items+rep.Preload.Items {
		t.Errorf("preloaded %d waybills, want at least 20000 and the sum of what came before", rep.Preloaded)
	}
	if rep.PDF200.Items != pdfBatchLabels || rep.Batch.Items != rep.Batch.Requests*batchSize {
		t.Errorf("200-label PDF made %d labels; batch made %d numbers in %d calls", rep.PDF200.Items, rep.Batch.Items, rep.Batch.Requests)
	}

	var tail bytes.Buffer
	if err := rep.WriteSummary(&tail); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(tail.String()), "\n")
	var summary map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &summary); err != nil {
		t.Fatalf("last line is not the JSON summary: %v\n%s", err, tail.String())
	}
	for _, key := range []string{"ceiling_rps", "alloc_rps", "alloc_p99_ms", "replay_p50_ms", "batch_numbers_per_s",
		"cancel_rps", "zpl_labels_per_s", "zpl_preview_labels_per_s", "png_labels_per_s", "pdf_labels_per_s", "pdf_200_batch_s",
		"alloc_rps_preloaded", "peak_rss_mb", "overload_served_per_s", "overload_shed_per_s", "overload_shed_p99_ms",
		"overload_health_p99_ms", "overload_rss_mb"} {
		if v, ok := summary[key]; !ok || v <= 0 {
			t.Errorf("summary %s = %v (present %v), want a positive figure", key, v, ok)
		}
	}
}

func TestQuantileNearestRank(t *testing.T) {
	var xs []time.Duration
	for i := 1; i <= 100; i++ {
		xs = append(xs, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := quantile(xs, c.q); got != c.want {
			t.Errorf("quantile(%v) = %s, want %s", c.q, got, c.want)
		}
	}
	if got := quantile(nil, 0.5); got != 0 {
		t.Errorf("quantile of nothing = %s", got)
	}
}

func TestConfigCheckNamesTheFlag(t *testing.T) {
	for flag, cfg := range map[string]Config{
		"--duration":              {Duration: time.Millisecond, Concurrency: 1, PDFBatches: 1},
		"--concurrency":           {Duration: time.Second, Concurrency: 0, PDFBatches: 1},
		"--preload":               {Duration: time.Second, Concurrency: 1, Preload: -1, PDFBatches: 1},
		"--pdf-batches":           {Duration: time.Second, Concurrency: 1},
		"--workloads":             {Duration: time.Second, Concurrency: 1, PDFBatches: 1, Nodes: 1, Workloads: []string{"batches"}},
		"--nodes":                 {Duration: time.Second, Concurrency: 1, PDFBatches: 1},
		"--nodes 2 needs --store": {Duration: time.Second, Concurrency: 1, PDFBatches: 1, Nodes: 2},
		"--workloads: with --store the bench measures allocate, replay, batch; pdf runs on bbolt only": {Duration: time.Second,
			Concurrency: 1, PDFBatches: 1, Nodes: 3, Store: "postgres:///db", Workloads: []string{"allocate", "batch", "pdf"}},
	} {
		if err := cfg.Check(); err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("%+v: error %v, want one naming %s", cfg, err, flag)
		}
	}
	if err := QuickConfig().Check(); err != nil {
		t.Errorf("quick config: %v", err)
	}
	if err := DefaultConfig().Check(); err != nil {
		t.Errorf("default config: %v", err)
	}
}

// A role's context sends that role's key alone, even when made from one
// that sent another (the server would take the first).
func TestWithKeyReplacesTheKey(t *testing.T) {
	ctx := withKey(withKey(context.Background(), "admin-secret"), "printer-secret")
	md, _ := metadata.FromOutgoingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer printer-secret" {
		t.Errorf("authorization headers %q, want only the printer's", got)
	}
}

// --workloads takes a comma-separated subset of the workload ids; "" and
// "all" are every workload; unknown or repeated ids, and a workload
// without the one whose waybills it works on, are refused by name.
func TestWorkloadsFlag(t *testing.T) {
	for in, want := range map[string][]string{"": nil, "all": nil, "batch": {"batch"}, " allocate, replay ": {"allocate", "replay"}} {
		if got := ParseWorkloads(in); !slices.Equal(got, want) {
			t.Errorf("ParseWorkloads(%q) = %q, want %q", in, got, want)
		}
	}
	cfg := QuickConfig()
	for in, want := range map[string]string{
		"batch":                    "",
		"all":                      "",
		"allocate,replay,cancel":   "",
		"batch,zpl,pdf200":         "",
		"preload,ceiling":          "",
		"batches":                  `unknown workload "batches"; choose from ceiling, allocate,`,
		"batch,":                   `unknown workload ""`,
		"batch,batch":              "batch is named twice",
		"replay":                   "replay replays the orders allocate issued, so it needs allocate too",
		"cancel,batch":             "needs allocate too",
		"zpl":                      "zpl prints labels of the waybills batch issued, so it needs batch too",
		"allocate,preview-zpl,png": "needs batch too",
	} {
		cfg.Workloads = ParseWorkloads(in)
		err := cfg.Check()
		switch {
		case want == "" && err != nil:
			t.Errorf("--workloads %q: %v", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "--workloads: ")):
			t.Errorf("--workloads %q: error %v, want one naming --workloads and containing %q", in, err, want)
		}
	}
}

// A run of one workload measures that one alone, and its summary carries
// that workload's figures and no other's.
func TestRunOneWorkload(t *testing.T) {
	rep, out := mustRun(t, Config{Duration: 150 * time.Millisecond, Concurrency: 4, Preload: 20_000, PDFBatches: 1, TempDir: t.TempDir(),
		Workloads: []string{"batch"}, Nodes: 1})
	if len(rep.Results) != 1 || rep.Results[0].Name != rep.Batch.Name || rep.Batch.Items == 0 {
		t.Fatalf("ran %d workloads, batch issued %d; want batch alone:\n%s", len(rep.Results), rep.Batch.Items, out.String())
	}
	if int64(rep.Waybills) != rep.Batch.Items {
		t.Errorf("the store holds %d waybills; batch issued %d (no preload may run)", rep.Waybills, rep.Batch.Items)
	}
	summary := rep.Summary()
	if v, ok := summary["batch_numbers_per_s"].(float64); !ok || v <= 0 {
		t.Errorf("summary batch_numbers_per_s = %v", summary["batch_numbers_per_s"])
	}
	for _, key := range []string{"ceiling_rps", "alloc_rps", "alloc_vs_ceiling", "zpl_labels_per_s", "alloc_rps_preloaded", "preloaded_waybills"} {
		if v, ok := summary[key]; ok {
			t.Errorf("summary has %s = %v for a workload that did not run", key, v)
		}
	}
}
