package server_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// auditLog lists the whole audit log as the bootstrap admin, newest first.
func (e *env) auditLog(merchant string) []*ewaybillv1.AuditEvent {
	e.t.Helper()
	resp, err := e.audit.ListAuditEvents(admin(), &ewaybillv1.ListAuditEventsRequest{Merchant: merchant, PageSize: 1000})
	if err != nil {
		e.t.Fatalf("list audit events: %v", err)
	}
	if resp.GetNextPageToken() != "" {
		e.t.Fatal("audit log longer than one page; the test expects fewer than 1000 events")
	}
	return resp.GetAuditEvents()
}

// auditWorld is what the admin actions of TestAuditAdminActions work on.
type auditWorld struct {
	e        *env
	adm      context.Context // the acting admin key
	admName  string          // its resource name, the actor of every event
	admKey   string          // its secret, for REST
	a        string          // merchants/… created by the admin
	b        merchantFixture // registered by itself
	bKeyName string          // b's registration key
	auth     string          // a's SF authorization
	printer  *ewaybillv1.ApiKey
	profile  *ewaybillv1.MappingProfile
	secrets  []string // every key secret the test saw
}

// ev is an expected event; the actor defaults to the acting admin.
func (w *auditWorld) ev(action, merchant string, resources []string, details map[string]string) *ewaybillv1.AuditEvent {
	return &ewaybillv1.AuditEvent{Action: action, Actor: w.admName, Merchant: merchant, Resources: resources, Details: details}
}

