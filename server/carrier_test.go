package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// carrierEMS is a valid UPU S10 carrier.
func carrierEMS() *ewaybillv1.Carrier {
	return &ewaybillv1.Carrier{Code: "EMS", DisplayName: "中国邮政 EMS", Kind: ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED,
		NumberFormat: &ewaybillv1.NumberFormat{Prefix: "EA", SerialLength: 8, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_UPU_S10, Suffix: "CN"}}
}

func carrierWith(base *ewaybillv1.Carrier, edit func(c *ewaybillv1.Carrier)) *ewaybillv1.Carrier {
	edit(base)
	return base
}

func carrierGet(t *testing.T, e *env, code string) *ewaybillv1.Carrier {
	t.Helper()
	resp, err := e.carriers.GetCarrier(admin(), &ewaybillv1.GetCarrierRequest{Name: "carriers/" + code})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetCarrier()
}

func carrierMask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// carrierWantViolations fails unless st lists exactly want (field → rule).
func carrierWantViolations(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("violations %v, want %v", got, want)
	}
	for field, rule := range want {
		if got[field] != rule {
			t.Fatalf("violations %v, want %s=%s", got, field, rule)
		}
	}
}

func TestCarrierCreateValidation(t *testing.T) {
	e := newEnv(t)
	sf := func(edit func(c *ewaybillv1.Carrier)) *ewaybillv1.Carrier { return carrierWith(sfCarrier(), edit) }
	ems := func(edit func(c *ewaybillv1.Carrier)) *ewaybillv1.Carrier { return carrierWith(carrierEMS(), edit) }
	const nf = "carrier.number_format."
	cases := []struct {
		name string
		in   *ewaybillv1.Carrier
		want map[string]string
	}{
		{"code lower case", sf(func(c *ewaybillv1.Carrier) { c.Code = "sf" }), map[string]string{"carrier.code": "format"}},
		{"code one character", sf(func(c *ewaybillv1.Carrier) { c.Code = "S" }), map[string]string{"carrier.code": "format"}},
		{"code nine characters", sf(func(c *ewaybillv1.Carrier) { c.Code = "SFEXPRESS" }), map[string]string{"carrier.code": "format"}},
		{"code starts with a digit", sf(func(c *ewaybillv1.Carrier) { c.Code = "9SF" }), map[string]string{"carrier.code": "format"}},
		{"code with a dash", sf(func(c *ewaybillv1.Carrier) { c.Code = "S-F" }), map[string]string{"carrier.code": "format"}},
		{"display name missing", sf(func(c *ewaybillv1.Carrier) { c.DisplayName = " " }), map[string]string{"carrier.display_name": "required"}},
		{"kind unset", sf(func(c *ewaybillv1.Carrier) { c.Kind = 0 }), map[string]string{"carrier.kind": "enum"}},
		{"kind unknown", sf(func(c *ewaybillv1.Carrier) { c.Kind = 7 }), map[string]string{"carrier.kind": "enum"}},
		{"recycle policy unknown", sf(func(c *ewaybillv1.Carrier) { c.RecyclePolicy = 9 }), map[string]string{"carrier.recycle_policy": "enum"}},
		{"number format missing", sf(func(c *ewaybillv1.Carrier) { c.NumberFormat = nil }), map[string]string{"carrier.number_format": "required"}},
		{"check digit scheme unset", sf(func(c *ewaybillv1.Carrier) { c.NumberFormat.CheckDigitScheme = 0 }), map[string]string{nf + "check_digit_scheme": "enum"}},
		{"serial length zero", sf(func(c *ewaybillv1.Carrier) { c.NumberFormat.SerialLength = 0 }), map[string]string{nf + "serial_length": "range"}},
		{"serial length 19", sf(func(c *ewaybillv1.Carrier) { c.NumberFormat.SerialLength = 19 }), map[string]string{nf + "serial_length": "range"}},
		{"prefix lower case", sf(func(c *ewaybillv1.Carrier) { c.NumberFormat.Prefix = "sf" }), map[string]string{nf + "prefix": "charset"}},
		{"prefix seven characters", sf(func(c *ewaybillv1.Carrier) { c.NumberFormat.Prefix = "SFEXPRE" }), map[string]string{nf + "prefix": "length"}},
		{"suffix outside UPU S10", sf(func(c *ewaybillv1.Carrier) { c.NumberFormat.Suffix = "CN" }), map[string]string{nf + "suffix": "not_allowed"}},
		{"S10 one-letter prefix", ems(func(c *ewaybillv1.Carrier) { c.NumberFormat.Prefix = "E" }), map[string]string{nf + "prefix": "length"}},
		{"S10 prefix with a digit", ems(func(c *ewaybillv1.Carrier) { c.NumberFormat.Prefix = "E1" }), map[string]string{nf + "prefix": "charset"}},
		{"S10 prefix missing", ems(func(c *ewaybillv1.Carrier) { c.NumberFormat.Prefix = "" }), map[string]string{nf + "prefix": "length"}},
		{"S10 nine digits", ems(func(c *ewaybillv1.Carrier) { c.NumberFormat.SerialLength = 9 }), map[string]string{nf + "serial_length": "range"}},
		{"S10 suffix missing", ems(func(c *ewaybillv1.Carrier) { c.NumberFormat.Suffix = "" }), map[string]string{nf + "suffix": "required"}},
		{"S10 three-letter suffix", ems(func(c *ewaybillv1.Carrier) { c.NumberFormat.Suffix = "CHN" }), map[string]string{nf + "suffix": "length"}},
		{"S10 lower-case suffix", ems(func(c *ewaybillv1.Carrier) { c.NumberFormat.Suffix = "cn" }), map[string]string{nf + "suffix": "charset"}},
		{"several at once", sf(func(c *ewaybillv1.Carrier) { c.Code, c.Kind, c.NumberFormat.SerialLength = "sf", 0, 0 }),
			map[string]string{"carrier.code": "format", "carrier.kind": "enum", nf + "serial_length": "range"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.carriers.CreateCarrier(admin(), &ewaybillv1.CreateCarrierRequest{Carrier: c.in})
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			carrierWantViolations(t, violations(st), c.want)
		})
	}
	_, err := e.carriers.CreateCarrier(admin(), &ewaybillv1.CreateCarrierRequest{})
	carrierWantViolations(t, violations(wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")), map[string]string{"carrier": "required"})

	list, err := e.carriers.ListCarriers(admin(), &ewaybillv1.ListCarriersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.GetCarriers()); n != 0 {
		t.Fatalf("invalid carriers were stored: %d", n)
	}
}

func TestCarrierCreateDefaultsAndDuplicates(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name    string
		in      *ewaybillv1.Carrier
		policy  ewaybillv1.RecyclePolicy
		enabled bool
	}{
		{"defaults", sfCarrier(), ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, true},
		{"explicit policy, disabled", carrierWith(ztoCarrier(), func(c *ewaybillv1.Carrier) {
			c.RecyclePolicy = ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED
			c.Enabled = proto.Bool(false)
		}), ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED, false},
		{"UPU S10, explicitly enabled", carrierWith(carrierEMS(), func(c *ewaybillv1.Carrier) { c.Enabled = proto.Bool(true) }),
			ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.createCarrier(c.in)
			if got.GetName() != "carriers/"+c.in.GetCode() || got.GetRecyclePolicy() != c.policy ||
				got.Enabled == nil || got.GetEnabled() != c.enabled {
				t.Fatalf("created %v", got)
			}
			if got.GetCreateTime() == nil || !proto.Equal(got.GetCreateTime(), got.GetUpdateTime()) {
				t.Fatalf("times: create %v update %v", got.GetCreateTime(), got.GetUpdateTime())
			}
			if !proto.Equal(got.GetNumberFormat(), c.in.GetNumberFormat()) || got.GetKind() != c.in.GetKind() {
				t.Fatalf("format or kind changed: %v", got)
			}
			if stored := carrierGet(t, e, c.in.GetCode()); !proto.Equal(stored, got) {
				t.Fatalf("stored %v, returned %v", stored, got)
			}
		})
	}

	t.Run("duplicate code", func(t *testing.T) {
		dup := carrierWith(sfCarrier(), func(c *ewaybillv1.Carrier) { c.DisplayName = "another SF" })
		_, err := e.carriers.CreateCarrier(admin(), &ewaybillv1.CreateCarrierRequest{Carrier: dup})
		st := wantError(t, err, codes.AlreadyExists, "ALREADY_EXISTS")
		if got := rolesErrorInfo(st).GetMetadata()["resource"]; got != "carriers/SF" {
			t.Fatalf("metadata resource = %q", got)
		}
		if got := carrierGet(t, e, "SF").GetDisplayName(); got != "顺丰速运" {
			t.Fatalf("duplicate overwrote display name: %q", got)
		}
	})
}

