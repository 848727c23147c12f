package torture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/ewaybill/ewaybill/apikeys"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/storage/pgstore"
)

// NodesConfig is what a run of several nodes over one database is told.
type NodesConfig struct {
	// Binary is the ewaybill executable whose serve and check are run.
	Binary string
	// Store is the PostgreSQL URL every node is given as --store; the
	// database should be empty.
	Store string
	// Nodes is how many `serve` processes share the database.
	Nodes int
	// Workers is the number of concurrent clients, spread over the nodes.
	Workers int
	// Load is how long the load runs; one node is killed with SIGKILL at
	// a random moment in its middle third, and the others serve the rest.
	Load time.Duration
	// Seed seeds every random choice (operations, nodes, the victim and
	// the moment of the kill).
	Seed int64
	// TempDir is where the work dir (each node's data dir and log, the PII
	// key file) is made; "" for the system's. A failed run keeps it.
	TempDir string
	// KeepDir keeps the work dir after a successful run too.
	KeepDir bool
	// ShutdownTimeout is each node's --shutdown-timeout: the survivors
	// are stopped with SIGTERM at the end and must exit 0 by then.
	ShutdownTimeout time.Duration
}

// Check validates c.
func (c NodesConfig) Check() error {
	switch {
	case c.Binary == "":
		return errors.New("no ewaybill binary to run")
	case !pgstore.IsURL(c.Store):
		return fmt.Errorf("the nodes need a postgres:// store to share, got %q", c.Store)
	case c.Nodes < 2 || c.Nodes > 16:
		return fmt.Errorf("nodes must be 2 to 16 (one is killed, another must go on), got %d", c.Nodes)
	case c.Workers < 1 || c.Workers > 256:
		return fmt.Errorf("workers must be 1 to 256, got %d", c.Workers)
	case c.Load < 300*time.Millisecond || c.Load > 10*time.Minute:
		return fmt.Errorf("load must be between 300ms and 10m, got %s", c.Load)
	case c.ShutdownTimeout < time.Second:
		return fmt.Errorf("shutdown timeout must be at least 1s, got %s", c.ShutdownTimeout)
	}
	return nil
}

// NodesReport is a multi-node run's account.
type NodesReport struct {
	Seed  int64
	Nodes int
	// Victim names the node killed, At how far into the load.
	Victim string
	At     time.Duration
	// Acked counts the acknowledged operations by kind, among them the
	// keys sent to several nodes at once and the requests sent again to
	// another node after the kill left them open. Open counts the
	// requests whose answer never came; Resolved and Absent how they
	// settled.
	Acked                  map[string]int
	Open, Resolved, Absent int
	// Waybills is how many the database held at the end.
	Waybills int
	// Check is what `ewaybill check --store` printed, run while the
	// survivors still served.
	Check      string
	Violations []Violation
	// Errors holds, for each node that logged any, its last lines at
	// level ERROR (an internal error's cause is only in the log).
	Errors   []string
	Duration time.Duration
	// Dir is the kept work dir ("" when removed).
	Dir string
}

// WriteSummary prints the run's account.
func (r *NodesReport) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "nodes: seed %d, %d nodes, %s killed with SIGKILL %s into the load, in %s\n",
		r.Seed, r.Nodes, r.Victim, r.At.Round(time.Millisecond), r.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "  acknowledged: %s\n", formatCounts(r.Acked))
	fmt.Fprintf(w, "  left open: %d (%d were in the database afterwards, %d not)\n", r.Open, r.Resolved, r.Absent)
	fmt.Fprintf(w, "  waybills in the database: %d\n", r.Waybills)
	for _, v := range r.Violations {
		fmt.Fprintf(w, "  - %s\n", v)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  %s\n", e)
	}
	if r.Dir != "" {
		fmt.Fprintf(w, "  work dir kept: %s (node-N/ data dirs, node-N.log server logs)\n", r.Dir)
	}
}

// RunNodes starts cfg.Nodes `serve` processes over the one database at
// cfg.Store, seeds it through the first, and loads all of them at once:
// allocations and batches, some sent with the same idempotency keys to
// several nodes at the same moment, replays to any node, cancels and
// top-ups. Midway it kills one node with SIGKILL; what was open on it is
// sent again to the next node, as a client behind a load balancer does,
// and the survivors must answer every request. It then verifies through
// a survivor what torture verifies after a restart (every acknowledged
// request stored once, one waybill per key whichever node answered, no
// number held twice, quotas equal to the harness's arithmetic and to
// their ledgers), runs `ewaybill check --store` while the survivors
// still serve, and stops them with SIGTERM. The error wraps ErrViolated
// when an invariant broke.
func RunNodes(ctx context.Context, cfg NodesConfig) (*NodesReport, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if !signalsSupported {
		return nil, errors.New("the multi-node run needs SIGKILL and SIGTERM: run it on Linux or another Unix")
	}
	dir, done, err := workDir(cfg.TempDir, "ewaybill-nodes-", cfg.KeepDir)
	if err != nil {
		return nil, err
	}
	n := &nodesRun{cfg: cfg, dir: dir, rep: &NodesReport{Seed: cfg.Seed, Nodes: cfg.Nodes}}
	err = n.all(ctx)
	n.rep.Dir, n.rep.Duration = done(err)
	return n.rep, err
}

// nodesRun is one multi-node run's state.
type nodesRun struct {
	cfg   NodesConfig
	dir   string
	rep   *NodesReport
	nodes []*server
}

