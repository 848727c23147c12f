package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/internal/labeltest"
)

var (
	formatPDF    = ewaybillv1.LabelFormat_LABEL_FORMAT_PDF
	formatPNG    = ewaybillv1.LabelFormat_LABEL_FORMAT_PNG
	formatZPL    = ewaybillv1.LabelFormat_LABEL_FORMAT_ZPL
	purposePrint = ewaybillv1.LabelPurpose_LABEL_PURPOSE_PRINT
	purposeLook  = ewaybillv1.LabelPurpose_LABEL_PURPOSE_PREVIEW
)

// labelWorld is a merchant with three SF waybills, a print station key
// and an SF routing table that covers the receivers' city (杭州市).
type labelWorld struct {
	e        *env
	m        merchantFixture
	printer  context.Context
	waybills []*ewaybillv1.Waybill
}

func newLabelWorld(t *testing.T) *labelWorld {
	t.Helper()
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	e.importRange("SF", 1, 100)
	w := &labelWorld{e: e, m: e.shop(creditCodes[0], "SF")}
	w.printer = as(e.createKey(as(w.m.key), ewaybillv1.Role_ROLE_PRINTER, w.m.name))
	for _, code := range []string{"L-1", "L-2", "L-3"} {
		w.waybills = append(w.waybills, e.allocate(as(w.m.key), "carriers/SF", order(code), "").GetWaybill())
	}
	_, err := e.labels.UpdateRoutingTable(admin(), &ewaybillv1.UpdateRoutingTableRequest{RoutingTable: &ewaybillv1.RoutingTable{
		Name: "carriers/SF/routingTable",
		Rules: []*ewaybillv1.RoutingRule{
			{Province: "浙江", City: "杭州", Codes: &ewaybillv1.RoutingCodes{SortCode: "571-HZ-01", ShortDestination: "杭州", Hub: "杭州转运中心"}},
			{Province: "浙江省", City: "杭州市", District: "西湖区", Codes: &ewaybillv1.RoutingCodes{SortCode: "571-XH-07", ShortDestination: "杭州西湖", Hub: "杭州转运中心"}},
		}}})
	if err != nil {
		t.Fatalf("routing table: %v", err)
	}
	return w
}

func (w *labelWorld) numbers(i ...int) []string {
	var out []string
	for _, n := range i {
		out = append(out, w.waybills[n].GetNumber())
	}
	return out
}

func (w *labelWorld) render(ctx context.Context, req *ewaybillv1.RenderLabelsRequest) *ewaybillv1.RenderLabelsResponse {
	w.e.t.Helper()
	if req.Parent == "" {
		req.Parent = w.m.name
	}
	resp, err := w.e.labels.RenderLabels(ctx, req)
	if err != nil {
		w.e.t.Fatalf("render: %v", err)
	}
	return resp
}