func TestCarrierUpdate(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	cases := []struct {
		name  string
		in    *ewaybillv1.Carrier
		mask  *fieldmaskpb.FieldMask
		check func(c *ewaybillv1.Carrier) bool
	}{
		{"display name", &ewaybillv1.Carrier{DisplayName: " 顺丰 "}, carrierMask("display_name"),
			func(c *ewaybillv1.Carrier) bool { return c.GetDisplayName() == "顺丰" }},
		{"disable", &ewaybillv1.Carrier{Enabled: proto.Bool(false)}, carrierMask("enabled"),
			func(c *ewaybillv1.Carrier) bool { return !c.GetEnabled() }},
		{"enable", &ewaybillv1.Carrier{Enabled: proto.Bool(true)}, carrierMask("enabled"),
			func(c *ewaybillv1.Carrier) bool { return c.GetEnabled() }},
		{"recycle policy", &ewaybillv1.Carrier{RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED}, carrierMask("recycle_policy"),
			func(c *ewaybillv1.Carrier) bool {
				return c.GetRecyclePolicy() == ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED
			}},
		{"fields outside the mask are ignored", &ewaybillv1.Carrier{DisplayName: "SF Express", Enabled: proto.Bool(false),
			Kind: ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE, NumberFormat: &ewaybillv1.NumberFormat{SerialLength: 3}}, carrierMask("display_name"),
			func(c *ewaybillv1.Carrier) bool { return c.GetDisplayName() == "SF Express" && c.GetEnabled() }},
		{"several fields", &ewaybillv1.Carrier{DisplayName: "顺丰速运", RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID}, carrierMask("display_name", "recycle_policy"),
			func(c *ewaybillv1.Carrier) bool {
				return c.GetDisplayName() == "顺丰速运" && c.GetRecyclePolicy() == ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := carrierGet(t, e, "SF")
			c.in.Name = "carriers/SF"
			resp, err := e.carriers.UpdateCarrier(admin(), &ewaybillv1.UpdateCarrierRequest{Carrier: c.in, UpdateMask: c.mask})
			if err != nil {
				t.Fatal(err)
			}
			got := resp.GetCarrier()
			if !c.check(got) {
				t.Fatalf("after update: %v", got)
			}
			if got.GetCode() != "SF" || got.GetKind() != before.GetKind() || !proto.Equal(got.GetNumberFormat(), before.GetNumberFormat()) ||
				!proto.Equal(got.GetCreateTime(), before.GetCreateTime()) || got.GetUpdateTime().AsTime().Before(before.GetUpdateTime().AsTime()) {
				t.Fatalf("fixed fields or times changed:\nbefore %v\nafter  %v", before, got)
			}
			if stored := carrierGet(t, e, "SF"); !proto.Equal(stored, got) {
				t.Fatalf("stored %v, returned %v", stored, got)
			}
		})
	}

	refused := []struct {
		name string
		in   *ewaybillv1.Carrier
		mask *fieldmaskpb.FieldMask
		want map[string]string
	}{
		{"kind is fixed", &ewaybillv1.Carrier{Kind: ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE}, carrierMask("kind"), map[string]string{"update_mask": "immutable"}},
		{"number format is fixed", &ewaybillv1.Carrier{NumberFormat: &ewaybillv1.NumberFormat{SerialLength: 10}}, carrierMask("number_format"), map[string]string{"update_mask": "immutable"}},
		{"number format sub-field is fixed", &ewaybillv1.Carrier{NumberFormat: &ewaybillv1.NumberFormat{Prefix: "S"}}, carrierMask("number_format.prefix"), map[string]string{"update_mask": "immutable"}},
		{"code is fixed", &ewaybillv1.Carrier{Code: "SFX"}, carrierMask("code"), map[string]string{"update_mask": "immutable"}},
		{"fixed path next to an allowed one", &ewaybillv1.Carrier{DisplayName: "x", Kind: 2}, carrierMask("display_name", "kind"), map[string]string{"update_mask": "immutable"}},
		{"empty mask", &ewaybillv1.Carrier{DisplayName: "x"}, carrierMask(), map[string]string{"update_mask": "required"}},
		{"no mask", &ewaybillv1.Carrier{DisplayName: "x"}, nil, map[string]string{"update_mask": "required"}},
		{"empty display name", &ewaybillv1.Carrier{DisplayName: ""}, carrierMask("display_name"), map[string]string{"carrier.display_name": "required"}},
		{"unset recycle policy", &ewaybillv1.Carrier{}, carrierMask("recycle_policy"), map[string]string{"carrier.recycle_policy": "enum"}},
		{"bad name", &ewaybillv1.Carrier{Name: "SF", DisplayName: "x"}, carrierMask("display_name"), map[string]string{"carrier.name": "resource_name"}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			before := carrierGet(t, e, "SF")
			if c.in.Name == "" {
				c.in.Name = "carriers/SF"
			}
			_, err := e.carriers.UpdateCarrier(admin(), &ewaybillv1.UpdateCarrierRequest{Carrier: c.in, UpdateMask: c.mask})
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			carrierWantViolations(t, violations(st), c.want)
			if after := carrierGet(t, e, "SF"); !proto.Equal(before, after) {
				t.Fatalf("refused update changed the carrier:\n%v\n%v", before, after)
			}
		})
	}

	t.Run("unknown carrier", func(t *testing.T) {
		_, err := e.carriers.UpdateCarrier(admin(), &ewaybillv1.UpdateCarrierRequest{
			Carrier: &ewaybillv1.Carrier{Name: "carriers/YTO", DisplayName: "圆通"}, UpdateMask: carrierMask("display_name")})
		wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	})
}

