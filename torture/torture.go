// Package torture is ewaybill's crash-safety test (`ewaybill torture`). It
// runs the real binary's `serve` as a child process, loads it from many
// workers with allocations, replays, batches, cancels and quota top-ups,
// kills it with SIGKILL at a random moment (every few cycles it sends
// SIGTERM instead, for a graceful shutdown under load), runs `ewaybill
// check` on the data dir, restarts the server on it and verifies that the
// store kept everything it acknowledged: the same waybill and number for
// every acknowledged allocation, replays answering them, cancels and
// top-ups present exactly once, no number held twice, and balances that
// equal the harness's own arithmetic as well as the ledger.
//
// The harness trusts only answers. A request whose answer never arrived
// (it was in flight at the kill) has an open outcome: after the restart
// the verifier settles it from the store, and from then on holds it to the
// same standard as an acknowledged one.
package torture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ewaybill/ewaybill/apikeys"
)

// Config is what a run is told.
type Config struct {
	// Binary is the ewaybill executable whose serve and check are run.
	Binary string
	// Cycles is how many kill-and-restart cycles to run.
	Cycles int
	// Seed seeds every random choice: the mix of operations, the carriers,
	// the kill moments, the samples. It reproduces the choices, not the
	// scheduling of the machine.
	Seed int64
	// Workers is the number of concurrent clients during the load.
	Workers int
	// Load is the load window of a cycle; the kill falls somewhere in it.
	Load time.Duration
	// TempDir is where the work dir (data dir and logs) is made; "" for
	// the system's.
	TempDir string
	// KeepDir keeps the work dir after a successful run too; a failed run
	// always keeps it.
	KeepDir bool
	// TermEvery makes every TermEvery-th cycle a graceful one (SIGTERM
	// instead of SIGKILL); 0 never.
	TermEvery int
	// FullEvery makes every FullEvery-th cycle, and the last, list and
	// verify every waybill instead of the cycle's new ones; 0 only the
	// last.
	FullEvery int
	// ShutdownTimeout is the server's --shutdown-timeout: a SIGTERM cycle
	// fails if the server has not exited by then (plus a second of grace
	// for the process to end).
	ShutdownTimeout time.Duration
	// Progress, when set, is called after each cycle.
	Progress func(CycleResult)
}

// DefaultConfig is what `ewaybill torture` runs with unless told otherwise.
func DefaultConfig() Config {
	return Config{Cycles: 10, Workers: 8, Load: 500 * time.Millisecond, TermEvery: 5, FullEvery: 10,
		ShutdownTimeout: 10 * time.Second}
}

// minLoad leaves room for the kill to fall a few milliseconds into the load
// or anywhere up to its end.
const minLoad = 10 * time.Millisecond

// Check validates c, naming the flag at fault.
func (c Config) Check() error {
	switch {
	case c.Binary == "":
		return errors.New("no ewaybill binary to run")
	case c.Cycles < 1:
		return fmt.Errorf("--cycles must be at least 1, got %d", c.Cycles)
	case c.Workers < 1 || c.Workers > 256:
		return fmt.Errorf("--workers must be 1 to 256, got %d", c.Workers)
	case c.Load < minLoad || c.Load > 10*time.Minute:
		return fmt.Errorf("--load must be between %s and 10m, got %s", minLoad, c.Load)
	case c.TermEvery < 0:
		return fmt.Errorf("--term-every must be 0 (never) or more, got %d", c.TermEvery)
	case c.FullEvery < 0:
		return fmt.Errorf("--full-every must be 0 (only the last cycle) or more, got %d", c.FullEvery)
	case c.ShutdownTimeout < time.Second:
		return fmt.Errorf("--shutdown-timeout must be at least 1s, got %s", c.ShutdownTimeout)
	}
	return nil
}

