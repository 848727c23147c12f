package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/ewaybill/ewaybill/carriers"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/internal/pgtest"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/server"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
	"github.com/ewaybill/ewaybill/storage/pgstore"
)

const testAdminKey = "test-admin-key-0123456789abcdef"

// env is one ewaybill server on a temporary data dir, reached through real
// gRPC (bufconn) and the real REST gateway (httptest) over that connection.
type env struct {
	t       *testing.T
	dataDir string
	store   storage.Store
	srv     *server.Server
	conn    *grpc.ClientConn
	http    *httptest.Server
	logs    *syncBuffer

	merchants ewaybillv1.MerchantServiceClient
	carriers  ewaybillv1.CarrierServiceClient
	auths     ewaybillv1.CarrierAuthorizationServiceClient
	keys      ewaybillv1.ApiKeyServiceClient
	waybills  ewaybillv1.WaybillServiceClient
	quotas    ewaybillv1.QuotaServiceClient
	pools     ewaybillv1.PoolServiceClient
	mappings  ewaybillv1.MappingServiceClient
	labels    ewaybillv1.LabelServiceClient
	audit     ewaybillv1.AuditServiceClient
	limits    ewaybillv1.RateLimitServiceClient
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return startEnv(t, t.TempDir())
}

// startEnv starts a server on dataDir; it is stopped at the end of the test
// or by stop (to restart on the same dir).
func startEnv(t *testing.T, dataDir string) *env {
	t.Helper()
	return startEnvWith(t, dataDir, server.Config{})
}

// startEnvWith is startEnv with a config (clock, starter grant); the
// harness fills in its store and logger.
func startEnvWith(t *testing.T, dataDir string, cfg server.Config) *env {
	t.Helper()
	return startEnvOver(t, dataDir, cfg, nil)
}