func TestCarrierListPagesByCode(t *testing.T) {
	e := newEnv(t)
	for _, code := range []string{"ZTO", "SF", "YTO", "EMS", "JD"} {
		e.createCarrier(carrierWith(ztoCarrier(), func(c *ewaybillv1.Carrier) { c.Code = code }))
	}
	printer := e.createKey(admin(), ewaybillv1.Role_ROLE_PRINTER, e.register(creditCodes[0]).name)

	var codesSeen []string
	var pageSizes []int
	token := ""
	for {
		resp, err := e.carriers.ListCarriers(as(printer), &ewaybillv1.ListCarriersRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pageSizes = append(pageSizes, len(resp.GetCarriers()))
		for _, c := range resp.GetCarriers() {
			codesSeen = append(codesSeen, c.GetCode())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if got := strings.Join(codesSeen, ","); got != "EMS,JD,SF,YTO,ZTO" {
		t.Fatalf("codes %s, want EMS,JD,SF,YTO,ZTO", got)
	}
	if len(pageSizes) != 3 || pageSizes[2] != 1 {
		t.Fatalf("page sizes %v, want [2 2 1]", pageSizes)
	}

	for _, c := range []struct {
		name  string
		req   *ewaybillv1.ListCarriersRequest
		field string
	}{
		{"page size too large", &ewaybillv1.ListCarriersRequest{PageSize: 1001}, "page_size"},
		{"negative page size", &ewaybillv1.ListCarriersRequest{PageSize: -1}, "page_size"},
		{"forged token", &ewaybillv1.ListCarriersRequest{PageToken: "SF"}, "page_token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.carriers.ListCarriers(admin(), c.req)
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			if _, ok := violations(st)[c.field]; !ok {
				t.Fatalf("violations %v lack %s", violations(st), c.field)
			}
		})
	}
}

// carrierRESTField digs a value out of a REST response: carrierRESTField(out,
// "carrier", "enabled").
func carrierRESTField(out map[string]any, path ...string) any {
	var cur any = out
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	return cur
}

// carrierRESTJSON renders a decoded REST body compactly, to search it.
func carrierRESTJSON(out map[string]any) string {
	raw, _ := json.Marshal(out)
	return string(raw)
}

func TestCarrierOverREST(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{
		"code": "SF", "displayName": "顺丰速运", "kind": "CARRIER_KIND_DIRECT_OPERATED",
		"numberFormat": map[string]any{"prefix": "SF", "serialLength": 12, "checkDigitScheme": "CHECK_DIGIT_SCHEME_MOD11"},
	}
	status, out := e.rest("POST", "/v1/carriers", testAdminKey, body)
	if status != http.StatusOK {
		t.Fatalf("create: %d %v", status, out)
	}
	for field, want := range map[string]any{"name": "carriers/SF", "recyclePolicy": "RECYCLE_POLICY_VOID", "enabled": true, "kind": "CARRIER_KIND_DIRECT_OPERATED"} {
		if got := carrierRESTField(out, "carrier", field); got != want {
			t.Fatalf("created carrier %s = %v, want %v: %v", field, got, want, out)
		}
	}

	t.Run("invalid body", func(t *testing.T) {
		status, out := e.rest("POST", "/v1/carriers", testAdminKey, map[string]any{"code": "sf", "displayName": "x", "kind": "CARRIER_KIND_FRANCHISE",
			"numberFormat": map[string]any{"serialLength": 30, "checkDigitScheme": "CHECK_DIGIT_SCHEME_NONE"}})
		if status != http.StatusBadRequest {
			t.Fatalf("status %d: %v", status, out)
		}
		if code, reason := rolesRESTReason(out); code != int(codes.InvalidArgument) || reason != "INVALID_REQUEST" {
			t.Fatalf("code %d reason %q: %v", code, reason, out)
		}
		if !strings.Contains(carrierRESTJSON(out), `"field":"carrier.number_format.serial_length"`) ||
			!strings.Contains(carrierRESTJSON(out), `"field":"carrier.code"`) {
			t.Fatalf("violations lack the fields: %v", out)
		}
	})

	// PATCH binds the path to carrier.name and the body to carrier. An
	// explicit update_mask query parameter wins over the body; without one
	// the gateway derives the mask from the fields present in the body.
	patches := []struct {
		name   string
		query  string
		body   map[string]any
		status int
		want   map[string]any // carrier fields after the call
	}{
		{"mask in query", "?update_mask=enabled", map[string]any{"enabled": false},
			http.StatusOK, map[string]any{"enabled": false, "displayName": "顺丰速运"}},
		{"query mask limits the body", "?update_mask=enabled", map[string]any{"enabled": true, "displayName": "ignored"},
			http.StatusOK, map[string]any{"enabled": true, "displayName": "顺丰速运"}},
		{"mask inferred from body", "", map[string]any{"displayName": "顺丰"},
			http.StatusOK, map[string]any{"enabled": true, "displayName": "顺丰"}},
		{"inferred mask with two fields", "", map[string]any{"displayName": "顺丰速运", "recyclePolicy": "RECYCLE_POLICY_REUSE_UNPRINTED"},
			http.StatusOK, map[string]any{"displayName": "顺丰速运", "recyclePolicy": "RECYCLE_POLICY_REUSE_UNPRINTED"}},
		{"inferred immutable field", "", map[string]any{"kind": "CARRIER_KIND_FRANCHISE"},
			http.StatusBadRequest, map[string]any{"kind": "CARRIER_KIND_DIRECT_OPERATED"}},
		{"empty body, no mask", "", map[string]any{},
			http.StatusBadRequest, map[string]any{"displayName": "顺丰速运", "enabled": true}},
		{"explicit immutable field", "?update_mask=number_format", map[string]any{"numberFormat": map[string]any{"serialLength": 10}},
			http.StatusBadRequest, map[string]any{"kind": "CARRIER_KIND_DIRECT_OPERATED"}},
	}
	for _, p := range patches {
		t.Run("PATCH "+p.name, func(t *testing.T) {
			status, out := e.rest("PATCH", "/v1/carriers/SF"+p.query, testAdminKey, p.body)
			if status != p.status {
				t.Fatalf("status %d, want %d: %v", status, p.status, out)
			}
			if status == http.StatusBadRequest {
				if _, reason := rolesRESTReason(out); reason != "INVALID_REQUEST" || !strings.Contains(carrierRESTJSON(out), `"field":"update_mask"`) {
					t.Fatalf("want an update_mask violation: %v", out)
				}
			}
			_, got := e.rest("GET", "/v1/carriers/SF", testAdminKey, nil)
			for field, want := range p.want {
				if v := carrierRESTField(got, "carrier", field); v != want {
					t.Fatalf("after PATCH %s = %v, want %v: %v", field, v, want, got)
				}
			}
		})
	}

	t.Run("GET list", func(t *testing.T) {
		e.rest("POST", "/v1/carriers", testAdminKey, map[string]any{"code": "ZTO", "displayName": "中通快递", "kind": "CARRIER_KIND_FRANCHISE",
			"numberFormat": map[string]any{"serialLength": 13, "checkDigitScheme": "CHECK_DIGIT_SCHEME_MOD10"}})
		status, out := e.rest("GET", "/v1/carriers?pageSize=1", testAdminKey, nil)
		list, _ := out["carriers"].([]any)
		if status != http.StatusOK || len(list) != 1 || out["nextPageToken"] == nil {
			t.Fatalf("first page: %d %v", status, out)
		}
		status, out = e.rest("GET", "/v1/carriers?pageSize=1&pageToken="+out["nextPageToken"].(string), testAdminKey, nil)
		list, _ = out["carriers"].([]any)
		if status != http.StatusOK || len(list) != 1 || out["nextPageToken"] != nil ||
			carrierRESTField(list[0].(map[string]any), "code") != "ZTO" {
			t.Fatalf("second page: %d %v", status, out)
		}
	})
}
