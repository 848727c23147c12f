package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ewaybill/ewaybill/carriers"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/server"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// testServer is a real ewaybill server on a temporary data dir, reached over
// bufconn and seeded exactly as `serve --demo` seeds a fresh data dir.
type testServer struct {
	t       *testing.T
	dataDir string
	store   *boltstore.Store
	dial    dialer
	demo    demoInfo
	// stop stops the server and closes the store (also at cleanup), so a
	// test can open the data dir itself.
	stop func()
}

const testAdminKey = "test-admin-key-0123456789abcdef"

func startTestServer(t *testing.T) *testServer {
	t.Helper()
	return startTestServerGranting(t, quota.DefaultStarterGrant)
}

// startTestServerGranting starts a test server as serve does when given
// --starter-grant starterGrant.
func startTestServerGranting(t *testing.T, starterGrant int64) *testServer {
	t.Helper()
	dataDir := t.TempDir()
	store, err := boltstore.Open(dataDir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		StarterGrant: configStarterGrant(starterGrant)})
	ctx := context.Background()
	if _, err := srv.Keys().Bootstrap(ctx, testAdminKey); err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 20)
	go srv.GRPC().Serve(lis)
	dial := func(string) (*grpc.ClientConn, error) {
		return grpc.NewClient("passthrough:///bufnet",
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	ts := &testServer{t: t, dataDir: dataDir, store: store, dial: dial,
		stop: sync.OnceFunc(func() { srv.GRPC().Stop(); store.Close() })}
	t.Cleanup(ts.stop)
	conn, err := dial("")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if ts.demo, err = seedDemo(ctx, conn, testAdminKey); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return ts
}

// cli is one run of the client.
type cli struct {
	code           int
	stdout, stderr string
}

// run runs the client with args against the server.
func (ts *testServer) run(args ...string) cli {
	var stdout, stderr bytes.Buffer
	code := runClientWith(context.Background(), args, &stdout, &stderr, ts.dial)
	return cli{code, stdout.String(), stderr.String()}
}

// ok runs the client, requires success and decodes stdout into resp.
func ok[T proto.Message](ts *testServer, resp T, args ...string) (T, cli) {
	ts.t.Helper()
	r := ts.run(args...)
	if r.code != exitOK {
		ts.t.Fatalf("%q: exit %d\nstdout %s\nstderr %s", args, r.code, r.stdout, r.stderr)
	}
	if err := protojson.Unmarshal([]byte(r.stdout), resp); err != nil {
		ts.t.Fatalf("%q: stdout is not a %T: %v\n%s", args, resp, err, r.stdout)
	}
	return resp, r
}

// fails runs the client and requires exit code code with stderr containing
// every one of want.
func (ts *testServer) fails(code int, want []string, args ...string) {
	ts.t.Helper()
	r := ts.run(args...)
	if r.code != code || r.stdout != "" {
		ts.t.Errorf("%q: got exit %d stdout %q stderr %q, want exit %d", args, r.code, r.stdout, r.stderr, code)
		return
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			ts.t.Errorf("%q: stderr %q lacks %q", args, r.stderr, w)
		}
	}
}