// startEnvOver is startEnvWith with the server's store wrapped by wrap
// (when not nil), for tests that hold requests inside the store.
func startEnvOver(t *testing.T, dataDir string, cfg server.Config, wrap func(storage.Store) storage.Store) *env {
	t.Helper()
	store := openTestStore(t, dataDir)
	logs := &syncBuffer{}
	cfg.Store, cfg.Logger = store, slog.New(slog.NewJSONHandler(logs, nil))
	if wrap != nil {
		cfg.Store = wrap(store)
	}
	srv := server.New(cfg)
	if _, err := srv.Keys().Bootstrap(context.Background(), testAdminKey); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	lis := bufconn.Listen(1 << 20)
	go srv.GRPC().Serve(lis)
	conn, err := grpc.NewClient("passthrough:///bufnet", server.ClientOptions(
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	handler, err := srv.HTTPHandler(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, dataDir: dataDir, store: store, srv: srv, conn: conn, http: httptest.NewServer(handler), logs: logs,
		merchants: ewaybillv1.NewMerchantServiceClient(conn),
		carriers:  ewaybillv1.NewCarrierServiceClient(conn),
		auths:     ewaybillv1.NewCarrierAuthorizationServiceClient(conn),
		keys:      ewaybillv1.NewApiKeyServiceClient(conn),
		waybills:  ewaybillv1.NewWaybillServiceClient(conn),
		quotas:    ewaybillv1.NewQuotaServiceClient(conn),
		pools:     ewaybillv1.NewPoolServiceClient(conn),
		mappings:  ewaybillv1.NewMappingServiceClient(conn),
		labels:    ewaybillv1.NewLabelServiceClient(conn),
		audit:     ewaybillv1.NewAuditServiceClient(conn),
		limits:    ewaybillv1.NewRateLimitServiceClient(conn),
	}
	t.Cleanup(e.stop)
	return e
}

// testStoreEnv chooses the backend the service tests run over:
// "postgres" runs them over PostgreSQL (a private server; see package
// pgtest), anything else over bbolt.
const testStoreEnv = "EWAYBILL_TEST_STORE"

func onPostgres() bool { return os.Getenv(testStoreEnv) == "postgres" }

// TestMain stops the private PostgreSQL server, if the tests started one.
func TestMain(m *testing.M) { pgtest.Main(m) }

// openTestStore opens the store of dataDir: its bbolt file, or with
// EWAYBILL_TEST_STORE=postgres a database of its own whose URL, and the
// PII key file PostgreSQL needs, are kept in dataDir, so that a restart
// on the same dir reopens the same database.
func openTestStore(t *testing.T, dataDir string) storage.Store {
	t.Helper()
	if !onPostgres() {
		store, err := boltstore.Open(dataDir, boltstore.Options{})
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		return store
	}
	urlFile, keyFile := filepath.Join(dataDir, "postgres-url"), filepath.Join(dataDir, "pii.key")
	raw, err := os.ReadFile(urlFile)
	var keys *sealing.Keyring
	switch {
	case errors.Is(err, fs.ErrNotExist):
		raw = []byte(pgtest.DB(t))
		if err := os.WriteFile(urlFile, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		keys, err = sealing.CreateFile(keyFile, "service tests over PostgreSQL\n")
	case err == nil:
		keys, err = sealing.LoadFile(keyFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	store, err := pgstore.Open(context.Background(), string(raw), pgstore.Options{PII: keys})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return store
}

// stop shuts the server down after checking that the allocation engine's
// books balance, so every scenario ends with quota.Check.
func (e *env) stop() {
	if e.http == nil {
		return
	}
	e.checkBooks()
	e.http.Close()
	e.conn.Close()
	e.srv.GRPC().Stop()
	e.store.Close()
	e.http = nil
}

// as returns a context that authenticates with key.
func as(key string) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_ = cancel // released when the test process ends; tests are short
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
}

func admin() context.Context { return as(testAdminKey) }

// validQualification is a qualification that passes every check; tests
// change one field at a time. Credit codes must differ per merchant.
func validQualification(creditCode string) *ewaybillv1.Qualification {
	return &ewaybillv1.Qualification{
		LegalName:           "测试商贸有限公司",
		Type:                ewaybillv1.MerchantType_MERCHANT_TYPE_ENTERPRISE,
		CreditCode:          creditCode,
		LegalRepresentative: &ewaybillv1.Person{Name: "张三", IdNumber: "11010519491231002X"},
		Contact:             &ewaybillv1.Contact{Name: "李四", Mobile: "13800138000"},
		LicenceDocumentRef:  "doc://licence/1",
	}
}

// Valid unified social credit codes (check characters computed per
// GB 32100-2015) for tests that need several merchants.
var creditCodes = []string{"91350100M000100Y43", "91110108551385082Q", "91310000MA1FL0X42M", "91440300MA5EXAMPLA", "92330100MA2H00000H", "91420100MA4K00000Q"}

// merchantFixture is a registered merchant with its key.
type merchantFixture struct {
	name string
	key  string
}

func (e *env) register(creditCode string) merchantFixture {
	e.t.Helper()
	resp, err := e.merchants.RegisterMerchant(context.Background(), &ewaybillv1.RegisterMerchantRequest{
		Qualification: validQualification(creditCode), KeyDisplayName: "erp"})
	if err != nil {
		e.t.Fatalf("register %s: %v", creditCode, err)
	}
	return merchantFixture{name: resp.GetMerchant().GetName(), key: resp.GetApiKeySecret()}
}

// approvedMerchant registers and approves a merchant.
func (e *env) approvedMerchant(creditCode string) merchantFixture {
	e.t.Helper()
	m := e.register(creditCode)
	if _, err := e.merchants.ApproveMerchant(admin(), &ewaybillv1.ApproveMerchantRequest{Name: m.name}); err != nil {
		e.t.Fatalf("approve: %v", err)
	}
	return m
}

func (e *env) createCarrier(c *ewaybillv1.Carrier) *ewaybillv1.Carrier {
	e.t.Helper()
	resp, err := e.carriers.CreateCarrier(admin(), &ewaybillv1.CreateCarrierRequest{Carrier: c})
	if err != nil {
		e.t.Fatalf("create carrier %s: %v", c.GetCode(), err)
	}
	return resp.GetCarrier()
}

func sfCarrier() *ewaybillv1.Carrier {
	return &ewaybillv1.Carrier{Code: "SF", DisplayName: "顺丰速运", Kind: ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED,
		NumberFormat: &ewaybillv1.NumberFormat{Prefix: "SF", SerialLength: 12, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD11}}
}

func ztoCarrier() *ewaybillv1.Carrier {
	return &ewaybillv1.Carrier{Code: "ZTO", DisplayName: "中通快递", Kind: ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE,
		NumberFormat: &ewaybillv1.NumberFormat{SerialLength: 13, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD10}}
}

func (e *env) createKey(ctx context.Context, role ewaybillv1.Role, merchant string) string {
	e.t.Helper()
	resp, err := e.keys.CreateApiKey(ctx, &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{Role: role, Merchant: merchant, DisplayName: "t"}})
	if err != nil {
		e.t.Fatalf("create %s key: %v", role, err)
	}
	return resp.GetSecret()
}

// wantError asserts err is a status with code and ErrorInfo reason.
func wantError(t *testing.T, err error, code codes.Code, reason string) *status.Status {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || err == nil {
		t.Fatalf("want %s/%s, got %v", code, reason, err)
	}
	if st.Code() != code {
		t.Fatalf("want code %s, got %s: %s", code, st.Code(), st.Message())
	}
	if got := errorReason(st); got != reason {
		t.Fatalf("want reason %q, got %q (%s)", reason, got, st.Message())
	}
	return st
}

func errorReason(st *status.Status) string {
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			if ei.GetDomain() != server.ErrorDomain {
				return "wrong domain " + ei.GetDomain()
			}
			return ei.GetReason()
		}
	}
	return ""
}

// violations returns field → rule from a status's BadRequest.
func violations(st *status.Status) map[string]string {
	out := map[string]string{}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out[v.GetField()] = v.GetReason()
			}
		}
	}
	return out
}

