package server_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

const (
	authzPending  = ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_PENDING
	authzActive   = ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_ACTIVE
	authzRejected = ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_REJECTED
	authzRevoked  = ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_REVOKED
)

// authzSF is a valid application for the direct-operated SF.
func authzSF() *ewaybillv1.CarrierAuthorization {
	return &ewaybillv1.CarrierAuthorization{Carrier: "carriers/SF", SettlementAccount: "7550001234"}
}

// authzZTO is a valid application for the franchise ZTO.
func authzZTO() *ewaybillv1.CarrierAuthorization {
	return &ewaybillv1.CarrierAuthorization{Carrier: "carriers/ZTO", BranchCode: "ZTO-57101", BranchName: "杭州西湖网点"}
}

func authzApply(t *testing.T, e *env, ctx context.Context, parent string, a *ewaybillv1.CarrierAuthorization) *ewaybillv1.CarrierAuthorization {
	t.Helper()
	resp, err := e.auths.CreateCarrierAuthorization(ctx, &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: parent, CarrierAuthorization: a})
	if err != nil {
		t.Fatalf("apply for %s: %v", a.GetCarrier(), err)
	}
	if got := resp.GetCarrierAuthorization(); got.GetState() != authzPending || !strings.HasPrefix(got.GetName(), parent+"/carrierAuthorizations/") {
		t.Fatalf("new application: %v", got)
	}
	return resp.GetCarrierAuthorization()
}

// authzDo takes one review action ("approve", "reject", "revoke"); note is
// the approval comment or the reason.
func authzDo(e *env, ctx context.Context, action, name, note string) (*ewaybillv1.CarrierAuthorization, error) {
	switch action {
	case "approve":
		r, err := e.auths.ApproveCarrierAuthorization(ctx, &ewaybillv1.ApproveCarrierAuthorizationRequest{Name: name, Comment: note})
		return r.GetCarrierAuthorization(), err
	case "reject":
		r, err := e.auths.RejectCarrierAuthorization(ctx, &ewaybillv1.RejectCarrierAuthorizationRequest{Name: name, Reason: note})
		return r.GetCarrierAuthorization(), err
	case "revoke":
		r, err := e.auths.RevokeCarrierAuthorization(ctx, &ewaybillv1.RevokeCarrierAuthorizationRequest{Name: name, Reason: note})
		return r.GetCarrierAuthorization(), err
	}
	panic("unknown action " + action)
}

// authzMust takes an action that must succeed.
func authzMust(t *testing.T, e *env, ctx context.Context, action, name, note string) *ewaybillv1.CarrierAuthorization {
	t.Helper()
	a, err := authzDo(e, ctx, action, name, note)
	if err != nil {
		t.Fatalf("%s %s: %v", action, name, err)
	}
	return a
}

