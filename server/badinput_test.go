package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/ewaybill/ewaybill/apikeys"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/labels"
	"github.com/ewaybill/ewaybill/mapping"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/orders"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/routing"
	"github.com/ewaybill/ewaybill/server"
)

// refusal is how a bad request must be answered: a code, ewaybill's
// ErrorInfo reason and one BadRequest violation (field and rule).
type refusal struct {
	code        codes.Code
	reason      string
	field, rule string
}

// invalid is the usual refusal: INVALID_ARGUMENT, INVALID_REQUEST, field
// and rule.
func invalid(field, rule string) refusal {
	return refusal{codes.InvalidArgument, fault.ReasonInvalidRequest, field, rule}
}

// badInput is one row of TestBadInput: a request that breaks one limit or
// rule, sent over gRPC and over REST where the fault can travel on both.
type badInput struct {
	name string
	// key sends the request: a merchant's or the admin's; "" for none.
	key string
	// method is the gRPC method, "" for what only REST can send.
	method string
	req    proto.Message
	// wire, when set, is sent over gRPC instead of req's encoding: what
	// no protobuf library would encode.
	wire []byte
	// rest is "METHOD /path", "" for what only gRPC can send.
	rest string
	// body is the REST body when it is not req as JSON: a string or
	// []byte as it is, anything else JSON-encoded. A GET sends none.
	body        any
	contentType string // of the REST body; "" for application/json
	want        refusal
	// restWant is the REST refusal when it is not want: the gateway
	// decodes the JSON itself and refuses what does not decode on
	// "body".
	restWant *refusal
}

