package server_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// The four kinds of caller a role test runs every RPC as.
const (
	roleAdmin    = "admin"
	roleMerchant = "merchant"
	rolePrinter  = "printer"
	roleNone     = "none"
)

var rolesAll = []string{roleAdmin, roleMerchant, rolePrinter, roleNone}

// rolesWorld is one server with one approved merchant that owns every
// resource a role test touches, and keys of each role.
type rolesWorld struct {
	e        *env
	merchant merchantFixture
	printer  string // secret of a printer key of merchant
	auth     string // a PENDING SF authorization of merchant
	spareKey string // name of a merchant key of merchant, to read and revoke
}

func newRolesWorld(t *testing.T) *rolesWorld {
	t.Helper()
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	w := &rolesWorld{e: e, merchant: e.approvedMerchant(creditCodes[0])}
	w.printer = e.createKey(admin(), ewaybillv1.Role_ROLE_PRINTER, w.merchant.name)
	spare, err := e.keys.CreateApiKey(admin(), &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{
		Role: ewaybillv1.Role_ROLE_MERCHANT, Merchant: w.merchant.name, DisplayName: "spare"}})
	if err != nil {
		t.Fatal(err)
	}
	w.spareKey = spare.GetApiKey().GetName()
	w.auth = rolesApplySF(t, e, admin(), w.merchant.name)
	return w
}

// ctx returns a context that calls as role.
func (w *rolesWorld) ctx(role string) context.Context {
	switch role {
	case roleAdmin:
		return admin()
	case roleMerchant:
		return as(w.merchant.key)
	case rolePrinter:
		return as(w.printer)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_ = cancel
	return ctx
}

func rolesApplySF(t *testing.T, e *env, ctx context.Context, parent string) string {
	t.Helper()
	resp, err := e.auths.CreateCarrierAuthorization(ctx, &ewaybillv1.CreateCarrierAuthorizationRequest{
		Parent: parent, CarrierAuthorization: &ewaybillv1.CarrierAuthorization{Carrier: "carriers/SF", SettlementAccount: "7550001234"}})
	if err != nil {
		t.Fatalf("apply for SF: %v", err)
	}
	return resp.GetCarrierAuthorization().GetName()
}

// rolesErrorInfo returns the status's ErrorInfo (nil when there is none).
func rolesErrorInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			return ei
		}
	}
	return nil
}

// rolesWantAllowed fails unless err passed authentication and the role
// check: nil, or a code that is neither an auth failure nor a server bug.
func rolesWantAllowed(t *testing.T, err error) {
	t.Helper()
	switch c := status.Code(err); c {
	case codes.PermissionDenied, codes.Unauthenticated, codes.Internal, codes.Unknown, codes.Unimplemented:
		t.Fatalf("want the call allowed, got %s: %v", c, err)
	}
}

type rolesRPC struct {
	method string   // full gRPC method name
	allow  []string // roles that may call it
	call   func(w *rolesWorld, ctx context.Context) error
}

