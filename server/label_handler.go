package server

import (
	"context"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/labels"
)

type labelHandler struct {
	ewaybillv1.UnimplementedLabelServiceServer
	svc *labels.Service
}

func (h *labelHandler) RenderLabels(ctx context.Context, req *ewaybillv1.RenderLabelsRequest) (*ewaybillv1.RenderLabelsResponse, error) {
	return h.svc.RenderLabels(ctx, access.FromContext(ctx), req)
}

func (h *labelHandler) LookupLabels(ctx context.Context, req *ewaybillv1.LookupLabelsRequest) (*ewaybillv1.LookupLabelsResponse, error) {
	list, err := h.svc.LookupLabels(ctx, access.FromContext(ctx), req.GetParent(), req.GetCode())
	return &ewaybillv1.LookupLabelsResponse{Candidates: list}, err
}

func (h *labelHandler) GetPrintJob(ctx context.Context, req *ewaybillv1.GetPrintJobRequest) (*ewaybillv1.GetPrintJobResponse, error) {
	j, err := h.svc.GetPrintJob(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetPrintJobResponse{PrintJob: j}, err
}

func (h *labelHandler) ListPrintJobs(ctx context.Context, req *ewaybillv1.ListPrintJobsRequest) (*ewaybillv1.ListPrintJobsResponse, error) {
	list, next, err := h.svc.ListPrintJobs(ctx, access.FromContext(ctx), req.GetParent(), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListPrintJobsResponse{PrintJobs: list, NextPageToken: next}, err
}

func (h *labelHandler) GetRoutingTable(ctx context.Context, req *ewaybillv1.GetRoutingTableRequest) (*ewaybillv1.GetRoutingTableResponse, error) {
	t, err := h.svc.GetRoutingTable(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetRoutingTableResponse{RoutingTable: t}, err
}

func (h *labelHandler) UpdateRoutingTable(ctx context.Context, req *ewaybillv1.UpdateRoutingTableRequest) (*ewaybillv1.UpdateRoutingTableResponse, error) {
	t, err := h.svc.UpdateRoutingTable(ctx, access.FromContext(ctx), req.GetRoutingTable())
	return &ewaybillv1.UpdateRoutingTableResponse{RoutingTable: t}, err
}

func (h *labelHandler) GetLabelTemplate(ctx context.Context, req *ewaybillv1.GetLabelTemplateRequest) (*ewaybillv1.GetLabelTemplateResponse, error) {
	t, err := h.svc.GetLabelTemplate(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetLabelTemplateResponse{LabelTemplate: t}, err
}

func (h *labelHandler) UpdateLabelTemplate(ctx context.Context, req *ewaybillv1.UpdateLabelTemplateRequest) (*ewaybillv1.UpdateLabelTemplateResponse, error) {
	t, err := h.svc.UpdateLabelTemplate(ctx, access.FromContext(ctx), req.GetLabelTemplate(), req.GetUpdateMask())
	return &ewaybillv1.UpdateLabelTemplateResponse{LabelTemplate: t}, err
}

type auditHandler struct {
	ewaybillv1.UnimplementedAuditServiceServer
	svc *audit.Service
}

func (h *auditHandler) ListAuditEvents(ctx context.Context, req *ewaybillv1.ListAuditEventsRequest) (*ewaybillv1.ListAuditEventsResponse, error) {
	list, next, err := h.svc.List(ctx, access.FromContext(ctx), req.GetMerchant(), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListAuditEventsResponse{AuditEvents: list, NextPageToken: next}, err
}