// TestAuditAdminActions performs every admin action, over gRPC and REST,
// and checks that each leaves exactly the audit events it should, with
// actor, merchant, resources and details, and nothing else.
func TestAuditAdminActions(t *testing.T) {
	e := newEnv(t)
	created, err := e.keys.CreateApiKey(admin(), &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{Role: ewaybillv1.Role_ROLE_ADMIN, DisplayName: "audit admin"}})
	if err != nil {
		t.Fatal(err)
	}
	w := &auditWorld{e: e, adm: as(created.GetSecret()), admName: created.GetApiKey().GetName(), admKey: created.GetSecret(),
		secrets: []string{testAdminKey, created.GetSecret()}}
	sf := sfCarrier()

	cases := []struct {
		name string
		// act performs the action and returns the events it must leave.
		act func(t *testing.T) []*ewaybillv1.AuditEvent
	}{
		{"carrier.create", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.carriers.CreateCarrier(w.adm, &ewaybillv1.CreateCarrierRequest{Carrier: sf}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("carrier.create", "", []string{"carriers/SF"}, map[string]string{
				"kind": "DIRECT_OPERATED", "recycle_policy": "VOID", "enabled": "true", "order_rules": ""})}
		}},
		{"carrier.update disable and order rules (REST)", func(t *testing.T) []*ewaybillv1.AuditEvent {
			status, out := e.rest("PATCH", "/v1/carriers/SF?update_mask=enabled,orderRules.maxWeightGrams", w.admKey,
				map[string]any{"enabled": false, "orderRules": map[string]any{"maxWeightGrams": 30000}})
			if status != 200 {
				t.Fatalf("PATCH: %d %v", status, out)
			}
			return []*ewaybillv1.AuditEvent{w.ev("carrier.update", "", []string{"carriers/SF"}, map[string]string{
				"update_mask": "enabled,order_rules.max_weight_grams", "changed": "enabled,order_rules",
				"enabled": "false", "enabled.previous": "true",
				"order_rules": "max_weight_grams=30000", "order_rules.previous": ""})}
		}},
		{"carrier.update enable", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.carriers.UpdateCarrier(w.adm, &ewaybillv1.UpdateCarrierRequest{
				Carrier:    &ewaybillv1.Carrier{Name: "carriers/SF", Enabled: proto.Bool(true), RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"enabled", "recycle_policy"}}}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("carrier.update", "", []string{"carriers/SF"}, map[string]string{
				"update_mask": "enabled,recycle_policy", "changed": "recycle_policy,enabled",
				"enabled": "true", "enabled.previous": "false",
				"recycle_policy": "REUSE_UNPRINTED", "recycle_policy.previous": "VOID"})}
		}},
		{"pool.import_range", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.pools.ImportNumberRange(w.adm, &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/SF", FirstSerial: 1, LastSerial: 1000}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("pool.import_range", "", []string{"carriers/SF/numberRanges/1", "carriers/SF/pool"}, map[string]string{
				"first_serial": "1", "last_serial": "1000", "count": "1000",
				"first_number": number(t, sf, 1), "last_number": number(t, sf, 1000)})}
		}},
		{"pool.update", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.pools.UpdatePool(w.adm, &ewaybillv1.UpdatePoolRequest{
				Pool:       &ewaybillv1.Pool{Name: "carriers/SF/pool", LowWatermark: proto.Int64(50), ReuseQuarantine: durationpb.New(3600e9)},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"low_watermark", "reuse_quarantine"}}}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("pool.update", "", []string{"carriers/SF/pool"}, map[string]string{
				"update_mask": "low_watermark,reuse_quarantine", "low_watermark": "50", "low_watermark.previous": "1000",
				"reuse_quarantine": "1h0m0s", "reuse_quarantine.previous": "24h0m0s"})}
		}},
		{"routing_table.update (REST)", func(t *testing.T) []*ewaybillv1.AuditEvent {
			status, out := e.rest("PUT", "/v1/carriers/SF/routingTable", w.admKey, map[string]any{"rules": []any{
				map[string]any{"province": "浙江省", "codes": map[string]any{"sortCode": "571"}}}})
			if status != 200 {
				t.Fatalf("PUT: %d %v", status, out)
			}
			return []*ewaybillv1.AuditEvent{w.ev("routing_table.update", "", []string{"carriers/SF/routingTable"}, map[string]string{
				"rules": "1", "rules.previous": "0"})}
		}},
		{"merchant.create", func(t *testing.T) []*ewaybillv1.AuditEvent {
			resp, err := e.merchants.CreateMerchant(w.adm, &ewaybillv1.CreateMerchantRequest{Qualification: validQualification(creditCodes[0])})
			if err != nil {
				t.Fatal(err)
			}
			w.a = resp.GetMerchant().GetName()
			return []*ewaybillv1.AuditEvent{w.ev("merchant.create", w.a, []string{w.a}, map[string]string{"type": "ENTERPRISE"})}
		}},
		{"api_key.create by a registration", func(t *testing.T) []*ewaybillv1.AuditEvent {
			resp, err := e.merchants.RegisterMerchant(context.Background(), &ewaybillv1.RegisterMerchantRequest{
				Qualification: validQualification(creditCodes[1]), KeyDisplayName: "shop erp"})
			if err != nil {
				t.Fatal(err)
			}
			w.b = merchantFixture{name: resp.GetMerchant().GetName(), key: resp.GetApiKeySecret()}
			w.bKeyName = resp.GetApiKey().GetName()
			w.secrets = append(w.secrets, w.b.key)
			want := w.ev("api_key.create", w.b.name, []string{w.bKeyName}, map[string]string{"role": "MERCHANT", "display_name": "shop erp"})
			want.Actor = "register"
			return []*ewaybillv1.AuditEvent{want}
		}},
		{"merchant.reject (REST)", func(t *testing.T) []*ewaybillv1.AuditEvent {
			status, out := e.rest("POST", "/v1/"+w.a+":reject", w.admKey, map[string]any{
				"reason": "licence photo unreadable", "fieldsToSupplement": []string{"licence_document_ref", "contact.mobile"}})
			if status != 200 {
				t.Fatalf("reject: %d %v", status, out)
			}
			return []*ewaybillv1.AuditEvent{w.ev("merchant.reject", w.a, []string{w.a}, map[string]string{
				"from_state": "PENDING_REVIEW", "to_state": "REJECTED", "reason": "licence photo unreadable",
				"fields_to_supplement": "contact.mobile,licence_document_ref"})}
		}},
		{"merchant.resubmit by an admin", func(t *testing.T) []*ewaybillv1.AuditEvent {
			q := validQualification(creditCodes[0])
			q.Contact.Mobile, q.LicenceDocumentRef = "13700137000", "doc://licence/2"
			if _, err := e.merchants.ResubmitMerchant(w.adm, &ewaybillv1.ResubmitMerchantRequest{Name: w.a, Qualification: q}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("merchant.resubmit", w.a, []string{w.a}, map[string]string{
				"from_state": "REJECTED", "to_state": "PENDING_REVIEW", "changed_fields": "contact.mobile,licence_document_ref"})}
		}},
		{"merchant.approve (REST)", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if status, out := e.rest("POST", "/v1/"+w.a+":approve", w.admKey, map[string]any{"comment": "licence checked"}); status != 200 {
				t.Fatalf("approve: %d %v", status, out)
			}
			return []*ewaybillv1.AuditEvent{w.ev("merchant.approve", w.a, []string{w.a}, map[string]string{
				"from_state": "PENDING_REVIEW", "to_state": "APPROVED", "comment": "licence checked"})}
		}},
		{"merchant.suspend", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.merchants.SuspendMerchant(w.adm, &ewaybillv1.SuspendMerchantRequest{Name: w.a, Reason: "complaints"}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("merchant.suspend", w.a, []string{w.a}, map[string]string{
				"from_state": "APPROVED", "to_state": "SUSPENDED", "reason": "complaints"})}
		}},
		{"merchant.reinstate", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.merchants.ReinstateMerchant(w.adm, &ewaybillv1.ReinstateMerchantRequest{Name: w.a, Reason: "resolved"}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("merchant.reinstate", w.a, []string{w.a}, map[string]string{
				"from_state": "SUSPENDED", "to_state": "APPROVED", "reason": "resolved"})}
		}},
		{"carrier_authorization.create by an admin", func(t *testing.T) []*ewaybillv1.AuditEvent {
			resp, err := e.auths.CreateCarrierAuthorization(w.adm, &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: w.a,
				CarrierAuthorization: &ewaybillv1.CarrierAuthorization{Carrier: "carriers/SF", SettlementAccount: "7550001234"}})
			if err != nil {
				t.Fatal(err)
			}
			w.auth = resp.GetCarrierAuthorization().GetName()
			return []*ewaybillv1.AuditEvent{w.ev("carrier_authorization.create", w.a, []string{w.auth}, map[string]string{"carrier": "carriers/SF"})}
		}},
		{"carrier_authorization.approve with its starter grant", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.auths.ApproveCarrierAuthorization(w.adm, &ewaybillv1.ApproveCarrierAuthorizationRequest{Name: w.auth, Comment: "contract on file"}); err != nil {
				t.Fatal(err)
			}
			q := w.a + "/quotas/SF"
			return []*ewaybillv1.AuditEvent{
				w.ev("carrier_authorization.approve", w.a, []string{w.auth}, map[string]string{
					"from_state": "PENDING", "to_state": "ACTIVE", "comment": "contract on file", "carrier": "carriers/SF"}),
				w.ev("quota.starter_grant", w.a, []string{q, q + "/ledgerEntries/1"}, map[string]string{"amount": "1000", "balance_after": "1000"}),
			}
		}},
		{"carrier_authorization.reject of a merchant's application", func(t *testing.T) []*ewaybillv1.AuditEvent {
			// The merchant's own application is not an admin action: only
			// the rejection is recorded.
			resp, err := e.auths.CreateCarrierAuthorization(as(w.b.key), &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: w.b.name,
				CarrierAuthorization: &ewaybillv1.CarrierAuthorization{Carrier: "carriers/SF", SettlementAccount: "7550009999"}})
			if err != nil {
				t.Fatal(err)
			}
			name := resp.GetCarrierAuthorization().GetName()
			if _, err := e.auths.RejectCarrierAuthorization(w.adm, &ewaybillv1.RejectCarrierAuthorizationRequest{Name: name, Reason: "account unknown to SF"}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("carrier_authorization.reject", w.b.name, []string{name}, map[string]string{
				"from_state": "PENDING", "to_state": "REJECTED", "reason": "account unknown to SF", "carrier": "carriers/SF"})}
		}},
		{"quota.top_up (REST)", func(t *testing.T) []*ewaybillv1.AuditEvent {
			status, out := e.rest("POST", "/v1/"+w.a+"/quotas/SF:topUp", w.admKey, map[string]any{"amount": "500", "reason": "618 promotion", "requestId": "topup-1"})
			if status != 200 {
				t.Fatalf("top-up: %d %v", status, out)
			}
			q := w.a + "/quotas/SF"
			return []*ewaybillv1.AuditEvent{w.ev("quota.top_up", w.a, []string{q, q + "/ledgerEntries/2"}, map[string]string{
				"amount": "500", "reason": "618 promotion", "request_id": "topup-1", "balance_after": "1500"})}
		}},
		{"quota.deduct", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.quotas.DeductQuota(w.adm, &ewaybillv1.DeductQuotaRequest{Name: w.a + "/quotas/SF", Amount: 200, Reason: "correction", RequestId: "fix-1"}); err != nil {
				t.Fatal(err)
			}
			q := w.a + "/quotas/SF"
			return []*ewaybillv1.AuditEvent{w.ev("quota.deduct", w.a, []string{q, q + "/ledgerEntries/3"}, map[string]string{
				"amount": "200", "reason": "correction", "request_id": "fix-1", "balance_after": "1300"})}
		}},
		{"quota.update", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.quotas.UpdateQuota(w.adm, &ewaybillv1.UpdateQuotaRequest{Quota: &ewaybillv1.Quota{Name: w.a + "/quotas/SF", LowBalanceThreshold: 50},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"low_balance_threshold"}}}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("quota.update", w.a, []string{w.a + "/quotas/SF"}, map[string]string{
				"update_mask": "low_balance_threshold", "low_balance_threshold": "50", "low_balance_threshold.previous": "100"})}
		}},
		{"api_key.create by an admin", func(t *testing.T) []*ewaybillv1.AuditEvent {
			resp, err := e.keys.CreateApiKey(w.adm, &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{
				Role: ewaybillv1.Role_ROLE_PRINTER, Merchant: w.a, DisplayName: "station 1"}})
			if err != nil {
				t.Fatal(err)
			}
			w.printer = resp.GetApiKey()
			w.secrets = append(w.secrets, resp.GetSecret())
			return []*ewaybillv1.AuditEvent{w.ev("api_key.create", w.a, []string{w.printer.GetName()}, map[string]string{"role": "PRINTER", "display_name": "station 1"})}
		}},
		{"api_key.create by a merchant for itself", func(t *testing.T) []*ewaybillv1.AuditEvent {
			resp, err := e.keys.CreateApiKey(as(w.b.key), &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{
				Role: ewaybillv1.Role_ROLE_MERCHANT, DisplayName: "warehouse erp"}})
			if err != nil {
				t.Fatal(err)
			}
			w.secrets = append(w.secrets, resp.GetSecret())
			want := w.ev("api_key.create", w.b.name, []string{resp.GetApiKey().GetName()}, map[string]string{"role": "MERCHANT", "display_name": "warehouse erp"})
			want.Actor = w.bKeyName
			return []*ewaybillv1.AuditEvent{want}
		}},
		{"api_key.revoke", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.keys.RevokeApiKey(w.adm, &ewaybillv1.RevokeApiKeyRequest{Name: w.printer.GetName()}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("api_key.revoke", w.a, []string{w.printer.GetName()}, map[string]string{"role": "PRINTER", "display_name": "station 1"})}
		}},
		{"mapping_profile.create by an admin", func(t *testing.T) []*ewaybillv1.AuditEvent {
			resp, err := e.mappings.CreateMappingProfile(w.adm, &ewaybillv1.CreateMappingProfileRequest{Parent: w.a, MappingProfile: shopProfile("shop ERP v1")})
			if err != nil {
				t.Fatal(err)
			}
			w.profile = resp.GetMappingProfile()
			var targets []string
			for _, f := range w.profile.GetFields() {
				targets = append(targets, f.GetTarget())
			}
			return []*ewaybillv1.AuditEvent{w.ev("mapping_profile.create", w.a, []string{w.profile.GetName()}, map[string]string{
				"display_name": "shop ERP v1", "version": "1", "targets": strings.Join(targets, ",")})}
		}},
		{"mapping_profile.update by an admin", func(t *testing.T) []*ewaybillv1.AuditEvent {
			next := shopProfile("shop ERP v2")
			next.Name = w.profile.GetName()
			next.Fields[2].FixedValue = proto.String("13912345679") // sender.mobile
			next.Fields = slices.DeleteFunc(next.Fields, func(f *ewaybillv1.FieldMapping) bool { return f.GetTarget() == "remark" })
			if _, err := e.mappings.UpdateMappingProfile(w.adm, &ewaybillv1.UpdateMappingProfileRequest{MappingProfile: next}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("mapping_profile.update", w.a, []string{w.profile.GetName()}, map[string]string{
				"changed_targets": "remark,sender.mobile", "display_name": "shop ERP v2", "display_name.previous": "shop ERP v1", "version": "2"})}
		}},
		{"mapping_profile.delete by an admin", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.mappings.DeleteMappingProfile(w.adm, &ewaybillv1.DeleteMappingProfileRequest{Name: w.profile.GetName()}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("mapping_profile.delete", w.a, []string{w.profile.GetName()}, nil)}
		}},
		{"label_template.update", func(t *testing.T) []*ewaybillv1.AuditEvent {
			tmpl := &ewaybillv1.LabelTemplate{Name: w.a + "/labelTemplate", RevealedFields: []ewaybillv1.LabelField{ewaybillv1.LabelField_LABEL_FIELD_RECEIVER_PHONE}}
			if _, err := e.labels.UpdateLabelTemplate(w.adm, &ewaybillv1.UpdateLabelTemplateRequest{LabelTemplate: tmpl}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("label_template.update", w.a, []string{tmpl.Name}, map[string]string{"revealed_fields": "RECEIVER_PHONE"})}
		}},
		{"carrier_authorization.revoke by an admin", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.auths.RevokeCarrierAuthorization(w.adm, &ewaybillv1.RevokeCarrierAuthorizationRequest{Name: w.auth, Reason: "contract ended"}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("carrier_authorization.revoke", w.a, []string{w.auth}, map[string]string{
				"from_state": "ACTIVE", "to_state": "REVOKED", "reason": "contract ended", "carrier": "carriers/SF"})}
		}},
		{"merchant.read_unmasked by get", func(t *testing.T) []*ewaybillv1.AuditEvent {
			resp, err := e.merchants.GetMerchant(w.adm, &ewaybillv1.GetMerchantRequest{Name: w.a})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetMerchant().GetQualification().GetLegalRepresentative().GetIdNumber(); got != "11010519491231002X" {
				t.Fatalf("an admin reads the ID number unmasked; got %q", got)
			}
			return []*ewaybillv1.AuditEvent{w.ev("merchant.read_unmasked", w.a, []string{w.a}, map[string]string{
				"fields": "credit_code,legal_representative.id_number", "count": "1"})}
		}},
		{"merchant.read_unmasked by list (REST)", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if status, out := e.rest("GET", "/v1/merchants", w.admKey, nil); status != 200 || len(out["merchants"].([]any)) != 2 {
				t.Fatalf("list: %d %v", status, out)
			}
			return []*ewaybillv1.AuditEvent{w.ev("merchant.read_unmasked", "", []string{w.a, w.b.name}, map[string]string{
				"fields": "credit_code,legal_representative.id_number", "count": "2"})}
		}},
		{"reads masked for a merchant are not recorded", func(t *testing.T) []*ewaybillv1.AuditEvent {
			resp, err := e.merchants.GetMerchant(as(w.b.key), &ewaybillv1.GetMerchantRequest{Name: w.b.name})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetMerchant().GetQualification().GetCreditCode(); got == creditCodes[1] {
				t.Fatalf("a merchant reads its credit code masked; got %q", got)
			}
			if _, err := e.merchants.ListMerchants(as(w.b.key), &ewaybillv1.ListMerchantsRequest{}); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
		{"pool.retire_range", func(t *testing.T) []*ewaybillv1.AuditEvent {
			if _, err := e.pools.RetireNumberRange(w.adm, &ewaybillv1.RetireNumberRangeRequest{Name: "carriers/SF/numberRanges/1", Reason: "carrier withdrew the block"}); err != nil {
				t.Fatal(err)
			}
			return []*ewaybillv1.AuditEvent{w.ev("pool.retire_range", "", []string{"carriers/SF/numberRanges/1", "carriers/SF/pool"}, map[string]string{
				"reason": "carrier withdrew the block", "withdrawn": "1000"})}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.auditLog(""))
			want := c.act(t)
			after := e.auditLog("")
			checkNewEvents(t, after[:len(after)-before], want)
		})
	}

	t.Run("filter by merchant", func(t *testing.T) {
		// Every event about a merchant, and only those: its own, and the
		// listing that showed it among others.
		all := e.auditLog("")
		for _, m := range []string{w.a, w.b.name} {
			var want []string
			for _, ev := range all {
				under := slices.ContainsFunc(ev.GetResources(), func(r string) bool { return r == m || strings.HasPrefix(r, m+"/") })
				if ev.GetMerchant() == m || under {
					want = append(want, ev.GetName())
				}
			}
			var got []string
			for _, ev := range e.auditLog(m) {
				got = append(got, ev.GetName())
			}
			if len(want) < 3 || !slices.Equal(got, want) {
				t.Fatalf("events of %s: got %v, want %v", m, got, want)
			}
			status, out := e.rest("GET", "/v1/auditEvents?pageSize=1000&merchant="+url.QueryEscape(m), w.admKey, nil)
			listed, _ := out["auditEvents"].([]any)
			if status != 200 || len(listed) != len(want) || listed[0].(map[string]any)["name"] != want[0] {
				t.Fatalf("REST events of %s: %d %v", m, status, out)
			}
		}
	})

	t.Run("no secret and no personal data in the log", func(t *testing.T) {
		personal := []string{"13800138000", "13700137000", "13912345678", "13912345679", "11010519491231002X", "李四", "张三", creditCodes[0], creditCodes[1]}
		for _, ev := range e.auditLog("") {
			text, err := protojson.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range append(slices.Clone(w.secrets), personal...) {
				if strings.Contains(string(text), s) {
					t.Errorf("audit event %s contains %q: %s", ev.GetAction(), s, text)
				}
			}
		}
	})
}

