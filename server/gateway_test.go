package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestRESTRegisterAndErrorDetails(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{
		"qualification": map[string]any{
			"legalName": "REST 商贸", "type": "MERCHANT_TYPE_ENTERPRISE", "creditCode": creditCodes[0],
			"legalRepresentative": map[string]any{"name": "张三", "idNumber": "11010519491231002X"},
			"contact":             map[string]any{"name": "李四", "mobile": "13800138000"},
			"licenceDocumentRef":  "doc://1",
		},
	}
	code, out := e.rest("POST", "/v1/merchants:register", "", body)
	if code != http.StatusOK {
		t.Fatalf("register: %d %v", code, out)
	}
	secret, _ := out["apiKeySecret"].(string)
	merchant := out["merchant"].(map[string]any)
	if !strings.HasPrefix(secret, "ewb_") || merchant["state"] != "MERCHANT_STATE_PENDING_REVIEW" {
		t.Fatalf("register response: %v", out)
	}
	name := merchant["name"].(string)

	code, got := e.rest("GET", "/v1/"+name, secret, nil)
	if code != http.StatusOK || got["merchant"].(map[string]any)["name"] != name {
		t.Fatalf("get own merchant: %d %v", code, got)
	}

	// Status mapping and details, as the README documents them.
	cases := []struct {
		name, method, path, key string
		body                    any
		status                  int
		reason                  string
		field                   string
	}{
		{"missing key", "GET", "/v1/merchants", "", nil, 401, "API_KEY_MISSING", ""},
		{"unknown key", "GET", "/v1/merchants", "ewb_nope", nil, 401, "API_KEY_INVALID", ""},
		{"wrong role", "POST", "/v1/" + name + ":approve", secret, map[string]any{}, 403, "ROLE_NOT_PERMITTED", ""},
		{"other merchant", "GET", "/v1/merchants/0193f0e0-0000-7000-8000-000000000000", secret, nil, 404, "RESOURCE_NOT_FOUND", ""},
		{"duplicate", "POST", "/v1/merchants:register", "", body, 409, "ALREADY_EXISTS", ""},
		{"bad credit code", "POST", "/v1/merchants:register", "", map[string]any{"qualification": map[string]any{"creditCode": "91350100M000100Y44"}}, 400, "INVALID_REQUEST", "qualification.credit_code"},
		{"wrong state", "POST", "/v1/" + name + ":reinstate", testAdminKey, map[string]any{"reason": "x"}, 400, "INVALID_STATE_TRANSITION", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := e.rest(c.method, c.path, c.key, c.body)
			if code != c.status {
				t.Fatalf("status %d, want %d: %v", code, c.status, out)
			}
			if r := restReason(out); r != c.reason {
				t.Fatalf("reason %q, want %q: %v", r, c.reason, out)
			}
			if c.field != "" && !restHasViolation(out, c.field) {
				t.Fatalf("no violation for %s: %v", c.field, out)
			}
		})
	}
}

func TestRESTRefusesMalformedBodies(t *testing.T) {
	e := newEnv(t)
	for name, body := range map[string]string{
		"malformed JSON": `{"qualification": `,
		"unknown field":  `{"qualification": {"legalNme": "typo"}}`,
		"wrong type":     `{"qualification": {"type": 3.5}}`,
	} {
		t.Run(name, func(t *testing.T) {
			code, out := e.rest("POST", "/v1/merchants:register", "", body)
			if code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %v", code, out)
			}
		})
	}
	list, err := e.merchants.ListMerchants(admin(), nil)
	if err != nil || len(list.GetMerchants()) != 0 {
		t.Fatalf("malformed bodies created merchants: %v %v", list, err)
	}
}

func TestHTTPServiceEndpoints(t *testing.T) {
	e := newEnv(t)
	e.rest("GET", "/v1/carriers", testAdminKey, nil)

	for _, c := range []struct{ path, want string }{
		{"/healthz", "SERVING"},
		{"/openapi.json", `"/v1/merchants:register"`},
		// The REST call above went through the gRPC interceptors.
		{"/metrics", `ewaybill_grpc_requests_total{code="OK",method="/ewaybill.v1.CarrierService/ListCarriers"} 1`},
	} {
		resp, err := http.Get(e.http.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(raw), c.want) {
			t.Fatalf("%s: %d, body lacks %q:\n%.500s", c.path, resp.StatusCode, c.want, raw)
		}
	}
}

