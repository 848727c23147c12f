package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// clientTestCommand finds a command of the table or fails the test.
func clientTestCommand(t *testing.T, resource, verb string) command {
	t.Helper()
	cmd, ok := findCommand(commands(), []string{resource, verb})
	if !ok {
		t.Fatalf("no command %s %s", resource, verb)
	}
	return cmd
}

// noEnv is an empty environment, so tests do not depend on the caller's.
func noEnv(string) string { return "" }

func TestClientParseInterspersed(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		positionals []string
		comment     string
		key         string
	}{
		{"positional first", []string{"merchants/1", "--comment", "ok", "--key", "k"}, []string{"merchants/1"}, "ok", "k"},
		{"positional last", []string{"--comment", "ok", "--key=k", "merchants/1"}, []string{"merchants/1"}, "ok", "k"},
		{"positional between", []string{"-comment=ok", "merchants/1", "-key", "k"}, []string{"merchants/1"}, "ok", "k"},
		{"two positionals", []string{"a", "--comment", "ok", "b"}, []string{"a", "b"}, "ok", ""},
		{"after double dash", []string{"--comment", "ok", "--", "-x", "--key", "k"}, []string{"-x", "--key", "k"}, "ok", ""},
		{"none", nil, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			comment := fs.String("comment", "", "")
			key := fs.String("key", "", "")
			got, err := parseInterspersed(fs, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.positionals) || *comment != tt.comment || *key != tt.key {
				t.Errorf("got positionals %q comment %q key %q, want %q %q %q",
					got, *comment, *key, tt.positionals, tt.comment, tt.key)
			}
		})
	}
}