// demoNumber formats serial in a demo carrier's number format, independent
// of the server, to check the numbers it issues.
func demoNumber(t *testing.T, code string, serial uint64) string {
	t.Helper()
	for _, c := range demoCarriers() {
		if c.carrier.GetCode() == code {
			n, err := carriers.NumberFormat(c.carrier).Number(serial)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no demo carrier %s", code)
	return ""
}

func TestClientPoolCommands(t *testing.T) {
	ts := startTestServer(t)
	admin := []string{"--key", testAdminKey}

	got, _ := ok(ts, &ewaybillv1.GetPoolResponse{}, append([]string{"pool", "status", "SF"}, admin...)...)
	if p := got.GetPool(); p.GetName() != "carriers/SF/pool" || p.GetImported() != 1_000_000 || p.GetAvailable() != 1_000_000 ||
		p.GetLowWatermark() != quota.DefaultLowWatermark || p.GetReuseQuarantine().AsDuration() != quota.DefaultReuseQuarantine {
		t.Errorf("pool status SF: %v", p)
	}
	list, _ := ok(ts, &ewaybillv1.ListPoolsResponse{}, append([]string{"pool", "status"}, admin...)...)
	var names []string
	for _, p := range list.GetPools() {
		names = append(names, p.GetName())
	}
	if want := []string{"carriers/EMS/pool", "carriers/SF/pool", "carriers/ZTO/pool"}; !slices.Equal(names, want) {
		t.Errorf("pool status: got pools %q, want %q", names, want)
	}

	ranges, _ := ok(ts, &ewaybillv1.ListNumberRangesResponse{}, append([]string{"pool", "ranges", "EMS"}, admin...)...)
	if rs := ranges.GetNumberRanges(); len(rs) != 1 || rs[0].GetName() != "carriers/EMS/numberRanges/10000000" ||
		rs[0].GetLastSerial() != 10_999_999 || rs[0].GetFirstNumber() != demoNumber(t, "EMS", 10_000_000) {
		t.Errorf("pool ranges EMS: %v", rs)
	}

	// Only the flags given are in the mask: the quarantine keeps its value.
	updated, _ := ok(ts, &ewaybillv1.UpdatePoolResponse{}, append([]string{"pool", "update", "SF", "--low-watermark", "5000"}, admin...)...)
	if p := updated.GetPool(); p.GetLowWatermark() != 5000 || p.GetReuseQuarantine().AsDuration() != quota.DefaultReuseQuarantine {
		t.Errorf("pool update --low-watermark: %v", p)
	}
	updated, _ = ok(ts, &ewaybillv1.UpdatePoolResponse{}, append([]string{"pool", "update", "carriers/SF", "--reuse-quarantine", "90m"}, admin...)...)
	if p := updated.GetPool(); p.GetLowWatermark() != 5000 || p.GetReuseQuarantine().AsDuration() != 90*time.Minute {
		t.Errorf("pool update --reuse-quarantine: %v", p)
	}
	// A low watermark of 0 is a value, not "unset": it turns the alert off.
	updated, _ = ok(ts, &ewaybillv1.UpdatePoolResponse{}, append([]string{"pool", "update", "SF", "--low-watermark", "0"}, admin...)...)
	if p := updated.GetPool(); p.LowWatermark == nil || p.GetLowWatermark() != 0 || p.GetLow() {
		t.Errorf("pool update --low-watermark 0: %v", p)
	}

	retired, _ := ok(ts, &ewaybillv1.RetireNumberRangeResponse{}, append([]string{"pool", "retire", "carriers/ZTO/numberRanges/1", "--reason", "carrier withdrew the block"}, admin...)...)
	if r, p := retired.GetNumberRange(), retired.GetPool(); r.GetState() != ewaybillv1.NumberRangeState_NUMBER_RANGE_STATE_RETIRED ||
		r.GetWithdrawn() != 1_000_000 || r.GetRetireReason() != "carrier withdrew the block" || p.GetAvailable() != 0 || p.GetVoided() != 1_000_000 {
		t.Errorf("pool retire: %v / %v", r, p)
	}
	imported, _ := ok(ts, &ewaybillv1.ImportNumberRangeResponse{}, append([]string{"pool", "import", "--carrier", "ZTO", "--first", "2000001", "--last", "2000100"}, admin...)...)
	if r, p := imported.GetNumberRange(), imported.GetPool(); r.GetName() != "carriers/ZTO/numberRanges/2000001" ||
		r.GetFirstNumber() != demoNumber(t, "ZTO", 2_000_001) || p.GetImported() != 1_000_100 || p.GetAvailable() != 100 {
		t.Errorf("pool import: %v / %v", r, p)
	}

	ts.fails(exitRPC, []string{"error: FailedPrecondition:", "reason: NUMBER_RANGE_OVERLAPS"},
		append([]string{"pool", "import", "--carrier", "ZTO", "--first", "2000050", "--last", "2000200"}, admin...)...)
	ts.fails(exitRPC, []string{"error: PermissionDenied:", "reason: ROLE_NOT_PERMITTED"},
		"pool", "status", "SF", "--key", ts.demo.MerchantKey)
	ts.fails(exitUsage, []string{"error: nothing to update: give --low-watermark or --reuse-quarantine\n", "  pool update CODE\n"},
		append([]string{"pool", "update", "SF"}, admin...)...)
	ts.fails(exitUsage, []string{`error: NAME must look like carriers/{code}/numberRanges/{first serial}, not "1"`},
		append([]string{"pool", "retire", "1", "--reason", "x"}, admin...)...)
	ts.fails(exitUsage, []string{"error: expected one CODE, got 2 arguments\n", "  pool status [CODE]\n"},
		append([]string{"pool", "status", "SF", "ZTO"}, admin...)...)
}

// uuidPattern matches the id the client generates for a top-up.
var uuidPattern = regexp.MustCompile(`^request id: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) \(to retry, pass --request-id ([0-9a-f-]+):`)

func TestClientQuotaCommands(t *testing.T) {
	t.Setenv("EWAYBILL_KEY", "")
	ts := startTestServer(t)
	m := ts.demo.Merchant
	admin := []string{"--key", testAdminKey}

	shown, _ := ok(ts, &ewaybillv1.GetQuotaResponse{}, "quota", "show", "--merchant", m, "--carrier", "SF", "--key", ts.demo.MerchantKey)
	if q := shown.GetQuota(); q.GetName() != m+"/quotas/SF" || q.GetAvailable() != quota.DefaultStarterGrant || !q.GetStarterGranted() {
		t.Errorf("quota show: %v", q)
	}

	// Without --request-id the client makes one up and says which, before
	// the call; sending it again is a replay that adds nothing.
	topArgs := append([]string{"quota", "topup", "--merchant", m, "--carrier", "carriers/SF", "--amount", "500", "--reason", "monthly top-up"}, admin...)
	topped, r := ok(ts, &ewaybillv1.TopUpQuotaResponse{}, topArgs...)
	match := uuidPattern.FindStringSubmatch(r.stderr)
	if match == nil || match[1] != match[2] || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("topup stderr %q does not announce one generated request id", r.stderr)
	}
	id := match[1]
	if q, e := topped.GetQuota(), topped.GetEntry(); topped.GetReplayed() || q.GetAvailable() != 1500 || q.GetGranted() != 1500 ||
		e.GetType() != ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_TOP_UP || e.GetDelta() != 500 || e.GetRequestId() != id {
		t.Errorf("topup: %v", topped)
	}
	replayed, r := ok(ts, &ewaybillv1.TopUpQuotaResponse{}, append(topArgs, "--request-id", id)...)
	if !replayed.GetReplayed() || replayed.GetQuota().GetAvailable() != 1500 || replayed.GetEntry().GetSequence() != topped.GetEntry().GetSequence() || r.stderr != "" {
		t.Errorf("topup retried with %s: %v, stderr %q", id, replayed, r.stderr)
	}
	ts.fails(exitRPC, []string{"reason: IDEMPOTENCY_KEY_REUSED"},
		append([]string{"quota", "topup", "--merchant", m, "--carrier", "SF", "--amount", "600", "--reason", "monthly top-up", "--request-id", id}, admin...)...)

	deducted, _ := ok(ts, &ewaybillv1.DeductQuotaResponse{},
		append([]string{"quota", "deduct", "--merchant", m, "--carrier", "SF", "--amount", "200", "--reason", "refund", "--request-id", "d-1"}, admin...)...)
	if q := deducted.GetQuota(); deducted.GetReplayed() || q.GetAvailable() != 1300 || deducted.GetEntry().GetDelta() != -200 {
		t.Errorf("deduct: %v", deducted)
	}
	ts.fails(exitRPC, []string{"error: FailedPrecondition: cannot deduct 5000", "reason: DEDUCTION_EXCEEDS_AVAILABLE"},
		append([]string{"quota", "deduct", "--merchant", m, "--carrier", "SF", "--amount", "5000", "--reason", "x"}, admin...)...)

	ledger, _ := ok(ts, &ewaybillv1.ListLedgerEntriesResponse{}, "quota", "ledger", "--merchant", m, "--carrier", "SF", "--key", ts.demo.MerchantKey)
	type line struct {
		typ            ewaybillv1.LedgerEntryType
		delta, balance int64
	}
	var lines []line
	for _, e := range ledger.GetEntries() {
		lines = append(lines, line{e.GetType(), e.GetDelta(), e.GetBalanceAfter()})
	}
	want := []line{
		{ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_STARTER_GRANT, 1000, 1000},
		{ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_TOP_UP, 500, 1500},
		{ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_DEDUCTION, -200, 1300},
	}
	if !slices.Equal(lines, want) {
		t.Errorf("ledger: got %v, want %v", lines, want)
	}
	onlyTopUps, _ := ok(ts, &ewaybillv1.ListLedgerEntriesResponse{}, append([]string{"quota", "ledger", "--merchant", m, "--type", "top_up"}, admin...)...)
	if es := onlyTopUps.GetEntries(); len(es) != 1 || es[0].GetRequestId() != id || es[0].GetName() != m+"/quotas/SF/ledgerEntries/2" {
		t.Errorf("ledger --type top_up over all carriers: %v", es)
	}
	// Without --carrier the ledger covers every carrier: three starter grants
	// and the two adjustments of SF.
	all, _ := ok(ts, &ewaybillv1.ListLedgerEntriesResponse{}, append([]string{"quota", "ledger", "--merchant", m}, admin...)...)
	if n := len(all.GetEntries()); n != 5 {
		t.Errorf("ledger of every carrier: got %d entries, want 5", n)
	}

	quotas, _ := ok(ts, &ewaybillv1.ListQuotasResponse{}, "quota", "show", "--merchant", m, "--key", ts.demo.MerchantKey)
	available := map[string]int64{}
	for _, q := range quotas.GetQuotas() {
		available[q.GetCarrier()] = q.GetAvailable()
	}
	if len(available) != 3 || available["carriers/SF"] != 1300 || available["carriers/EMS"] != 1000 || available["carriers/ZTO"] != 1000 {
		t.Errorf("quota show --merchant: %v", available)
	}
	everyone, _ := ok(ts, &ewaybillv1.ListQuotasResponse{}, append([]string{"quota", "show"}, admin...)...)
	if len(everyone.GetQuotas()) != 3 {
		t.Errorf("quota show (admin, every merchant): %v", everyone)
	}
	// The API lists every merchant only for admins; a merchant key names
	// its merchant.
	ts.fails(exitRPC, []string{"error: PermissionDenied:", "use parent merchants/{your merchant}"},
		"quota", "show", "--key", ts.demo.MerchantKey)
	ts.fails(exitUsage, []string{"error: --carrier needs --merchant"}, append([]string{"quota", "show", "--carrier", "SF"}, admin...)...)
	ts.fails(exitUsage, []string{"error: give --merchant: a ledger is one merchant's"}, append([]string{"quota", "ledger"}, admin...)...)
	// A command line that is refused never announces a request id.
	for _, args := range [][]string{
		{"quota", "topup", "--carrier", "SF", "--amount", "1", "--reason", "x"},
		{"quota", "topup", "--merchant", m, "--carrier", "SF", "--amount", "x"},
		{"quota", "deduct", "--merchant", m, "--carrier", "SF", "--amount", "1", "--reason", "x"},
	} {
		r := ts.run(args...) // no key
		if r.code != exitUsage || strings.Contains(r.stderr, "request id:") {
			t.Errorf("%q: exit %d stderr %q", args, r.code, r.stderr)
		}
	}
	ts.fails(exitUsage, []string{"error: give --merchant and --carrier: together they name the quota"},
		append([]string{"quota", "topup", "--carrier", "SF", "--amount", "1", "--reason", "x"}, admin...)...)
}

func TestClientWaybillCommands(t *testing.T) {
	ts := startTestServer(t)
	m := ts.demo.Merchant
	key := []string{"--key", ts.demo.MerchantKey}
	order := []string{
		"--sender-name", "李四", "--sender-mobile", "13800138000", "--sender-province", "上海市", "--sender-city", "上海市",
		"--sender-district", "浦东新区", "--sender-address", "张江路 88 号 3 号楼",
		"--receiver-name", "王五", "--receiver-mobile", "13912345678", "--receiver-province", "广东省", "--receiver-city", "深圳市",
		"--receiver-district", "南山区", "--receiver-address", "科技园南区 6 栋 1201 室",
		"--item", "T恤*2", "--item", "帽子", "--weight-grams", "500",
	}

	// A merchant key allocates for its own merchant without --merchant.
	allocArgs := append(append([]string{"waybill", "allocate", "--carrier", "SF", "--order-code", "O-1"}, order...), key...)
	first, _ := ok(ts, &ewaybillv1.AllocateWaybillResponse{}, allocArgs...)
	w := first.GetWaybill()
	number := demoNumber(t, "SF", 1)
	if first.GetReplayed() || w.GetNumber() != number || !strings.HasPrefix(w.GetName(), m+"/waybills/") ||
		w.GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED || w.GetOrder().GetPackageId() != "1" {
		t.Fatalf("allocate: got %v, want number %s", first, number)
	}
	wantItems := []*ewaybillv1.Item{{Name: "T恤", Quantity: 2}, {Name: "帽子", Quantity: 1}}
	if o := w.GetOrder(); !itemsEqual(o.GetItems(), wantItems) || o.GetParcel().GetWeightGrams() != 500 ||
		o.GetReceiver().GetDistrict() != "南山区" || o.GetSender().GetMobile() != "13800138000" {
		t.Errorf("allocate sent order %v", o)
	}
	again, _ := ok(ts, &ewaybillv1.AllocateWaybillResponse{}, allocArgs...)
	if !again.GetReplayed() || again.GetWaybill().GetName() != w.GetName() || again.GetWaybill().GetNumber() != number {
		t.Errorf("allocate again: got %v, want a replay of %s", again, w.GetName())
	}

	// --order-file supplies the order; flags given override its fields, and
	// the first --item replaces its items.
	file := filepath.Join(t.TempDir(), "order.json")
	fileOrder := `{"orderCode": "FILE-1", "packageId": "2",
		"sender": {"name": "李四", "mobile": "13800138000", "province": "上海市", "city": "上海市", "address": "张江路 88 号"},
		"receiver": {"name": "赵六", "landline": "010-88886666", "province": "北京市", "city": "北京市", "district": "海淀区", "address": "中关村大街 1 号"},
		"parcel": {"weightGrams": 800}, "items": [{"name": "书", "quantity": 1}]}`
	if err := os.WriteFile(file, []byte(fileOrder), 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile, _ := ok(ts, &ewaybillv1.AllocateWaybillResponse{},
		"waybill", "allocate", "--merchant", m, "--carrier", "carriers/SF", "--order-file", file,
		"--order-code", "O-2", "--receiver-name", "钱七", "--item", "杯子*3", "--request-id", "req-2", "--key", testAdminKey)
	w2 := fromFile.GetWaybill()
	if o := w2.GetOrder(); w2.GetNumber() != demoNumber(t, "SF", 2) || w2.GetRequestId() != "req-2" ||
		o.GetOrderCode() != "O-2" || o.GetPackageId() != "2" || o.GetReceiver().GetName() != "钱七" ||
		o.GetReceiver().GetLandline() != "010-88886666" || o.GetParcel().GetWeightGrams() != 800 ||
		!itemsEqual(o.GetItems(), []*ewaybillv1.Item{{Name: "杯子", Quantity: 3}}) {
		t.Errorf("allocate --order-file with overrides: %v", w2)
	}

	got, _ := ok(ts, &ewaybillv1.GetWaybillResponse{}, append([]string{"waybill", "get", number}, key...)...)
	if got.GetWaybill().GetName() != w.GetName() {
		t.Errorf("waybill get %s: %v", number, got)
	}
	byName, _ := ok(ts, &ewaybillv1.GetWaybillResponse{}, append([]string{"waybill", "get", w2.GetName()}, key...)...)
	if byName.GetWaybill().GetNumber() != w2.GetNumber() {
		t.Errorf("waybill get %s: %v", w2.GetName(), byName)
	}
	listed, _ := ok(ts, &ewaybillv1.ListWaybillsResponse{}, append([]string{"waybill", "list", "--merchant", m}, key...)...)
	if ws := listed.GetWaybills(); len(ws) != 2 || ws[0].GetNumber() != number || ws[1].GetNumber() != w2.GetNumber() {
		t.Errorf("waybill list: %v", ws)
	}
	filtered, _ := ok(ts, &ewaybillv1.ListWaybillsResponse{}, "waybill", "list", "--state", "issued", "--order-code", "O-2", "--carrier", "SF", "--key", testAdminKey)
	if ws := filtered.GetWaybills(); len(ws) != 1 || ws[0].GetName() != w2.GetName() {
		t.Errorf("waybill list with filters: %v", ws)
	}

	printed, _ := ok(ts, &ewaybillv1.MarkWaybillPrintedResponse{}, append([]string{"waybill", "printed", number}, key...)...)
	if p := printed.GetWaybill(); p.GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_PRINTED || p.GetPrintCount() != 1 {
		t.Errorf("waybill printed: %v", p)
	}
	cancelled, _ := ok(ts, &ewaybillv1.CancelWaybillResponse{}, append([]string{"waybill", "cancel", w2.GetNumber(), "--reason", "customer changed the order"}, key...)...)
	if c := cancelled.GetWaybill(); cancelled.GetReplayed() || c.GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED ||
		c.GetCancellation().GetQuotaCredited() != 1 || c.GetCancellation().GetReason() != "customer changed the order" {
		t.Errorf("waybill cancel: %v", cancelled)
	}
	picked, _ := ok(ts, &ewaybillv1.ReportWaybillPickupResponse{}, "waybill", "pickup", "waybills/"+number, "--key", testAdminKey)
	if picked.GetReplayed() || picked.GetWaybill().GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_PICKED_UP {
		t.Errorf("waybill pickup: %v", picked)
	}
	ts.fails(exitRPC, []string{"error: FailedPrecondition:", "reason: WAYBILL_ALREADY_PICKED_UP"},
		append([]string{"waybill", "cancel", number, "--reason", "too late"}, key...)...)
	ts.fails(exitRPC, []string{"error: NotFound:", "reason: RESOURCE_NOT_FOUND"},
		append([]string{"waybill", "get", "SF0000000000000"}, key...)...)
	// The server explains an incomplete order field by field.
	ts.fails(exitRPC, []string{"reason: INVALID_REQUEST", "  order.receiver: "},
		append([]string{"waybill", "allocate", "--carrier", "SF", "--order-code", "O-3", "--sender-name", "李四", "--item", "x"}, key...)...)

	q, _ := ok(ts, &ewaybillv1.GetQuotaResponse{}, append([]string{"quota", "show", "--merchant", m, "--carrier", "SF"}, key...)...)
	if q := q.GetQuota(); q.GetAvailable() != quota.DefaultStarterGrant-1 || q.GetLive() != 1 || q.GetIssuedTotal() != 2 || q.GetCancelled() != 1 {
		t.Errorf("quota after two allocations and a cancel: %v", q)
	}
	report, err := quota.Check(context.Background(), ts.store)
	if err != nil || !report.OK() || report.Waybills != 2 {
		t.Errorf("check after the commands: %+v, %v", report, err)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--item", "x*0"}, `error: invalid value "x*0" for flag -item: want name*quantity with a quantity of at least 1`},
		{[]string{"--item", "*2"}, `error: invalid value "*2" for flag -item: want name*quantity`},
		{[]string{"--weight-grams", "heavy"}, `error: invalid value "heavy" for flag -weight-grams: not an integer`},
		{[]string{"--order-file", filepath.Join(t.TempDir(), "missing.json")}, "error: --order-file: open "},
		{[]string{"--order-file", "/dev/null", "--order-code", "x"}, "error: --order-file /dev/null is not an Order in JSON"},
	} {
		ts.fails(exitUsage, []string{c.want, "  waybill allocate\n"}, append(append([]string{"waybill", "allocate", "--carrier", "SF"}, c.args...), key...)...)
	}
}

func itemsEqual(a, b []*ewaybillv1.Item) bool {
	return slices.EqualFunc(a, b, func(x, y *ewaybillv1.Item) bool { return proto.Equal(x, y) })
}

func TestClientOptionalPositional(t *testing.T) {
	status := clientTestCommand(t, "pool", "status")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"SF"}, "carriers/SF/pool"},
		{[]string{"carriers/SF"}, "carriers/SF/pool"},
		{[]string{"carriers/SF/pool"}, "carriers/SF/pool"},
	} {
		if got, err := status.positional(c.args); err != nil || got != c.want {
			t.Errorf("pool status %q: got %q, %v, want %q", c.args, got, err, c.want)
		}
	}
	if got := status.synopsis(); got != "pool status [CODE]" {
		t.Errorf("synopsis: %q", got)
	}
	if got := clientTestCommand(t, "waybill", "get").synopsis(); got != "waybill get NUMBER_OR_NAME" {
		t.Errorf("synopsis: %q", got)
	}
	for _, c := range []struct{ arg, want string }{
		{"SF0000000000019", "waybills/SF0000000000019"},
		{"carriers/SF/waybills/SF0000000000019", "carriers/SF/waybills/SF0000000000019"},
		{"merchants/m1/waybills/w1", "merchants/m1/waybills/w1"},
	} {
		if got, err := clientTestCommand(t, "waybill", "cancel").positional([]string{c.arg}); err != nil || got != c.want {
			t.Errorf("waybill cancel %s: got %q, %v", c.arg, got, err)
		}
	}
}