// fail records vs and the nodes' logged errors, and returns the run's
// error, which names the first violation.
func (n *nodesRun) fail(vs []Violation) error {
	n.rep.Violations = vs
	for i, s := range n.nodes {
		if s != nil && s.errors.len() > 0 {
			n.rep.Errors = append(n.rep.Errors, fmt.Sprintf("%s logged errors (log %s):\n%s", nodeName(i, s), s.logPath, s.errors))
		}
	}
	return violated(vs, fmt.Sprintf("seed %d", n.cfg.Seed))
}

func (n *nodesRun) all(ctx context.Context) error {
	keyFile := filepath.Join(n.dir, "pii.key")
	if _, err := sealing.CreateFile(keyFile, "the PII key every node of the multi-node run shares"); err != nil {
		return err
	}
	adminKey := apikeys.NewSecret()
	defer func() {
		for _, s := range n.nodes {
			if s != nil && s.running() {
				s.kill()
			}
		}
	}()
	if err := n.start(ctx, adminKey, "--store", n.cfg.Store, "--pii-key-file", keyFile); err != nil {
		return err
	}
	fx, m, err := seedServer(ctx, n.nodes[0].conn, adminKey)
	if err != nil {
		return fmt.Errorf("seed through node 1: %w", err)
	}
	targets := make([]*target, len(n.nodes))
	for i, s := range n.nodes {
		targets[i] = &target{cl: newClients(s.conn, context.Background(), adminKey, fx.merchantKey), name: nodeName(i, s)}
	}

	rng := rand.New(rand.NewPCG(uint64(n.cfg.Seed), 0))
	victim := rng.IntN(len(n.nodes))
	n.rep.Victim = targets[victim].name
	n.rep.At = n.cfg.Load/3 + time.Duration(rng.Int64N(int64(n.cfg.Load/3)))
	since := time.Now()
	loadCtx, cancelLoad := context.WithCancel(ctx)
	defer cancelLoad()
	l := newLoader(m, targets, 1, true)
	l.run(loadCtx, n.cfg.Workers, rng.Uint64())
	if err := n.serveFor(ctx, n.rep.At, -1); err != nil {
		l.stop(cancelLoad)
		return err
	}
	targets[victim].killed.Store(true)
	n.nodes[victim].kill()
	if err := n.serveFor(ctx, n.cfg.Load-n.rep.At, victim); err != nil {
		l.stop(cancelLoad)
		return err
	}
	l.stop(cancelLoad)
	acked, open := m.takeCounts()
	n.rep.Acked = acked
	n.rep.Open += openTotal(open)

	survivor := n.nodes[(victim+1)%len(n.nodes)]
	obs, err := observe(ctx, newClients(survivor.conn, ctx, adminKey, fx.merchantKey), m, 1, since, true, rng)
	if err != nil {
		return fmt.Errorf("read the database through a survivor: %w", err)
	}
	verdict := m.Verify(1, obs, false)
	n.rep.Resolved, n.rep.Absent = verdict.Resolved, verdict.Absent
	n.rep.Waybills, _ = m.Waybills()
	vs := verdict.Violations
	// The check reads one snapshot, so it runs while the survivors serve.
	out, problem, err := runCheck(ctx, n.cfg.Binary, "--store", n.cfg.Store)
	if err != nil {
		return err
	}
	n.rep.Check = out
	if problem != "" {
		vs = append(vs, Violation{Cycle: 1, What: "ewaybill check --store failed", Detail: problem})
	}
	for i, s := range n.nodes {
		if i == victim {
			continue
		}
		problem, err := s.terminate(n.cfg.ShutdownTimeout)
		if err != nil {
			return err
		}
		if problem != "" {
			vs = append(vs, Violation{Cycle: 1, What: "graceful stop failed", Detail: fmt.Sprintf("after SIGTERM %s %s", nodeName(i, s), problem)})
		}
	}
	if len(vs) > 0 {
		return n.fail(vs)
	}
	return nil
}

func nodeName(i int, s *server) string { return fmt.Sprintf("node %d (%s)", i+1, s.grpcAddr) }

// start starts the nodes at once, as a deployment's nodes come up
// together on a fresh database: they must migrate it one at a time and
// bootstrap one admin key between them.
func (n *nodesRun) start(ctx context.Context, adminKey string, extra ...string) error {
	n.nodes = make([]*server, n.cfg.Nodes)
	errs := make([]error, n.cfg.Nodes)
	done := make(chan int)
	for i := range n.nodes {
		go func() {
			dataDir := filepath.Join(n.dir, fmt.Sprintf("node-%d", i+1))
			logPath := filepath.Join(n.dir, fmt.Sprintf("node-%d.log", i+1))
			n.nodes[i], errs[i] = startServer(ctx, n.cfg.Binary, dataDir, adminKey, logPath, n.cfg.ShutdownTimeout, extra...)
			done <- i
		}()
	}
	for range n.nodes {
		<-done
	}
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("start node %d: %w", i+1, err)
		}
	}
	return nil
}

// serveFor waits d while the load runs; a node other than the one killed
// (except, -1 for none) exiting meanwhile is a violation.
func (n *nodesRun) serveFor(ctx context.Context, d time.Duration, except int) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		for i, s := range n.nodes {
			if i != except && !s.running() {
				return n.fail([]Violation{{Cycle: 1, What: "node died under load",
					Detail: fmt.Sprintf("%s exited by itself (%v); log %s:\n%s", nodeName(i, s), s.exitErr, s.logPath, s.log)}})
			}
		}
	}
}
