package server

import (
	"context"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/carriers"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

type carrierHandler struct {
	ewaybillv1.UnimplementedCarrierServiceServer
	svc *carriers.Service
}

func (h *carrierHandler) CreateCarrier(ctx context.Context, req *ewaybillv1.CreateCarrierRequest) (*ewaybillv1.CreateCarrierResponse, error) {
	c, err := h.svc.Create(ctx, access.FromContext(ctx), req.GetCarrier())
	return &ewaybillv1.CreateCarrierResponse{Carrier: c}, err
}

func (h *carrierHandler) GetCarrier(ctx context.Context, req *ewaybillv1.GetCarrierRequest) (*ewaybillv1.GetCarrierResponse, error) {
	c, err := h.svc.Get(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetCarrierResponse{Carrier: c}, err
}

func (h *carrierHandler) ListCarriers(ctx context.Context, req *ewaybillv1.ListCarriersRequest) (*ewaybillv1.ListCarriersResponse, error) {
	list, next, err := h.svc.List(ctx, access.FromContext(ctx), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListCarriersResponse{Carriers: list, NextPageToken: next}, err
}

func (h *carrierHandler) UpdateCarrier(ctx context.Context, req *ewaybillv1.UpdateCarrierRequest) (*ewaybillv1.UpdateCarrierResponse, error) {
	c, err := h.svc.Update(ctx, access.FromContext(ctx), req.GetCarrier(), req.GetUpdateMask())
	return &ewaybillv1.UpdateCarrierResponse{Carrier: c}, err
}

type authorizationHandler struct {
	ewaybillv1.UnimplementedCarrierAuthorizationServiceServer
	svc *carriers.Service
}

func (h *authorizationHandler) CreateCarrierAuthorization(ctx context.Context, req *ewaybillv1.CreateCarrierAuthorizationRequest) (*ewaybillv1.CreateCarrierAuthorizationResponse, error) {
	a, err := h.svc.CreateAuthorization(ctx, access.FromContext(ctx), req.GetParent(), req.GetCarrierAuthorization())
	return &ewaybillv1.CreateCarrierAuthorizationResponse{CarrierAuthorization: a}, err
}

func (h *authorizationHandler) GetCarrierAuthorization(ctx context.Context, req *ewaybillv1.GetCarrierAuthorizationRequest) (*ewaybillv1.GetCarrierAuthorizationResponse, error) {
	a, err := h.svc.GetAuthorization(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetCarrierAuthorizationResponse{CarrierAuthorization: a}, err
}

func (h *authorizationHandler) ListCarrierAuthorizations(ctx context.Context, req *ewaybillv1.ListCarrierAuthorizationsRequest) (*ewaybillv1.ListCarrierAuthorizationsResponse, error) {
	list, next, err := h.svc.ListAuthorizations(ctx, access.FromContext(ctx), req.GetParent(), req.GetState(), req.GetCarrier(), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListCarrierAuthorizationsResponse{CarrierAuthorizations: list, NextPageToken: next}, err
}

func (h *authorizationHandler) ApproveCarrierAuthorization(ctx context.Context, req *ewaybillv1.ApproveCarrierAuthorizationRequest) (*ewaybillv1.ApproveCarrierAuthorizationResponse, error) {
	a, err := h.svc.ApproveAuthorization(ctx, access.FromContext(ctx), req.GetName(), req.GetComment())
	return &ewaybillv1.ApproveCarrierAuthorizationResponse{CarrierAuthorization: a}, err
}

func (h *authorizationHandler) RejectCarrierAuthorization(ctx context.Context, req *ewaybillv1.RejectCarrierAuthorizationRequest) (*ewaybillv1.RejectCarrierAuthorizationResponse, error) {
	a, err := h.svc.RejectAuthorization(ctx, access.FromContext(ctx), req.GetName(), req.GetReason())
	return &ewaybillv1.RejectCarrierAuthorizationResponse{CarrierAuthorization: a}, err
}

func (h *authorizationHandler) RevokeCarrierAuthorization(ctx context.Context, req *ewaybillv1.RevokeCarrierAuthorizationRequest) (*ewaybillv1.RevokeCarrierAuthorizationResponse, error) {
	a, err := h.svc.RevokeAuthorization(ctx, access.FromContext(ctx), req.GetName(), req.GetReason())
	return &ewaybillv1.RevokeCarrierAuthorizationResponse{CarrierAuthorization: a}, err
}