// rolesTable lists every RPC of the four services with the roles the API
// documents for it.
func rolesTable() []rolesRPC {
	admins := []string{roleAdmin}
	adminOrMerchant := []string{roleAdmin, roleMerchant}
	keyHolders := []string{roleAdmin, roleMerchant, rolePrinter}
	return []rolesRPC{
		{ewaybillv1.MerchantService_RegisterMerchant_FullMethodName, rolesAll, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.merchants.RegisterMerchant(ctx, &ewaybillv1.RegisterMerchantRequest{Qualification: validQualification(creditCodes[1])})
			return err
		}},
		{ewaybillv1.MerchantService_CreateMerchant_FullMethodName, admins, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.merchants.CreateMerchant(ctx, &ewaybillv1.CreateMerchantRequest{Qualification: validQualification(creditCodes[2])})
			return err
		}},
		{ewaybillv1.MerchantService_GetMerchant_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.merchants.GetMerchant(ctx, &ewaybillv1.GetMerchantRequest{Name: w.merchant.name})
			return err
		}},
		{ewaybillv1.MerchantService_ListMerchants_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.merchants.ListMerchants(ctx, &ewaybillv1.ListMerchantsRequest{})
			return err
		}},
		{ewaybillv1.MerchantService_ApproveMerchant_FullMethodName, admins, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.merchants.ApproveMerchant(ctx, &ewaybillv1.ApproveMerchantRequest{Name: w.merchant.name})
			return err
		}},
		{ewaybillv1.MerchantService_RejectMerchant_FullMethodName, admins, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.merchants.RejectMerchant(ctx, &ewaybillv1.RejectMerchantRequest{Name: w.merchant.name, Reason: "r", FieldsToSupplement: []string{"legal_name"}})
			return err
		}},
		{ewaybillv1.MerchantService_ResubmitMerchant_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.merchants.ResubmitMerchant(ctx, &ewaybillv1.ResubmitMerchantRequest{Name: w.merchant.name, Qualification: validQualification(creditCodes[0])})
			return err
		}},
		{ewaybillv1.MerchantService_SuspendMerchant_FullMethodName, admins, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.merchants.SuspendMerchant(ctx, &ewaybillv1.SuspendMerchantRequest{Name: w.merchant.name, Reason: "r"})
			return err
		}},
		{ewaybillv1.MerchantService_ReinstateMerchant_FullMethodName, admins, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.merchants.ReinstateMerchant(ctx, &ewaybillv1.ReinstateMerchantRequest{Name: w.merchant.name, Reason: "r"})
			return err
		}},

		{ewaybillv1.CarrierService_CreateCarrier_FullMethodName, admins, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.carriers.CreateCarrier(ctx, &ewaybillv1.CreateCarrierRequest{Carrier: carrierEMS()})
			return err
		}},
		{ewaybillv1.CarrierService_GetCarrier_FullMethodName, keyHolders, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.carriers.GetCarrier(ctx, &ewaybillv1.GetCarrierRequest{Name: "carriers/SF"})
			return err
		}},
		{ewaybillv1.CarrierService_ListCarriers_FullMethodName, keyHolders, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.carriers.ListCarriers(ctx, &ewaybillv1.ListCarriersRequest{})
			return err
		}},
		{ewaybillv1.CarrierService_UpdateCarrier_FullMethodName, admins, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.carriers.UpdateCarrier(ctx, &ewaybillv1.UpdateCarrierRequest{
				Carrier: &ewaybillv1.Carrier{Name: "carriers/SF", DisplayName: "顺丰"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
			return err
		}},

		{ewaybillv1.CarrierAuthorizationService_CreateCarrierAuthorization_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.auths.CreateCarrierAuthorization(ctx, &ewaybillv1.CreateCarrierAuthorizationRequest{
				Parent: w.merchant.name, CarrierAuthorization: authzZTO()})
			return err
		}},
		{ewaybillv1.CarrierAuthorizationService_GetCarrierAuthorization_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.auths.GetCarrierAuthorization(ctx, &ewaybillv1.GetCarrierAuthorizationRequest{Name: w.auth})
			return err
		}},
		{ewaybillv1.CarrierAuthorizationService_ListCarrierAuthorizations_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.auths.ListCarrierAuthorizations(ctx, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: w.merchant.name})
			return err
		}},
		{ewaybillv1.CarrierAuthorizationService_ApproveCarrierAuthorization_FullMethodName, admins, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.auths.ApproveCarrierAuthorization(ctx, &ewaybillv1.ApproveCarrierAuthorizationRequest{Name: w.auth})
			return err
		}},
		{ewaybillv1.CarrierAuthorizationService_RejectCarrierAuthorization_FullMethodName, admins, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.auths.RejectCarrierAuthorization(ctx, &ewaybillv1.RejectCarrierAuthorizationRequest{Name: w.auth, Reason: "r"})
			return err
		}},
		{ewaybillv1.CarrierAuthorizationService_RevokeCarrierAuthorization_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.auths.RevokeCarrierAuthorization(ctx, &ewaybillv1.RevokeCarrierAuthorizationRequest{Name: w.auth, Reason: "r"})
			return err
		}},

		{ewaybillv1.ApiKeyService_CreateApiKey_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.keys.CreateApiKey(ctx, &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{
				Role: ewaybillv1.Role_ROLE_PRINTER, Merchant: w.merchant.name, DisplayName: "station"}})
			return err
		}},
		{ewaybillv1.ApiKeyService_GetApiKey_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.keys.GetApiKey(ctx, &ewaybillv1.GetApiKeyRequest{Name: w.spareKey})
			return err
		}},
		{ewaybillv1.ApiKeyService_ListApiKeys_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.keys.ListApiKeys(ctx, &ewaybillv1.ListApiKeysRequest{})
			return err
		}},
		{ewaybillv1.ApiKeyService_RevokeApiKey_FullMethodName, adminOrMerchant, func(w *rolesWorld, ctx context.Context) error {
			_, err := w.e.keys.RevokeApiKey(ctx, &ewaybillv1.RevokeApiKeyRequest{Name: w.spareKey})
			return err
		}},
	}
}