func authzGet(t *testing.T, e *env, name string) *ewaybillv1.CarrierAuthorization {
	t.Helper()
	resp, err := e.auths.GetCarrierAuthorization(admin(), &ewaybillv1.GetCarrierAuthorizationRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetCarrierAuthorization()
}

// authzHistory renders review_history as "ACTION/role/reason,...".
func authzHistory(a *ewaybillv1.CarrierAuthorization) string {
	var out []string
	for _, ev := range a.GetReviewHistory() {
		out = append(out, strings.TrimPrefix(ev.GetAction().String(), "REVIEW_ACTION_")+"/"+ev.GetActorRole()+"/"+ev.GetReason())
	}
	return strings.Join(out, ",")
}

// authzKeyName finds the name of the key a caller uses: the only key with
// the given creator that ctx can list.
func authzKeyName(t *testing.T, e *env, ctx context.Context, creator string) string {
	t.Helper()
	resp, err := e.keys.ListApiKeys(ctx, &ewaybillv1.ListApiKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range resp.GetApiKeys() {
		if k.GetCreator() == creator {
			return k.GetName()
		}
	}
	t.Fatalf("no key created by %s", creator)
	return ""
}

func authzSetCarrierEnabled(t *testing.T, e *env, code string, enabled bool) {
	t.Helper()
	resp, err := e.carriers.UpdateCarrier(admin(), &ewaybillv1.UpdateCarrierRequest{
		Carrier:    &ewaybillv1.Carrier{Name: "carriers/" + code, Enabled: proto.Bool(enabled)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"enabled"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetCarrier().GetEnabled() != enabled {
		t.Fatalf("carrier %s enabled = %v, want %v", code, resp.GetCarrier().GetEnabled(), enabled)
	}
}

func TestAuthorizationTransitions(t *testing.T) {
	type step struct{ action, actor, note string }
	cases := []struct {
		name        string
		steps       []step
		want        ewaybillv1.CarrierAuthorizationState
		stateReason string
		history     string
	}{
		{"PENDING to ACTIVE", []step{{"approve", roleAdmin, "account verified"}},
			authzActive, "", "SUBMIT/merchant/,APPROVE/admin/account verified"},
		{"PENDING to REJECTED", []step{{"reject", roleAdmin, "settlement account closed"}},
			authzRejected, "settlement account closed", "SUBMIT/merchant/,REJECT/admin/settlement account closed"},
		{"PENDING to REVOKED by merchant", []step{{"revoke", roleMerchant, "applied by mistake"}},
			authzRevoked, "applied by mistake", "SUBMIT/merchant/,REVOKE/merchant/applied by mistake"},
		{"PENDING to REVOKED by admin", []step{{"revoke", roleAdmin, "duplicate account"}},
			authzRevoked, "duplicate account", "SUBMIT/merchant/,REVOKE/admin/duplicate account"},
		{"ACTIVE to REVOKED by merchant", []step{{"approve", roleAdmin, ""}, {"revoke", roleMerchant, "switching carrier"}},
			authzRevoked, "switching carrier", "SUBMIT/merchant/,APPROVE/admin/,REVOKE/merchant/switching carrier"},
		{"ACTIVE to REVOKED by admin", []step{{"approve", roleAdmin, "ok"}, {"revoke", roleAdmin, "unpaid invoices"}},
			authzRevoked, "unpaid invoices", "SUBMIT/merchant/,APPROVE/admin/ok,REVOKE/admin/unpaid invoices"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.createCarrier(sfCarrier())
			m := e.approvedMerchant(creditCodes[0])
			ctxOf := map[string]func() context.Context{roleAdmin: admin, roleMerchant: func() context.Context { return as(m.key) }}
			actorOf := map[string]string{
				roleAdmin:    authzKeyName(t, e, admin(), "bootstrap"),
				roleMerchant: authzKeyName(t, e, as(m.key), "register"),
			}

			a := authzApply(t, e, as(m.key), m.name, authzSF())
			for _, s := range c.steps {
				got := authzMust(t, e, ctxOf[s.actor](), s.action, a.GetName(), s.note)
				if got.GetName() != a.GetName() {
					t.Fatalf("%s returned %s", s.action, got.GetName())
				}
			}

			got := authzGet(t, e, a.GetName())
			if got.GetState() != c.want || got.GetStateReason() != c.stateReason {
				t.Fatalf("state %s reason %q, want %s %q", got.GetState(), got.GetStateReason(), c.want, c.stateReason)
			}
			if h := authzHistory(got); h != c.history {
				t.Fatalf("history:\n got %s\nwant %s", h, c.history)
			}
			for i, ev := range got.GetReviewHistory() {
				role := ev.GetActorRole()
				if ev.GetActor() != actorOf[role] || ev.GetTime() == nil {
					t.Fatalf("event %d: actor %q time %v, want actor %q", i, ev.GetActor(), ev.GetTime(), actorOf[role])
				}
			}
			if got.GetSettlementAccount() != "7550001234" || got.GetCarrier() != "carriers/SF" ||
				got.GetUpdateTime().AsTime().Before(got.GetCreateTime().AsTime()) {
				t.Fatalf("fields after transitions: %v", got)
			}
		})
	}
}

func TestAuthorizationRefusedTransitions(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	m := e.approvedMerchant(creditCodes[0])

	activeA := authzApply(t, e, as(m.key), m.name, authzSF())
	authzMust(t, e, admin(), "approve", activeA.GetName(), "")
	rejectedA := authzApply(t, e, as(m.key), m.name, authzZTO())
	authzMust(t, e, admin(), "reject", rejectedA.GetName(), "unknown branch")
	// A rejected application does not block a new one for the same carrier.
	revokedA := authzApply(t, e, as(m.key), m.name, authzZTO())
	authzMust(t, e, as(m.key), "revoke", revokedA.GetName(), "no longer needed")

	byState := map[string]string{"ACTIVE": activeA.GetName(), "REJECTED": rejectedA.GetName(), "REVOKED": revokedA.GetName()}
	cases := []struct {
		state, action, actor string
	}{
		{"ACTIVE", "approve", roleAdmin},
		{"ACTIVE", "reject", roleAdmin},
		{"REJECTED", "approve", roleAdmin},
		{"REJECTED", "reject", roleAdmin},
		{"REJECTED", "revoke", roleAdmin},
		{"REJECTED", "revoke", roleMerchant},
		{"REVOKED", "approve", roleAdmin},
		{"REVOKED", "reject", roleAdmin},
		{"REVOKED", "revoke", roleAdmin},
		{"REVOKED", "revoke", roleMerchant},
	}
	for _, c := range cases {
		t.Run(c.state+"/"+c.action+"/"+c.actor, func(t *testing.T) {
			name := byState[c.state]
			before := authzGet(t, e, name)
			ctx := admin()
			if c.actor == roleMerchant {
				ctx = as(m.key)
			}
			_, err := authzDo(e, ctx, c.action, name, "again")
			st := wantError(t, err, codes.FailedPrecondition, "INVALID_STATE_TRANSITION")
			md := rolesErrorInfo(st).GetMetadata()
			if md["state"] != c.state || md["action"] != c.action || md["resource"] != name {
				t.Fatalf("metadata %v", md)
			}
			if !strings.Contains(st.Message(), "while it is "+c.state) {
				t.Fatalf("message does not name the state: %s", st.Message())
			}
			if after := authzGet(t, e, name); !proto.Equal(before, after) {
				t.Fatalf("refused %s changed the authorization:\n%v\n%v", c.action, before, after)
			}
		})
	}
}

func TestAuthorizationNeedsQualifiedMerchant(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())

	rejectMerchant := func(t *testing.T, name string) {
		if _, err := e.merchants.RejectMerchant(admin(), &ewaybillv1.RejectMerchantRequest{Name: name, Reason: "x", FieldsToSupplement: []string{"legal_name"}}); err != nil {
			t.Fatal(err)
		}
	}
	suspendMerchant := func(t *testing.T, name string) {
		if _, err := e.merchants.SuspendMerchant(admin(), &ewaybillv1.SuspendMerchantRequest{Name: name, Reason: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name       string
		approved   bool                                // approve the merchant first
		applyFirst bool                                // apply before the merchant's state changes
		change     func(t *testing.T, merchant string) // into the state under test
		act        string                              // "apply" or "approve"
		state      string
	}{
		{"approve while PENDING_REVIEW", false, true, nil, "approve", "PENDING_REVIEW"},
		{"apply while REJECTED", false, false, rejectMerchant, "apply", "REJECTED"},
		{"apply while SUSPENDED", true, false, suspendMerchant, "apply", "SUSPENDED"},
		{"approve while SUSPENDED", true, true, suspendMerchant, "approve", "SUSPENDED"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := e.register(creditCodes[i])
			if c.approved {
				if _, err := e.merchants.ApproveMerchant(admin(), &ewaybillv1.ApproveMerchantRequest{Name: m.name}); err != nil {
					t.Fatal(err)
				}
			}
			var applied *ewaybillv1.CarrierAuthorization
			if c.applyFirst {
				applied = authzApply(t, e, as(m.key), m.name, authzSF())
			}
			if c.change != nil {
				c.change(t, m.name)
			}
			var errs []error
			if c.act == "apply" {
				// Neither the merchant nor an admin on its behalf may apply.
				for _, ctx := range []context.Context{as(m.key), admin()} {
					_, err := e.auths.CreateCarrierAuthorization(ctx, &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: m.name, CarrierAuthorization: authzSF()})
					errs = append(errs, err)
				}
			} else {
				_, err := authzDo(e, admin(), "approve", applied.GetName(), "")
				errs = append(errs, err)
			}
			for _, err := range errs {
				st := wantError(t, err, codes.FailedPrecondition, "MERCHANT_NOT_QUALIFIED")
				if md := rolesErrorInfo(st).GetMetadata(); md["state"] != c.state || md["merchant"] != m.name {
					t.Fatalf("metadata %v, want state %s merchant %s", md, c.state, m.name)
				}
			}
			list, err := e.auths.ListCarrierAuthorizations(admin(), &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: m.name})
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if applied != nil {
				want = 1
				if s := list.GetCarrierAuthorizations()[0].GetState(); s != authzPending {
					t.Fatalf("refused approval left state %s", s)
				}
			}
			if n := len(list.GetCarrierAuthorizations()); n != want {
				t.Fatalf("%d authorizations, want %d", n, want)
			}
		})
	}

	// Once the PENDING_REVIEW merchant is approved, its application can be.
	m := e.register(creditCodes[4])
	a := authzApply(t, e, as(m.key), m.name, authzSF())
	if _, err := e.merchants.ApproveMerchant(admin(), &ewaybillv1.ApproveMerchantRequest{Name: m.name}); err != nil {
		t.Fatal(err)
	}
	if got := authzMust(t, e, admin(), "approve", a.GetName(), ""); got.GetState() != authzActive {
		t.Fatalf("after merchant approval: %s", got.GetState())
	}
}

func TestAuthorizationDisabledCarrier(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	early := e.approvedMerchant(creditCodes[0])
	late := e.approvedMerchant(creditCodes[1])
	pending := authzApply(t, e, as(early.key), early.name, authzSF())

	authzSetCarrierEnabled(t, e, "SF", false)
	cases := []struct {
		name string
		call func() error
	}{
		{"apply", func() error {
			_, err := e.auths.CreateCarrierAuthorization(as(late.key), &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: late.name, CarrierAuthorization: authzSF()})
			return err
		}},
		{"approve", func() error {
			_, err := authzDo(e, admin(), "approve", pending.GetName(), "")
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := wantError(t, c.call(), codes.FailedPrecondition, "CARRIER_DISABLED")
			if got := rolesErrorInfo(st).GetMetadata()["carrier"]; got != "carriers/SF" {
				t.Fatalf("metadata carrier = %q", got)
			}
		})
	}
	if s := authzGet(t, e, pending.GetName()).GetState(); s != authzPending {
		t.Fatalf("refused approval left state %s", s)
	}

	// Enabled again, both go through.
	authzSetCarrierEnabled(t, e, "SF", true)
	if got := authzMust(t, e, admin(), "approve", pending.GetName(), ""); got.GetState() != authzActive {
		t.Fatalf("approve after re-enabling: %s", got.GetState())
	}
	authzApply(t, e, as(late.key), late.name, authzSF())
}

func TestAuthorizationOnePendingOrActivePerCarrier(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	cases := []struct {
		name   string
		settle string // action moving the first application on, "" to leave it PENDING
		state  ewaybillv1.CarrierAuthorizationState
		exists bool // whether a second application is refused
	}{
		{"while PENDING", "", authzPending, true},
		{"while ACTIVE", "approve", authzActive, true},
		{"after REJECTED", "reject", authzRejected, false},
		{"after REVOKED", "revoke", authzRevoked, false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := e.approvedMerchant(creditCodes[i])
			first := authzApply(t, e, as(m.key), m.name, authzSF())
			if c.settle != "" {
				if got := authzMust(t, e, admin(), c.settle, first.GetName(), "reason"); got.GetState() != c.state {
					t.Fatalf("first is %s, want %s", got.GetState(), c.state)
				}
			}
			resp, err := e.auths.CreateCarrierAuthorization(as(m.key), &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: m.name, CarrierAuthorization: authzSF()})
			wantCount := 2
			if c.exists {
				wantCount = 1
				st := wantError(t, err, codes.AlreadyExists, "ALREADY_EXISTS")
				if got := rolesErrorInfo(st).GetMetadata()["resource"]; got != first.GetName() {
					t.Fatalf("metadata resource = %q, want the existing %s", got, first.GetName())
				}
				if !strings.Contains(st.Message(), c.state.String()[len("CARRIER_AUTHORIZATION_STATE_"):]) {
					t.Fatalf("message does not name the existing state: %s", st.Message())
				}
			} else {
				if err != nil {
					t.Fatalf("reapply %s: %v", c.name, err)
				}
				if second := resp.GetCarrierAuthorization(); second.GetState() != authzPending || second.GetName() == first.GetName() {
					t.Fatalf("reapplication: %v", second)
				}
			}
			list, err := e.auths.ListCarrierAuthorizations(as(m.key), &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: m.name, Carrier: "carriers/SF"})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(list.GetCarrierAuthorizations()); n != wantCount {
				t.Fatalf("%d SF authorizations, want %d", n, wantCount)
			}
			// The rule is per merchant and carrier: another carrier is free.
			authzApply(t, e, as(m.key), m.name, authzZTO())
		})
	}
}