// TestBadInput sends one request over each limit and each kind of
// malformed input, over gRPC and REST, and checks that each is refused as
// the caller's mistake (never INTERNAL or UNKNOWN, never a 5xx), with
// ewaybill's reason and the field at fault, and that none of them spends
// or records anything.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100_000)
	m := e.shop(creditCodes[0], "SF")
	sample := e.allocate(as(m.key), "carriers/SF", order("SAMPLE-1"), "sample-1").GetWaybill()
	before := e.holdings(m, sample.GetName())

	over := func(limit int) string { return strings.Repeat("字", limit+1) }
	// Each order has its own code, so that should one row allocate, the
	// next is not refused as a replay with another payload instead.
	orderCodes := 0
	allocate := func(edit func(o *ewaybillv1.Order)) *ewaybillv1.AllocateWaybillRequest {
		orderCodes++
		o := order(fmt.Sprintf("BAD-%d", orderCodes))
		edit(o)
		return &ewaybillv1.AllocateWaybillRequest{Parent: m.name, Carrier: "carriers/SF", Order: o}
	}
	valid := allocate(func(*ewaybillv1.Order) {})
	batch := func(n int) *ewaybillv1.BatchAllocateWaybillsRequest {
		r := &ewaybillv1.BatchAllocateWaybillsRequest{Parent: m.name}
		for i := range n {
			r.Items = append(r.Items, &ewaybillv1.BatchAllocateWaybillsItem{Carrier: "carriers/SF", Order: order(fmt.Sprintf("BATCH-%d", i))})
		}
		return r
	}
	render := func(edit func(r *ewaybillv1.RenderLabelsRequest)) *ewaybillv1.RenderLabelsRequest {
		r := &ewaybillv1.RenderLabelsRequest{Parent: m.name, Numbers: []string{sample.GetNumber()},
			Format: ewaybillv1.LabelFormat_LABEL_FORMAT_ZPL, Purpose: ewaybillv1.LabelPurpose_LABEL_PURPOSE_PRINT}
		edit(r)
		return r
	}
	topUp := func(edit func(r *ewaybillv1.TopUpQuotaRequest)) *ewaybillv1.TopUpQuotaRequest {
		r := &ewaybillv1.TopUpQuotaRequest{Name: quotaName(m, "SF"), Amount: 10, Reason: "promotion", RequestId: "top-up-1"}
		edit(r)
		return r
	}
	register := func(edit func(q *ewaybillv1.Qualification)) *ewaybillv1.RegisterMerchantRequest {
		q := validQualification(creditCodes[1])
		edit(q)
		return &ewaybillv1.RegisterMerchantRequest{Qualification: q}
	}
	list := func(edit func(r *ewaybillv1.ListWaybillsRequest)) *ewaybillv1.ListWaybillsRequest {
		r := &ewaybillv1.ListWaybillsRequest{Parent: m.name}
		edit(r)
		return r
	}
	var tooManyRules []*ewaybillv1.RoutingRule
	for range routing.MaxRules + 1 {
		tooManyRules = append(tooManyRules, &ewaybillv1.RoutingRule{Province: "广东省", Codes: &ewaybillv1.RoutingCodes{SortCode: "A"}})
	}
	tooManyLabels := make([]string, labels.MaxLabels+1)
	for i := range tooManyLabels {
		tooManyLabels[i] = fmt.Sprintf("SF%013d", i)
	}
	var tooManySamples []*structpb.Struct
	for i := range mapping.MaxSamples + 1 {
		tooManySamples = append(tooManySamples, rawStruct(t, shopOrder(fmt.Sprintf("S-%d", i))))
	}
	profile := shopProfile("over")
	profile.DisplayName = over(mapping.MaxDisplayNameLength)
	items := make([]*ewaybillv1.Item, orders.MaxItems+1)
	for i := range items {
		items[i] = &ewaybillv1.Item{Name: "茶叶", Quantity: 1}
	}
	routingTable := &ewaybillv1.RoutingTable{Name: "carriers/SF/routingTable", Rules: tooManyRules}
	apiKey := &ewaybillv1.ApiKey{Role: ewaybillv1.Role_ROLE_PRINTER, Merchant: m.name, DisplayName: over(apikeys.MaxDisplayNameLength)}
	withBadName := allocate(func(o *ewaybillv1.Order) { o.Receiver.Name = "@BAD@" })
	validJSON := string(protoJSON(t, valid))
	bodyWith := func(key string, value any) map[string]any {
		var b map[string]any
		if err := json.Unmarshal([]byte(validJSON), &b); err != nil {
			t.Fatal(err)
		}
		b[key] = value
		return b
	}
	truncated, err := proto.Marshal(valid)
	if err != nil {
		t.Fatal(err)
	}
	truncated = truncated[:len(truncated)-3]

	const (
		mk, ak = "merchant", "admin"

		allocateMethod = ewaybillv1.WaybillService_AllocateWaybill_FullMethodName
		batchMethod    = ewaybillv1.WaybillService_BatchAllocateWaybills_FullMethodName
		listMethod     = ewaybillv1.WaybillService_ListWaybills_FullMethodName
		cancelMethod   = ewaybillv1.WaybillService_CancelWaybill_FullMethodName
		renderMethod   = ewaybillv1.LabelService_RenderLabels_FullMethodName
		topUpMethod    = ewaybillv1.QuotaService_TopUpQuota_FullMethodName
		importMethod   = ewaybillv1.PoolService_ImportNumberRange_FullMethodName
		registerMethod = ewaybillv1.MerchantService_RegisterMerchant_FullMethodName
	)
	allocatePath := "POST /v1/" + m.name + "/waybills:allocate"
	batchPath := "POST /v1/" + m.name + "/waybills:batchAllocate"
	listPath := "GET /v1/" + m.name + "/waybills"
	cancelPath := "POST /v1/" + sample.GetName() + ":cancel"
	renderPath := "POST /v1/" + m.name + "/labels:render"
	topUpPath := "POST /v1/" + quotaName(m, "SF") + ":topUp"
	importPath := "POST /v1/carriers/SF/numberRanges:import"
	registerPath := "POST /v1/merchants:register"
	asBody, bodyLength := invalid("body", "format"), invalid("body", "length")

	rows := []badInput{
		// Request size: the codec refuses a message over the limit by its
		// length, the gateway a body over it; grpc-go refuses one over
		// twice the limit from its length prefix, unread, with its own
		// RESOURCE_EXHAUSTED and no details.
		{name: "request over MaxRequestBytes", key: mk, method: allocateMethod, rest: allocatePath,
			req:  allocate(func(o *ewaybillv1.Order) { o.Remark = strings.Repeat("x", server.MaxRequestBytes) }),
			want: bodyLength},
		{name: "request over twice MaxRequestBytes", key: mk, method: allocateMethod,
			req:  allocate(func(o *ewaybillv1.Order) { o.Remark = strings.Repeat("x", 2*server.MaxRequestBytes) }),
			want: refusal{code: codes.ResourceExhausted}},

		// Batches and lists inside a request.
		{name: "batch of 0", key: mk, method: batchMethod, rest: batchPath, req: batch(0), want: invalid("items", "length")},
		{name: "batch of MaxBatch+1", key: mk, method: batchMethod, rest: batchPath, req: batch(quota.MaxBatch + 1), want: invalid("items", "length")},
		{name: "render of 0 labels", key: mk, method: renderMethod, rest: renderPath,
			req: render(func(r *ewaybillv1.RenderLabelsRequest) { r.Numbers = nil }), want: invalid("numbers", "required")},
		{name: "render of MaxLabels+1", key: mk, method: renderMethod, rest: renderPath,
			req: render(func(r *ewaybillv1.RenderLabelsRequest) { r.Numbers = tooManyLabels }), want: invalid("numbers", "max_items")},
		{name: "dry run of MaxSamples+1 orders", key: mk, method: ewaybillv1.MappingService_ValidateOrders_FullMethodName,
			rest: "POST /v1/" + m.name + "/orders:validate",
			req:  &ewaybillv1.ValidateOrdersRequest{Parent: m.name, InlineProfile: shopProfile("dry run"), Orders: tooManySamples},
			want: invalid("orders", "length")},
		{name: "order of MaxItems+1 items", key: mk, method: allocateMethod, rest: allocatePath,
			req: allocate(func(o *ewaybillv1.Order) { o.Items = items }), want: invalid("order.items", "length")},
		{name: "routing table of MaxRules+1", key: ak, method: ewaybillv1.LabelService_UpdateRoutingTable_FullMethodName,
			rest: "PUT /v1/carriers/SF/routingTable", req: &ewaybillv1.UpdateRoutingTableRequest{RoutingTable: routingTable},
			body: string(protoJSON(t, routingTable)), want: invalid("routing_table.rules", "max_items")},

		// Numbers over their bounds.
		{name: "top-up over MaxAdjustment", key: ak, method: topUpMethod, rest: topUpPath,
			req: topUp(func(r *ewaybillv1.TopUpQuotaRequest) { r.Amount = quota.MaxAdjustment + 1 }), want: invalid("amount", "range")},
		{name: "number range from serial 0", key: ak, method: importMethod, rest: importPath,
			req:  &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/SF", FirstSerial: 0, LastSerial: 10},
			want: invalid("first_serial", "range")},
		{name: "number range past the format's last serial", key: ak, method: importMethod, rest: importPath,
			req:  &ewaybillv1.ImportNumberRangeRequest{Parent: "carriers/SF", FirstSerial: 900_000_000_000, LastSerial: 1_000_000_000_000},
			want: invalid("last_serial", "range")},

		// Text one character over each documented maximum.
		{name: "order code", key: mk, method: allocateMethod, rest: allocatePath,
			req:  allocate(func(o *ewaybillv1.Order) { o.OrderCode = over(orders.MaxOrderCodeLength) }),
			want: invalid("order.order_code", "length")},
		{name: "package id", key: mk, method: allocateMethod, rest: allocatePath,
			req:  allocate(func(o *ewaybillv1.Order) { o.PackageId = over(orders.MaxPackageIDLength) }),
			want: invalid("order.package_id", "length")},
		{name: "receiver name", key: mk, method: allocateMethod, rest: allocatePath,
			req:  allocate(func(o *ewaybillv1.Order) { o.Receiver.Name = over(orders.DefaultMaxNameLength) }),
			want: invalid("order.receiver.name", "length")},
		{name: "receiver address", key: mk, method: allocateMethod, rest: allocatePath,
			req:  allocate(func(o *ewaybillv1.Order) { o.Receiver.Address = over(orders.DefaultMaxAddressLength) }),
			want: invalid("order.receiver.address", "length")},
		{name: "item name", key: mk, method: allocateMethod, rest: allocatePath,
			req:  allocate(func(o *ewaybillv1.Order) { o.Items[0].Name = over(orders.MaxItemNameLength) }),
			want: invalid("order.items[0].name", "length")},
		{name: "remark", key: mk, method: allocateMethod, rest: allocatePath,
			req:  allocate(func(o *ewaybillv1.Order) { o.Remark = over(orders.MaxRemarkLength) }),
			want: invalid("order.remark", "length")},
		{name: "allocation request id", key: mk, method: allocateMethod, rest: allocatePath,
			req: &ewaybillv1.AllocateWaybillRequest{Parent: m.name, Carrier: "carriers/SF", Order: order("BAD-REQUEST-ID"),
				RequestId: over(quota.MaxRequestIDLength)},
			want: invalid("request_id", "length")},
		{name: "cancel reason", key: mk, method: cancelMethod, rest: cancelPath,
			req:  &ewaybillv1.CancelWaybillRequest{Name: sample.GetName(), Reason: over(quota.MaxReasonLength)},
			want: invalid("reason", "length")},
		{name: "top-up reason", key: ak, method: topUpMethod, rest: topUpPath,
			req:  topUp(func(r *ewaybillv1.TopUpQuotaRequest) { r.Reason = over(quota.MaxReasonLength) }),
			want: invalid("reason", "length")},
		{name: "top-up request id", key: ak, method: topUpMethod, rest: topUpPath,
			req:  topUp(func(r *ewaybillv1.TopUpQuotaRequest) { r.RequestId = over(quota.MaxRequestIDLength) }),
			want: invalid("request_id", "length")},
		{name: "reprint reason", key: mk, method: renderMethod, rest: renderPath,
			req:  render(func(r *ewaybillv1.RenderLabelsRequest) { r.ReprintReason = over(labels.MaxReprintReasonLength) }),
			want: invalid("reprint_reason", "length")},
		{name: "print request id", key: mk, method: renderMethod, rest: renderPath,
			req:  render(func(r *ewaybillv1.RenderLabelsRequest) { r.RequestId = over(labels.MaxRequestIDLength) }),
			want: invalid("request_id", "length")},
		{name: "legal name", method: registerMethod, rest: registerPath,
			req:  register(func(q *ewaybillv1.Qualification) { q.LegalName = over(merchants.MaxLegalNameLength) }),
			want: invalid("qualification.legal_name", "length")},
		{name: "mapping profile name", key: mk, method: ewaybillv1.MappingService_CreateMappingProfile_FullMethodName,
			rest: "POST /v1/" + m.name + "/mappingProfiles",
			req:  &ewaybillv1.CreateMappingProfileRequest{Parent: m.name, MappingProfile: profile}, body: string(protoJSON(t, profile)),
			want: invalid("mapping_profile.display_name", "length")},
		{name: "API key name", key: mk, method: ewaybillv1.ApiKeyService_CreateApiKey_FullMethodName, rest: "POST /v1/apiKeys",
			req: &ewaybillv1.CreateApiKeyRequest{ApiKey: apiKey}, body: string(protoJSON(t, apiKey)),
			want: invalid("api_key.display_name", "length")},

		// Page sizes: paging refuses rather than clamps, so a client
		// never takes a short page for the last one.
		{name: "negative page size", key: mk, method: listMethod, rest: listPath + "?pageSize=-1",
			req: list(func(r *ewaybillv1.ListWaybillsRequest) { r.PageSize = -1 }), want: invalid("page_size", "range")},
		{name: "page size over MaxSize", key: mk, method: listMethod, rest: listPath + fmt.Sprintf("?pageSize=%d", paging.MaxSize+1),
			req: list(func(r *ewaybillv1.ListWaybillsRequest) { r.PageSize = paging.MaxSize + 1 }), want: invalid("page_size", "range")},
		{name: "page token not issued", key: mk, method: listMethod, rest: listPath + "?pageToken=bm90LWEtdG9rZW4",
			req: list(func(r *ewaybillv1.ListWaybillsRequest) { r.PageToken = "bm90LWEtdG9rZW4" }), want: invalid("page_token", "format")},
		{name: "page size not a number", key: mk, rest: listPath + "?pageSize=ten", want: invalid("page_size", "format")},

		// Enum values the server does not know: a number over gRPC (and
		// in JSON, which takes numbers for enums), a name over REST.
		{name: "unknown state filter", key: mk, method: listMethod, rest: listPath + "?state=WAYBILL_STATE_LOST",
			req: list(func(r *ewaybillv1.ListWaybillsRequest) { r.State = 99 }), want: invalid("state", "enum")},
		{name: "unknown label format number", key: mk, method: renderMethod, rest: renderPath,
			req: render(func(r *ewaybillv1.RenderLabelsRequest) { r.Format = 99 }), want: invalid("format", "enum")},
		{name: "unknown label purpose number", key: mk, method: renderMethod, rest: renderPath,
			req: render(func(r *ewaybillv1.RenderLabelsRequest) { r.Purpose = 99 }), want: invalid("purpose", "enum")},
		{name: "unknown label format name", key: mk, rest: renderPath,
			body: fmt.Sprintf(`{"numbers":[%q],"format":"LABEL_FORMAT_EPL","purpose":"LABEL_PURPOSE_PRINT"}`, sample.GetNumber()),
			want: asBody},
		{name: "unknown merchant type", method: registerMethod, rest: registerPath,
			req: register(func(q *ewaybillv1.Qualification) { q.Type = 7 }), want: invalid("qualification.type", "enum")},

		// JSON the request message cannot be read from.
		{name: "malformed JSON", key: mk, rest: allocatePath, body: validJSON[:len(validJSON)/2], want: asBody},
		{name: "unknown JSON field", key: mk, rest: allocatePath, body: bodyWith("carrierCode", "SF"), want: asBody},
		{name: "number for a string", key: mk, rest: allocatePath, body: bodyWith("requestId", 5), want: asBody},
		{name: "string for a message", key: mk, rest: allocatePath, body: bodyWith("order", "BAD-1"), want: asBody},
		{name: "second JSON value after the message", key: mk, rest: allocatePath, body: validJSON + ` {"carrier": "carriers/SF"}`, want: asBody},
		{name: "JSON array", key: mk, rest: allocatePath, body: "[" + validJSON + "]", want: asBody},

		// Content types: the body is read as JSON whatever it is labelled
		// (so `curl -d` works); a body that is not JSON is refused.
		{name: "text/plain", key: mk, rest: allocatePath, contentType: "text/plain", body: "carrier: carriers/SF", want: asBody},
		{name: "application/xml", key: mk, rest: allocatePath, contentType: "application/xml",
			body: "<AllocateWaybillRequest><carrier>carriers/SF</carrier></AllocateWaybillRequest>", want: asBody},
		{name: "form-encoded", key: mk, rest: allocatePath, contentType: "application/x-www-form-urlencoded",
			body: url.Values{"carrier": {"carriers/SF"}, "order.orderCode": {"BAD-1"}}.Encode(), want: asBody},

		// Invalid UTF-8: grpc-go cannot decode the message; JSON cannot
		// hold it.
		{name: "invalid UTF-8", key: mk, method: allocateMethod, rest: allocatePath,
			wire: server.InvalidUTF8Wire(t, withBadName, "@BAD@"),
			body: bytes.Replace(protoJSON(t, withBadName), []byte("@BAD@"), []byte("\xff\xfe\xff\xfe\xff"), 1),
			want: invalid("order.receiver.name", "utf8"), restWant: &asBody},
		{name: "invalid UTF-8 in a batch item", key: mk, method: batchMethod,
			wire: server.InvalidUTF8Wire(t, &ewaybillv1.BatchAllocateWaybillsRequest{Parent: m.name, Items: []*ewaybillv1.BatchAllocateWaybillsItem{
				{Carrier: "carriers/SF", Order: allocate(func(*ewaybillv1.Order) {}).GetOrder()},
				{Carrier: "carriers/SF", Order: allocate(func(o *ewaybillv1.Order) { o.Remark = "@BAD@" }).GetOrder()},
			}}, "@BAD@"),
			want: invalid("items[1].order.remark", "utf8")},
		{name: "invalid UTF-8 in a raw order", key: mk, method: allocateMethod,
			wire: server.InvalidUTF8Wire(t, &ewaybillv1.AllocateWaybillRequest{Parent: m.name, Carrier: "carriers/SF",
				RawOrder: rawStruct(t, shopOrder("@BAD@")), MappingProfile: m.name + "/mappingProfiles/x"}, "@BAD@"),
			want: invalid(`raw_order.fields["tid"].string_value`, "utf8")},
		{name: "truncated protobuf", key: mk, method: allocateMethod, wire: truncated, want: asBody},

		// Control characters in text.
		{name: "control character in a name", key: mk, method: allocateMethod, rest: allocatePath,
			req:  allocate(func(o *ewaybillv1.Order) { o.Receiver.Name = "李\a红" }),
			want: invalid("order.receiver.name", "control_character")},
		{name: "newline in a cancel reason", key: mk, method: cancelMethod, rest: cancelPath,
			req:  &ewaybillv1.CancelWaybillRequest{Name: sample.GetName(), Reason: "buyer\ncancelled"},
			want: invalid("reason", "control_character")},
		{name: "NUL in a request id", key: mk, method: allocateMethod, rest: allocatePath,
			req:  &ewaybillv1.AllocateWaybillRequest{Parent: m.name, Carrier: "carriers/SF", Order: order("BAD-NUL"), RequestId: "r\x00"},
			want: invalid("request_id", "control_character")},
	}

	keys := map[string]string{mk: m.key, ak: testAdminKey}
	// unchanged fails a row that changed the holdings, compared with the
	// row before it so that one row's spending is not blamed on the rest;
	// deferred, so it runs for a row that failed otherwise too.
	last := before
	unchanged := func(t *testing.T) {
		if now := e.holdings(m, sample.GetName()); now != last {
			t.Errorf("refused, but something changed:\nbefore %s\nafter  %s", last, now)
			last = now
		}
	}
	for _, row := range rows {
		if row.method != "" {
			t.Run("grpc/"+row.name, func(t *testing.T) {
				defer unchanged(t)
				ctx := context.Background()
				if row.key != "" {
					ctx = as(keys[row.key])
				}
				resp := responseOf(t, row.method)
				var err error
				if row.wire != nil {
					err = e.invokeRaw(ctx, row.method, row.wire, resp)
				} else {
					err = e.conn.Invoke(ctx, row.method, row.req, resp)
				}
				st := wantError(t, err, row.want.code, row.want.reason)
				if got := violations(st)[row.want.field]; got != row.want.rule && row.want.field != "" {
					t.Fatalf("violation on %s is %q, want %q; all: %v (%s)", row.want.field, got, row.want.rule, violations(st), st.Message())
				}
			})
		}
		if row.rest != "" {
			t.Run("rest/"+row.name, func(t *testing.T) {
				defer unchanged(t)
				want := row.want
				if row.restWant != nil {
					want = *row.restWant
				}
				method, path, _ := strings.Cut(row.rest, " ")
				body := restBody(t, method, row.req, row.body)
				contentType := row.contentType
				if contentType == "" && body != nil {
					contentType = "application/json"
				}
				var rd io.Reader
				if body != nil {
					rd = bytes.NewReader(body)
				}
				code, out := e.restAs(method, path, keys[row.key], contentType, rd)
				if wantHTTP := runtime.HTTPStatusFromCode(want.code); code != wantHTTP {
					t.Fatalf("status %d, want %d: %.500v", code, wantHTTP, out)
				}
				if got, _ := out["code"].(float64); codes.Code(got) != want.code || restReason(out) != want.reason {
					t.Fatalf("code %v reason %q, want %s %q: %.500v", out["code"], restReason(out), want.code, want.reason, out)
				}
				if got := restViolations(out)[want.field]; got != want.rule {
					t.Fatalf("violation on %s is %q, want %q: %.500v", want.field, got, want.rule, out)
				}
			})
		}
	}
	if after := e.holdings(m, sample.GetName()); after != before {
		t.Fatalf("the table changed something:\nbefore %s\nafter  %s", before, after)
	}
}