func TestRolesTableCoversEveryRPC(t *testing.T) {
	listed := map[string]bool{}
	for _, r := range rolesTable() {
		if listed[r.method] {
			t.Fatalf("%s listed twice", r.method)
		}
		listed[r.method] = true
	}
	var want []string
	for _, sd := range []grpc.ServiceDesc{ewaybillv1.MerchantService_ServiceDesc, ewaybillv1.CarrierService_ServiceDesc,
		ewaybillv1.CarrierAuthorizationService_ServiceDesc, ewaybillv1.ApiKeyService_ServiceDesc} {
		for _, m := range sd.Methods {
			want = append(want, "/"+sd.ServiceName+"/"+m.MethodName)
		}
	}
	for _, m := range want {
		if !listed[m] {
			t.Errorf("role table lacks %s", m)
		}
	}
	if len(want) != 23 || len(listed) != len(want) {
		t.Fatalf("services have %d RPCs, table lists %d", len(want), len(listed))
	}
}

func TestRolesAgainstEveryRPC(t *testing.T) {
	for _, role := range rolesAll {
		t.Run(role, func(t *testing.T) {
			// A fresh server per role, so one role's changes (a revoked
			// key, a suspended merchant) do not decide another's outcome.
			w := newRolesWorld(t)
			for _, rpc := range rolesTable() {
				t.Run(rpc.method[strings.LastIndex(rpc.method, "/")+1:], func(t *testing.T) {
					err := rpc.call(w, w.ctx(role))
					switch {
					case slices.Contains(rpc.allow, role):
						rolesWantAllowed(t, err)
					case role == roleNone:
						wantError(t, err, codes.Unauthenticated, "API_KEY_MISSING")
					default:
						st := wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
						if got := rolesErrorInfo(st).GetMetadata()["role"]; got != role {
							t.Fatalf("metadata role = %q, want %q", got, role)
						}
					}
				})
			}
		})
	}
}

