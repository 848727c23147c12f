// Package e2e drives the web console in headless Chromium against a real
// ewaybill server: the server package with its real gateway over TCP, a
// bbolt store in a temporary data dir, and console.e2e.mjs run by node
// with Playwright (playwright-core, pinned in package.json).
package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/server"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// requireEnv makes a missing browser fail the test rather than skip it;
// CI sets it, so the console is never left untested there.
const requireEnv = "EWAYBILL_REQUIRE_BROWSER"

// defaultChromium is Debian's chromium package; EWAYBILL_CHROMIUM names
// another build.
const defaultChromium = "/usr/bin/chromium"

const adminKey = "e2e-admin-key-0123456789abcdef"

// requireBrowser returns the Chromium and node to run the test with, or
// skips the test saying what to install (fails, with
// EWAYBILL_REQUIRE_BROWSER=1).
func requireBrowser(t *testing.T) (chromium, node string) {
	t.Helper()
	chromium = os.Getenv("EWAYBILL_CHROMIUM")
	if chromium == "" {
		chromium = defaultChromium
	}
	var problem string
	node, err := exec.LookPath("node")
	switch {
	case err != nil:
		problem = "node not found in PATH; install Node.js and run npm ci --prefix console/e2e to run this test"
	case func() bool { fi, err := os.Stat(chromium); return err != nil || fi.IsDir() }():
		problem = fmt.Sprintf("%s not found; install Debian's chromium (apt-get install chromium) or set EWAYBILL_CHROMIUM to run this test", chromium)
	default:
		if _, err := os.Stat(filepath.Join("node_modules", "playwright-core", "package.json")); err != nil {
			problem = "playwright-core is not installed in console/e2e; run npm ci --prefix console/e2e (from the repository root) to run this test"
		}
	}
	if problem == "" {
		return chromium, node
	}
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("e2e: %s (%s=1, so this fails instead of skipping)", problem, requireEnv)
	}
	t.Skip("e2e: " + problem)
	return "", ""
}

