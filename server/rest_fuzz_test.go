package server_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/server"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// restEndpoint is one POST endpoint whose JSON body FuzzRESTBodies sends.
type restEndpoint struct {
	// path may hold $MERCHANT, replaced by the fuzz merchant's name.
	path string
	// key is who calls: "merchant", "admin" or "" (no key).
	key string
	// allocates and creates report that the endpoint makes waybills or
	// merchants.
	allocates, creates bool
}

// restEndpoints are the bodies outside callers send most: allocation
// (single and batch), mapping profiles and the dry run, label renders
// and merchant creation (by an admin, and self-registration without a
// key). The fuzz input picks one by index.
var restEndpoints = []restEndpoint{
	{"/v1/$MERCHANT/waybills:allocate", "merchant", true, false},
	{"/v1/$MERCHANT/waybills:batchAllocate", "merchant", true, false},
	{"/v1/$MERCHANT/mappingProfiles", "merchant", false, false},
	{"/v1/$MERCHANT/orders:validate", "merchant", false, false},
	{"/v1/$MERCHANT/labels:render", "merchant", false, false},
	{"/v1/merchants", "admin", false, true},
	{"/v1/merchants:register", "", false, true},
}

// restFuzz is the state FuzzRESTBodies builds once per process: a server
// over a temporary store with an approved merchant, an SF pool, a stored
// mapping profile and one allocated waybill, so that bodies can reach
// every check behind the JSON decoding.
type restFuzz struct {
	e       *env
	handler http.Handler
	shop    merchantFixture
	profile string // stored mapping profile's name
	number  string // the allocated waybill's number
}

// startFuzzEnv is startEnvWith for a fuzz target: the harness's env
// takes a *testing.T, which a fuzz target only has per input, and the
// server must outlive the inputs (building one per input would cost each
// a store and a listener). It returns the REST handler rather than
// serving it, and logs nowhere: every input logs a request line, which a
// buffer would keep for the whole run. The env's helpers report to e.t,
// which FuzzRESTBodies points at the input that uses them.
func startFuzzEnv(f *testing.F) (*env, http.Handler) {
	f.Helper()
	// No trimming: its ticker's goroutine would run at random points of
	// an input, and the fuzzer take its coverage for the input's.
	store, err := boltstore.Open(f.TempDir(), boltstore.Options{MappedBudget: -1})
	if err != nil {
		f.Fatalf("open store: %v", err)
	}
	srv := server.New(server.Config{Store: store, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if _, err := srv.Keys().Bootstrap(context.Background(), testAdminKey); err != nil {
		f.Fatalf("bootstrap: %v", err)
	}
	lis := bufconn.Listen(1 << 20)
	go srv.GRPC().Serve(lis)
	conn, err := grpc.NewClient("passthrough:///bufnet", server.ClientOptions(
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		f.Fatal(err)
	}
	handler, err := srv.HTTPHandler(context.Background(), conn)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		defer store.Close()
		defer srv.GRPC().Stop()
		defer conn.Close()
		// The books must balance after every body, accepted or not.
		report, err := quota.Check(context.Background(), store)
		if err != nil {
			f.Errorf("quota.Check: %v", err)
			return
		}
		for _, p := range report.Problems {
			f.Errorf("quota.Check: %s", p)
		}
	})
	return &env{
		store: store, srv: srv, conn: conn,
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
	}, handler
}

// prepare creates the fixtures with the env's helpers, which report to
// t; it runs with the first input.
func (r *restFuzz) prepare(t *testing.T) {
	e := r.e
	e.t = t
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100_000)
	r.shop = e.shop(creditCodes[0], "SF")
	r.profile = e.createProfile(r.shop, shopProfile("fuzz")).GetName()
	w := e.allocate(as(r.shop.key), "carriers/SF", order("FUZZ-SEED-1"), "fuzz-seed-1")
	r.number = w.GetWaybill().GetNumber()
	if r.profile == "" || r.number == "" {
		t.Fatalf("fixtures incomplete: profile %q, number %q", r.profile, r.number)
	}
}

// spend is what a body may cost: the merchant's SF quota, the SF pool
// and, for the merchant endpoints, how many merchants there are (counted
// only there: the count grows with every accepted registration and takes
// a listing).
type spend struct {
	quota     *ewaybillv1.Quota
	pool      *ewaybillv1.Pool
	merchants int
}

func (s spend) String() string {
	return balances(s.quota) + " | " + poolCounts(s.pool) + " | merchants=" + strconv.Itoa(s.merchants)
}

