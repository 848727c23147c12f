package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
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

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/server"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

const testAdminKey = "test-admin-key-0123456789abcdef"

// env is one ewaybill server on a temporary data dir, reached through real
// gRPC (bufconn) and the real REST gateway (httptest) over that connection.
type env struct {
	t       *testing.T
	dataDir string
	store   *boltstore.Store
	srv     *server.Server
	conn    *grpc.ClientConn
	http    *httptest.Server
	logs    *syncBuffer

	merchants ewaybillv1.MerchantServiceClient
	carriers  ewaybillv1.CarrierServiceClient
	auths     ewaybillv1.CarrierAuthorizationServiceClient
	keys      ewaybillv1.ApiKeyServiceClient
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return startEnv(t, t.TempDir())
}

// startEnv starts a server on dataDir; it is stopped at the end of the test
// or by stop (to restart on the same dir).
func startEnv(t *testing.T, dataDir string) *env {
	t.Helper()
	store, err := boltstore.Open(dataDir, boltstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	logs := &syncBuffer{}
	srv := server.New(server.Config{Store: store, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if _, err := srv.Keys().Bootstrap(context.Background(), testAdminKey); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	lis := bufconn.Listen(1 << 20)
	go srv.GRPC().Serve(lis)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
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
	}
	t.Cleanup(e.stop)
	return e
}

func (e *env) stop() {
	if e.http == nil {
		return
	}
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
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
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
