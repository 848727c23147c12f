package server

import (
	"context"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/apikeys"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

type apiKeyHandler struct {
	ewaybillv1.UnimplementedApiKeyServiceServer
	svc *apikeys.Service
}

func (h *apiKeyHandler) CreateApiKey(ctx context.Context, req *ewaybillv1.CreateApiKeyRequest) (*ewaybillv1.CreateApiKeyResponse, error) {
	k, secret, err := h.svc.Create(ctx, access.FromContext(ctx), req.GetApiKey())
	return &ewaybillv1.CreateApiKeyResponse{ApiKey: k, Secret: secret}, err
}

func (h *apiKeyHandler) GetApiKey(ctx context.Context, req *ewaybillv1.GetApiKeyRequest) (*ewaybillv1.GetApiKeyResponse, error) {
	k, err := h.svc.Get(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetApiKeyResponse{ApiKey: k}, err
}

func (h *apiKeyHandler) ListApiKeys(ctx context.Context, req *ewaybillv1.ListApiKeysRequest) (*ewaybillv1.ListApiKeysResponse, error) {
	list, next, err := h.svc.List(ctx, access.FromContext(ctx), req.GetMerchant(), req.GetPageSize(), req.GetPageToken())
	return &ewaybillv1.ListApiKeysResponse{ApiKeys: list, NextPageToken: next}, err
}

func (h *apiKeyHandler) RevokeApiKey(ctx context.Context, req *ewaybillv1.RevokeApiKeyRequest) (*ewaybillv1.RevokeApiKeyResponse, error) {
	k, err := h.svc.Revoke(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.RevokeApiKeyResponse{ApiKey: k}, err
}