// TestRenderPreviewThenPrintThenReprint: a preview changes nothing; a
// print counts once per waybill (state, quota) and records the job; a
// reprint is copy 2 with its reason kept.
func TestRenderPreviewThenPrintThenReprint(t *testing.T) {
	labeltest.Require(t, "pdf")
	w := newLabelWorld(t)
	e := w.e

	preview := w.render(w.printer, &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0, 1, 2), Format: formatPDF, Purpose: purposeLook})
	if len(preview.GetDocuments()) != 1 || preview.GetPrintJob() != nil {
		t.Fatalf("preview: %d documents, job %v", len(preview.GetDocuments()), preview.GetPrintJob())
	}
	if pages, err := labeltest.PDFPages(preview.GetDocuments()[0].GetContent()); err != nil || pages != 3 {
		t.Fatalf("preview pages = %d, %v", pages, err)
	}
	for i, l := range preview.GetLabels() {
		if l.GetCopy() != 0 || l.GetPrintCount() != 0 || l.GetNumber() != w.waybills[i].GetNumber() ||
			l.GetRouting().GetSortCode() != "571-XH-07" || !l.GetRouted() {
			t.Fatalf("preview label %d: %v", i, l)
		}
	}
	if got := e.getWaybill(as(w.m.key), w.waybills[0].GetName()); got.GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED {
		t.Fatalf("a preview changed the waybill: %v", got.GetState())
	}

	printed := w.render(w.printer, &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0, 1, 2), Format: formatZPL, Purpose: purposePrint})
	job := printed.GetPrintJob()
	if job.GetActor() == "" || len(job.GetLabels()) != 3 || job.GetFormat() != formatZPL || job.GetDpi() != 203 {
		t.Fatalf("print job: %v", job)
	}
	for i, l := range printed.GetLabels() {
		if l.GetCopy() != 1 || l.GetPrintCount() != 1 || job.GetLabels()[i].GetCopy() != 1 {
			t.Fatalf("first print, label %d: %v", i, l)
		}
	}
	if zpl := string(printed.GetDocuments()[0].GetContent()); strings.Count(zpl, "^XA") != 3 || printed.GetDocuments()[0].GetContentType() != "application/zpl" {
		t.Fatalf("ZPL stream: %d formats", strings.Count(zpl, "^XA"))
	}
	got := e.getWaybill(as(w.m.key), w.waybills[1].GetName())
	if got.GetState() != ewaybillv1.WaybillState_WAYBILL_STATE_PRINTED || got.GetPrintCount() != 1 {
		t.Fatalf("after print: %v %d", got.GetState(), got.GetPrintCount())
	}
	if q := e.quota(quotaName(w.m, "SF")); q.GetPrinted() != 3 {
		t.Fatalf("quota printed = %d, want 3", q.GetPrinted())
	}

	again := w.render(w.printer, &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(1), Format: formatPDF, Purpose: purposePrint, ReprintReason: "paper jam"})
	if l := again.GetLabels()[0]; l.GetCopy() != 2 || l.GetPrintCount() != 2 {
		t.Fatalf("reprint: %v", l)
	}
	if again.GetPrintJob().GetReprintReason() != "paper jam" {
		t.Fatalf("reprint job: %v", again.GetPrintJob())
	}
	if q := e.quota(quotaName(w.m, "SF")); q.GetPrinted() != 3 {
		t.Fatalf("a reprint counted again on the quota: printed = %d", q.GetPrinted())
	}
	jobs, err := e.labels.ListPrintJobs(as(w.m.key), &ewaybillv1.ListPrintJobsRequest{Parent: w.m.name})
	if err != nil || len(jobs.GetPrintJobs()) != 2 || jobs.GetPrintJobs()[0].GetName() != again.GetPrintJob().GetName() {
		t.Fatalf("print jobs (newest first): %v %v", jobs, err)
	}
	one, err := e.labels.GetPrintJob(w.printer, &ewaybillv1.GetPrintJobRequest{Name: job.GetName()})
	if err != nil || len(one.GetPrintJob().GetLabels()) != 3 {
		t.Fatalf("get print job: %v %v", one, err)
	}
}

