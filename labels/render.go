package labels

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/carriers"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/printing"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/routing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
)

// MaxLabels is the most labels one render takes: a print station's batch.
const MaxLabels = 200

// MaxReprintReasonLength and MaxRequestIDLength bound a render's
// reprint_reason and request_id, in characters.
const (
	MaxReprintReasonLength = 200
	MaxRequestIDLength     = 128
)

var (
	purposePrint   = ewaybillv1.LabelPurpose_LABEL_PURPOSE_PRINT
	purposePreview = ewaybillv1.LabelPurpose_LABEL_PURPOSE_PREVIEW
	stateCancelled = ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED
)

// renderRequest is a checked RenderLabels request.
type renderRequest struct {
	merchantID string
	names      []string // waybill names to resolve, in order
	format     ewaybillv1.LabelFormat
	size       ewaybillv1.LabelSize
	stock      printing.Size
	dpi        int32
	color      ewaybillv1.LabelColor
	purpose    ewaybillv1.LabelPurpose
	reason     string
	requestID  string
}

// label is one waybill to render, as read.
type label struct {
	ref     storage.WaybillRef
	w       *ewaybillv1.Waybill
	carrier *ewaybillv1.Carrier
	codes   *ewaybillv1.RoutingCodes // nil: unrouted
	copy    int32                    // which print (0 for a preview)
}