// holdings renders everything a refused request must leave as it was:
// m's SF quota and its ledger, the SF pool, m's waybills (how many, and
// the sample's state and prints), and what the table's rows would create:
// print jobs, merchants, API keys, mapping profiles and routing rules.
func (e *env) holdings(m merchantFixture, sample string) string {
	e.t.Helper()
	all := func(next string, err error) {
		e.t.Helper()
		if err != nil || next != "" {
			e.t.Fatalf("listing for holdings: next page %q, %v", next, err)
		}
	}
	ctx := admin()
	w, err := e.waybills.ListWaybills(ctx, &ewaybillv1.ListWaybillsRequest{Parent: m.name, PageSize: paging.MaxSize})
	all(w.GetNextPageToken(), err)
	jobs, err := e.labels.ListPrintJobs(ctx, &ewaybillv1.ListPrintJobsRequest{Parent: m.name, PageSize: paging.MaxSize})
	all(jobs.GetNextPageToken(), err)
	ms, err := e.merchants.ListMerchants(ctx, &ewaybillv1.ListMerchantsRequest{PageSize: paging.MaxSize})
	all(ms.GetNextPageToken(), err)
	keys, err := e.keys.ListApiKeys(ctx, &ewaybillv1.ListApiKeysRequest{PageSize: paging.MaxSize})
	all(keys.GetNextPageToken(), err)
	profiles, err := e.mappings.ListMappingProfiles(ctx, &ewaybillv1.ListMappingProfilesRequest{Parent: m.name, PageSize: paging.MaxSize})
	all(profiles.GetNextPageToken(), err)
	table, err := e.labels.GetRoutingTable(ctx, &ewaybillv1.GetRoutingTableRequest{Name: "carriers/SF/routingTable"})
	all("", err)
	s := e.getWaybill(ctx, sample)
	q := quotaName(m, "SF")
	return fmt.Sprintf("%s | ledger entries=%d | %s | waybills=%d, sample %s printed %d | print jobs=%d merchants=%d keys=%d profiles=%d routing rules=%d",
		balances(e.quota(q)), len(e.ledger(ctx, q)), poolCounts(e.pool("SF")), len(w.GetWaybills()), s.GetState(), s.GetPrintCount(),
		len(jobs.GetPrintJobs()), len(ms.GetMerchants()), len(keys.GetApiKeys()), len(profiles.GetMappingProfiles()), len(table.GetRoutingTable().GetRules()))
}

// responseOf is a new response message of gRPC method (full name).
func responseOf(t *testing.T, method string) proto.Message {
	t.Helper()
	service, name, _ := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		t.Fatal(err)
	}
	out := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(name)).Output()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(out.FullName())
	if err != nil {
		t.Fatal(err)
	}
	return mt.New().Interface()
}

// restBody is a row's REST body: body as badInput says, else req as JSON;
// nil for a GET.
func restBody(t *testing.T, method string, req proto.Message, body any) []byte {
	t.Helper()
	switch b := body.(type) {
	case nil:
		if method == http.MethodGet {
			return nil
		}
		return protoJSON(t, req)
	case string:
		return []byte(b)
	case []byte:
		return b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
}

// protoJSON is m as the REST API takes it.
func protoJSON(t *testing.T, m proto.Message) []byte {
	t.Helper()
	raw, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