func TestAuthorizationAccountFieldsByCarrierKind(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	m := e.approvedMerchant(creditCodes[0])

	sf := func(edit func(a *ewaybillv1.CarrierAuthorization)) *ewaybillv1.CarrierAuthorization {
		a := authzSF()
		edit(a)
		return a
	}
	zto := func(edit func(a *ewaybillv1.CarrierAuthorization)) *ewaybillv1.CarrierAuthorization {
		a := authzZTO()
		edit(a)
		return a
	}
	const f = "carrier_authorization."
	cases := []struct {
		name string
		in   *ewaybillv1.CarrierAuthorization
		want map[string]string // field → rule; nil means accepted
	}{
		{"direct-operated with settlement account", sf(func(a *ewaybillv1.CarrierAuthorization) { a.SettlementAccount = " 755-0001234 " }), nil},
		{"direct-operated without settlement account", sf(func(a *ewaybillv1.CarrierAuthorization) { a.SettlementAccount = "" }),
			map[string]string{f + "settlement_account": "required"}},
		{"direct-operated short account", sf(func(a *ewaybillv1.CarrierAuthorization) { a.SettlementAccount = "755" }),
			map[string]string{f + "settlement_account": "format"}},
		{"direct-operated account with a space", sf(func(a *ewaybillv1.CarrierAuthorization) { a.SettlementAccount = "755 0001234" }),
			map[string]string{f + "settlement_account": "format"}},
		{"direct-operated with branch", sf(func(a *ewaybillv1.CarrierAuthorization) { a.BranchCode, a.BranchName = "SZ-01", "深圳南山" }),
			map[string]string{f + "branch_code": "not_applicable"}},
		{"direct-operated with branch name only", sf(func(a *ewaybillv1.CarrierAuthorization) { a.BranchName = "深圳南山" }),
			map[string]string{f + "branch_code": "not_applicable"}},
		{"franchise with branch", zto(func(a *ewaybillv1.CarrierAuthorization) {}), nil},
		{"franchise without branch code", zto(func(a *ewaybillv1.CarrierAuthorization) { a.BranchCode = "" }),
			map[string]string{f + "branch_code": "required"}},
		{"franchise without branch name", zto(func(a *ewaybillv1.CarrierAuthorization) { a.BranchName = " " }),
			map[string]string{f + "branch_name": "required"}},
		{"franchise without branch", zto(func(a *ewaybillv1.CarrierAuthorization) { a.BranchCode, a.BranchName = "", "" }),
			map[string]string{f + "branch_code": "required", f + "branch_name": "required"}},
		{"franchise short branch code", zto(func(a *ewaybillv1.CarrierAuthorization) { a.BranchCode = "Z" }),
			map[string]string{f + "branch_code": "format"}},
		{"franchise with settlement account", zto(func(a *ewaybillv1.CarrierAuthorization) { a.SettlementAccount = "7550001234" }),
			map[string]string{f + "settlement_account": "not_applicable"}},
		{"franchise long branch name", zto(func(a *ewaybillv1.CarrierAuthorization) { a.BranchName = strings.Repeat("网", 65) }),
			map[string]string{f + "branch_name": "length"}},
		{"carrier code instead of name", sf(func(a *ewaybillv1.CarrierAuthorization) { a.Carrier = "SF" }),
			map[string]string{f + "carrier": "resource_name"}},
		{"carrier missing", sf(func(a *ewaybillv1.CarrierAuthorization) { a.Carrier = "" }),
			map[string]string{f + "carrier": "resource_name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := e.auths.CreateCarrierAuthorization(as(m.key), &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: m.name, CarrierAuthorization: c.in})
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				got := resp.GetCarrierAuthorization()
				if got.GetSettlementAccount() != strings.TrimSpace(c.in.GetSettlementAccount()) ||
					got.GetBranchCode() != c.in.GetBranchCode() || got.GetBranchName() != c.in.GetBranchName() {
					t.Fatalf("stored %v from %v", got, c.in)
				}
				return
			}
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			got := violations(st)
			if len(got) != len(c.want) {
				t.Fatalf("violations %v, want %v", got, c.want)
			}
			for field, rule := range c.want {
				if got[field] != rule {
					t.Fatalf("violations %v, want %s=%s", got, field, rule)
				}
			}
		})
	}

	t.Run("unknown carrier", func(t *testing.T) {
		_, err := e.auths.CreateCarrierAuthorization(as(m.key), &ewaybillv1.CreateCarrierAuthorizationRequest{
			Parent: m.name, CarrierAuthorization: &ewaybillv1.CarrierAuthorization{Carrier: "carriers/YTO", BranchCode: "YTO-1", BranchName: "x"}})
		st := wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
		if got := rolesErrorInfo(st).GetMetadata()["resource"]; got != "carriers/YTO" {
			t.Fatalf("metadata resource = %q", got)
		}
	})

	// Only the two accepted applications were written.
	list, err := e.auths.ListCarrierAuthorizations(admin(), &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.GetCarrierAuthorizations()); n != 2 {
		t.Fatalf("%d authorizations stored, want 2", n)
	}
}

