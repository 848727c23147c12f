package torture

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ewaybill/ewaybill/internal/pgtest"
)

// TestMain stops the private PostgreSQL server, if a test started one.
func TestMain(m *testing.M) { pgtest.Main(m) }

// multiNodeLoad is how long the multi-node test loads its three nodes; one
// is killed somewhere in the middle third. 12 s makes a few thousand
// requests on a 2-core machine (the harness under -race), enough for keys
// raced across nodes and requests open at the kill, and keeps the whole
// test (build, PostgreSQL, three starts, the checks) within a minute.
const multiNodeLoad = 12 * time.Second

// TestMultiNodeOverPostgres runs three real `ewaybill serve` processes
// over one private PostgreSQL database, loads them all at once with keys
// raced across nodes, kills one with SIGKILL midway, and verifies that
// the survivors answered everything, that each key has one waybill and
// each number one live holder, that balances equal the harness's count
// and the ledgers, and that `ewaybill check --store` passes.
func TestMultiNodeOverPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ewaybill and runs three nodes over PostgreSQL for about 30 s; skipped with -short")
	}
	url := pgtest.DB(t)
	cfg := NodesConfig{Binary: buildBinary(t), Store: url, Nodes: 3, Workers: 9, Load: multiNodeLoad,
		Seed: time.Now().UnixNano(), TempDir: t.TempDir(), ShutdownTimeout: 10 * time.Second}
	t.Logf("seed %d", cfg.Seed)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := RunNodes(ctx, cfg)
	if rep != nil {
		var b strings.Builder
		rep.WriteSummary(&b)
		t.Log(b.String())
	}
	if err != nil {
		if errors.Is(err, ErrViolated) {
			t.Fatalf("the nodes lost, duplicated or failed something: %v\nall violations:\n%s", err, violationList(rep.Violations))
		}
		t.Fatalf("multi-node run failed: %v", err)
	}
	// A load that did too little would make every check vacuous.
	for _, k := range []string{opAllocate, opBatchItem, opRaced, opCancel, opTopUp, opReplay} {
		if rep.Acked[k] == 0 {
			t.Errorf("no %s was acknowledged: %v", k, rep.Acked)
		}
	}
	if !strings.Contains(rep.Check, "ok: every invariant holds") {
		t.Errorf("ewaybill check --store printed:\n%s", rep.Check)
	}
	if rep.Victim == "" || rep.Waybills == 0 {
		t.Errorf("victim %q, %d waybills", rep.Victim, rep.Waybills)
	}
}
