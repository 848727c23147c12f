package server

import (
	"context"

	"github.com/ewaybill/ewaybill/access"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/quota"
)

type quotaHandler struct {
	ewaybillv1.UnimplementedQuotaServiceServer
	svc *quota.Service
}

func (h *quotaHandler) GetQuota(ctx context.Context, req *ewaybillv1.GetQuotaRequest) (*ewaybillv1.GetQuotaResponse, error) {
	q, err := h.svc.GetQuota(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetQuotaResponse{Quota: q}, err
}

func (h *quotaHandler) ListQuotas(ctx context.Context, req *ewaybillv1.ListQuotasRequest) (*ewaybillv1.ListQuotasResponse, error) {
	list, next, err := h.svc.ListQuotas(ctx, access.FromContext(ctx), req.GetParent(), req.GetLowBalanceOnly(), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListQuotasResponse{Quotas: list, NextPageToken: next}, err
}

func (h *quotaHandler) UpdateQuota(ctx context.Context, req *ewaybillv1.UpdateQuotaRequest) (*ewaybillv1.UpdateQuotaResponse, error) {
	q, err := h.svc.UpdateQuota(ctx, access.FromContext(ctx), req.GetQuota(), req.GetUpdateMask())
	return &ewaybillv1.UpdateQuotaResponse{Quota: q}, err
}

func (h *quotaHandler) TopUpQuota(ctx context.Context, req *ewaybillv1.TopUpQuotaRequest) (*ewaybillv1.TopUpQuotaResponse, error) {
	res, err := h.svc.TopUp(ctx, access.FromContext(ctx), quota.Adjustment{Name: req.GetName(), Amount: req.GetAmount(), Reason: req.GetReason(), RequestID: req.GetRequestId()})
	if err != nil {
		return nil, err
	}
	return &ewaybillv1.TopUpQuotaResponse{Quota: res.Quota, Entry: res.Entry, Replayed: res.Replayed}, nil
}

func (h *quotaHandler) DeductQuota(ctx context.Context, req *ewaybillv1.DeductQuotaRequest) (*ewaybillv1.DeductQuotaResponse, error) {
	res, err := h.svc.Deduct(ctx, access.FromContext(ctx), quota.Adjustment{Name: req.GetName(), Amount: req.GetAmount(), Reason: req.GetReason(), RequestID: req.GetRequestId()})
	if err != nil {
		return nil, err
	}
	return &ewaybillv1.DeductQuotaResponse{Quota: res.Quota, Entry: res.Entry, Replayed: res.Replayed}, nil
}

func (h *quotaHandler) ListLedgerEntries(ctx context.Context, req *ewaybillv1.ListLedgerEntriesRequest) (*ewaybillv1.ListLedgerEntriesResponse, error) {
	f := quota.LedgerFilter{Type: req.GetType(), Start: timeOrZero(req.GetCreateTimeStart()), End: timeOrZero(req.GetCreateTimeEnd())}
	list, next, err := h.svc.ListLedger(ctx, access.FromContext(ctx), req.GetParent(), f, req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListLedgerEntriesResponse{Entries: list, NextPageToken: next}, err
}

func (h *quotaHandler) GetCancelGuard(ctx context.Context, req *ewaybillv1.GetCancelGuardRequest) (*ewaybillv1.GetCancelGuardResponse, error) {
	g, err := h.svc.GetCancelGuard(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetCancelGuardResponse{CancelGuard: g}, err
}

func (h *quotaHandler) UpdateCancelGuard(ctx context.Context, req *ewaybillv1.UpdateCancelGuardRequest) (*ewaybillv1.UpdateCancelGuardResponse, error) {
	g, err := h.svc.UpdateCancelGuard(ctx, access.FromContext(ctx), req.GetCancelGuard())
	return &ewaybillv1.UpdateCancelGuardResponse{CancelGuard: g}, err
}

type poolHandler struct {
	ewaybillv1.UnimplementedPoolServiceServer
	svc *quota.Service
}

func (h *poolHandler) GetPool(ctx context.Context, req *ewaybillv1.GetPoolRequest) (*ewaybillv1.GetPoolResponse, error) {
	p, err := h.svc.GetPool(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetPoolResponse{Pool: p}, err
}

func (h *poolHandler) ListPools(ctx context.Context, req *ewaybillv1.ListPoolsRequest) (*ewaybillv1.ListPoolsResponse, error) {
	list, next, err := h.svc.ListPools(ctx, access.FromContext(ctx), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListPoolsResponse{Pools: list, NextPageToken: next}, err
}

func (h *poolHandler) UpdatePool(ctx context.Context, req *ewaybillv1.UpdatePoolRequest) (*ewaybillv1.UpdatePoolResponse, error) {
	p, err := h.svc.UpdatePool(ctx, access.FromContext(ctx), req.GetPool(), req.GetUpdateMask())
	return &ewaybillv1.UpdatePoolResponse{Pool: p}, err
}

func (h *poolHandler) ImportNumberRange(ctx context.Context, req *ewaybillv1.ImportNumberRangeRequest) (*ewaybillv1.ImportNumberRangeResponse, error) {
	r, p, err := h.svc.ImportRange(ctx, access.FromContext(ctx), req.GetParent(), req.GetFirstSerial(), req.GetLastSerial())
	return &ewaybillv1.ImportNumberRangeResponse{NumberRange: r, Pool: p}, err
}

func (h *poolHandler) ListNumberRanges(ctx context.Context, req *ewaybillv1.ListNumberRangesRequest) (*ewaybillv1.ListNumberRangesResponse, error) {
	list, next, err := h.svc.ListRanges(ctx, access.FromContext(ctx), req.GetParent(), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListNumberRangesResponse{NumberRanges: list, NextPageToken: next}, err
}

func (h *poolHandler) RetireNumberRange(ctx context.Context, req *ewaybillv1.RetireNumberRangeRequest) (*ewaybillv1.RetireNumberRangeResponse, error) {
	r, p, err := h.svc.RetireRange(ctx, access.FromContext(ctx), req.GetName(), req.GetReason())
	return &ewaybillv1.RetireNumberRangeResponse{NumberRange: r, Pool: p}, err
}