// TestRenderPrintRetryWithRequestID: a retried PRINT returns the same job
// and labels and counts nothing again; the id with other numbers is
// refused.
func TestRenderPrintRetryWithRequestID(t *testing.T) {
	w := newLabelWorld(t)
	req := func(numbers []string) *ewaybillv1.RenderLabelsRequest {
		return &ewaybillv1.RenderLabelsRequest{Numbers: numbers, Format: formatZPL, Purpose: purposePrint, RequestId: "station-3/job-77"}
	}
	first := w.render(w.printer, req(w.numbers(0, 1)))
	retry := w.render(w.printer, req(w.numbers(0, 1)))
	if retry.GetPrintJob().GetName() != first.GetPrintJob().GetName() {
		t.Fatalf("retry made a new job: %s vs %s", retry.GetPrintJob().GetName(), first.GetPrintJob().GetName())
	}
	if !bytes.Equal(retry.GetDocuments()[0].GetContent(), first.GetDocuments()[0].GetContent()) {
		t.Fatal("a retry drew different labels")
	}
	if got := w.e.getWaybill(as(w.m.key), w.waybills[0].GetName()); got.GetPrintCount() != 1 {
		t.Fatalf("a retry counted a print: %d", got.GetPrintCount())
	}
	_, err := w.e.labels.RenderLabels(w.printer, &ewaybillv1.RenderLabelsRequest{Parent: w.m.name, Numbers: w.numbers(2), Format: formatZPL,
		Purpose: purposePrint, RequestId: "station-3/job-77"})
	st := wantError(t, err, codes.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED")
	if got := rolesErrorInfo(st).GetMetadata()["fields"]; got != "numbers" {
		t.Fatalf("differing fields = %q", got)
	}
}

// TestRenderRefusals: cancelled waybills, other merchants' numbers and
// bad requests are refused, and none of them records a print.
func TestRenderRefusals(t *testing.T) {
	w := newLabelWorld(t)
	e := w.e
	e.cancel(as(w.m.key), w.waybills[2].GetName(), "customer refund")
	_, err := e.labels.RenderLabels(w.printer, &ewaybillv1.RenderLabelsRequest{Parent: w.m.name, Numbers: w.numbers(0, 2), Format: formatPDF, Purpose: purposePrint})
	st := wantError(t, err, codes.FailedPrecondition, "INVALID_STATE_TRANSITION")
	if !strings.Contains(st.Message(), "customer refund") || rolesErrorInfo(st).GetMetadata()["number"] != w.waybills[2].GetNumber() {
		t.Fatalf("cancelled refusal: %v %v", st.Message(), rolesErrorInfo(st).GetMetadata())
	}
	if got := e.getWaybill(as(w.m.key), w.waybills[0].GetName()); got.GetPrintCount() != 0 {
		t.Fatalf("a refused batch printed its other label: %d", got.GetPrintCount())
	}

	other := e.shop(creditCodes[1], "SF")
	theirs := e.allocate(as(other.key), "carriers/SF", order("O-1"), "").GetWaybill()
	_, err = e.labels.RenderLabels(w.printer, &ewaybillv1.RenderLabelsRequest{Parent: w.m.name, Numbers: []string{theirs.GetNumber()}, Format: formatPDF, Purpose: purposePrint})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	_, err = e.labels.RenderLabels(admin(), &ewaybillv1.RenderLabelsRequest{Parent: w.m.name, Numbers: []string{theirs.GetNumber()}, Format: formatPDF, Purpose: purposeLook})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")

	many := make([]string, 201)
	for i := range many {
		many[i] = fmt.Sprintf("SF%013d", i)
	}
	for _, c := range []struct {
		name   string
		req    *ewaybillv1.RenderLabelsRequest
		fields map[string]string
	}{
		{"nothing", &ewaybillv1.RenderLabelsRequest{}, map[string]string{"numbers": "required", "format": "required", "purpose": "required"}},
		{"too many", &ewaybillv1.RenderLabelsRequest{Numbers: many[:201], Format: formatPDF, Purpose: purposeLook}, map[string]string{"numbers": "max_items"}},
		{"repeated number", &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0, 0), Format: formatPDF, Purpose: purposeLook}, map[string]string{"numbers[1]": "duplicate"}},
		{"odd dpi", &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0), Format: formatPNG, Dpi: 250, Purpose: purposeLook}, map[string]string{"dpi": "one_of"}},
		{"unknown format", &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0), Format: 9, Size: 7, Purpose: purposeLook}, map[string]string{"format": "enum", "size": "enum"}},
		{"request id on a preview", &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0), Format: formatPDF, Purpose: purposeLook, RequestId: "x"}, map[string]string{"request_id": "print_only"}},
		{"control character", &ewaybillv1.RenderLabelsRequest{Numbers: []string{"SF1\n2"}, Format: formatPDF, Purpose: purposeLook, ReprintReason: strings.Repeat("长", 201)},
			map[string]string{"numbers[0]": "control_character", "reprint_reason": "length"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.req.Parent = w.m.name
			_, err := e.labels.RenderLabels(w.printer, c.req)
			carrierWantViolations(t, violations(wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")), c.fields)
		})
	}
	if q := e.quota(quotaName(w.m, "SF")); q.GetPrinted() != 0 {
		t.Fatalf("refusals printed: %d", q.GetPrinted())
	}
	if jobs, _ := e.labels.ListPrintJobs(as(w.m.key), &ewaybillv1.ListPrintJobsRequest{}); len(jobs.GetPrintJobs()) != 0 {
		t.Fatalf("refusals recorded jobs: %v", jobs)
	}
}

