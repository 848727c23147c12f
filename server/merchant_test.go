package server_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

func TestMerchantReviewLifecycle(t *testing.T) {
	e := newEnv(t)
	m := e.register(creditCodes[0])

	got, err := e.merchants.GetMerchant(as(m.key), &ewaybillv1.GetMerchantRequest{Name: m.name})
	if err != nil {
		t.Fatal(err)
	}
	if s := got.GetMerchant().GetState(); s != ewaybillv1.MerchantState_MERCHANT_STATE_PENDING_REVIEW {
		t.Fatalf("new merchant state = %s", s)
	}

	// Reject with reason and fields; the merchant reads both.
	rej, err := e.merchants.RejectMerchant(admin(), &ewaybillv1.RejectMerchantRequest{
		Name: m.name, Reason: "licence photo unreadable", FieldsToSupplement: []string{"licence_document_ref", "contact.mobile", "licence_document_ref"}})
	if err != nil {
		t.Fatal(err)
	}
	if rej.GetMerchant().GetState() != ewaybillv1.MerchantState_MERCHANT_STATE_REJECTED ||
		rej.GetMerchant().GetStateReason() != "licence photo unreadable" ||
		strings.Join(rej.GetMerchant().GetFieldsToSupplement(), ",") != "contact.mobile,licence_document_ref" {
		t.Fatalf("after reject: %v", rej.GetMerchant())
	}

	// The merchant resubmits a corrected qualification.
	q := validQualification(creditCodes[0])
	q.LicenceDocumentRef = "doc://licence/2"
	res, err := e.merchants.ResubmitMerchant(as(m.key), &ewaybillv1.ResubmitMerchantRequest{Name: m.name, Qualification: q})
	if err != nil {
		t.Fatal(err)
	}
	if res.GetMerchant().GetState() != ewaybillv1.MerchantState_MERCHANT_STATE_PENDING_REVIEW ||
		res.GetMerchant().GetQualification().GetLicenceDocumentRef() != "doc://licence/2" ||
		len(res.GetMerchant().GetFieldsToSupplement()) != 0 {
		t.Fatalf("after resubmit: %v", res.GetMerchant())
	}

	steps := []struct {
		name string
		call func() (*ewaybillv1.Merchant, error)
		want ewaybillv1.MerchantState
	}{
		{"approve", func() (*ewaybillv1.Merchant, error) {
			r, err := e.merchants.ApproveMerchant(admin(), &ewaybillv1.ApproveMerchantRequest{Name: m.name, Comment: "ok"})
			return r.GetMerchant(), err
		}, ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED},
		{"suspend", func() (*ewaybillv1.Merchant, error) {
			r, err := e.merchants.SuspendMerchant(admin(), &ewaybillv1.SuspendMerchantRequest{Name: m.name, Reason: "complaints"})
			return r.GetMerchant(), err
		}, ewaybillv1.MerchantState_MERCHANT_STATE_SUSPENDED},
		{"reinstate", func() (*ewaybillv1.Merchant, error) {
			r, err := e.merchants.ReinstateMerchant(admin(), &ewaybillv1.ReinstateMerchantRequest{Name: m.name, Reason: "resolved"})
			return r.GetMerchant(), err
		}, ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED},
	}
	for _, s := range steps {
		got, err := s.call()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got.GetState() != s.want {
			t.Fatalf("%s: state %s, want %s", s.name, got.GetState(), s.want)
		}
	}

	// History: who, what, why, in order, readable by the merchant.
	final, err := e.merchants.GetMerchant(as(m.key), &ewaybillv1.GetMerchantRequest{Name: m.name})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range final.GetMerchant().GetReviewHistory() {
		actions = append(actions, strings.TrimPrefix(ev.GetAction().String(), "REVIEW_ACTION_")+"/"+ev.GetActorRole()+"/"+ev.GetReason())
		if ev.GetTime() == nil || ev.GetActor() == "" {
			t.Fatalf("event without time or actor: %v", ev)
		}
	}
	want := "SUBMIT/public/,REJECT/admin/licence photo unreadable,RESUBMIT/merchant/,APPROVE/admin/ok,SUSPEND/admin/complaints,REINSTATE/admin/resolved"
	if strings.Join(actions, ",") != want {
		t.Fatalf("history:\n got %s\nwant %s", strings.Join(actions, ","), want)
	}
}

