package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles ewaybill once per test into a temp dir, so tests can
// run it as a separate process, as an operator would.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ewaybill")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProcess is a running `ewaybill serve`.
type serveProcess struct {
	cmd      *exec.Cmd
	stdout   *lockedBuffer
	grpcAddr string
	httpAddr string
	stderr   chan string // stderr lines after start-up
}

// startServe runs `ewaybill serve` on dataDir with free ports and waits for
// the "ewaybill serving" log line that carries the bound addresses.
func startServe(t *testing.T, bin, dataDir string, extra ...string) *serveProcess {
	t.Helper()
	args := append([]string{"serve", "--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "EWAYBILL_LOG_FORMAT=text")
	p := &serveProcess{cmd: cmd, stdout: &lockedBuffer{}, stderr: make(chan string, 1000)}
	cmd.Stdout = p.stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := regexp.MustCompile(`grpc=(\S+) http=(\S+)`)
	sc := bufio.NewScanner(stderr)
	deadline := time.After(30 * time.Second)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before listening")
			}
			if m := addr.FindStringSubmatch(line); m != nil {
				p.grpcAddr, p.httpAddr = m[1], m[2]
				go func() {
					for l := range lines {
						p.stderr <- l
					}
					close(p.stderr)
				}()
				return p
			}
		case <-deadline:
			t.Fatal("serve did not start within 30s")
		}
	}
}

func TestServeDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	p := startServe(t, bin, dataDir, "--demo")

	// The demo writes its keys once seeded; wait for the banner.
	var keys map[string]string
	for i := 0; i < 300 && keys == nil; i++ {
		if strings.Contains(p.stdout.String(), "Try:") {
			keys = readEnvFile(t, filepath.Join(dataDir, "demo-keys.env"))
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if keys == nil {
		t.Fatalf("demo banner never printed; stdout:\n%s", p.stdout.String())
	}
	if fi, err := os.Stat(filepath.Join(dataDir, "admin.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.key: %v %v", fi, err)
	}
	adminKey := strings.TrimSpace(readFile(t, filepath.Join(dataDir, "admin.key")))
	if adminKey != keys["EWAYBILL_ADMIN_KEY"] {
		t.Fatal("demo admin key differs from admin.key")
	}

	get := func(path, key string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+p.httpAddr+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	merchant := keys["EWAYBILL_MERCHANT"]
	for _, c := range []struct {
		path, key string
		status    int
		want      string
	}{
		{"/v1/carriers", keys["EWAYBILL_MERCHANT_KEY"], 200, `"code":"EMS"`},
		{"/v1/" + merchant, keys["EWAYBILL_MERCHANT_KEY"], 200, `"state":"MERCHANT_STATE_APPROVED"`},
		{"/v1/" + merchant + "/carrierAuthorizations", keys["EWAYBILL_MERCHANT_KEY"], 200, `"state":"CARRIER_AUTHORIZATION_STATE_ACTIVE"`},
		{"/v1/merchants", keys["EWAYBILL_PRINTER_KEY"], 403, `ROLE_NOT_PERMITTED`},
		{"/v1/merchants", "", 401, `API_KEY_MISSING`},
		{"/healthz", "", 200, `SERVING`},
	} {
		status, body := get(c.path, c.key)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Fatalf("GET %s: %d %s; want %d containing %s", c.path, status, body, c.status, c.want)
		}
	}

	// A second process on the same data dir fails fast and says why.
	out, err := exec.Command(bin, "serve", "--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use by another process") {
		t.Fatalf("second serve: %v\n%s", err, out)
	}

	// SIGTERM shuts down cleanly.
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit 20s after SIGTERM")
	}
	var logs []string
	for l := range p.stderr {
		logs = append(logs, l)
	}
	all := strings.Join(logs, "\n")
	if !strings.Contains(all, "msg=stopped") {
		t.Fatalf("no clean stop in logs:\n%s", all)
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "ewb_") && strings.Contains(all, k) {
			t.Fatal("a key was logged")
		}
	}

	// Restarted with --demo, it reprints the same keys and seeds nothing twice.
	p2 := startServe(t, bin, dataDir, "--demo")
	for i := 0; i < 300 && !strings.Contains(p2.stdout.String(), "Try:"); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(p2.stdout.String(), keys["EWAYBILL_MERCHANT_KEY"]) {
		t.Fatalf("restarted demo did not reprint keys:\n%s", p2.stdout.String())
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(readFile(t, path), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = v
		}
	}
	return out
}

// lockedBuffer is written by exec's copier goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