// TestPrintStationKeys: a printer key renders and prints its merchant's
// labels and reads its print jobs, and does nothing else.
func TestPrintStationKeys(t *testing.T) {
	w := newLabelWorld(t)
	e := w.e
	w.render(w.printer, &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0), Format: formatZPL, Purpose: purposePrint})
	name := w.waybills[0].GetName()
	denied := map[string]error{}
	_, denied["allocate"] = e.waybills.AllocateWaybill(w.printer, &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: order("P-3")})
	_, denied["cancel"] = e.waybills.CancelWaybill(w.printer, &ewaybillv1.CancelWaybillRequest{Name: name, Reason: "printer"})
	_, denied["get waybill"] = e.waybills.GetWaybill(w.printer, &ewaybillv1.GetWaybillRequest{Name: name})
	_, denied["list waybills"] = e.waybills.ListWaybills(w.printer, &ewaybillv1.ListWaybillsRequest{Parent: w.m.name})
	_, denied["mark printed"] = e.waybills.MarkWaybillPrinted(w.printer, &ewaybillv1.MarkWaybillPrintedRequest{Name: name})
	_, denied["quota"] = e.quotas.GetQuota(w.printer, &ewaybillv1.GetQuotaRequest{Name: quotaName(w.m, "SF")})
	_, denied["template"] = e.labels.GetLabelTemplate(w.printer, &ewaybillv1.GetLabelTemplateRequest{Name: w.m.name + "/labelTemplate"})
	_, denied["routing"] = e.labels.GetRoutingTable(w.printer, &ewaybillv1.GetRoutingTableRequest{Name: "carriers/SF/routingTable"})
	_, denied["audit"] = e.audit.ListAuditEvents(w.printer, &ewaybillv1.ListAuditEventsRequest{})
	for what, err := range denied {
		t.Run(what, func(t *testing.T) { wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED") })
	}
	if _, err := e.labels.ListPrintJobs(w.printer, &ewaybillv1.ListPrintJobsRequest{}); err != nil {
		t.Fatalf("a station lists its print jobs: %v", err)
	}
	code, out := e.rest("POST", "/v1/waybills/"+w.waybills[1].GetNumber()+":cancel", printerSecret(t, w), map[string]any{"reason": "printer"})
	if code != 403 || restReason(out) != "ROLE_NOT_PERMITTED" {
		t.Fatalf("REST cancel by a printer: %d %v", code, out)
	}
}

// printerSecret makes another printer key for REST calls.
func printerSecret(t *testing.T, w *labelWorld) string {
	t.Helper()
	return w.e.createKey(as(w.m.key), ewaybillv1.Role_ROLE_PRINTER, w.m.name)
}

// TestUnroutedDestination: a destination the table does not cover renders
// with empty codes and says so.
func TestUnroutedDestination(t *testing.T) {
	w := newLabelWorld(t)
	o := order("L-SH")
	o.Receiver.Province, o.Receiver.City, o.Receiver.District, o.Receiver.Address = "上海市", "上海市", "浦东新区", "世纪大道 100 号"
	wb := w.e.allocate(as(w.m.key), "carriers/SF", o, "").GetWaybill()
	resp := w.render(w.printer, &ewaybillv1.RenderLabelsRequest{Numbers: []string{wb.GetNumber()}, Format: formatPNG, Purpose: purposeLook})
	if l := resp.GetLabels()[0]; l.GetRouted() || l.GetRouting().GetSortCode() != "" {
		t.Fatalf("unrouted label: %v", l)
	}
}

// TestReplacedRoutingTableAppliesToTheNextRender: compiled tables are
// cached between renders, and a replaced table is used at once.
func TestReplacedRoutingTableAppliesToTheNextRender(t *testing.T) {
	w := newLabelWorld(t)
	preview := &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0), Format: formatZPL, Purpose: purposeLook}
	if got := w.render(w.printer, preview).GetLabels()[0].GetRouting().GetSortCode(); got != "571-XH-07" {
		t.Fatalf("first render: sort code %q, want 571-XH-07", got)
	}
	for _, sort := range []string{"571-XH-08", "571-XH-09"} {
		if _, err := w.e.labels.UpdateRoutingTable(admin(), &ewaybillv1.UpdateRoutingTableRequest{RoutingTable: &ewaybillv1.RoutingTable{
			Name: "carriers/SF/routingTable", Rules: []*ewaybillv1.RoutingRule{{Province: "浙江省", City: "杭州市", District: "西湖区",
				Codes: &ewaybillv1.RoutingCodes{SortCode: sort, ShortDestination: "杭州西湖", Hub: "杭州转运中心"}}}}}); err != nil {
			t.Fatal(err)
		}
		if got := w.render(w.printer, preview).GetLabels()[0].GetRouting().GetSortCode(); got != sort {
			t.Errorf("render after the table was replaced: sort code %q, want %q", got, sort)
		}
	}
}