func TestMerchantRejectedTransitions(t *testing.T) {
	e := newEnv(t)
	// One merchant per state.
	pending := e.register(creditCodes[0])
	approved := e.approvedMerchant(creditCodes[1])
	rejected := e.register(creditCodes[2])
	if _, err := e.merchants.RejectMerchant(admin(), &ewaybillv1.RejectMerchantRequest{Name: rejected.name, Reason: "x", FieldsToSupplement: []string{"legal_name"}}); err != nil {
		t.Fatal(err)
	}
	suspended := e.approvedMerchant(creditCodes[3])
	if _, err := e.merchants.SuspendMerchant(admin(), &ewaybillv1.SuspendMerchantRequest{Name: suspended.name, Reason: "x"}); err != nil {
		t.Fatal(err)
	}

	actions := map[string]func(name string) error{
		"approve": func(n string) error {
			_, err := e.merchants.ApproveMerchant(admin(), &ewaybillv1.ApproveMerchantRequest{Name: n})
			return err
		},
		"reject": func(n string) error {
			_, err := e.merchants.RejectMerchant(admin(), &ewaybillv1.RejectMerchantRequest{Name: n, Reason: "r", FieldsToSupplement: []string{"legal_name"}})
			return err
		},
		"resubmit": func(n string) error {
			_, err := e.merchants.ResubmitMerchant(admin(), &ewaybillv1.ResubmitMerchantRequest{Name: n, Qualification: validQualification(creditCodeOf(t, e, n))})
			return err
		},
		"suspend": func(n string) error {
			_, err := e.merchants.SuspendMerchant(admin(), &ewaybillv1.SuspendMerchantRequest{Name: n, Reason: "r"})
			return err
		},
		"reinstate": func(n string) error {
			_, err := e.merchants.ReinstateMerchant(admin(), &ewaybillv1.ReinstateMerchantRequest{Name: n, Reason: "r"})
			return err
		},
	}
	// Every action from every state where it does not apply.
	refused := []struct {
		state  string
		name   string
		action string
	}{
		{"PENDING_REVIEW", pending.name, "resubmit"}, {"PENDING_REVIEW", pending.name, "suspend"}, {"PENDING_REVIEW", pending.name, "reinstate"},
		{"APPROVED", approved.name, "approve"}, {"APPROVED", approved.name, "reject"}, {"APPROVED", approved.name, "resubmit"}, {"APPROVED", approved.name, "reinstate"},
		{"REJECTED", rejected.name, "approve"}, {"REJECTED", rejected.name, "reject"}, {"REJECTED", rejected.name, "suspend"}, {"REJECTED", rejected.name, "reinstate"},
		{"SUSPENDED", suspended.name, "approve"}, {"SUSPENDED", suspended.name, "reject"}, {"SUSPENDED", suspended.name, "resubmit"}, {"SUSPENDED", suspended.name, "suspend"},
	}
	for _, c := range refused {
		t.Run(c.state+"/"+c.action, func(t *testing.T) {
			st := wantError(t, actions[c.action](c.name), codes.FailedPrecondition, "INVALID_STATE_TRANSITION")
			if !strings.Contains(st.Message(), "while it is "+c.state) {
				t.Fatalf("message does not name the state: %s", st.Message())
			}
			got, err := e.merchants.GetMerchant(admin(), &ewaybillv1.GetMerchantRequest{Name: c.name})
			if err != nil {
				t.Fatal(err)
			}
			if "MERCHANT_STATE_"+c.state != got.GetMerchant().GetState().String() {
				t.Fatalf("state changed to %s", got.GetMerchant().GetState())
			}
		})
	}
}

func creditCodeOf(t *testing.T, e *env, name string) string {
	t.Helper()
	got, err := e.merchants.GetMerchant(admin(), &ewaybillv1.GetMerchantRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return got.GetMerchant().GetQualification().GetCreditCode()
}

func TestRegistrationValidatesEveryFieldAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name  string
		edit  func(q *ewaybillv1.Qualification)
		field string
		rule  string
	}{
		{"credit code check character", func(q *ewaybillv1.Qualification) { q.CreditCode = "91350100M000100Y44" }, "qualification.credit_code", "check_character"},
		{"credit code length", func(q *ewaybillv1.Qualification) { q.CreditCode = "91350100M000100Y4" }, "qualification.credit_code", "length"},
		{"credit code charset", func(q *ewaybillv1.Qualification) { q.CreditCode = "91350100I000100Y43" }, "qualification.credit_code", "charset"},
		{"resident id check character", func(q *ewaybillv1.Qualification) { q.LegalRepresentative.IdNumber = "110105194912310021" }, "qualification.legal_representative.id_number", "check_character"},
		{"resident id birth date", func(q *ewaybillv1.Qualification) { q.LegalRepresentative.IdNumber = "110105194913310025" }, "qualification.legal_representative.id_number", "birth_date"},
		{"individual business needs operator id", func(q *ewaybillv1.Qualification) {
			q.Type = ewaybillv1.MerchantType_MERCHANT_TYPE_INDIVIDUAL_BUSINESS
			q.LegalRepresentative.IdNumber = ""
		}, "qualification.legal_representative.id_number", "required"},
		{"mobile", func(q *ewaybillv1.Qualification) { q.Contact.Mobile = "12800138000" }, "qualification.contact.mobile", "format"},
		{"type", func(q *ewaybillv1.Qualification) { q.Type = 0 }, "qualification.type", "required"},
		{"legal name", func(q *ewaybillv1.Qualification) { q.LegalName = " " }, "qualification.legal_name", "required"},
		{"control characters", func(q *ewaybillv1.Qualification) { q.LegalName = "Bad\nName Ltd" }, "qualification.legal_name", "control_character"},
		{"licence", func(q *ewaybillv1.Qualification) { q.LicenceDocumentRef = "" }, "qualification.licence_document_ref", "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := validQualification(creditCodes[0])
			c.edit(q)
			_, err := e.merchants.RegisterMerchant(context.Background(), &ewaybillv1.RegisterMerchantRequest{Qualification: q})
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			if got := violations(st)[c.field]; got != c.rule {
				t.Fatalf("violations %v: want %s=%s", violations(st), c.field, c.rule)
			}
		})
	}

	// Several bad fields are reported together.
	q := validQualification("91350100M000100Y44")
	q.Contact.Mobile = "123"
	q.LegalRepresentative.IdNumber = "11010519491231002x"
	_, err := e.merchants.RegisterMerchant(context.Background(), &ewaybillv1.RegisterMerchantRequest{Qualification: q})
	st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	if v := violations(st); len(v) != 3 {
		t.Fatalf("want 3 violations, got %v", v)
	}

	// Nothing was written: no merchant, no key.
	list, err := e.merchants.ListMerchants(admin(), &ewaybillv1.ListMerchantsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := e.keys.ListApiKeys(admin(), &ewaybillv1.ListApiKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetMerchants()) != 0 || len(keys.GetApiKeys()) != 1 {
		t.Fatalf("invalid registrations wrote %d merchants, %d keys", len(list.GetMerchants()), len(keys.GetApiKeys()))
	}
}

