package server

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
)

type waybillHandler struct {
	ewaybillv1.UnimplementedWaybillServiceServer
	svc *quota.Service
}

func (h *waybillHandler) AllocateWaybill(ctx context.Context, req *ewaybillv1.AllocateWaybillRequest) (*ewaybillv1.AllocateWaybillResponse, error) {
	w, replayed, err := h.svc.Allocate(ctx, access.FromContext(ctx), req.GetParent(),
		quota.Request{Carrier: req.GetCarrier(), Order: req.GetOrder(), RawOrder: req.GetRawOrder(), MappingProfile: req.GetMappingProfile(), RequestID: req.GetRequestId()})
	return &ewaybillv1.AllocateWaybillResponse{Waybill: w, Replayed: replayed}, err
}

func (h *waybillHandler) BatchAllocateWaybills(ctx context.Context, req *ewaybillv1.BatchAllocateWaybillsRequest) (*ewaybillv1.BatchAllocateWaybillsResponse, error) {
	requests := make([]quota.Request, len(req.GetItems()))
	for i, it := range req.GetItems() {
		requests[i] = quota.Request{Carrier: it.GetCarrier(), Order: it.GetOrder(), RawOrder: it.GetRawOrder(), MappingProfile: it.GetMappingProfile(), RequestID: it.GetRequestId()}
	}
	results, err := h.svc.BatchAllocate(ctx, access.FromContext(ctx), req.GetParent(), requests)
	if err != nil {
		return nil, err
	}
	resp := &ewaybillv1.BatchAllocateWaybillsResponse{Results: make([]*ewaybillv1.BatchAllocateWaybillsResult, len(results))}
	for i, r := range results {
		resp.Results[i] = &ewaybillv1.BatchAllocateWaybillsResult{Waybill: r.Waybill, Replayed: r.Replayed, Error: itemError(r.Err)}
	}
	return resp, nil
}

// itemError renders one batch item's refusal with the same code, reason,
// metadata and field violations a single call would carry.
func itemError(err error) *ewaybillv1.ItemError {
	if err == nil {
		return nil
	}
	fe, ok := fault.As(err)
	if !ok {
		fe = fault.New(fault.KindInternal, fault.ReasonInternal, "internal error; retry the item")
	}
	out := &ewaybillv1.ItemError{Code: int32(kindCodes[fe.Kind]), Reason: fe.Reason, Message: fe.Message, Metadata: fe.Metadata}
	for _, v := range fe.Violations {
		out.FieldViolations = append(out.FieldViolations, &ewaybillv1.ItemFieldViolation{Field: v.Field, Rule: v.Rule, Description: v.Message})
	}
	return out
}

func (h *waybillHandler) GetWaybill(ctx context.Context, req *ewaybillv1.GetWaybillRequest) (*ewaybillv1.GetWaybillResponse, error) {
	w, err := h.svc.GetWaybill(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetWaybillResponse{Waybill: w}, err
}

func (h *waybillHandler) ListWaybills(ctx context.Context, req *ewaybillv1.ListWaybillsRequest) (*ewaybillv1.ListWaybillsResponse, error) {
	f := quota.WaybillFilter{OrderCode: req.GetOrderCode(), Carrier: req.GetCarrier(), State: req.GetState(),
		Start: timeOrZero(req.GetCreateTimeStart()), End: timeOrZero(req.GetCreateTimeEnd())}
	list, next, err := h.svc.ListWaybills(ctx, access.FromContext(ctx), req.GetParent(), f, req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListWaybillsResponse{Waybills: list, NextPageToken: next}, err
}

// timeOrZero reads an optional timestamp filter; unset is the zero time.
func timeOrZero(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func (h *waybillHandler) CancelWaybill(ctx context.Context, req *ewaybillv1.CancelWaybillRequest) (*ewaybillv1.CancelWaybillResponse, error) {
	w, replayed, err := h.svc.Cancel(ctx, access.FromContext(ctx), req.GetName(), req.GetReason())
	return &ewaybillv1.CancelWaybillResponse{Waybill: w, Replayed: replayed}, err
}

func (h *waybillHandler) MarkWaybillPrinted(ctx context.Context, req *ewaybillv1.MarkWaybillPrintedRequest) (*ewaybillv1.MarkWaybillPrintedResponse, error) {
	w, err := h.svc.MarkPrinted(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.MarkWaybillPrintedResponse{Waybill: w}, err
}

func (h *waybillHandler) ReportWaybillPickup(ctx context.Context, req *ewaybillv1.ReportWaybillPickupRequest) (*ewaybillv1.ReportWaybillPickupResponse, error) {
	w, replayed, err := h.svc.ReportPickup(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.ReportWaybillPickupResponse{Waybill: w, Replayed: replayed}, err
}