// CycleResult is one cycle's account.
type CycleResult struct {
	Cycle  int
	Signal string // "SIGKILL" or "SIGTERM"
	// At is how far into the load the signal was sent.
	At time.Duration
	// Acked counts the acknowledged operations by kind; Open the requests
	// whose answer never came.
	Acked map[string]int
	Open  int
	// Resolved and Absent say how the open outcomes settled.
	Resolved, Absent int
	// Exit describes how the server ended after a SIGTERM.
	Exit string
	// Listed is how many waybills were verified from the listing; Full
	// says it was every waybill.
	Listed int
	Full   bool
	// Waybills is how many waybills the store holds in all.
	Waybills int
	Duration time.Duration
}

// String is the cycle's line in the command's output.
func (c CycleResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cycle %d: %s at %s", c.Cycle, c.Signal, c.At.Round(time.Millisecond))
	if c.Exit != "" {
		fmt.Fprintf(&b, " (%s)", c.Exit)
	}
	fmt.Fprintf(&b, "; acked %s; %d open → %d in the store, %d not", formatCounts(c.Acked), c.Open, c.Resolved, c.Absent)
	scope := "recent"
	if c.Full {
		scope = "all"
	}
	fmt.Fprintf(&b, "; check ok; listed %d (%s) of %d waybills; %s", c.Listed, scope, c.Waybills, c.Duration.Round(time.Millisecond))
	return b.String()
}

// Report is a run's account.
type Report struct {
	Seed int64
	// Cycles is how many cycles passed; Kills and Terms how many ended
	// with each signal.
	Cycles, Kills, Terms int
	Acked                map[string]int
	Open                 int
	Resolved, Absent     int
	// Waybills is how many the store held at the end; Reused how many of
	// them were issued a number a cancelled waybill had held.
	Waybills, Reused int
	// Violations is what the failing cycle found; empty on success.
	Violations []Violation
	Duration   time.Duration
	// Dir is the kept work dir ("" when removed).
	Dir string
}

// WriteSummary prints the run's totals.
func (r *Report) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "torture: seed %d, %d cycles (%d SIGKILL, %d SIGTERM) in %s\n", r.Seed, r.Cycles, r.Kills, r.Terms, r.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "  acknowledged: %s\n", formatCounts(r.Acked))
	fmt.Fprintf(w, "  open at a kill: %d (%d were in the store after the restart, %d not)\n", r.Open, r.Resolved, r.Absent)
	fmt.Fprintf(w, "  waybills in the store: %d (%d of them on a reused number)\n", r.Waybills, r.Reused)
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "  ok: nothing acknowledged was lost, no number was held twice, every balance matched")
	} else {
		fmt.Fprintf(w, "  FAILED: %d violation(s)\n", len(r.Violations))
		for _, v := range r.Violations {
			fmt.Fprintf(w, "  - %s\n", v)
		}
	}
	if r.Dir != "" {
		fmt.Fprintf(w, "  work dir kept: %s (data dir data/, server logs serve-NNN.log)\n", r.Dir)
	}
}

func formatCounts(c map[string]int) string {
	var parts []string
	for _, k := range opKinds {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// ErrViolated is wrapped by Run's error when an invariant broke (rather
// than the run failing to run).
var ErrViolated = errors.New("invariant violated")

// Run runs cfg.Cycles cycles and returns the report; the error says why
// it stopped early: a violation (wrapping ErrViolated, with the cycle,
// the seed and what was expected and found) or a failure to run.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if !signalsSupported {
		return nil, errors.New("torture needs SIGKILL and SIGTERM: run it on Linux or another Unix")
	}
	dir, done, err := workDir(cfg.TempDir, "ewaybill-torture-", cfg.KeepDir)
	if err != nil {
		return nil, err
	}
	t := &run{cfg: cfg, dir: dir, dataDir: filepath.Join(dir, "data"), adminKey: apikeys.NewSecret(),
		report: &Report{Seed: cfg.Seed, Acked: map[string]int{}}}
	err = t.all(ctx)
	t.report.Dir, t.report.Duration = done(err)
	return t.report, err
}

// workDir makes a run's work dir under parent (the system's temp dir for
// ""). done, called with the run's error, removes it unless the run
// failed or keep is set, and returns the dir kept ("" when removed) and
// how long the run took.
func workDir(parent, prefix string, keep bool) (dir string, done func(error) (kept string, took time.Duration), err error) {
	dir, err = os.MkdirTemp(parent, prefix)
	if err != nil {
		return "", nil, err
	}
	started := time.Now()
	return dir, func(err error) (string, time.Duration) {
		took := time.Since(started)
		if err != nil || keep {
			return dir, took
		}
		os.RemoveAll(dir)
		return "", took
	}, nil
}