func TestRolesMerchantKeysStayWithinTheMerchant(t *testing.T) {
	e := newEnv(t)
	m := e.approvedMerchant(creditCodes[0])
	cases := []struct {
		name     string
		spec     *ewaybillv1.ApiKey
		code     codes.Code
		reason   string
		merchant string // of the created key
	}{
		{"merchant key, merchant omitted", &ewaybillv1.ApiKey{Role: ewaybillv1.Role_ROLE_MERCHANT}, codes.OK, "", m.name},
		{"printer key for itself", &ewaybillv1.ApiKey{Role: ewaybillv1.Role_ROLE_PRINTER, Merchant: m.name}, codes.OK, "", m.name},
		{"admin key", &ewaybillv1.ApiKey{Role: ewaybillv1.Role_ROLE_ADMIN}, codes.PermissionDenied, "ROLE_NOT_PERMITTED", ""},
		{"admin key naming itself", &ewaybillv1.ApiKey{Role: ewaybillv1.Role_ROLE_ADMIN, Merchant: m.name}, codes.PermissionDenied, "ROLE_NOT_PERMITTED", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := e.keys.CreateApiKey(as(m.key), &ewaybillv1.CreateApiKeyRequest{ApiKey: c.spec})
			if c.code != codes.OK {
				st := wantError(t, err, c.code, c.reason)
				if md := rolesErrorInfo(st).GetMetadata(); md["role"] != "merchant" || md["action"] != "create admin keys" {
					t.Fatalf("metadata %v", md)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k := resp.GetApiKey(); k.GetMerchant() != c.merchant || k.GetRole() != c.spec.GetRole() {
				t.Fatalf("created %v", k)
			}
		})
	}
	// No admin key besides the bootstrap one came into being.
	all, err := e.keys.ListApiKeys(admin(), &ewaybillv1.ListApiKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	admins := 0
	for _, k := range all.GetApiKeys() {
		if k.GetRole() == ewaybillv1.Role_ROLE_ADMIN {
			admins++
		}
	}
	if admins != 1 || len(all.GetApiKeys()) != 4 {
		t.Fatalf("%d keys, %d admin keys; want 4 and 1", len(all.GetApiKeys()), admins)
	}
}

func TestRolesAuthenticationHeader(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name   string
		header []string // authorization values; none for no header
		code   codes.Code
		reason string
	}{
		{"no header", nil, codes.Unauthenticated, "API_KEY_MISSING"},
		{"unknown key", []string{"Bearer ewb_unknown0000000000000000000000"}, codes.Unauthenticated, "API_KEY_INVALID"},
		{"over-long key", []string{"Bearer " + strings.Repeat("k", 300)}, codes.Unauthenticated, "API_KEY_INVALID"},
		{"empty bearer", []string{"Bearer "}, codes.Unauthenticated, "API_KEY_MISSING"},
		{"basic scheme", []string{"Basic " + testAdminKey}, codes.Unauthenticated, "API_KEY_MISSING"},
		{"key without scheme", []string{testAdminKey}, codes.Unauthenticated, "API_KEY_MISSING"},
		{"lower-case scheme", []string{"bearer " + testAdminKey}, codes.OK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, h := range c.header {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", h)
			}
			_, err := e.carriers.ListCarriers(ctx, &ewaybillv1.ListCarriersRequest{})
			if c.code == codes.OK {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, c.code, c.reason)
		})
	}
	// Registration is public: even a bad key does not stand in its way.
	_, err := e.merchants.RegisterMerchant(as("ewb_unknown0000000000000000000000"), &ewaybillv1.RegisterMerchantRequest{Qualification: validQualification(creditCodes[0])})
	if err != nil {
		t.Fatalf("register with an unknown key: %v", err)
	}
}

// rolesRESTReason returns a REST error body's grpc code and ErrorInfo
// reason.
func rolesRESTReason(out map[string]any) (code int, reason string) {
	c, _ := out["code"].(float64)
	details, _ := out["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if r, ok := m["reason"].(string); ok {
			return int(c), r
		}
	}
	return int(c), ""
}