func TestClientParseInvocation(t *testing.T) {
	cmd := clientTestCommand(t, "merchants", "approve")
	inv, err := parseInvocation(cmd, []string{"--comment", "fine", "123", "--key", "k", "--addr", "h:1"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if inv.arg != "merchants/123" || inv.global.key != "k" || inv.global.addr != "h:1" {
		t.Errorf("got arg %q key %q addr %q", inv.arg, inv.global.key, inv.global.addr)
	}

	env := map[string]string{"EWAYBILL_ADDR": "env:9", "EWAYBILL_KEY": "envkey"}
	inv, err = parseInvocation(cmd, []string{"merchants/7"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if inv.global.addr != "env:9" || inv.global.key != "envkey" {
		t.Errorf("env defaults: got addr %q key %q", inv.global.addr, inv.global.key)
	}
	inv, err = parseInvocation(cmd, []string{"merchants/7", "--key", "k"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if inv.global.addr != defaultAddr {
		t.Errorf("default addr: got %q", inv.global.addr)
	}
}

func TestClientParseInvocationErrors(t *testing.T) {
	tests := []struct {
		resource, verb string
		args           []string
		want           string
	}{
		{"merchants", "get", []string{"--key", "k"}, "missing NAME"},
		{"merchants", "get", []string{"1", "2", "--key", "k"}, "expected one NAME, got 2 arguments"},
		{"merchants", "list", []string{"x", "--key", "k"}, `unexpected argument "x"`},
		{"merchants", "get", []string{"1"}, "an API key is required: pass --key or set EWAYBILL_KEY"},
		{"merchants", "list", []string{"--key", "k", "--nope"}, "flag provided but not defined: -nope"},
		{"authorizations", "get", []string{"abc", "--key", "k"},
			`NAME must look like merchants/{merchant}/carrierAuthorizations/{id}, not "abc"`},
		{"carriers", "create", []string{"--key", "k", "--serial-length", "99999999999"},
			`invalid value "99999999999" for flag -serial-length: not a 32-bit integer`},
		{"carriers", "update", []string{"SF", "--key", "k", "--enabled", "maybe"},
			`invalid value "maybe" for flag -enabled: must be true or false`},
	}
	for _, tt := range tests {
		_, err := parseInvocation(clientTestCommand(t, tt.resource, tt.verb), tt.args, noEnv)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s %s %q: got error %v, want %q", tt.resource, tt.verb, tt.args, err, tt.want)
		}
	}
	// Registering is how a merchant gets its first key, so it needs none.
	if _, err := parseInvocation(clientTestCommand(t, "merchants", "register"), nil, noEnv); err != nil {
		t.Errorf("register without a key: %v", err)
	}
}

func TestClientResourceNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{merchantName("123"), "merchants/123"},
		{merchantName("merchants/123"), "merchants/123"},
		{merchantName("-"), "merchants/-"},
		{merchantName(""), ""},
		{carrierName("SF"), "carriers/SF"},
		{carrierName("carriers/SF"), "carriers/SF"},
		{resourceName("apiKeys", "k1"), "apiKeys/k1"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if got, err := authorizationName("merchants/1/carrierAuthorizations/2"); err != nil || got != "merchants/1/carrierAuthorizations/2" {
		t.Errorf("authorizationName: got %q, %v", got, err)
	}
	for _, tt := range []struct{ resource, verb, arg, want string }{
		{"merchants", "get", "m1", "merchants/m1"},
		{"carriers", "update", "SF", "carriers/SF"},
		{"keys", "revoke", "k1", "apiKeys/k1"},
		{"keys", "get", "apiKeys/k1", "apiKeys/k1"},
	} {
		got, err := clientTestCommand(t, tt.resource, tt.verb).positional([]string{tt.arg})
		if err != nil || got != tt.want {
			t.Errorf("%s %s %s: got %q, %v, want %q", tt.resource, tt.verb, tt.arg, got, err, tt.want)
		}
	}
}

func TestClientEnumFlags(t *testing.T) {
	tests := []struct {
		names enumNames
		arg   string
		want  int32
	}{
		{merchantTypeNames(), "enterprise", int32(ewaybillv1.MerchantType_MERCHANT_TYPE_ENTERPRISE)},
		{merchantTypeNames(), "individual", int32(ewaybillv1.MerchantType_MERCHANT_TYPE_INDIVIDUAL_BUSINESS)},
		{merchantStateNames(), "Pending_Review", int32(ewaybillv1.MerchantState_MERCHANT_STATE_PENDING_REVIEW)},
		{carrierKindNames(), "direct", int32(ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED)},
		{checkDigitNames(), "upu_s10", int32(ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_UPU_S10)},
		{recyclePolicyNames(), "reuse_unprinted", int32(ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED)},
		{authorizationStateNames(), "revoked", int32(ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_REVOKED)},
		{roleNames(), "printer", int32(ewaybillv1.Role_ROLE_PRINTER)},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		p := enumVar(fs, "e", "", tt.names)
		if err := fs.Parse([]string{"--e", tt.arg}); err != nil || *p != tt.want {
			t.Errorf("--e %s: got %d, %v, want %d", tt.arg, *p, err, tt.want)
		}
	}

	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	enumVar(fs, "state", "", merchantStateNames())
	err := fs.Parse([]string{"--state", "approve"})
	want := `invalid value "approve" for flag -state: allowed: pending_review, approved, rejected, suspended`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if got := strings.Join(merchantTypeNames().list(), "|"); got != "enterprise|individual" {
		t.Errorf("merchant types: got %q", got)
	}
	if got := strings.Join(carrierKindNames().list(), "|"); got != "direct|franchise" {
		t.Errorf("carrier kinds: got %q", got)
	}
}

func TestClientUpdateMask(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"SF", "--enabled", "false", "--key", "k"}, []string{"enabled"}},
		{[]string{"--recycle", "void", "SF", "--display-name", "", "--key", "k"}, []string{"display_name", "recycle_policy"}},
		{[]string{"SF", "--key", "k", "--addr", "x:1"}, nil},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		defineClientFlags(fs)
		carrierUpdate(fs)
		if _, err := parseInterspersed(fs, tt.args); err != nil {
			t.Fatal(err)
		}
		if got := updateMask(fs, carrierUpdatePaths()).GetPaths(); !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestClientUsageListsEveryCommand(t *testing.T) {
	var b strings.Builder
	table := commands()
	writeClientUsage(&b, table)
	usage := b.String()
	seen := map[string]bool{}
	for _, cmd := range table {
		synopsis := cmd.synopsis()
		if seen[synopsis] {
			t.Errorf("%s is in the table twice", synopsis)
		}
		seen[synopsis] = true
		if !strings.Contains(usage, "\n  "+synopsis+"\n") {
			t.Errorf("usage lacks %q", synopsis)
		}
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		cmd.define(fs)
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(usage, "--"+f.Name+" ") {
				t.Errorf("usage lacks --%s of %s", f.Name, synopsis)
			}
		})
	}
	for _, global := range []string{"--addr", "--key", "--timeout"} {
		if !strings.Contains(usage, global+" ") {
			t.Errorf("usage lacks %s", global)
		}
	}
}

func TestClientWriteError(t *testing.T) {
	st, err := status.New(codes.InvalidArgument, "invalid request: 2 problems").WithDetails(
		// BadRequest first: the reason must still be printed before it.
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "qualification.credit_code", Description: "must be 18 characters"},
			{Field: "qualification.contact.mobile", Description: "must be 11 digits"},
		}},
		&errdetails.ErrorInfo{Reason: "INVALID_REQUEST", Domain: "ewaybill"},
	)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	writeError(&b, st.Err())
	want := "error: InvalidArgument: invalid request: 2 problems\n" +
		"reason: INVALID_REQUEST\n" +
		"  qualification.credit_code: must be 18 characters\n" +
		"  qualification.contact.mobile: must be 11 digits\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	writeError(&b, status.Error(codes.NotFound, "merchants/1 not found"))
	if want := "error: NotFound: merchants/1 not found\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}

	b.Reset()
	writeError(&b, errors.New("connect to x: bad address"))
	if want := "error: connect to x: bad address\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// clientTestNoDial fails the test if the client tries to connect.