// TestLabelPrivacyAndUnmaskedAudit: labels mask personal data by default;
// only an admin can reveal more, and every such render is audited.
func TestLabelPrivacyAndUnmaskedAudit(t *testing.T) {
	labeltest.Require(t, "pdf")
	w := newLabelWorld(t)
	e := w.e
	text := func() string {
		t.Helper()
		resp := w.render(w.printer, &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0), Format: formatPDF, Purpose: purposeLook})
		s, err := labeltest.PDFText(resp.GetDocuments()[0].GetContent())
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(s), "")
	}
	masked := text()
	for _, secret := range []string{"13900139000", "13800138000", "李小红", "王小明", "501"} {
		if strings.Contains(masked, secret) {
			t.Fatalf("masked label shows %q:\n%s", secret, masked)
		}
	}
	if !strings.Contains(masked, "139******00") || !strings.Contains(masked, "李*红") {
		t.Fatalf("masked label lacks the masked receiver:\n%s", masked)
	}

	tmpl := &ewaybillv1.LabelTemplate{Name: w.m.name + "/labelTemplate", RevealedFields: []ewaybillv1.LabelField{ewaybillv1.LabelField_LABEL_FIELD_RECEIVER_PHONE}}
	_, err := e.labels.UpdateLabelTemplate(as(w.m.key), &ewaybillv1.UpdateLabelTemplateRequest{LabelTemplate: tmpl})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	_, err = e.labels.UpdateLabelTemplate(admin(), &ewaybillv1.UpdateLabelTemplateRequest{LabelTemplate: &ewaybillv1.LabelTemplate{Name: tmpl.Name, RevealedFields: []ewaybillv1.LabelField{0, 42}}})
	carrierWantViolations(t, violations(wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")),
		map[string]string{"label_template.revealed_fields[0]": "enum", "label_template.revealed_fields[1]": "enum"})
	updated, err := e.labels.UpdateLabelTemplate(admin(), &ewaybillv1.UpdateLabelTemplateRequest{LabelTemplate: tmpl, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"revealed_fields"}}})
	if err != nil || updated.GetLabelTemplate().GetUpdateActor() == "" {
		t.Fatalf("admin reveals the receiver phone: %v %v", updated, err)
	}
	shown := text()
	if !strings.Contains(shown, "13900139000") || strings.Contains(shown, "13800138000") || strings.Contains(shown, "李小红") {
		t.Fatalf("revealing the receiver phone shows:\n%s", shown)
	}
	events, err := e.audit.ListAuditEvents(admin(), &ewaybillv1.ListAuditEventsRequest{Merchant: w.m.name})
	if err != nil {
		t.Fatal(err)
	}
	// The merchant's setup (approval, authorization, keys) is audited too;
	// this test is about the label events, the two newest.
	var labelEvents []*ewaybillv1.AuditEvent
	for _, ev := range events.GetAuditEvents() {
		if strings.HasPrefix(ev.GetAction(), "label") {
			labelEvents = append(labelEvents, ev)
		}
	}
	if len(labelEvents) != 2 {
		t.Fatalf("label audit events: %v", labelEvents)
	}
	render, change := labelEvents[0], labelEvents[1]
	if render.GetAction() != "labels.render_unmasked" || render.GetDetails()["revealed_fields"] != "RECEIVER_PHONE" ||
		render.GetResources()[0] != w.waybills[0].GetName() || render.GetActor() == "" {
		t.Fatalf("render audit: %v", render)
	}
	if change.GetAction() != "label_template.update" || !strings.HasPrefix(change.GetActor(), "apiKeys/") || change.GetActor() != updated.GetLabelTemplate().GetUpdateActor() {
		t.Fatalf("template audit: %v", change)
	}
}