func TestClientRequestIDNote(t *testing.T) {
	cmd := clientTestCommand(t, "quota", "topup")
	inv, err := parseInvocation(cmd, []string{"--merchant", "m1", "--carrier", "SF", "--amount", "5", "--key", "k"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.notes) != 1 || !uuidPattern.MatchString(inv.notes[0]) {
		t.Errorf("notes without --request-id: %q", inv.notes)
	}
	other, err := parseInvocation(cmd, []string{"--merchant", "m1", "--carrier", "SF", "--amount", "5", "--key", "k"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(other.notes) != 1 || other.notes[0] == inv.notes[0] {
		t.Errorf("two invocations share a generated id: %q and %q", inv.notes, other.notes)
	}
	inv, err = parseInvocation(cmd, []string{"--request-id", "mine", "--key", "k"}, noEnv)
	if err != nil || len(inv.notes) != 0 {
		t.Errorf("notes with --request-id: %q, %v", inv.notes, err)
	}
	if _, err := parseInvocation(cmd, []string{"--amount", "5"}, noEnv); err == nil {
		t.Error("topup without a key parsed")
	}
}

func TestClientPoolUpdateMask(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"SF", "--low-watermark", "0"}, []string{"low_watermark"}},
		{[]string{"--reuse-quarantine", "1h", "SF", "--low-watermark", "9"}, []string{"low_watermark", "reuse_quarantine"}},
		{[]string{"SF", "--key", "k"}, nil},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		defineClientFlags(fs)
		poolUpdate(fs)
		if _, err := parseInterspersed(fs, tt.args); err != nil {
			t.Fatal(err)
		}
		if got := updateMask(fs, poolUpdatePaths()).GetPaths(); !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.args, got, tt.want)
		}
	}
}