func TestDuplicateCreditCodeRefused(t *testing.T) {
	e := newEnv(t)
	e.register(creditCodes[0])
	_, err := e.merchants.RegisterMerchant(context.Background(), &ewaybillv1.RegisterMerchantRequest{Qualification: validQualification(creditCodes[0])})
	wantError(t, err, codes.AlreadyExists, "ALREADY_EXISTS")
	// Resubmitting another merchant's code is refused too.
	other := e.register(creditCodes[1])
	if _, err := e.merchants.RejectMerchant(admin(), &ewaybillv1.RejectMerchantRequest{Name: other.name, Reason: "x", FieldsToSupplement: []string{"credit_code"}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.merchants.ResubmitMerchant(as(other.key), &ewaybillv1.ResubmitMerchantRequest{Name: other.name, Qualification: validQualification(creditCodes[0])})
	wantError(t, err, codes.AlreadyExists, "ALREADY_EXISTS")
}

func TestIdentityNumbersMaskedExceptForAdmins(t *testing.T) {
	e := newEnv(t)
	m := e.register(creditCodes[0])
	mine, err := e.merchants.GetMerchant(as(m.key), &ewaybillv1.GetMerchantRequest{Name: m.name})
	if err != nil {
		t.Fatal(err)
	}
	q := mine.GetMerchant().GetQualification()
	if q.GetLegalRepresentative().GetIdNumber() != "1101**********002X" || q.GetCreditCode() != "9135**********0Y43" {
		t.Fatalf("merchant view not masked: %s %s", q.GetLegalRepresentative().GetIdNumber(), q.GetCreditCode())
	}
	full, err := e.merchants.GetMerchant(admin(), &ewaybillv1.GetMerchantRequest{Name: m.name})
	if err != nil {
		t.Fatal(err)
	}
	if full.GetMerchant().GetQualification().GetLegalRepresentative().GetIdNumber() != "11010519491231002X" {
		t.Fatalf("admin view masked: %v", full.GetMerchant().GetQualification())
	}
}

func TestMerchantListPagesAndFilters(t *testing.T) {
	e := newEnv(t)
	var names []string
	for _, c := range creditCodes[:5] {
		names = append(names, e.register(c).name)
	}
	if _, err := e.merchants.ApproveMerchant(admin(), &ewaybillv1.ApproveMerchantRequest{Name: names[1]}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	token := ""
	for pages := 0; ; pages++ {
		resp, err := e.merchants.ListMerchants(admin(), &ewaybillv1.ListMerchantsRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range resp.GetMerchants() {
			seen = append(seen, m.GetName())
		}
		token = resp.GetNextPageToken()
		if token == "" {
			if pages != 2 {
				t.Fatalf("want 3 pages, got %d", pages+1)
			}
			break
		}
	}
	if strings.Join(seen, ",") != strings.Join(names, ",") {
		t.Fatalf("paged list %v, want %v", seen, names)
	}
	pending, err := e.merchants.ListMerchants(admin(), &ewaybillv1.ListMerchantsRequest{State: ewaybillv1.MerchantState_MERCHANT_STATE_PENDING_REVIEW})
	if err != nil {
		t.Fatal(err)
	}
	if len(pending.GetMerchants()) != 4 {
		t.Fatalf("pending review queue has %d, want 4", len(pending.GetMerchants()))
	}
	_, err = e.merchants.ListMerchants(admin(), &ewaybillv1.ListMerchantsRequest{PageToken: "garbage"})
	wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	_, err = e.merchants.ListMerchants(admin(), &ewaybillv1.ListMerchantsRequest{PageSize: 5000})
	wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")

	// A merchant lists only itself.
	own, err := e.merchants.ListMerchants(as(e.register(creditCodes[5]).key), &ewaybillv1.ListMerchantsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(own.GetMerchants()) != 1 {
		t.Fatalf("merchant sees %d merchants", len(own.GetMerchants()))
	}
}