// run is one run's state.
type run struct {
	cfg      Config
	dir      string
	dataDir  string
	adminKey string
	report   *Report
	starts   int
	fx       *fixture
	m        *Model
}

// fail records the violations of a cycle and returns the run's error,
// which names the first.
func (t *run) fail(vs []Violation) error {
	t.report.Violations = vs
	return violated(vs, fmt.Sprintf("seed %d; reproduce the choices with --seed %d", t.cfg.Seed, t.cfg.Seed))
}

// violated is the error of a run that found vs, naming the first; note
// says how to reproduce it.
func violated(vs []Violation, note string) error {
	more := ""
	if len(vs) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(vs)-1)
	}
	return fmt.Errorf("%w (%s): %s%s", ErrViolated, note, vs[0], more)
}

// start starts a server, naming its log after the start's number. Logs
// older than the last three are removed: they belong to cycles that
// passed, and a long run would otherwise fill the disk.
func (t *run) start(ctx context.Context) (*server, error) {
	t.starts++
	if old := t.starts - 3; old > 0 {
		os.Remove(t.logPath(old))
	}
	return startServer(ctx, t.cfg.Binary, t.dataDir, t.adminKey, t.logPath(t.starts), t.cfg.ShutdownTimeout)
}

func (t *run) logPath(n int) string { return filepath.Join(t.dir, fmt.Sprintf("serve-%03d.log", n)) }

// all seeds a fresh server, runs the cycles and ends with a graceful stop
// and a last check.
func (t *run) all(ctx context.Context) error {
	srv, err := t.start(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if srv.running() {
			srv.kill()
		}
	}()
	if t.fx, t.m, err = seedServer(ctx, srv.conn, t.adminKey); err != nil {
		return fmt.Errorf("seed the server: %w", err)
	}
	for cycle := 1; cycle <= t.cfg.Cycles; cycle++ {
		var res CycleResult
		res, srv, err = t.cycle(ctx, cycle, srv)
		if err != nil {
			return err
		}
		t.report.Cycles++
		if t.cfg.Progress != nil {
			t.cfg.Progress(res)
		}
	}
	// The last server ends as an operator would end it, and the books are
	// checked once more.
	if problem, err := srv.terminate(t.cfg.ShutdownTimeout); err != nil || problem != "" {
		if err != nil {
			return err
		}
		return t.fail([]Violation{{Cycle: t.cfg.Cycles, What: "final graceful stop failed", Detail: "after SIGTERM the idle server " + problem}})
	}
	return t.check(ctx, t.cfg.Cycles, "the final graceful stop")
}

// exitWords describes how a process ended after SIGTERM.
func exitWords(exitErr error, inTime bool, limit time.Duration) string {
	switch {
	case !inTime:
		return fmt.Sprintf("had not exited after %s (the shutdown timeout and a second)", limit)
	case exitErr != nil:
		return fmt.Sprintf("exited with %v, want status 0", exitErr)
	}
	return "exited 0"
}

// check runs `ewaybill check` on the stopped server's data dir.
func (t *run) check(ctx context.Context, cycle int, after string) error {
	_, problem, err := runCheck(ctx, t.cfg.Binary, "--data-dir", t.dataDir)
	if err != nil {
		return err
	}
	if problem != "" {
		return t.fail([]Violation{{Cycle: cycle, What: "ewaybill check failed after " + after, Detail: problem}})
	}
	return nil
}

