package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
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

	// The banner's allocation works as printed: allocate, replay, cancel by
	// number, then the quota and its ledger show what happened.
	for i := 0; i < 300 && !strings.Contains(p.stdout.String(), "ewaybill check --data-dir"); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	banner := p.stdout.String()
	orderMatch := regexp.MustCompile(`export ORDER='([^']*)'`).FindStringSubmatch(banner)
	if orderMatch == nil {
		t.Fatalf("banner has no ORDER:\n%s", banner)
	}
	for _, want := range []string{
		`curl -s http://` + p.httpAddr + `/v1/$MERCHANT/waybills:allocate -H "Authorization: Bearer $MERCHANT_KEY" -d "$ORDER"`,
		`curl -s http://` + p.httpAddr + `/v1/waybills/$NUMBER:cancel -H "Authorization: Bearer $MERCHANT_KEY" -d '{"reason": "customer changed the order"}'`,
		`curl -s http://` + p.httpAddr + `/v1/$MERCHANT/quotas/SF -H "Authorization: Bearer $MERCHANT_KEY"`,
		`curl -s http://` + p.httpAddr + `/v1/$MERCHANT/quotas/SF/ledgerEntries -H "Authorization: Bearer $MERCHANT_KEY"`,
		"export EWAYBILL_ADDR=" + p.grpcAddr + " EWAYBILL_KEY=$MERCHANT_KEY",
		"ewaybill check --data-dir " + dataDir,
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %s", want)
		}
	}
	merchantKey := keys["EWAYBILL_MERCHANT_KEY"]
	call := func(method, path, body string, resp proto.Message) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+p.httpAddr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+merchantKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		if err := protojson.Unmarshal(raw, resp); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	var first, replay ewaybillv1.AllocateWaybillResponse
	call("POST", "/v1/"+merchant+"/waybills:allocate", orderMatch[1], &first)
	call("POST", "/v1/"+merchant+"/waybills:allocate", orderMatch[1], &replay)
	number := demoNumber(t, "SF", 1)
	if first.GetReplayed() || first.GetWaybill().GetNumber() != number || first.GetWaybill().GetOrder().GetOrderCode() != "DEMO-0001" {
		t.Fatalf("allocate over REST: %v; want a new waybill %s", &first, number)
	}
	if !replay.GetReplayed() || replay.GetWaybill().GetName() != first.GetWaybill().GetName() {
		t.Fatalf("allocate again over REST: %v; want a replay of %s", &replay, first.GetWaybill().GetName())
	}
	var q ewaybillv1.GetQuotaResponse
	call("GET", "/v1/"+merchant+"/quotas/SF", "", &q)
	if q.GetQuota().GetAvailable() != 999 || q.GetQuota().GetLive() != 1 {
		t.Errorf("quota after one allocation and its replay: %v", &q)
	}
	var cancelled ewaybillv1.CancelWaybillResponse
	call("POST", "/v1/waybills/"+number+":cancel", `{"reason": "customer changed the order"}`, &cancelled)
	if cancelled.GetWaybill().GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED || cancelled.GetWaybill().GetCancellation().GetQuotaCredited() != 1 {
		t.Errorf("cancel by number over REST: %v", &cancelled)
	}
	var ledger ewaybillv1.ListLedgerEntriesResponse
	call("GET", "/v1/"+merchant+"/quotas/SF/ledgerEntries", "", &ledger)
	var types []ewaybillv1.LedgerEntryType
	for _, e := range ledger.GetEntries() {
		types = append(types, e.GetType())
	}
	if want := []ewaybillv1.LedgerEntryType{ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_STARTER_GRANT,
		ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_ALLOCATION, ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_CANCEL_CREDIT}; !slices.Equal(types, want) {
		t.Errorf("ledger over REST: got %v, want %v", types, want)
	}
	// The CLI, as its own process, sees the same quota.
	out, err := exec.Command(bin, "quota", "show", "--merchant", merchant, "--carrier", "SF", "--key", merchantKey, "--addr", p.grpcAddr).CombinedOutput()
	var shown ewaybillv1.GetQuotaResponse
	if err != nil || protojson.Unmarshal(out, &shown) != nil || shown.GetQuota().GetAvailable() != 1000 || shown.GetQuota().GetCancelled() != 1 {
		t.Errorf("ewaybill quota show: %v\n%s", err, out)
	}

	// A second process on the same data dir fails fast and says why.
	out, err = exec.Command(bin, "serve", "--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0").CombinedOutput()
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
	// The stopped server's books balance.
	out, err = exec.Command(bin, "check", "--data-dir", dataDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "  waybills          1\n") || !strings.Contains(string(out), "ok: every invariant holds") {
		t.Errorf("ewaybill check after stop: %v\n%s", err, out)
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
	// While a server runs, check cannot open the data dir and says why.
	out, err = exec.Command(bin, "check", "--data-dir", dataDir, "--lock-timeout", "200ms").CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != checkNotRun || !strings.Contains(string(out), "A running ewaybill serve holds the data dir") {
		t.Errorf("ewaybill check on a running server's data dir: %v\n%s", err, out)
	}
}

// TestServeStarterGrantReachesServer checks what an operator sees: with
// --starter-grant 0 an approved binding credits nothing, with 250 it
// credits 250.
func TestServeStarterGrantReachesServer(t *testing.T) {
	for _, grant := range []int64{0, 250} {
		ts := startTestServerGranting(t, grant)
		got, _ := ok(ts, &ewaybillv1.GetQuotaResponse{}, "quota", "show", "--merchant", ts.demo.Merchant, "--carrier", "ZTO", "--key", ts.demo.MerchantKey)
		if q := got.GetQuota(); q.GetAvailable() != grant || q.GetGranted() != grant || !q.GetStarterGranted() {
			t.Errorf("--starter-grant %d: quota %v", grant, q)
		}
	}
}

func TestServeStarterGrantFlag(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		env    string
		flag   int64
		config int64
		err    string
	}{
		{"default", nil, "", quota.DefaultStarterGrant, quota.DefaultStarterGrant, ""},
		{"flag", []string{"--starter-grant", "250"}, "", 250, 250, ""},
		{"environment", nil, "40", 40, 40, ""},
		{"flag beats environment", []string{"--starter-grant", "7"}, "40", 7, 7, ""},
		// 0 means the server's default in Config, so "none" is passed on as -1.
		{"none", []string{"--starter-grant", "0"}, "", 0, -1, ""},
		{"negative", []string{"--starter-grant", "-5"}, "", 0, 0, "--starter-grant must be 0 (no grant) or more, got -5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("EWAYBILL_STARTER_GRANT", c.env)
			cfg, err := parseServeFlags(c.args, io.Discard)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Errorf("got error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || cfg.starterGrant != c.flag || configStarterGrant(cfg.starterGrant) != c.config {
				t.Errorf("got flag %d config %d (%v), want %d and %d", cfg.starterGrant, configStarterGrant(cfg.starterGrant), err, c.flag, c.config)
			}
		})
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