func clientTestNoDial(t *testing.T) dialer {
	return func(string) (*grpc.ClientConn, error) {
		t.Error("dialled although the command line is wrong")
		return nil, errors.New("no dial")
	}
}

func TestClientRunUsage(t *testing.T) {
	t.Setenv("EWAYBILL_KEY", "")
	tests := []struct {
		args       []string
		code       int
		stdout     string
		stderrHead string
		// dials is set where the mistake is found only by the action, after
		// the (lazy) connection is made.
		dials bool
	}{
		{[]string{"help"}, exitOK, "usage: ewaybill", "", false},
		{[]string{"-h"}, exitOK, "usage: ewaybill", "", false},
		{nil, exitUsage, "", "usage: ewaybill", false},
		{[]string{"ships", "list"}, exitUsage, "", "error: unknown command \"ships list\"\n", false},
		{[]string{"merchants", "sink"}, exitUsage, "", "error: unknown command \"merchants sink\"\n", false},
		{[]string{"merchants"}, exitUsage, "", "error: unknown command \"merchants\"\n", false},
		{[]string{"merchants", "get", "1"}, exitUsage, "", "error: an API key is required", false},
		{[]string{"merchants", "list", "--state", "x", "--key", "k"}, exitUsage, "",
			"error: invalid value \"x\" for flag -state: allowed: pending_review, approved, rejected, suspended\n  merchants list\n", false},
		{[]string{"carriers", "update", "SF", "--key", "k"}, exitUsage, "",
			"error: nothing to update: give --display-name, --recycle or --enabled\n", true},
		{[]string{"merchants", "approve", "-h"}, exitOK, "  merchants approve NAME\n", "", false},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		dial := clientTestNoDial(t)
		if tt.dials {
			dial = defaultDial
		}
		code := runClientWith(context.Background(), tt.args, &stdout, &stderr, dial)
		if code != tt.code || !strings.HasPrefix(stdout.String(), tt.stdout) || !strings.HasPrefix(stderr.String(), tt.stderrHead) {
			t.Errorf("%q: got code %d stdout %q stderr %q", tt.args, code, stdout.String(), stderr.String())
		}
		if tt.stdout == "" && stdout.Len() > 0 {
			t.Errorf("%q: unexpected stdout %q", tt.args, stdout.String())
		}
	}
}

// clientTestServer answers the few calls TestClientRunAgainstServer makes
// and records what it received.
type clientTestServer struct {
	ewaybillv1.UnimplementedMerchantServiceServer
	ewaybillv1.UnimplementedApiKeyServiceServer
	gotName string
	gotAuth []string
}