func TestAuthorizationListFilters(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.createCarrier(ztoCarrier())
	a := e.approvedMerchant(creditCodes[0])
	b := e.approvedMerchant(creditCodes[1])
	aSF := authzApply(t, e, as(a.key), a.name, authzSF()).GetName()
	authzMust(t, e, admin(), "approve", aSF, "")
	aZTO := authzApply(t, e, as(a.key), a.name, authzZTO()).GetName()
	bSF := authzApply(t, e, as(b.key), b.name, authzSF()).GetName()
	bZTO := authzApply(t, e, as(b.key), b.name, authzZTO()).GetName()
	authzMust(t, e, admin(), "reject", bZTO, "branch closed")

	cases := []struct {
		name string
		ctx  func() context.Context
		req  *ewaybillv1.ListCarrierAuthorizationsRequest
		want []string
	}{
		{"admin, every merchant", admin, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-"}, []string{aSF, aZTO, bSF, bZTO}},
		{"admin, approval queue", admin, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-", State: authzPending}, []string{aZTO, bSF}},
		{"admin, every merchant's SF", admin, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-", Carrier: "carriers/SF"}, []string{aSF, bSF}},
		{"admin, pending ZTO", admin, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-", State: authzPending, Carrier: "carriers/ZTO"}, []string{aZTO}},
		{"admin, active ZTO", admin, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-", State: authzActive, Carrier: "carriers/ZTO"}, nil},
		{"admin, one merchant", admin, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: a.name}, []string{aSF, aZTO}},
		{"admin, one merchant's rejected", admin, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: b.name, State: authzRejected}, []string{bZTO}},
		{"merchant, own", func() context.Context { return as(a.key) }, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: a.name}, []string{aSF, aZTO}},
		{"merchant, own active", func() context.Context { return as(a.key) }, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: a.name, State: authzActive}, []string{aSF}},
		{"merchant, own ZTO", func() context.Context { return as(b.key) }, &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: b.name, Carrier: "carriers/ZTO"}, []string{bZTO}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := e.auths.ListCarrierAuthorizations(c.ctx(), c.req)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range resp.GetCarrierAuthorizations() {
				got = append(got, x.GetName())
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") || resp.GetNextPageToken() != "" {
				t.Fatalf("got %v (next %q), want %v", got, resp.GetNextPageToken(), c.want)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		var got []string
		token := ""
		for pages := 1; ; pages++ {
			resp, err := e.auths.ListCarrierAuthorizations(admin(), &ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-", PageSize: 3, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range resp.GetCarrierAuthorizations() {
				got = append(got, x.GetName())
			}
			if token = resp.GetNextPageToken(); token == "" {
				if pages != 2 {
					t.Fatalf("%d pages, want 2", pages)
				}
				break
			}
		}
		if want := []string{aSF, aZTO, bSF, bZTO}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("paged %v, want %v", got, want)
		}
	})

	t.Run("REST approval queue", func(t *testing.T) {
		status, out := e.rest("GET", "/v1/merchants/-/carrierAuthorizations?state=CARRIER_AUTHORIZATION_STATE_PENDING&carrier=carriers/SF", testAdminKey, nil)
		list, _ := out["carrierAuthorizations"].([]any)
		if status != 200 || len(list) != 1 || carrierRESTField(list[0].(map[string]any), "name") != bSF {
			t.Fatalf("REST list: %d %v", status, out)
		}
	})

	t.Run("invalid filters", func(t *testing.T) {
		for _, c := range []struct {
			req         *ewaybillv1.ListCarrierAuthorizationsRequest
			field, rule string
		}{
			{&ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-", Carrier: "SF"}, "carrier", "resource_name"},
			{&ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants/-", State: 99}, "state", "enum"},
			{&ewaybillv1.ListCarrierAuthorizationsRequest{Parent: "merchants"}, "parent", "resource_name"},
		} {
			_, err := e.auths.ListCarrierAuthorizations(admin(), c.req)
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			if got := violations(st)[c.field]; got != c.rule {
				t.Fatalf("%v: violations %v, want %s=%s", c.req, violations(st), c.field, c.rule)
			}
		}
	})
}

func TestAuthorizationDecisionTextIsValidated(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	m := e.approvedMerchant(creditCodes[0])
	a := authzApply(t, e, as(m.key), m.name, authzSF())
	cases := []struct {
		action, note string
		field, rule  string
	}{
		{"reject", "", "reason", "required"},
		{"reject", "  ", "reason", "required"},
		{"revoke", "", "reason", "required"},
		{"revoke", strings.Repeat("r", 501), "reason", "length"},
		{"approve", strings.Repeat("c", 501), "comment", "length"},
		{"approve", "ok\x00", "comment", "control_character"},
	}
	for _, c := range cases {
		t.Run(c.action+"/"+c.field+"/"+c.rule, func(t *testing.T) {
			_, err := authzDo(e, admin(), c.action, a.GetName(), c.note)
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			carrierWantViolations(t, violations(st), map[string]string{c.field: c.rule})
		})
	}
	if got := authzGet(t, e, a.GetName()); got.GetState() != authzPending || len(got.GetReviewHistory()) != 1 {
		t.Fatalf("invalid decisions changed the authorization: %v", got)
	}
}
