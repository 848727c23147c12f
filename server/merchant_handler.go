package server

import (
	"context"

	"github.com/ewaybill/ewaybill/access"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/merchants"
)

type merchantHandler struct {
	ewaybillv1.UnimplementedMerchantServiceServer
	svc *merchants.Service
}

func (h *merchantHandler) RegisterMerchant(ctx context.Context, req *ewaybillv1.RegisterMerchantRequest) (*ewaybillv1.RegisterMerchantResponse, error) {
	reg, err := h.svc.Register(ctx, req.GetQualification(), req.GetKeyDisplayName())
	if err != nil {
		return nil, err
	}
	return &ewaybillv1.RegisterMerchantResponse{Merchant: reg.Merchant, ApiKey: reg.Key, ApiKeySecret: reg.KeySecret}, nil
}

func (h *merchantHandler) CreateMerchant(ctx context.Context, req *ewaybillv1.CreateMerchantRequest) (*ewaybillv1.CreateMerchantResponse, error) {
	m, err := h.svc.Create(ctx, access.FromContext(ctx), req.GetQualification())
	return &ewaybillv1.CreateMerchantResponse{Merchant: m}, err
}

func (h *merchantHandler) GetMerchant(ctx context.Context, req *ewaybillv1.GetMerchantRequest) (*ewaybillv1.GetMerchantResponse, error) {
	m, err := h.svc.Get(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetMerchantResponse{Merchant: m}, err
}

func (h *merchantHandler) ListMerchants(ctx context.Context, req *ewaybillv1.ListMerchantsRequest) (*ewaybillv1.ListMerchantsResponse, error) {
	list, next, err := h.svc.List(ctx, access.FromContext(ctx), req.GetState(), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListMerchantsResponse{Merchants: list, NextPageToken: next}, err
}

func (h *merchantHandler) ApproveMerchant(ctx context.Context, req *ewaybillv1.ApproveMerchantRequest) (*ewaybillv1.ApproveMerchantResponse, error) {
	m, err := h.svc.Approve(ctx, access.FromContext(ctx), req.GetName(), req.GetComment())
	return &ewaybillv1.ApproveMerchantResponse{Merchant: m}, err
}

func (h *merchantHandler) RejectMerchant(ctx context.Context, req *ewaybillv1.RejectMerchantRequest) (*ewaybillv1.RejectMerchantResponse, error) {
	m, err := h.svc.Reject(ctx, access.FromContext(ctx), req.GetName(), req.GetReason(), req.GetFieldsToSupplement())
	return &ewaybillv1.RejectMerchantResponse{Merchant: m}, err
}

func (h *merchantHandler) ResubmitMerchant(ctx context.Context, req *ewaybillv1.ResubmitMerchantRequest) (*ewaybillv1.ResubmitMerchantResponse, error) {
	m, err := h.svc.Resubmit(ctx, access.FromContext(ctx), req.GetName(), req.GetQualification())
	return &ewaybillv1.ResubmitMerchantResponse{Merchant: m}, err
}

func (h *merchantHandler) SuspendMerchant(ctx context.Context, req *ewaybillv1.SuspendMerchantRequest) (*ewaybillv1.SuspendMerchantResponse, error) {
	m, err := h.svc.Suspend(ctx, access.FromContext(ctx), req.GetName(), req.GetReason())
	return &ewaybillv1.SuspendMerchantResponse{Merchant: m}, err
}

func (h *merchantHandler) ReinstateMerchant(ctx context.Context, req *ewaybillv1.ReinstateMerchantRequest) (*ewaybillv1.ReinstateMerchantResponse, error) {
	m, err := h.svc.Reinstate(ctx, access.FromContext(ctx), req.GetName(), req.GetReason())
	return &ewaybillv1.ReinstateMerchantResponse{Merchant: m}, err
}