func TestRequestLogsCarryNoPersonalData(t *testing.T) {
	e := newEnv(t)
	m := e.register(creditCodes[0])
	e.merchants.GetMerchant(as(m.key), nil)
	e.rest("GET", "/v1/"+m.name, m.key, nil)
	logs := e.logs.String()
	for _, secret := range []string{"13800138000", "11010519491231002X", "张三", "李四", m.key, testAdminKey} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain %q:\n%s", secret, logs)
		}
	}
	want := `"method":"/ewaybill.v1.MerchantService/GetMerchant","code":"OK"`
	if !strings.Contains(logs, want) || !strings.Contains(logs, `"merchant_id":"`+strings.TrimPrefix(m.name, "merchants/")+`"`) {
		t.Fatalf("logs lack a request line with method, code and merchant id:\n%s", logs)
	}
}

func restReason(out map[string]any) string {
	details, _ := out["details"].([]any)
	for _, d := range details {
		if m, ok := d.(map[string]any); ok && strings.HasSuffix(m["@type"].(string), "ErrorInfo") {
			r, _ := m["reason"].(string)
			return r
		}
	}
	return ""
}

func restHasViolation(out map[string]any, field string) bool {
	_, ok := restViolations(out)[field]
	return ok
}

// restViolations returns field → rule from a REST error's BadRequest, as
// violations does from a status.
func restViolations(out map[string]any) map[string]string {
	rules := map[string]string{}
	details, _ := out["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		vs, _ := m["fieldViolations"].([]any)
		for _, v := range vs {
			v, _ := v.(map[string]any)
			field, _ := v["field"].(string)
			rule, _ := v["reason"].(string)
			rules[field] = rule
		}
	}
	return rules
}

func TestRESTPatchTakesMaskFromBodyOrQuery(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	// Without updateMask the gateway derives it from the body's fields.
	code, out := e.rest("PATCH", "/v1/carriers/SF", testAdminKey, map[string]any{"enabled": false})
	if code != 200 || out["carrier"].(map[string]any)["enabled"] != false {
		t.Fatalf("patch enabled: %d %v", code, out)
	}
	// An explicit mask in JSON (camelCase) names only what changes.
	code, out = e.rest("PATCH", "/v1/carriers/SF?updateMask=displayName", testAdminKey, map[string]any{"displayName": "顺丰", "enabled": true})
	c := out["carrier"].(map[string]any)
	if code != 200 || c["displayName"] != "顺丰" || c["enabled"] != false {
		t.Fatalf("patch displayName: %d %v", code, out)
	}
}

func TestRESTPatchWithReadBackResource(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	_, got := e.rest("GET", "/v1/carriers/SF", testAdminKey, nil)
	carrier := got["carrier"].(map[string]any)
	// Send the carrier back as read, with one change: name, code, kind,
	// number format and timestamps ride along unchanged.
	carrier["displayName"] = "顺丰速运 (新)"
	code, out := e.rest("PATCH", "/v1/carriers/SF", testAdminKey, carrier)
	if code != 200 || out["carrier"].(map[string]any)["displayName"] != "顺丰速运 (新)" {
		t.Fatalf("read-modify-write: %d %v", code, out)
	}
	// Changing a fixed field is still refused.
	carrier["kind"] = "CARRIER_KIND_FRANCHISE"
	code, out = e.rest("PATCH", "/v1/carriers/SF", testAdminKey, carrier)
	if code != 400 || !restHasViolation(out, "update_mask") {
		t.Fatalf("kind change: %d %v", code, out)
	}
	// An empty body names nothing to change.
	code, out = e.rest("PATCH", "/v1/carriers/SF", testAdminKey, map[string]any{})
	if code != 400 || !strings.Contains(out["message"].(string), "update_mask is required") {
		t.Fatalf("empty patch: %d %v", code, out)
	}
}
