package server

import (
	"context"

	"github.com/ewaybill/ewaybill/access"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/mapping"
)

type mappingHandler struct {
	ewaybillv1.UnimplementedMappingServiceServer
	svc *mapping.Service
}

func (h *mappingHandler) CreateMappingProfile(ctx context.Context, req *ewaybillv1.CreateMappingProfileRequest) (*ewaybillv1.CreateMappingProfileResponse, error) {
	p, err := h.svc.Create(ctx, access.FromContext(ctx), req.GetParent(), req.GetMappingProfile())
	return &ewaybillv1.CreateMappingProfileResponse{MappingProfile: p}, err
}

func (h *mappingHandler) GetMappingProfile(ctx context.Context, req *ewaybillv1.GetMappingProfileRequest) (*ewaybillv1.GetMappingProfileResponse, error) {
	p, err := h.svc.Get(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetMappingProfileResponse{MappingProfile: p}, err
}

func (h *mappingHandler) ListMappingProfiles(ctx context.Context, req *ewaybillv1.ListMappingProfilesRequest) (*ewaybillv1.ListMappingProfilesResponse, error) {
	list, next, err := h.svc.List(ctx, access.FromContext(ctx), req.GetParent(), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListMappingProfilesResponse{MappingProfiles: list, NextPageToken: next}, err
}

func (h *mappingHandler) UpdateMappingProfile(ctx context.Context, req *ewaybillv1.UpdateMappingProfileRequest) (*ewaybillv1.UpdateMappingProfileResponse, error) {
	p, err := h.svc.Update(ctx, access.FromContext(ctx), req.GetMappingProfile())
	return &ewaybillv1.UpdateMappingProfileResponse{MappingProfile: p}, err
}

func (h *mappingHandler) DeleteMappingProfile(ctx context.Context, req *ewaybillv1.DeleteMappingProfileRequest) (*ewaybillv1.DeleteMappingProfileResponse, error) {
	return &ewaybillv1.DeleteMappingProfileResponse{}, h.svc.Delete(ctx, access.FromContext(ctx), req.GetName())
}

func (h *mappingHandler) ValidateOrders(ctx context.Context, req *ewaybillv1.ValidateOrdersRequest) (*ewaybillv1.ValidateOrdersResponse, error) {
	run, err := h.svc.ValidateOrders(ctx, access.FromContext(ctx), req.GetParent(), req.GetMappingProfile(), req.GetInlineProfile(), req.GetCarrier(), req.GetOrders())
	if err != nil {
		return nil, err
	}
	return &ewaybillv1.ValidateOrdersResponse{Results: run.Results, Warnings: run.Warnings}, nil
}