func (s *clientTestServer) ApproveMerchant(ctx context.Context, req *ewaybillv1.ApproveMerchantRequest) (*ewaybillv1.ApproveMerchantResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.gotName, s.gotAuth = req.GetName(), md.Get("authorization")
	if req.GetComment() == "fail" {
		st, _ := status.New(codes.FailedPrecondition, "cannot approve merchants/1 while it is APPROVED").
			WithDetails(&errdetails.ErrorInfo{Reason: "INVALID_STATE_TRANSITION", Domain: "ewaybill"})
		return nil, st.Err()
	}
	return &ewaybillv1.ApproveMerchantResponse{Merchant: &ewaybillv1.Merchant{
		Name: req.GetName(), State: ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED,
	}}, nil
}

func (s *clientTestServer) CreateApiKey(_ context.Context, req *ewaybillv1.CreateApiKeyRequest) (*ewaybillv1.CreateApiKeyResponse, error) {
	k := proto.CloneOf(req.GetApiKey())
	k.Name = "apiKeys/k9"
	return &ewaybillv1.CreateApiKeyResponse{ApiKey: k, Secret: "ewb_secret"}, nil
}

// clientTestDial starts srv on an in-memory listener and returns a dialer
// that reaches it whatever address the client was given.
func clientTestDial(t *testing.T, srv *clientTestServer) dialer {
	lis := bufconn.Listen(1 << 20)
	gs := grpc.NewServer()
	ewaybillv1.RegisterMerchantServiceServer(gs, srv)
	ewaybillv1.RegisterApiKeyServiceServer(gs, srv)
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	return func(string) (*grpc.ClientConn, error) {
		return grpc.NewClient("passthrough:///bufnet",
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
}

func TestClientRunAgainstServer(t *testing.T) {
	srv := &clientTestServer{}
	dial := clientTestDial(t, srv)
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := runClientWith(context.Background(), args, &stdout, &stderr, dial)
		return code, stdout.String(), stderr.String()
	}

	code, stdout, stderr := run("merchants", "approve", "--key", "adm", "m1", "--comment", "ok")
	if code != exitOK || stderr != "" {
		t.Fatalf("approve: code %d stderr %q", code, stderr)
	}
	if srv.gotName != "merchants/m1" || !slices.Equal(srv.gotAuth, []string{"Bearer adm"}) {
		t.Errorf("server got name %q authorization %q", srv.gotName, srv.gotAuth)
	}
	var approved ewaybillv1.ApproveMerchantResponse
	if err := protojson.Unmarshal([]byte(stdout), &approved); err != nil || !strings.HasSuffix(stdout, "}\n") {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if approved.GetMerchant().GetState() != ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED {
		t.Errorf("stdout: %s", stdout)
	}

	code, stdout, stderr = run("merchants", "approve", "m1", "--key", "adm", "--comment", "fail")
	want := "error: FailedPrecondition: cannot approve merchants/1 while it is APPROVED\nreason: INVALID_STATE_TRANSITION\n"
	if code != exitRPC || stdout != "" || stderr != want {
		t.Errorf("failed approve: code %d stdout %q stderr %q", code, stdout, stderr)
	}

	code, stdout, stderr = run("keys", "create", "--role", "printer", "--merchant", "m1", "--name", "station 2", "--key", "adm")
	if code != exitOK || stderr != "secret (shown once): ewb_secret\n" {
		t.Fatalf("create key: code %d stderr %q", code, stderr)
	}
	var created ewaybillv1.CreateApiKeyResponse
	if err := protojson.Unmarshal([]byte(stdout), &created); err != nil {
		t.Fatal(err)
	}
	wantKey := &ewaybillv1.ApiKey{Name: "apiKeys/k9", DisplayName: "station 2",
		Role: ewaybillv1.Role_ROLE_PRINTER, Merchant: "merchants/m1"}
	if !proto.Equal(created.GetApiKey(), wantKey) || created.GetSecret() != "ewb_secret" {
		t.Errorf("create key stdout: %s", stdout)
	}
}