// cycle loads srv, signals it at a random moment, checks the data dir,
// restarts the server and verifies the store; it returns the restarted
// server.
func (t *run) cycle(ctx context.Context, cycle int, srv *server) (CycleResult, *server, error) {
	began := time.Now()
	rng := rand.New(rand.NewPCG(uint64(t.cfg.Seed), uint64(cycle)))
	res := CycleResult{Cycle: cycle, Signal: "SIGKILL"}
	graceful := t.cfg.TermEvery > 0 && cycle%t.cfg.TermEvery == 0
	if graceful {
		res.Signal = "SIGTERM"
	}
	// A few milliseconds in at the earliest, the end of the window at the
	// latest.
	const earliest = 2 * time.Millisecond
	res.At = earliest + time.Duration(rng.Int64N(int64(t.cfg.Load-earliest)+1))

	since := time.Now()
	cl := newClients(srv.conn, context.Background(), t.adminKey, t.fx.merchantKey)
	loadCtx, cancelLoad := context.WithCancel(ctx)
	defer cancelLoad()
	l := newLoader(t.m, []*target{{cl: cl, name: "the server"}}, cycle, false)
	l.run(loadCtx, t.cfg.Workers, rng.Uint64())
	timer := time.NewTimer(res.At)
	select {
	case <-timer.C:
	case <-srv.exited:
		l.stop(cancelLoad)
		return res, srv, t.fail([]Violation{{Cycle: cycle, What: "server died under load",
			Detail: fmt.Sprintf("it exited by itself (%v) %s into the load, before the harness signalled it; log %s:\n%s",
				srv.exitErr, time.Since(since).Round(time.Millisecond), srv.logPath, srv.log)}})
	case <-ctx.Done():
		timer.Stop()
		cancelLoad()
		l.stop(cancelLoad)
		return res, srv, ctx.Err()
	}

	var vs []Violation
	if graceful {
		t.report.Terms++
		srv.signal(syscall.SIGTERM)
		// The workers keep sending while the server drains: what it
		// finishes must be answered and kept, what it refuses must leave
		// nothing behind.
		exitErr, inTime := srv.waitExit(t.cfg.ShutdownTimeout + time.Second)
		res.Exit = exitWords(exitErr, inTime, t.cfg.ShutdownTimeout)
		if exitErr == nil && inTime {
			res.Exit += fmt.Sprintf(" after %s", (time.Since(since) - res.At).Round(time.Millisecond))
		} else {
			vs = append(vs, Violation{Cycle: cycle, What: "graceful shutdown failed",
				Detail: fmt.Sprintf("after SIGTERM under load the server %s; log %s:\n%s", res.Exit, srv.logPath, srv.log)})
		}
	} else {
		t.report.Kills++
		srv.kill()
	}
	l.stop(cancelLoad)
	srv.closeConn()
	acked, open := t.m.takeCounts()
	res.Acked = acked
	res.Open += openTotal(open)
	for k, n := range acked {
		t.report.Acked[k] += n
	}
	t.report.Open += res.Open
	if len(vs) > 0 {
		return res, srv, t.fail(vs)
	}

	if err := t.check(ctx, cycle, fmt.Sprintf("the %s (server log %s)", res.Signal, srv.logPath)); err != nil {
		return res, srv, err
	}
	next, err := t.start(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return res, srv, ctx.Err()
		}
		return res, srv, t.fail([]Violation{{Cycle: cycle, What: "restart failed", Detail: err.Error()}})
	}
	srv = next
	res.Full = cycle == t.cfg.Cycles || t.cfg.FullEvery > 0 && cycle%t.cfg.FullEvery == 0
	cl = newClients(srv.conn, ctx, t.adminKey, t.fx.merchantKey)
	obs, err := observe(ctx, cl, t.m, cycle, since, res.Full, rng)
	if err != nil {
		return res, srv, fmt.Errorf("cycle %d: read the restarted store: %w", cycle, err)
	}
	verdict := t.m.Verify(cycle, obs, graceful)
	res.Resolved, res.Absent, res.Listed = verdict.Resolved, verdict.Absent, verdict.Waybills
	t.report.Resolved += res.Resolved
	t.report.Absent += res.Absent
	res.Waybills, t.report.Reused = t.m.Waybills()
	t.report.Waybills = res.Waybills
	if len(verdict.Violations) > 0 {
		return res, srv, t.fail(verdict.Violations)
	}
	if err := t.fx.refill(cl, t.m); err != nil {
		return res, srv, err
	}
	res.Duration = time.Since(began)
	return res, srv, nil
}
