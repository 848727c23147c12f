package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ewaybill/ewaybill/internal/pgtest"
)

// TestMain stops the private PostgreSQL server, if a test started one.
func TestMain(m *testing.M) { pgtest.Main(m) }

// A short run over PostgreSQL measures allocation, replays and batches on
// one node, then on two sharing the database: every request answered,
// every waybill a pass reported in the books checked afterwards, and each
// pass's figures in the summary under its own keys. A second run on the
// same database is refused: its books would mix with the first's.
func TestRunOverPostgresNodes(t *testing.T) {
	url := pgtest.DB(t)
	cfg := Config{Duration: 300 * time.Millisecond, Concurrency: 4, PDFBatches: 1, TempDir: t.TempDir(), Store: url, Nodes: 2}
	rep, out := mustRun(t, cfg)
	if len(rep.NodesPasses) != 2 || rep.NodesPasses[0].Nodes != 1 || rep.NodesPasses[1].Nodes != 2 {
		t.Fatalf("passes %+v, want one of 1 node and one of 2", rep.NodesPasses)
	}
	var issued int64
	for _, p := range rep.NodesPasses {
		if p.Allocate.Items == 0 || p.Replay.Items == 0 || p.Batch.Items != p.Batch.Requests*batchSize {
			t.Errorf("%d nodes: allocated %d, replayed %d, batched %d in %d calls", p.Nodes, p.Allocate.Items, p.Replay.Items, p.Batch.Items, p.Batch.Requests)
		}
		issued += p.Allocate.Items + p.Batch.Items
	}
	if int64(rep.Waybills) != issued {
		t.Errorf("the database holds %d waybills; the passes issued %d", rep.Waybills, issued)
	}
	for _, row := range []string{"allocate, 1 node", "replay, 2 nodes", "batch allocate (100 per call), 2 nodes"} {
		if !strings.Contains(out.String(), row) {
			t.Errorf("no row %q in the table:\n%s", row, out.String())
		}
	}
	summary := rep.Summary()
	for _, key := range []string{"pg_alloc_rps_1node", "pg_alloc_rps_2nodes", "pg_alloc_p99_ms_2nodes", "pg_replay_rps_1node",
		"pg_replay_rps_2nodes", "pg_batch_numbers_per_s_1node", "pg_batch_numbers_per_s_2nodes"} {
		if v, ok := summary[key].(float64); !ok || v <= 0 {
			t.Errorf("summary %s = %v, want a positive figure", key, summary[key])
		}
	}
	if summary["nodes"] != 2 || summary["store"] != "postgres" {
		t.Errorf("summary nodes %v, store %v", summary["nodes"], summary["store"])
	}
	for _, key := range []string{"alloc_rps", "ceiling_rps", "overload_clients"} {
		if _, ok := summary[key]; ok {
			t.Errorf("summary has the bbolt figure %s over PostgreSQL", key)
		}
	}

	_, err := Run(context.Background(), cfg, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "needs an empty database") {
		t.Errorf("a second run on the same database: %v, want a refusal", err)
	}
}