func TestRolesOverREST(t *testing.T) {
	w := newRolesWorld(t)
	other := w.e.approvedMerchant(creditCodes[1])
	otherAuth := rolesApplySF(t, w.e, admin(), other.name)
	cases := []struct {
		name, method, path, key string
		body                    any
		status                  int
		reason                  string
	}{
		{"missing key", "GET", "/v1/carriers", "", nil, http.StatusUnauthorized, "API_KEY_MISSING"},
		{"invalid key", "GET", "/v1/carriers/SF", "ewb_nope", nil, http.StatusUnauthorized, "API_KEY_INVALID"},
		{"printer registers a carrier", "POST", "/v1/carriers", w.printer, map[string]any{"code": "EMS"}, http.StatusForbidden, "ROLE_NOT_PERMITTED"},
		{"printer reads its merchant", "GET", "/v1/" + w.merchant.name, w.printer, nil, http.StatusForbidden, "ROLE_NOT_PERMITTED"},
		{"printer lists keys", "GET", "/v1/apiKeys", w.printer, nil, http.StatusForbidden, "ROLE_NOT_PERMITTED"},
		{"merchant approves its authorization", "POST", "/v1/" + w.auth + ":approve", w.merchant.key, map[string]any{}, http.StatusForbidden, "ROLE_NOT_PERMITTED"},
		{"merchant reads another merchant", "GET", "/v1/" + other.name, w.merchant.key, nil, http.StatusNotFound, "RESOURCE_NOT_FOUND"},
		{"merchant reads another's authorization", "GET", "/v1/" + otherAuth, w.merchant.key, nil, http.StatusNotFound, "RESOURCE_NOT_FOUND"},
		{"printer reads carriers", "GET", "/v1/carriers", w.printer, nil, http.StatusOK, ""},
		{"merchant lists its authorizations", "GET", "/v1/" + w.merchant.name + "/carrierAuthorizations", w.merchant.key, nil, http.StatusOK, ""},
	}
	wantCode := map[int]codes.Code{http.StatusUnauthorized: codes.Unauthenticated, http.StatusForbidden: codes.PermissionDenied, http.StatusNotFound: codes.NotFound}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out := w.e.rest(c.method, c.path, c.key, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %v", status, c.status, out)
			}
			if c.status == http.StatusOK {
				if _, isErr := out["code"]; isErr {
					t.Fatalf("success body looks like an error: %v", out)
				}
				return
			}
			code, reason := rolesRESTReason(out)
			if code != int(wantCode[c.status]) || reason != c.reason {
				t.Fatalf("body code %d reason %q, want %d %q: %v", code, reason, wantCode[c.status], c.reason, out)
			}
			if msg, _ := out["message"].(string); msg == "" {
				t.Fatalf("error body without message: %v", out)
			}
		})
	}
}

// ghost names look like real ones but name nothing.
const (
	ghostMerchant = "merchants/0193f0e0-0000-7000-8000-00000000dead"
	ghostAuth     = ghostMerchant + "/carrierAuthorizations/0193f0e0-0000-7000-8000-00000000beef"
	ghostKey      = "apiKeys/0193f0e0-0000-7000-8000-00000000feed"
)