// screenshotDir is EWAYBILL_SCREENSHOTS (relative to the repository
// root), or console/e2e/screenshots.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("EWAYBILL_SCREENSHOTS")
	if dir == "" {
		dir = "screenshots"
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// world is a running server and the records the scenario starts from: a
// carrier with numbers and routes, and a merchant that registered itself
// and applied for the carrier, both waiting for an admin.
type world struct {
	url       string
	conn      *grpc.ClientConn
	merchant  string
	legalName string
	key       string
}

func startWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	store, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The server's log goes to a file (its handler serialises writes),
	// shown when the test fails.
	logPath := filepath.Join(t.TempDir(), "server.log")
	logs, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Store: store, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if _, err := srv.Keys().Bootstrap(ctx, adminKey); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.GRPC().Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), server.ClientOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	handler, err := srv.HTTPHandler(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(handler)
	t.Cleanup(func() {
		web.Close()
		conn.Close()
		srv.GRPC().Stop()
		store.Close()
		logs.Close()
		if t.Failed() {
			text, _ := os.ReadFile(logPath)
			t.Logf("server log:\n%s", text)
		}
	})
	w := &world{url: web.URL, conn: conn, legalName: "杭州小店 E2E"}

	admin := asKey(adminKey)
	sf := &ewaybillv1.Carrier{Code: "SF", DisplayName: "顺丰速运", Kind: ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED,
		RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID,
		NumberFormat:  &ewaybillv1.NumberFormat{Prefix: "SF", SerialLength: 12, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD11}}
	if _, err := ewaybillv1.NewCarrierServiceClient(conn).CreateCarrier(admin, &ewaybillv1.CreateCarrierRequest{Carrier: sf}); err != nil {
		t.Fatal(err)
	}
	if _, err := ewaybillv1.NewPoolServiceClient(conn).ImportNumberRange(admin, &ewaybillv1.ImportNumberRangeRequest{
		Parent: "carriers/SF", FirstSerial: 1, LastSerial: 100_000}); err != nil {
		t.Fatal(err)
	}
	if _, err := ewaybillv1.NewLabelServiceClient(conn).UpdateRoutingTable(admin, &ewaybillv1.UpdateRoutingTableRequest{RoutingTable: &ewaybillv1.RoutingTable{
		Name: "carriers/SF/routingTable", Rules: []*ewaybillv1.RoutingRule{{Province: "广东省", City: "深圳市",
			Codes: &ewaybillv1.RoutingCodes{SortCode: "755-NS-01", ShortDestination: "深圳南山", Hub: "深圳转运中心"}}}}}); err != nil {
		t.Fatal(err)
	}

	// The merchant registers itself (a public call) and applies for SF;
	// both wait for the admin the browser plays.
	reg, err := ewaybillv1.NewMerchantServiceClient(conn).RegisterMerchant(ctx, &ewaybillv1.RegisterMerchantRequest{
		Qualification: &ewaybillv1.Qualification{
			LegalName: w.legalName, Type: ewaybillv1.MerchantType_MERCHANT_TYPE_INDIVIDUAL_BUSINESS, CreditCode: "92330100MA2H00000H",
			LegalRepresentative: &ewaybillv1.Person{Name: "王五", IdNumber: "440524188001010014"},
			Contact:             &ewaybillv1.Contact{Name: "王五", Mobile: "13900139000"},
			LicenceDocumentRef:  "doc://licence/hz-e2e",
		},
		KeyDisplayName: "shop erp",
	})
	if err != nil {
		t.Fatal(err)
	}
	w.merchant, w.key = reg.GetMerchant().GetName(), reg.GetApiKeySecret()
	if _, err := ewaybillv1.NewCarrierAuthorizationServiceClient(conn).CreateCarrierAuthorization(asKey(w.key), &ewaybillv1.CreateCarrierAuthorizationRequest{
		Parent: w.merchant, CarrierAuthorization: &ewaybillv1.CarrierAuthorization{Carrier: "carriers/SF", SettlementAccount: "0571000001"}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func asKey(key string) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	_ = cancel // released when the test ends
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
}

// seen is what the browser read off the pages (console.e2e.mjs writes it).
type seen struct {
	Merchant         string
	Numbers          []string
	StartBalance     int64
	AfterTopUp       int64
	AfterAllocations int64
	AfterCancel      int64
	FirstJob         string
	ReprintJob       string
	ZPLJob           string `json:"zplJob"`
	ReprintCopy      int32
	Requests         int
}

// TestConsoleInChromium runs the scenario in the browser, then
// checks that what the pages showed is what the server recorded.
func TestConsoleInChromium(t *testing.T) {
	chromium, node := requireBrowser(t)
	w := startWorld(t)
	shots := screenshotDir(t)
	resultFile := filepath.Join(t.TempDir(), "seen.json")

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "console.e2e.mjs")
	cmd.Env = append(os.Environ(),
		"EWAYBILL_BASE_URL="+w.url, "EWAYBILL_ADMIN_KEY="+adminKey,
		"EWAYBILL_MERCHANT="+w.merchant, "EWAYBILL_MERCHANT_KEY="+w.key, "EWAYBILL_MERCHANT_LEGAL_NAME="+w.legalName,
		"EWAYBILL_CHROMIUM="+chromium, "EWAYBILL_SCREENSHOTS="+shots, "EWAYBILL_E2E_RESULT="+resultFile)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		t.Log(lines.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("console.e2e.mjs: %v (screenshots so far in %s)", err, shots)
	}
	raw, err := os.ReadFile(resultFile)
	if err != nil {
		t.Fatal(err)
	}
	var s seen
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	w.checkRecords(t, s)
	for _, name := range []string{"admin", "merchant", "print-station", "print-station-tablet", "error"} {
		if fi, err := os.Stat(filepath.Join(shots, name+".png")); err != nil || fi.Size() < 10_000 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
}

// checkRecords compares what the pages showed with the server's records.
func (w *world) checkRecords(t *testing.T, s seen) {
	t.Helper()
	admin := asKey(adminKey)
	m, err := ewaybillv1.NewMerchantServiceClient(w.conn).GetMerchant(admin, &ewaybillv1.GetMerchantRequest{Name: w.merchant})
	if err != nil || m.GetMerchant().GetState() != ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED {
		t.Fatalf("merchant after the admin's approval: %v %v", m.GetMerchant().GetState(), err)
	}
	quotas := ewaybillv1.NewQuotaServiceClient(w.conn)
	q, err := quotas.GetQuota(admin, &ewaybillv1.GetQuotaRequest{Name: w.merchant + "/quotas/SF"})
	if err != nil {
		t.Fatal(err)
	}
	if q.GetQuota().GetAvailable() != s.AfterCancel || q.GetQuota().GetLive() != 3 || q.GetQuota().GetCancelled() != 1 {
		t.Errorf("SF quota %v; the page showed %d available at the end", q.GetQuota(), s.AfterCancel)
	}
	ledger, err := quotas.ListLedgerEntries(admin, &ewaybillv1.ListLedgerEntriesRequest{Parent: w.merchant + "/quotas/SF"})
	if err != nil {
		t.Fatal(err)
	}
	var topUps []string
	for _, e := range ledger.GetEntries() {
		if e.GetType() == ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_TOP_UP {
			topUps = append(topUps, fmt.Sprintf("%+d %s balance %d", e.GetDelta(), e.GetReason(), e.GetBalanceAfter()))
		}
	}
	if want := fmt.Sprintf("+500 双十一备货 balance %d", s.AfterTopUp); len(topUps) != 1 || topUps[0] != want {
		t.Errorf("top-ups %q, want [%s]: the refused one must not be there", topUps, want)
	}

	jobs, err := ewaybillv1.NewLabelServiceClient(w.conn).ListPrintJobs(admin, &ewaybillv1.ListPrintJobsRequest{Parent: w.merchant})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range jobs.GetPrintJobs() { // newest first
		var labels []string
		for _, l := range j.GetLabels() {
			labels = append(labels, fmt.Sprintf("%s#%d", l.GetNumber(), l.GetCopy()))
		}
		got = append(got, fmt.Sprintf("%s %s %q [%s]", j.GetName(), j.GetFormat(), j.GetReprintReason(), strings.Join(labels, " ")))
	}
	want := []string{
		fmt.Sprintf("%s LABEL_FORMAT_ZPL %q [%s#2]", s.ZPLJob, "标签破损", s.Numbers[2]),
		fmt.Sprintf("%s LABEL_FORMAT_PDF %q [%s#%d]", s.ReprintJob, "卡纸", s.Numbers[1], s.ReprintCopy),
		fmt.Sprintf("%s LABEL_FORMAT_PDF \"\" [%s#1 %s#1 %s#1]", s.FirstJob, s.Numbers[0], s.Numbers[1], s.Numbers[2]),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("print jobs:\n%s\nwant (as the station showed):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	waybills := ewaybillv1.NewWaybillServiceClient(w.conn)
	printed, cancelled := ewaybillv1.WaybillState_WAYBILL_STATE_PRINTED, ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED
	wantStates, wantPrints := []ewaybillv1.WaybillState{printed, printed, printed, cancelled}, []int32{1, 2, 2, 0}
	for i, n := range s.Numbers {
		wb, err := waybills.GetWaybill(admin, &ewaybillv1.GetWaybillRequest{Name: "waybills/" + n})
		if err != nil {
			t.Fatal(err)
		}
		if wb.GetWaybill().GetState() != wantStates[i] || wb.GetWaybill().GetPrintCount() != wantPrints[i] {
			t.Errorf("%s: %v printed %d", n, wb.GetWaybill().GetState(), wb.GetWaybill().GetPrintCount())
		}
	}
	keys, err := ewaybillv1.NewApiKeyServiceClient(w.conn).ListApiKeys(admin, &ewaybillv1.ListApiKeysRequest{Merchant: w.merchant})
	if err != nil {
		t.Fatal(err)
	}
	var printers []string
	for _, k := range keys.GetApiKeys() {
		if k.GetRole() == ewaybillv1.Role_ROLE_PRINTER {
			printers = append(printers, k.GetDisplayName())
		}
	}
	if len(printers) != 1 || printers[0] != "e2e 打印台" {
		t.Errorf("printer keys %q, want the one the merchant made in the console", printers)
	}
}
