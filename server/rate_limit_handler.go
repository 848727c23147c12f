package server

import (
	"context"

	"github.com/ewaybill/ewaybill/access"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/ratelimit"
)

type rateLimitHandler struct {
	ewaybillv1.UnimplementedRateLimitServiceServer
	svc *ratelimit.Service
}

func (h *rateLimitHandler) GetRateLimit(ctx context.Context, req *ewaybillv1.GetRateLimitRequest) (*ewaybillv1.GetRateLimitResponse, error) {
	l, err := h.svc.Get(ctx, access.FromContext(ctx), req.GetName())
	return &ewaybillv1.GetRateLimitResponse{RateLimit: l}, err
}

func (h *rateLimitHandler) UpdateRateLimit(ctx context.Context, req *ewaybillv1.UpdateRateLimitRequest) (*ewaybillv1.UpdateRateLimitResponse, error) {
	l, err := h.svc.Update(ctx, access.FromContext(ctx), req.GetRateLimit())
	return &ewaybillv1.UpdateRateLimitResponse{RateLimit: l}, err
}
