package torture

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// startTimeout bounds how long a server may take to listen and answer
// health checks; a restart replays nothing, so it is quick unless broken.
const startTimeout = 30 * time.Second

// server is one `ewaybill serve` process.
type server struct {
	cmd      *exec.Cmd
	grpcAddr string
	conn     *grpc.ClientConn
	logPath  string
	log      *tail
	// errors keeps the last lines logged at level ERROR, which a busy
	// server's log tail soon loses.
	errors *tail
	// exited is closed when the process has exited; exitErr is then its
	// exit status (nil for 0).
	exited  chan struct{}
	exitErr error
}

// startServer runs `bin serve` on dataDir with ports the kernel picks, and
// waits until it listens (its "ewaybill serving" log line names the
// ports) and reports SERVING. Its log goes to logPath. extra are further
// flags of serve (a node of several gets its --store and PII keys).
func startServer(ctx context.Context, bin, dataDir, adminKey, logPath string, shutdownTimeout time.Duration, extra ...string) (*server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--bootstrap-admin-key", adminKey, "--log-format", "json", "--shutdown-timeout", shutdownTimeout.String()}, extra...)
	cmd := exec.Command(bin, args...)
	// The server reads EWAYBILL_* for any flag not given; the operator's
	// own settings (TLS, say) must not change what is tortured.
	cmd.Env = cleanEnv(os.Environ())
	cmd.SysProcAttr = sysProcAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	cmd.Stdout = io.Discard
	s := &server{cmd: cmd, logPath: logPath, log: &tail{max: 40}, errors: &tail{max: 10}, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The process is started and waited for on one locked thread:
		// its parent-death signal (see sysProcAttr) fires when the thread
		// that forked it exits, which must not happen before the process
		// does.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			close(s.exited)
			return
		}
		started <- nil
		s.exitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := <-started; err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	addr := make(chan string, 1)
	go s.readLog(stderr, logFile, addr)

	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	select {
	case s.grpcAddr = <-addr:
		if s.grpcAddr == "" {
			s.kill()
			return nil, fmt.Errorf(`serve's "ewaybill serving" log line names no "grpc" address, which the harness needs to find the port it bound; last log lines:\n%s`, s.log)
		}
	case <-s.exited:
		return nil, fmt.Errorf("serve exited before listening (%v); last log lines:\n%s", s.exitErr, s.log)
	case <-deadline.C:
		s.kill()
		return nil, fmt.Errorf("serve did not listen within %s; last log lines:\n%s", startTimeout, s.log)
	case <-ctx.Done():
		s.kill()
		return nil, ctx.Err()
	}
	if err := s.waitHealthy(ctx, deadline.C); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

// cleanEnv drops the EWAYBILL_* variables from env.
func cleanEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "EWAYBILL_") {
			out = append(out, kv)
		}
	}
	return out
}

// readLog copies the server's log to file, keeps its last lines for
// messages, and sends the gRPC address once the server says it listens.
func (s *server) readLog(r io.Reader, file *os.File, addr chan<- string) {
	defer file.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		file.WriteString(line + "\n")
		s.log.add(line)
		if strings.Contains(line, `"level":"ERROR"`) {
			s.errors.add(line)
		}
		if !sent && strings.Contains(line, `"ewaybill serving"`) {
			var rec struct {
				Msg  string `json:"msg"`
				GRPC string `json:"grpc"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "ewaybill serving" {
				// An empty address tells startServer at once that the
				// line no longer names the port, rather than after the
				// start timeout.
				addr <- rec.GRPC
				sent = true
			}
		}
	}
	// The pipe may break mid-line at a SIGKILL; the rest is unread.
	io.Copy(io.Discard, r)
}

// waitHealthy dials the server and waits until the health service says
// SERVING.
func (s *server) waitHealthy(ctx context.Context, deadline <-chan time.Time) error {
	conn, err := grpc.NewClient(s.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		return err
	}
	health := healthpb.NewHealthClient(conn)
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := health.Check(cctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			s.conn = conn
			return nil
		}
		select {
		case <-s.exited:
			conn.Close()
			return fmt.Errorf("serve exited before it was healthy (%v); last log lines:\n%s", s.exitErr, s.log)
		case <-deadline:
			conn.Close()
			return fmt.Errorf("serve at %s not SERVING within %s (last: %v); last log lines:\n%s", s.grpcAddr, startTimeout, err, s.log)
		case <-ctx.Done():
			conn.Close()
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.closeConn()
}

// signal sends sig (SIGKILL or SIGTERM).
func (s *server) signal(sig os.Signal) error {
	return s.cmd.Process.Signal(sig)
}

// waitExit waits up to limit for the process to exit and returns its exit
// status; it kills the process when the limit passes.
func (s *server) waitExit(limit time.Duration) (exitErr error, inTime bool) {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-s.exited:
		return s.exitErr, true
	case <-t.C:
		s.kill()
		return s.exitErr, false
	}
}

// running reports whether the process has not exited.
func (s *server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *server) closeConn() {
	if s.conn != nil {
		s.conn.Close()
	}
}

// runCheck runs `bin check` with args (the stopped server's --data-dir, or
// the --store the nodes share) and returns its output and, when it did
// not exit 0, the problem: its exit status and output.
func runCheck(ctx context.Context, bin string, args ...string) (out, problem string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"check"}, args...)...)
	cmd.Env = cleanEnv(os.Environ())
	raw, err := cmd.CombinedOutput()
	out = string(raw)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out, "", nil
	case errors.As(err, &exit) && ctx.Err() == nil:
		return out, fmt.Sprintf("exit status %d, want 0:\n%s", exit.ExitCode(), strings.TrimRight(out, "\n")), nil
	default:
		return out, "", fmt.Errorf("run %s check: %w", bin, err)
	}
}

// terminate stops an idle server as an operator would, with SIGTERM, and
// waits for it to exit within its shutdown timeout (and a second). It
// returns "" when it exited 0, else how it ended and its last log lines.
func (s *server) terminate(shutdownTimeout time.Duration) (problem string, err error) {
	if err := s.signal(syscall.SIGTERM); err != nil {
		return "", err
	}
	defer s.closeConn()
	if exitErr, inTime := s.waitExit(shutdownTimeout + time.Second); !inTime || exitErr != nil {
		return fmt.Sprintf("%s; log %s:\n%s", exitWords(exitErr, inTime, shutdownTimeout), s.logPath, s.log), nil
	}
	return "", nil
}

// tail keeps the last max lines written to it.
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(line) > 2000 {
		line = line[:2000] + "…"
	}
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

func (t *tail) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.lines)
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return "  " + strings.Join(t.lines, "\n  ")
}
