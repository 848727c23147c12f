package server

import (
	"context"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ewaybill/ewaybill/gen"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// HTTPHandler serves the REST gateway over conn, a client connection to
// this server's own gRPC port, so every REST call passes the same
// interceptors (auth, logging, metrics) as a gRPC call. It also serves
// /healthz, /openapi.json and /metrics.
func (s *Server) HTTPHandler(ctx context.Context, conn *grpc.ClientConn) (http.Handler, error) {
	gw := runtime.NewServeMux(
		runtime.WithHealthzEndpoint(healthpb.NewHealthClient(conn)),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions: protojson.MarshalOptions{EmitUnpopulated: false},
			// Unknown fields are refused so a misspelt field is an error,
			// not a silently ignored value.
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}),
	)
	for _, register := range []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
		ewaybillv1.RegisterMerchantServiceHandler,
		ewaybillv1.RegisterCarrierServiceHandler,
		ewaybillv1.RegisterCarrierAuthorizationServiceHandler,
		ewaybillv1.RegisterApiKeyServiceHandler,
		ewaybillv1.RegisterWaybillServiceHandler,
		ewaybillv1.RegisterQuotaServiceHandler,
		ewaybillv1.RegisterPoolServiceHandler,
		ewaybillv1.RegisterMappingServiceHandler,
		ewaybillv1.RegisterLabelServiceHandler,
		ewaybillv1.RegisterAuditServiceHandler,
	} {
		if err := register(ctx, gw, conn); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /openapi.json", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(gen.OpenAPI)
	}))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	mux.Handle("/", http.MaxBytesHandler(gw, MaxRequestBytes))
	return mux, nil
}