// RenderLabels renders a merchant's waybills (see the proto). A PRINT
// counts the prints and records the job in one transaction before
// anything is drawn, so the copy numbers on the labels are the recorded
// ones; a retry with the job's request id draws the same labels again
// without counting.
func (s *Service) RenderLabels(ctx context.Context, p access.Principal, in *ewaybillv1.RenderLabelsRequest) (*ewaybillv1.RenderLabelsResponse, error) {
	if err := p.Require("render labels", roleAdmin, roleMerchant, rolePrinter); err != nil {
		return nil, err
	}
	req, err := checkRender(p, in)
	if err != nil {
		return nil, err
	}
	var (
		labels   []*label
		template *ewaybillv1.LabelTemplate
		job      *ewaybillv1.PrintJob
	)
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		if req.requestID != "" {
			if job, err = priorJob(tx, req); job != nil || err != nil {
				return err
			}
		}
		labels, template, err = s.readLabels(tx, p, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.Now()
	replayed := job != nil
	switch {
	case replayed:
	case req.purpose == purposePrint:
		if job, replayed, err = s.recordPrint(ctx, p, req, labels, template.GetRevealedFields(), now); err != nil {
			return nil, err
		}
	case len(template.GetRevealedFields()) > 0:
		if err := s.Store.Update(ctx, func(tx storage.Tx) error {
			return auditUnmasked(tx, p, req, labels, template.GetRevealedFields(), "", now)
		}); err != nil {
			return nil, err
		}
	}
	if replayed { // a retry of a recorded print: draw what was printed
		if labels, template, err = s.replay(ctx, p, req, job); err != nil {
			return nil, err
		}
		now = job.GetCreateTime().AsTime()
	}
	return draw(req, labels, template.GetRevealedFields(), job, now)
}

// checkRender validates every field of the request at once.
func checkRender(p access.Principal, in *ewaybillv1.RenderLabelsRequest) (*renderRequest, error) {
	merchantID, err := p.MerchantParent("parent", in.GetParent(), false)
	if err != nil {
		return nil, err
	}
	req := &renderRequest{merchantID: merchantID, format: in.GetFormat(), size: in.GetSize(), dpi: in.GetDpi(),
		color: in.GetColor(), purpose: in.GetPurpose()}
	var v fault.Violations
	switch n := len(in.GetNumbers()); {
	case n == 0:
		v.Add("numbers", "required", "numbers needs at least one waybill number")
	case n > MaxLabels:
		v.Add("numbers", "max_items", "numbers has %d entries; at most %d labels per render (split the batch)", n, MaxLabels)
	}
	seen := map[string]int{}
	for i, n := range in.GetNumbers()[:min(len(in.GetNumbers()), MaxLabels)] { // an oversized batch is one violation, not thousands
		field := fmt.Sprintf("numbers[%d]", i)
		n = textrule.Check(&v, field, n, 1, MaxCodeLength)
		if j, dup := seen[n]; dup {
			v.Add(field, "duplicate", "%s repeats numbers[%d]; a batch prints each label once", field, j)
		}
		seen[n] = i
		if !strings.Contains(n, "/") {
			n = resname.Build("waybills", n)
		}
		req.names = append(req.names, n)
	}
	// A value sent that is no format (a newer client's, or a wrong
	// number) is an enum problem, not a missing field.
	switch _, known := ewaybillv1.LabelFormat_name[int32(req.format)]; {
	case req.format == ewaybillv1.LabelFormat_LABEL_FORMAT_UNSPECIFIED:
		v.Add("format", "required", "format must be LABEL_FORMAT_PDF, LABEL_FORMAT_PNG or LABEL_FORMAT_ZPL")
	case !known:
		v.Add("format", "enum", "format %d is not a LabelFormat; use LABEL_FORMAT_PDF, LABEL_FORMAT_PNG or LABEL_FORMAT_ZPL", req.format)
	}
	switch req.size {
	case ewaybillv1.LabelSize_LABEL_SIZE_UNSPECIFIED, ewaybillv1.LabelSize_LABEL_SIZE_76X130:
		req.size, req.stock = ewaybillv1.LabelSize_LABEL_SIZE_76X130, printing.Size76x130
	case ewaybillv1.LabelSize_LABEL_SIZE_100X180:
		req.stock = printing.Size100x180
	default:
		v.Add("size", "enum", "size must be LABEL_SIZE_76X130 or LABEL_SIZE_100X180")
	}
	switch req.dpi {
	case 0:
		req.dpi = 203
	case 203, 300:
	default:
		v.Add("dpi", "one_of", "dpi must be 203 or 300 (the print heads of label printers); got %d", req.dpi)
	}
	if _, ok := ewaybillv1.LabelColor_name[int32(req.color)]; !ok {
		v.Add("color", "enum", "color must be LABEL_COLOR_MONOCHROME or LABEL_COLOR_GRAYSCALE")
	}
	switch req.purpose {
	case purposePrint, purposePreview:
	case ewaybillv1.LabelPurpose_LABEL_PURPOSE_UNSPECIFIED:
		v.Add("purpose", "required", "purpose must be LABEL_PURPOSE_PREVIEW (records nothing) or LABEL_PURPOSE_PRINT (counts the prints)")
	default:
		v.Add("purpose", "enum", "purpose %d is not a LabelPurpose; use LABEL_PURPOSE_PREVIEW (records nothing) or LABEL_PURPOSE_PRINT (counts the prints)", req.purpose)
	}
	req.reason = textrule.Check(&v, "reprint_reason", in.GetReprintReason(), 0, MaxReprintReasonLength)
	req.requestID = textrule.Check(&v, "request_id", in.GetRequestId(), 0, MaxRequestIDLength)
	if req.requestID != "" && req.purpose == purposePreview {
		v.Add("request_id", "print_only", "request_id makes a PRINT safe to retry; a PREVIEW records nothing and needs none")
	}
	return req, v.Err()
}

// readLabels resolves the waybills (the caller's merchant's only) and
// reads what their labels need: carrier, routing codes, the template.
func (s *Service) readLabels(tx storage.Tx, p access.Principal, req *renderRequest) ([]*label, *ewaybillv1.LabelTemplate, error) {
	template, err := loadTemplate(tx, req.merchantID)
	if err != nil {
		return nil, nil, err
	}
	carrierOf := map[string]*ewaybillv1.Carrier{}
	tables := map[string]*routing.Table{}
	out := make([]*label, len(req.names))
	for i, name := range req.names {
		ref, w, err := quota.Resolve(tx, p, fmt.Sprintf("numbers[%d]", i), name)
		if err != nil {
			return nil, nil, err
		}
		if ref.MerchantID != req.merchantID {
			return nil, nil, fault.NotFound(name) // the number is another merchant's (admins see it)
		}
		if err := printable(w); err != nil {
			return nil, nil, err
		}
		code := strings.TrimPrefix(w.GetCarrier(), "carriers/")
		if carrierOf[code] == nil {
			if carrierOf[code], err = carriers.Load(tx, code); err != nil {
				return nil, nil, err
			}
			if tables[code], err = s.routes.table(tx, code); err != nil {
				return nil, nil, err
			}
		}
		r := w.GetOrder().GetReceiver()
		codes, _ := tables[code].Route(r.GetProvince(), r.GetCity(), r.GetDistrict())
		out[i] = &label{ref: ref, w: w, carrier: carrierOf[code], codes: codes}
	}
	return out, template, nil
}

// printable refuses a cancelled waybill: its number is void or may be
// reissued, so a label for it must not reach a box.
func printable(w *ewaybillv1.Waybill) error {
	if w.GetState() != stateCancelled {
		return nil
	}
	why := "its number is void or may be reissued; allocate a new waybill for the parcel"
	if reason := w.GetCancellation().GetReason(); reason != "" {
		why = "it was cancelled (" + reason + "); " + why
	}
	return fault.InvalidTransition(w.GetName(), "render the label of", "CANCELLED", why).With("number", w.GetNumber())
}

// recordPrint counts a print of every label and stores the job, all in
// one transaction: a waybill cancelled since it was read refuses the
// whole job before anything is written.
func (s *Service) recordPrint(ctx context.Context, p access.Principal, req *renderRequest, labels []*label,
	revealed []ewaybillv1.LabelField, now time.Time) (job *ewaybillv1.PrintJob, replayed bool, err error) {
	var refusal error
	err = s.Store.Batch(ctx, func(tx storage.Tx) error {
		job, replayed, refusal = nil, false, nil
		if req.requestID != "" { // a concurrent retry may have won
			prior, err := priorJob(tx, req)
			if prior != nil || err != nil {
				job, replayed, refusal = prior, prior != nil, err
				return nil
			}
		}
		current := make([]*ewaybillv1.Waybill, len(labels))
		for i, l := range labels {
			w, err := tx.Waybills().Get(l.ref)
			if err != nil {
				return err
			}
			if err := printable(w); err != nil {
				refusal = err
				return nil
			}
			current[i] = w
		}
		ts := timestamppb.New(now)
		id := uuid.Must(uuid.NewV7()).String()
		job = &ewaybillv1.PrintJob{
			Name: resname.Build("merchants", req.merchantID, "printJobs", id), Actor: p.Key, CreateTime: ts,
			Format: req.format, Size: req.size, Dpi: req.dpi, ReprintReason: req.reason, RequestId: req.requestID,
			RevealedFields: revealed,
		}
		for i, w := range current {
			if refused, err := quota.RecordPrint(tx, labels[i].ref, w, now); refused != nil || err != nil {
				return errors.Join(refused, err) // checked above: a refusal here is a bug, roll back
			}
			labels[i].w, labels[i].copy = w, w.GetPrintCount()
			job.Labels = append(job.Labels, &ewaybillv1.PrintedLabel{Waybill: w.GetName(), Number: w.GetNumber(), Copy: w.GetPrintCount()})
		}
		if err := tx.PrintJobs().Put(req.merchantID, id, job); err != nil {
			return err
		}
		if req.requestID != "" {
			if err := tx.PrintJobs().SetRequest(req.merchantID, req.requestID, id); err != nil {
				return err
			}
		}
		if len(revealed) > 0 {
			return auditUnmasked(tx, p, req, labels, revealed, job.GetName(), now)
		}
		return nil
	})
	if err == nil {
		err = refusal
	}
	return job, replayed, err
}

// priorJob returns the job a PRINT's request id already produced, or an
// IDEMPOTENCY_KEY_REUSED refusal when that job printed something else.
func priorJob(tx storage.Tx, req *renderRequest) (*ewaybillv1.PrintJob, error) {
	id, err := tx.PrintJobs().ByRequest(req.merchantID, req.requestID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	job, err := tx.PrintJobs().Get(req.merchantID, id)
	if err != nil {
		return nil, err
	}
	var differ []string
	if job.GetFormat() != req.format || job.GetSize() != req.size || job.GetDpi() != req.dpi {
		differ = append(differ, "format")
	}
	if len(job.GetLabels()) != len(req.names) {
		differ = append(differ, "numbers")
	} else {
		for i, l := range job.GetLabels() {
			if name := req.names[i]; name != l.GetWaybill() && name != "waybills/"+l.GetNumber() && !strings.HasSuffix(name, "/waybills/"+l.GetNumber()) {
				differ = append(differ, "numbers")
				break
			}
		}
	}
	if len(differ) > 0 {
		return nil, fault.KeyReused(differ,
			"request_id %q was already used for print job %s with different %s; use a new request_id for a new print",
			req.requestID, job.GetName(), strings.Join(differ, " and ")).
			With("resource", job.GetName())
	}
	return job, nil
}

// replay reads a recorded job's waybills again, with the copy numbers
// the job recorded, to draw the same labels.
func (s *Service) replay(ctx context.Context, p access.Principal, req *renderRequest, job *ewaybillv1.PrintJob) ([]*label, *ewaybillv1.LabelTemplate, error) {
	names := make([]string, len(job.GetLabels()))
	for i, l := range job.GetLabels() {
		names[i] = l.GetWaybill()
	}
	again := *req
	again.names = names
	var labels []*label
	var template *ewaybillv1.LabelTemplate
	err := s.Store.View(ctx, func(tx storage.Tx) (err error) {
		labels, template, err = s.readLabels(tx, p, &again)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	for i, l := range labels {
		l.copy = job.GetLabels()[i].GetCopy()
	}
	template.RevealedFields = job.GetRevealedFields() // print what was printed
	return labels, template, nil
}

// auditUnmasked records a render that printed personal data in full.
func auditUnmasked(tx storage.Tx, p access.Principal, req *renderRequest, labels []*label,
	revealed []ewaybillv1.LabelField, job string, now time.Time) error {
	e := &ewaybillv1.AuditEvent{
		Action:   "labels.render_unmasked",
		Merchant: resname.Build("merchants", req.merchantID),
		Details: map[string]string{
			"revealed_fields": fieldList(revealed),
			"purpose":         strings.TrimPrefix(req.purpose.String(), "LABEL_PURPOSE_"),
			"format":          strings.TrimPrefix(req.format.String(), "LABEL_FORMAT_"),
		},
	}
	if job != "" {
		e.Details["print_job"] = job
	}
	for _, l := range labels {
		e.Resources = append(e.Resources, l.w.GetName())
	}
	return audit.Record(tx, p, e, timestamppb.New(now))
}

// draw composes and renders the labels.
func draw(req *renderRequest, labels []*label, revealed []ewaybillv1.LabelField, job *ewaybillv1.PrintJob, now time.Time) (*ewaybillv1.RenderLabelsResponse, error) {
	resp := &ewaybillv1.RenderLabelsResponse{PrintJob: job}
	layouts := make([]*printing.Layout, len(labels))
	numbers := make([]string, len(labels))
	for i, l := range labels {
		layout, shortened, err := printing.Compose(content(l.w, l.carrier, l.codes, revealed, l.copy, now), req.stock)
		if err != nil {
			return nil, fmt.Errorf("compose %s: %w", l.w.GetName(), err)
		}
		layouts[i], numbers[i] = layout, l.w.GetNumber()
		resp.Labels = append(resp.Labels, &ewaybillv1.RenderedLabel{
			Waybill: l.w.GetName(), Number: l.w.GetNumber(), Routing: l.codes, Routed: l.codes != nil,
			Copy: l.copy, ShortenedFields: shortened, PrintCount: l.w.GetPrintCount(),
		})
	}
	switch req.format {
	case ewaybillv1.LabelFormat_LABEL_FORMAT_PDF:
		resp.Documents = []*ewaybillv1.LabelDocument{{ContentType: "application/pdf", Content: printing.RenderPDF(layouts), Numbers: numbers}}
	case ewaybillv1.LabelFormat_LABEL_FORMAT_ZPL:
		var b bytes.Buffer
		if err := printing.RenderZPL(&b, layouts, int(req.dpi)); err != nil {
			return nil, err
		}
		resp.Documents = []*ewaybillv1.LabelDocument{{ContentType: "application/zpl", Content: b.Bytes(), Numbers: numbers}}
	case ewaybillv1.LabelFormat_LABEL_FORMAT_PNG:
		colour := printing.Mono
		if req.color == ewaybillv1.LabelColor_LABEL_COLOR_GRAYSCALE {
			colour = printing.Grey
		}
		for i, l := range layouts {
			png, err := printing.RenderPNG(l, int(req.dpi), colour)
			if err != nil {
				return nil, err
			}
			resp.Documents = append(resp.Documents, &ewaybillv1.LabelDocument{ContentType: "image/png", Content: png, Numbers: numbers[i : i+1]})
		}
	}
	return resp, nil
}