func (r *restFuzz) spend(t *testing.T, merchants bool) spend {
	// Not the harness's admin(): its contexts time out after 10 s on
	// timers that nothing stops, and thousands of inputs would leave
	// thousands of them to fire in the middle of later inputs.
	ctx, cancel := context.WithCancel(metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+testAdminKey))
	defer cancel()
	q, err := r.e.quotas.GetQuota(ctx, &ewaybillv1.GetQuotaRequest{Name: quotaName(r.shop, "SF")})
	if err != nil {
		t.Fatalf("get quota: %v", err)
	}
	p, err := r.e.pools.GetPool(ctx, &ewaybillv1.GetPoolRequest{Name: "carriers/SF/pool"})
	if err != nil {
		t.Fatalf("get pool: %v", err)
	}
	s := spend{quota: q.GetQuota(), pool: p.GetPool()}
	for token := ""; merchants; {
		list, err := r.e.merchants.ListMerchants(ctx, &ewaybillv1.ListMerchantsRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			t.Fatalf("list merchants: %v", err)
		}
		s.merchants += len(list.GetMerchants())
		if token = list.GetNextPageToken(); token == "" {
			break
		}
	}
	return s
}

// allocationAnswer is an accepted allocation, single or batch.
type allocationAnswer struct {
	Waybill  json.RawMessage `json:"waybill"`
	Replayed bool            `json:"replayed"`
	Results  []struct {
		Waybill  json.RawMessage `json:"waybill"`
		Replayed bool            `json:"replayed"`
		Error    *struct {
			Code            int    `json:"code"`
			Reason          string `json:"reason"`
			FieldViolations []struct {
				Field string `json:"field"`
			} `json:"fieldViolations"`
		} `json:"error"`
	} `json:"results"`
}

// checkAllocation checks an accepted allocation against what it spent:
// one unit of quota and one number per waybill it made (not replayed),
// nothing for a refused item of a batch, whose error must meet the same
// standard as a refused request.
func checkAllocation(t *testing.T, raw []byte, before, after spend) {
	var answer allocationAnswer
	if err := json.Unmarshal(raw, &answer); err != nil {
		t.Fatalf("allocation answer is not JSON: %v: %.300s", err, raw)
	}
	made := int64(0)
	if answer.Waybill != nil && !answer.Replayed {
		made++
	}
	for i, r := range answer.Results {
		if r.Waybill != nil && !r.Replayed {
			made++
		}
		if e := r.Error; e != nil {
			if e.Code == int(codes.Internal) || e.Code == int(codes.Unknown) || e.Reason == "" {
				t.Fatalf("batch item %d refused with code %d, reason %q: %.500s", i, e.Code, e.Reason, raw)
			}
			if e.Code == int(codes.InvalidArgument) && (len(e.FieldViolations) == 0 || e.FieldViolations[0].Field == "") {
				t.Fatalf("batch item %d refused as invalid without naming a field: %.500s", i, raw)
			}
		}
	}
	if got := after.quota.GetIssuedTotal() - before.quota.GetIssuedTotal(); got != made {
		t.Fatalf("made %d waybills but issued %d from the quota:\nbefore %s\nafter  %s", made, got, before, after)
	}
	if got := after.pool.GetIssued() - before.pool.GetIssued(); got != made {
		t.Fatalf("made %d waybills but took %d numbers:\nbefore %s\nafter  %s", made, got, before, after)
	}
}