// checkNewEvents compares the events an action added (newest first) with
// want, in any order: each expected event exactly once, nothing else.
func checkNewEvents(t *testing.T, got, want []*ewaybillv1.AuditEvent) {
	t.Helper()
	for _, ev := range got {
		if !strings.HasPrefix(ev.GetName(), "auditEvents/") || ev.GetTime() == nil {
			t.Errorf("event without name or time: %v", ev)
		}
	}
	strip := func(evs []*ewaybillv1.AuditEvent) []string {
		var out []string
		for _, ev := range evs {
			c := proto.Clone(ev).(*ewaybillv1.AuditEvent)
			c.Name, c.Time = "", nil
			out = append(out, prototext.MarshalOptions{}.Format(c))
		}
		slices.Sort(out)
		return out
	}
	if g, w := strip(got), strip(want); !slices.Equal(g, w) {
		t.Fatalf("new audit events:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}

// TestAuditFailedAndReplayedActions: an action that fails leaves no
// event, a replayed one no second event, and only admins read the log.
func TestAuditFailedAndReplayedActions(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	m := e.shop(creditCodes[0], "SF")
	q := quotaName(m, "SF")
	topUp := &ewaybillv1.TopUpQuotaRequest{Name: q, Amount: 50, Reason: "monthly", RequestId: "topup-7"}
	if _, err := e.quotas.TopUpQuota(admin(), topUp); err != nil {
		t.Fatal(err)
	}
	count := func(action string) int {
		n := 0
		for _, ev := range e.auditLog("") {
			if ev.GetAction() == action {
				n++
			}
		}
		return n
	}
	before := len(e.auditLog(""))
	unchanged := func(t *testing.T, what string) {
		t.Helper()
		if n := len(e.auditLog("")); n != before {
			t.Fatalf("%s: the log grew from %d to %d events", what, before, n)
		}
	}

	failures := []struct {
		name   string
		code   codes.Code
		reason string
		act    func() error
	}{
		{"top-up with a bad amount", codes.InvalidArgument, "INVALID_REQUEST", func() error {
			_, err := e.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{Name: q, Amount: 0, Reason: "x", RequestId: "topup-8"})
			return err
		}},
		{"replayed top-up with another amount", codes.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED", func() error {
			_, err := e.quotas.TopUpQuota(admin(), &ewaybillv1.TopUpQuotaRequest{Name: q, Amount: 51, Reason: "monthly", RequestId: "topup-7"})
			return err
		}},
		{"deduction beyond what is available", codes.FailedPrecondition, "DEDUCTION_EXCEEDS_AVAILABLE", func() error {
			_, err := e.quotas.DeductQuota(admin(), &ewaybillv1.DeductQuotaRequest{Name: q, Amount: 1_000_000, Reason: "x", RequestId: "d-1"})
			return err
		}},
		{"approving an approved merchant", codes.FailedPrecondition, "INVALID_STATE_TRANSITION", func() error {
			_, err := e.merchants.ApproveMerchant(admin(), &ewaybillv1.ApproveMerchantRequest{Name: m.name})
			return err
		}},
		{"importing an overlapping range", codes.FailedPrecondition, "NUMBER_RANGE_OVERLAPS", func() error {
			_, err := e.pools.ImportNumberRange(admin(), &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/SF", FirstSerial: 50, LastSerial: 150})
			return err
		}},
		{"changing a carrier's fixed field", codes.InvalidArgument, "INVALID_REQUEST", func() error {
			_, err := e.carriers.UpdateCarrier(admin(), &ewaybillv1.UpdateCarrierRequest{Carrier: &ewaybillv1.Carrier{Name: "carriers/SF", Kind: ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"kind"}}})
			return err
		}},
		{"a merchant topping itself up", codes.PermissionDenied, "ROLE_NOT_PERMITTED", func() error {
			_, err := e.quotas.TopUpQuota(as(m.key), &ewaybillv1.TopUpQuotaRequest{Name: q, Amount: 5, Reason: "x", RequestId: "self"})
			return err
		}},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			wantError(t, f.act(), f.code, f.reason)
			unchanged(t, f.name)
		})
	}

	t.Run("replayed top-up", func(t *testing.T) {
		resp, err := e.quotas.TopUpQuota(admin(), topUp)
		if err != nil || !resp.GetReplayed() {
			t.Fatalf("replay: %v %v", resp, err)
		}
		status, out := e.rest("POST", "/v1/"+q+":topUp", testAdminKey, map[string]any{"amount": "50", "reason": "monthly", "requestId": "topup-7"})
		if status != 200 || out["replayed"] != true {
			t.Fatalf("REST replay: %d %v", status, out)
		}
		unchanged(t, "replayed top-up")
		if n := count("quota.top_up"); n != 1 {
			t.Fatalf("%d top-up events for one top-up", n)
		}
	})

	t.Run("revoking a revoked key", func(t *testing.T) {
		created, err := e.keys.CreateApiKey(as(m.key), &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{Role: ewaybillv1.Role_ROLE_PRINTER, DisplayName: "spare"}})
		if err != nil {
			t.Fatal(err)
		}
		name := created.GetApiKey().GetName()
		for range 2 {
			if _, err := e.keys.RevokeApiKey(admin(), &ewaybillv1.RevokeApiKeyRequest{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		if n := count("api_key.revoke"); n != 1 {
			t.Fatalf("%d revoke events for one revocation", n)
		}
	})

	t.Run("only admins list the log", func(t *testing.T) {
		printer := e.createKey(as(m.key), ewaybillv1.Role_ROLE_PRINTER, m.name)
		for role, key := range map[string]string{"merchant": m.key, "printer": printer} {
			_, err := e.audit.ListAuditEvents(as(key), &ewaybillv1.ListAuditEventsRequest{Merchant: m.name})
			wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
			status, out := e.rest("GET", "/v1/auditEvents", key, nil)
			if status != 403 || restReason(out) != "ROLE_NOT_PERMITTED" {
				t.Fatalf("REST list by a %s key: %d %v", role, status, out)
			}
		}
	})
}