func TestTenantIsolationLooksLikeNotFound(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	a := e.approvedMerchant(creditCodes[0])
	// B is REJECTED, so a resubmission that slipped through would succeed.
	b := e.register(creditCodes[1])
	bAuth := rolesApplySF(t, e, admin(), b.name)
	if _, err := e.merchants.RejectMerchant(admin(), &ewaybillv1.RejectMerchantRequest{Name: b.name, Reason: "blurry", FieldsToSupplement: []string{"licence_document_ref"}}); err != nil {
		t.Fatal(err)
	}
	spare, err := e.keys.CreateApiKey(admin(), &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{Role: ewaybillv1.Role_ROLE_PRINTER, Merchant: b.name}})
	if err != nil {
		t.Fatal(err)
	}
	bKey := spare.GetApiKey().GetName()

	asA := func() context.Context { return as(a.key) }
	cases := []struct {
		name        string
		real, ghost string
		call        func(target string) error
	}{
		{"GetMerchant", b.name, ghostMerchant, func(n string) error {
			_, err := e.merchants.GetMerchant(asA(), &ewaybillv1.GetMerchantRequest{Name: n})
			return err
		}},
		{"ResubmitMerchant", b.name, ghostMerchant, func(n string) error {
			_, err := e.merchants.ResubmitMerchant(asA(), &ewaybillv1.ResubmitMerchantRequest{Name: n, Qualification: validQualification(creditCodes[2])})
			return err
		}},
		{"GetCarrierAuthorization", bAuth, ghostAuth, func(n string) error {
			_, err := e.auths.GetCarrierAuthorization(asA(), &ewaybillv1.GetCarrierAuthorizationRequest{Name: n})
			return err
		}},
		{"RevokeCarrierAuthorization", bAuth, ghostAuth, func(n string) error {
			_, err := e.auths.RevokeCarrierAuthorization(asA(), &ewaybillv1.RevokeCarrierAuthorizationRequest{Name: n, Reason: "mine now"})
			return err
		}},
		{"ListCarrierAuthorizations", b.name, ghostMerchant, func(n string) error {
			_, err := e.auths.ListCarrierAuthorizations(asA(), &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: n})
			return err
		}},
		{"CreateCarrierAuthorization", b.name, ghostMerchant, func(n string) error {
			_, err := e.auths.CreateCarrierAuthorization(asA(), &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: n, CarrierAuthorization: authzSF()})
			return err
		}},
		{"GetApiKey", bKey, ghostKey, func(n string) error {
			_, err := e.keys.GetApiKey(asA(), &ewaybillv1.GetApiKeyRequest{Name: n})
			return err
		}},
		{"RevokeApiKey", bKey, ghostKey, func(n string) error {
			_, err := e.keys.RevokeApiKey(asA(), &ewaybillv1.RevokeApiKeyRequest{Name: n})
			return err
		}},
		{"CreateApiKey", b.name, ghostMerchant, func(n string) error {
			_, err := e.keys.CreateApiKey(asA(), &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{Role: ewaybillv1.Role_ROLE_MERCHANT, Merchant: n}})
			return err
		}},
		{"ListApiKeys", b.name, ghostMerchant, func(n string) error {
			_, err := e.keys.ListApiKeys(asA(), &ewaybillv1.ListApiKeysRequest{Merchant: n})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The other merchant's resource and one that does not exist
			// must be indistinguishable: same code, reason and message.
			var msgs []string
			for _, target := range []string{c.real, c.ghost} {
				st := wantError(t, c.call(target), codes.NotFound, "RESOURCE_NOT_FOUND")
				if got := rolesErrorInfo(st).GetMetadata()["resource"]; got != target {
					t.Fatalf("metadata resource = %q, want %q", got, target)
				}
				msgs = append(msgs, strings.ReplaceAll(st.Message(), target, "<name>"))
			}
			if msgs[0] != msgs[1] {
				t.Fatalf("existing and missing resources tell apart:\n %s\n %s", msgs[0], msgs[1])
			}
		})
	}

	// Nothing of B's changed.
	bm, err := e.merchants.GetMerchant(admin(), &ewaybillv1.GetMerchantRequest{Name: b.name})
	if err != nil {
		t.Fatal(err)
	}
	if bm.GetMerchant().GetState() != ewaybillv1.MerchantState_MERCHANT_STATE_REJECTED || len(bm.GetMerchant().GetReviewHistory()) != 2 {
		t.Fatalf("B changed: %v", bm.GetMerchant())
	}
	ba, err := e.auths.ListCarrierAuthorizations(admin(), &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: b.name})
	if err != nil {
		t.Fatal(err)
	}
	if got := ba.GetCarrierAuthorizations(); len(got) != 1 || got[0].GetState() != ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_PENDING {
		t.Fatalf("B's authorizations changed: %v", got)
	}
	bk, err := e.keys.ListApiKeys(admin(), &ewaybillv1.ListApiKeysRequest{Merchant: b.name})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range bk.GetApiKeys() {
		if k.GetState() != ewaybillv1.ApiKeyState_API_KEY_STATE_ACTIVE {
			t.Fatalf("B's key %s was revoked", k.GetName())
		}
	}
	if n := len(bk.GetApiKeys()); n != 2 {
		t.Fatalf("B has %d keys, want 2", n)
	}
}

func TestRolesOnlyAdminsListEveryMerchantsAuthorizations(t *testing.T) {
	w := newRolesWorld(t)
	for _, role := range []string{roleMerchant, rolePrinter} {
		t.Run(role, func(t *testing.T) {
			_, err := w.e.auths.ListCarrierAuthorizations(w.ctx(role), &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-"})
			wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
		})
	}
	resp, err := w.e.auths.ListCarrierAuthorizations(admin(), &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-"})
	if err != nil || len(resp.GetCarrierAuthorizations()) != 1 {
		t.Fatalf("admin lists every merchant's: %v %v", resp, err)
	}
}