// rest sends one REST request and decodes the JSON answer.
func (e *env) rest(method, path, key string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	contentType := ""
	if rd != nil {
		contentType = "application/json"
	}
	return e.restAs(method, path, key, contentType, rd)
}

// restAs is rest with the body's bytes and Content-Type (none if "") as
// given, for bodies no JSON encoder writes.
func (e *env) restAs(method, path, key, contentType string, body io.Reader) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: bad JSON %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, out
}

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// checkBooks fails the test unless quota.Check finds every invariant of
// the allocation engine intact.
func (e *env) checkBooks() {
	e.t.Helper()
	report, err := quota.Check(context.Background(), e.store)
	if err != nil {
		e.t.Errorf("quota.Check: %v", err)
		return
	}
	for _, p := range report.Problems {
		e.t.Errorf("quota.Check: %s", p)
	}
}

// fakeClock is a settable clock (server.Config.Now) for rules that depend
// on time: reuse quarantine, create-time filters.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// serverConfig is a server config running on clock.
func serverConfig(clock *fakeClock) server.Config { return server.Config{Now: clock.Now} }

// number formats serial as carrier c prints it, check digit included.
func number(t *testing.T, c *ewaybillv1.Carrier, serial int64) string {
	t.Helper()
	n, err := carriers.NumberFormat(c).Number(uint64(serial))
	if err != nil {
		t.Fatalf("format serial %d for %s: %v", serial, c.GetCode(), err)
	}
	return n
}

// importRange imports serials first..last into carrier code's pool.
func (e *env) importRange(code string, first, last int64) *ewaybillv1.ImportNumberRangeResponse {
	e.t.Helper()
	resp, err := e.pools.ImportNumberRange(admin(), &ewaybillv1.ImportNumberRangeRequest{
		Parent: "carriers/" + code, FirstSerial: first, LastSerial: last})
	if err != nil {
		e.t.Fatalf("import %s %d–%d: %v", code, first, last, err)
	}
	return resp
}

// authorize has m apply for carrier code and the admin approve it; it
// returns the authorization's name.
func (e *env) authorize(m merchantFixture, code string) string {
	e.t.Helper()
	c, err := e.carriers.GetCarrier(admin(), &ewaybillv1.GetCarrierRequest{Name: "carriers/" + code})
	if err != nil {
		e.t.Fatalf("get carrier %s: %v", code, err)
	}
	// Direct-operated carriers bind a settlement account, franchises a branch.
	a := &ewaybillv1.CarrierAuthorization{Carrier: "carriers/" + code, SettlementAccount: "7550001234"}
	if c.GetCarrier().GetKind() == ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE {
		a = &ewaybillv1.CarrierAuthorization{Carrier: "carriers/" + code, BranchCode: code + "-57101", BranchName: "杭州西湖网点"}
	}
	created, err := e.auths.CreateCarrierAuthorization(as(m.key), &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: m.name, CarrierAuthorization: a})
	if err != nil {
		e.t.Fatalf("apply for %s: %v", code, err)
	}
	name := created.GetCarrierAuthorization().GetName()
	if _, err := e.auths.ApproveCarrierAuthorization(admin(), &ewaybillv1.ApproveCarrierAuthorizationRequest{Name: name}); err != nil {
		e.t.Fatalf("approve %s: %v", name, err)
	}
	return name
}

// shop is an approved merchant with an ACTIVE authorization (and so the
// starter grant) for each of codes; the carriers must exist.
func (e *env) shop(creditCode string, codes ...string) merchantFixture {
	e.t.Helper()
	m := e.approvedMerchant(creditCode)
	for _, code := range codes {
		e.authorize(m, code)
	}
	return m
}

// quotaName is m's quota for carrier code.
func quotaName(m merchantFixture, code string) string { return m.name + "/quotas/" + code }