// post sends body to endpoint ep and returns the status and raw answer.
// It calls the server's HTTP handler directly rather than over a socket:
// the gateway is the same, and an input costs less and starts no
// connection goroutines whose coverage would look new to the fuzzer.
func (r *restFuzz) post(ep restEndpoint, body []byte) (int, []byte) {
	req := httptest.NewRequest("POST", strings.ReplaceAll(ep.path, "$MERCHANT", r.shop.name), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	switch ep.key {
	case "merchant":
		req.Header.Set("Authorization", "Bearer "+r.shop.key)
	case "admin":
		req.Header.Set("Authorization", "Bearer "+testAdminKey)
	}
	w := httptest.NewRecorder()
	r.handler.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// FuzzRESTBodies posts arbitrary JSON bodies to the REST gateway of a
// real server and checks the bad-input standard: no body gets a 5xx; a
// refused body gets a JSON error with ewaybill's ErrorInfo reason that,
// for INVALID_ARGUMENT, names a field; a refused body costs nothing (the
// quota, the pool and the merchants are as they were); and an accepted
// allocation spends one unit of quota and one number per waybill it
// makes, none for a refused batch item, whose error meets the same
// standard. In a body, $PROFILE, $NUMBER and $MERCHANT stand for the
// stored profile's name, the allocated waybill's number and the
// merchant's name, which differ per run, so that seeds reach the checks
// behind the name lookups. The seed corpus is in
// testdata/fuzz/FuzzRESTBodies.
func FuzzRESTBodies(f *testing.F) {
	for i, body := range []string{
		`{"carrier":"carriers/SF","requestId":"a1","order":{"orderCode":"A-1","sender":{"name":"王小明","mobile":"13800138000","province":"广东省","city":"深圳市","address":"科技园南区 1 号"},"receiver":{"name":"李小红","mobile":"13900139000","province":"浙江省","city":"杭州市","address":"文三路 90 号"},"parcel":{"weightGrams":"1200"},"items":[{"name":"茶叶","quantity":2}]}}`,
		`{"items":[{"carrier":"carriers/SF","mappingProfile":"$PROFILE","rawOrder":{"tid":"B-1"}}]}`,
		`{"displayName":"p","fields":[{"target":"order_code","sources":["tid"]}]}`,
		`{"mappingProfile":"$PROFILE","orders":[{"tid":"V-1"}]}`,
		`{"numbers":["$NUMBER"],"format":"LABEL_FORMAT_ZPL","purpose":"LABEL_PURPOSE_PREVIEW"}`,
		`{"qualification":{"legalName":"测试","type":"MERCHANT_TYPE_ENTERPRISE","creditCode":"91110108551385082Q"}}`,
		`{"qualification":{"legalName":"测试","type":7}}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	r := &restFuzz{}
	r.e, r.handler = startFuzzEnv(f)
	prepared := false
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		if !prepared {
			r.prepare(t)
			prepared = true
		}
		ep := restEndpoints[int(which)%len(restEndpoints)]
		body = bytes.ReplaceAll(body, []byte("$PROFILE"), []byte(r.profile))
		body = bytes.ReplaceAll(body, []byte("$NUMBER"), []byte(r.number))
		body = bytes.ReplaceAll(body, []byte("$MERCHANT"), []byte(r.shop.name))
		before := r.spend(t, ep.creates)
		code, raw := r.post(ep, body)
		if code >= 500 {
			t.Fatalf("POST %s answered %d: %.500s", ep.path, code, raw)
		}
		after := r.spend(t, ep.creates)
		if code < 400 {
			if ep.allocates {
				checkAllocation(t, raw, before, after)
			}
			return // accepted: anything else it spent, it was asked to
		}
		if after.String() != before.String() {
			t.Fatalf("POST %s was refused (%d: %.300s) but spent something:\nbefore %s\nafter  %s", ep.path, code, raw, before, after)
		}
		var answer struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Details []struct {
				Type            string `json:"@type"`
				Reason          string `json:"reason"`
				Domain          string `json:"domain"`
				FieldViolations []struct {
					Field string `json:"field"`
				} `json:"fieldViolations"`
			} `json:"details"`
		}
		if err := json.Unmarshal(raw, &answer); err != nil {
			t.Fatalf("POST %s answered %d with a body that is not a JSON error: %v: %.500s", ep.path, code, err, raw)
		}
		if answer.Code == 0 || answer.Message == "" {
			t.Fatalf("POST %s answered %d without a code and message: %.500s", ep.path, code, raw)
		}
		// Every refusal carries ewaybill's ErrorInfo, as the README
		// promises; INVALID_ARGUMENT also names the fields.
		reason, field := "", ""
		for _, d := range answer.Details {
			if strings.HasSuffix(d.Type, "ErrorInfo") && d.Domain == server.ErrorDomain {
				reason = d.Reason
			}
			for _, v := range d.FieldViolations {
				field = cmp.Or(field, v.Field)
			}
		}
		if reason == "" || answer.Code == int(codes.InvalidArgument) && field == "" {
			t.Fatalf("POST %s answered %d (code %d) with reason %q and field %q: %.500s", ep.path, code, answer.Code, reason, field, raw)
		}
	})
}

// TestRESTBodyLargerAsProtobuf: a body under the size limit whose numbers
// make a protobuf request over it (2 bytes of JSON become 11) is refused
// as too large, naming the body, before it reaches the server, which
// would refuse it as RESOURCE_EXHAUSTED (429, as if a quota ran out).
// It is not a FuzzRESTBodies seed because the fuzzer would spend its time
// mutating and minimising an 800 KB input.
func TestRESTBodyLargerAsProtobuf(t *testing.T) {
	e := newEnv(t)
	m := e.approvedMerchant(creditCodes[0])
	body := `{"inlineProfile":{"displayName":"p"},"orders":[{"lines":[` + strings.Repeat("0,", 400_000) + `0]}]}`
	code, out := e.rest("POST", "/v1/"+m.name+"/orders:validate", m.key, body)
	if code != http.StatusBadRequest || restReason(out) != "INVALID_REQUEST" || !restHasViolation(out, "body") {
		t.Fatalf("status %d, want 400 INVALID_REQUEST on field body: %.500v", code, out)
	}
}