// TestRenderBarcodesScanThroughTheAPI decodes the PNG labels the service
// returns, at both resolutions, over gRPC and REST.
func TestRenderBarcodesScanThroughTheAPI(t *testing.T) {
	w := newLabelWorld(t)
	for _, dpi := range []int32{203, 300} {
		resp := w.render(w.printer, &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(0, 1), Format: formatPNG, Dpi: dpi, Purpose: purposeLook,
			Size: ewaybillv1.LabelSize_LABEL_SIZE_100X180})
		if len(resp.GetDocuments()) != 2 {
			t.Fatalf("%d dpi: %d documents", dpi, len(resp.GetDocuments()))
		}
		for i, doc := range resp.GetDocuments() {
			img, err := png.Decode(bytes.NewReader(doc.GetContent()))
			if err != nil {
				t.Fatal(err)
			}
			dpmm := map[int32]int{203: 8, 300: 12}[dpi]
			if b := img.Bounds(); b.Dx() != 100*dpmm || b.Dy() != 180*dpmm {
				t.Fatalf("%d dpi: %v", dpi, b)
			}
			want := w.waybills[i].GetNumber()
			if got, err := labeltest.DecodeCode128(img); got != want {
				t.Fatalf("%d dpi Code 128 = %q, %v; want %s", dpi, got, err, want)
			}
			if got, err := labeltest.DecodeQR(img); got != want {
				t.Fatalf("%d dpi QR = %q, %v; want %s", dpi, got, err, want)
			}
		}
	}
	code, out := w.e.rest("POST", "/v1/"+w.m.name+"/labels:render", printerSecret(t, w),
		map[string]any{"numbers": w.numbers(2), "format": "LABEL_FORMAT_PDF", "purpose": "LABEL_PURPOSE_PRINT"})
	if code != 200 {
		t.Fatalf("REST render: %d %v", code, out)
	}
	doc := out["documents"].([]any)[0].(map[string]any)
	pdf, err := base64.StdEncoding.DecodeString(doc["content"].(string))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) || doc["contentType"] != "application/pdf" {
		t.Fatalf("REST document: %v %q", err, pdf[:min(len(pdf), 8)])
	}
	if job := out["printJob"].(map[string]any); len(job["labels"].([]any)) != 1 {
		t.Fatalf("REST print job: %v", job)
	}
}