// order is a valid canonical order; tests change one field at a time.
func order(code string) *ewaybillv1.Order {
	return &ewaybillv1.Order{
		OrderCode: code,
		Sender: &ewaybillv1.Party{Name: "王小明", Mobile: "13800138000", Province: "广东省", City: "深圳市", District: "南山区",
			Address: "科技园南区深南大道 10000 号腾讯大厦 3 楼"},
		Receiver: &ewaybillv1.Party{Name: "李小红", Mobile: "13900139000", Province: "浙江省", City: "杭州市", District: "西湖区",
			Address: "文三路 90 号东部软件园 2 号楼 501 室"},
		Parcel: &ewaybillv1.Parcel{WeightGrams: 1200},
		Items:  []*ewaybillv1.Item{{Name: "茶叶", Quantity: 2}},
	}
}

// allocate allocates one waybill that must succeed.
func (e *env) allocate(ctx context.Context, carrier string, o *ewaybillv1.Order, requestID string) *ewaybillv1.AllocateWaybillResponse {
	e.t.Helper()
	resp, err := e.waybills.AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{Carrier: carrier, Order: o, RequestId: requestID})
	if err != nil {
		e.t.Fatalf("allocate %s for %s: %v", carrier, o.GetOrderCode(), err)
	}
	return resp
}

// cancel cancels a waybill; the cancel must succeed.
func (e *env) cancel(ctx context.Context, name, reason string) *ewaybillv1.CancelWaybillResponse {
	e.t.Helper()
	resp, err := e.waybills.CancelWaybill(ctx, &ewaybillv1.CancelWaybillRequest{Name: name, Reason: reason})
	if err != nil {
		e.t.Fatalf("cancel %s: %v", name, err)
	}
	return resp
}

func (e *env) getWaybill(ctx context.Context, name string) *ewaybillv1.Waybill {
	e.t.Helper()
	resp, err := e.waybills.GetWaybill(ctx, &ewaybillv1.GetWaybillRequest{Name: name})
	if err != nil {
		e.t.Fatalf("get %s: %v", name, err)
	}
	return resp.GetWaybill()
}

// quota reads a quota as the admin.
func (e *env) quota(name string) *ewaybillv1.Quota {
	e.t.Helper()
	resp, err := e.quotas.GetQuota(admin(), &ewaybillv1.GetQuotaRequest{Name: name})
	if err != nil {
		e.t.Fatalf("get %s: %v", name, err)
	}
	return resp.GetQuota()
}

// pool reads carrier code's pool as the admin.
func (e *env) pool(code string) *ewaybillv1.Pool {
	e.t.Helper()
	resp, err := e.pools.GetPool(admin(), &ewaybillv1.GetPoolRequest{Name: "carriers/" + code + "/pool"})
	if err != nil {
		e.t.Fatalf("get pool %s: %v", code, err)
	}
	return resp.GetPool()
}

// balances renders a quota's counters for comparison in one line.
func balances(q *ewaybillv1.Quota) string {
	return fmt.Sprintf("granted=%d available=%d live=%d issued=%d cancelled=%d recycled=%d",
		q.GetGranted(), q.GetAvailable(), q.GetLive(), q.GetIssuedTotal(), q.GetCancelled(), q.GetRecycled())
}

// poolCounts renders a pool's counters for comparison in one line.
func poolCounts(p *ewaybillv1.Pool) string {
	return fmt.Sprintf("imported=%d available=%d issued=%d voided=%d awaiting=%d reusable=%d low=%v",
		p.GetImported(), p.GetAvailable(), p.GetIssued(), p.GetVoided(), p.GetAwaitingReuse(), p.GetReusableNow(), p.GetLow())
}

// ledger lists all of a quota's ledger entries (parent may end in "-").
func (e *env) ledger(ctx context.Context, parent string) []*ewaybillv1.LedgerEntry {
	e.t.Helper()
	resp, err := e.quotas.ListLedgerEntries(ctx, &ewaybillv1.ListLedgerEntriesRequest{Parent: parent, PageSize: 1000})
	if err != nil {
		e.t.Fatalf("ledger of %s: %v", parent, err)
	}
	return resp.GetEntries()
}

// errorMetadata returns a status's ErrorInfo metadata.
func errorMetadata(st *status.Status) map[string]string {
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			return ei.GetMetadata()
		}
	}
	return nil
}

// fieldRules lists a status's BadRequest violations as "field rule", in
// the order sent; unlike violations it keeps repeated fields.
func fieldRules(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField()+" "+v.GetReason())
			}
		}
	}
	return out
}

// descriptions returns field → description from a status's BadRequest
// (the last one for a repeated field).
func descriptions(st *status.Status) map[string]string {
	out := map[string]string{}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out[v.GetField()] = v.GetDescription()
			}
		}
	}
	return out
}
