// Package server is ewaybill's transport: gRPC handlers that translate
// between the API and the domain services, the interceptor chain, error
// mapping and the REST gateway. It holds no business rules.
package server

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/ewaybill/ewaybill/apikeys"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/carriers"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/labels"
	"github.com/ewaybill/ewaybill/mapping"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/quota"
	"github.com/ewaybill/ewaybill/ratelimit"
	"github.com/ewaybill/ewaybill/storage"
)

// MaxRequestBytes bounds one gRPC message (and so one REST body).
const MaxRequestBytes = 4 << 20

// transportMaxRequestBytes is what grpc-go itself reads of one message.
// Up to it, our codec refuses a message over MaxRequestBytes as
// INVALID_REQUEST naming "body"; beyond it grpc-go refuses the message
// unread, from its length prefix, with a bare RESOURCE_EXHAUSTED.
const transportMaxRequestBytes = 2 * MaxRequestBytes

// MaxResponseBytes bounds one answer our clients accept: a render of 200
// PNG or ZPL labels (tens of KB each) is the largest.
const MaxResponseBytes = 64 << 20

// ClientOptions are the dial options of this server's own clients (the
// gateway, the CLI): gRPC clients take 4 MB answers by default.
func ClientOptions(opts ...grpc.DialOption) []grpc.DialOption {
	return append(opts, grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxResponseBytes)))
}

// Config is what a Server needs.
type Config struct {
	Store  storage.Store
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// StarterGrant is credited once per merchant and carrier when the
	// authorization first becomes ACTIVE; 0 means quota.DefaultStarterGrant,
	// negative means none.
	StarterGrant int64
	// MaxInFlight requests run at once, and MaxWaiting more wait for a turn
	// at most QueueWait; beyond that the server refuses requests unread
	// (OVERLOADED). Zero values mean the Default* constants; a negative
	// MaxWaiting means no waiting line.
	MaxInFlight int
	MaxWaiting  int
	QueueWait   time.Duration
	// RateLimitRefresh is how long a rate limit read from the store is
	// used before it is read again (0: ratelimit.DefaultRefresh).
	RateLimitRefresh time.Duration
	// NodeID names this node's leases of number segments, SegmentSize how
	// many serials each takes (see quota.Service); zero values mean the
	// defaults, fit for one node.
	NodeID      string
	SegmentSize int64
}

// Server owns the domain services and the gRPC server that exposes them.
type Server struct {
	log     *slog.Logger
	metrics *metrics
	health  *health.Server
	grpc    *grpc.Server
	// undecodable holds refusals of requests that did not decode.
	undecodable undecodable

	keys       *apikeys.Service
	merchants  *merchants.Service
	carriers   *carriers.Service
	quota      *quota.Service
	mapping    *mapping.Service
	labels     *labels.Service
	audit      *audit.Service
	rateLimits *ratelimit.Service
	admission  *admission
}

// streamWorkers is how many goroutines gRPC keeps for running requests.
// A request on a fresh goroutine grows its stack by copying, several
// times, as it descends through protobuf decoding and bbolt's recursive
// B-tree search: a tenth of the CPU at peak. Kept workers keep their grown
// stacks. Requests beyond this many at once get fresh goroutines as before;
// the bench's 64 in flight fit.
const streamWorkers = 128

// New builds a server over cfg.Store. It does not listen; see GRPC.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{
		log:        cfg.Logger,
		metrics:    newMetrics(),
		health:     health.NewServer(),
		keys:       &apikeys.Service{Store: cfg.Store, Now: cfg.Now},
		merchants:  &merchants.Service{Store: cfg.Store, Now: cfg.Now},
		carriers:   &carriers.Service{Store: cfg.Store, Now: cfg.Now},
		quota:      quota.New(cfg.Store, cfg.Now),
		mapping:    &mapping.Service{Store: cfg.Store, Now: cfg.Now},
		labels:     &labels.Service{Store: cfg.Store, Now: cfg.Now},
		audit:      &audit.Service{Store: cfg.Store},
		rateLimits: &ratelimit.Service{Store: cfg.Store, Now: cfg.Now, Refresh: cfg.RateLimitRefresh},
	}
	waiting := cfg.MaxWaiting
	if waiting == 0 {
		waiting = DefaultMaxWaiting
	}
	s.admission = newAdmission(orDefault(cfg.MaxInFlight, DefaultMaxInFlight), max(waiting, 0),
		orDefault(cfg.QueueWait, DefaultQueueWait), s.metrics.shed.Inc)
	s.quota.NodeID, s.quota.SegmentSize = cfg.NodeID, cfg.SegmentSize
	if cfg.StarterGrant != 0 {
		s.quota.StarterGrant = cfg.StarterGrant
	}
	s.quota.PoolLevel = s.metrics.poolLevel
	s.carriers.Activated = s.quota.GrantStarter
	s.grpc = grpc.NewServer(
		grpc.MaxRecvMsgSize(transportMaxRequestBytes),
		grpc.ForceServerCodecV2(newRequestCodec(&s.undecodable)),
		grpc.NumStreamWorkers(streamWorkers),
		grpc.InTapHandle(s.admission.tap),
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
	)
	ewaybillv1.RegisterMerchantServiceServer(s.grpc, &merchantHandler{svc: s.merchants})
	ewaybillv1.RegisterCarrierServiceServer(s.grpc, &carrierHandler{svc: s.carriers})
	ewaybillv1.RegisterCarrierAuthorizationServiceServer(s.grpc, &authorizationHandler{svc: s.carriers})
	ewaybillv1.RegisterApiKeyServiceServer(s.grpc, &apiKeyHandler{svc: s.keys})
	ewaybillv1.RegisterWaybillServiceServer(s.grpc, &waybillHandler{svc: s.quota})
	ewaybillv1.RegisterQuotaServiceServer(s.grpc, &quotaHandler{svc: s.quota})
	ewaybillv1.RegisterPoolServiceServer(s.grpc, &poolHandler{svc: s.quota})
	ewaybillv1.RegisterMappingServiceServer(s.grpc, &mappingHandler{svc: s.mapping})
	ewaybillv1.RegisterLabelServiceServer(s.grpc, &labelHandler{svc: s.labels})
	ewaybillv1.RegisterAuditServiceServer(s.grpc, &auditHandler{svc: s.audit})
	ewaybillv1.RegisterRateLimitServiceServer(s.grpc, &rateLimitHandler{svc: s.rateLimits})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	if err := s.quota.ReportLevels(context.Background()); err != nil {
		s.log.Warn("could not read pool levels for the metrics", "error", err)
	}
	return s
}

// GRPC is the server to Serve on a listener.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Keys exposes key management for bootstrap and the demo seed.
func (s *Server) Keys() *apikeys.Service { return s.keys }

// Draining marks the server NOT_SERVING so load balancers stop sending
// new work while in-flight requests finish.
func (s *Server) Draining() {
	s.health.Shutdown()
}

// orDefault is v, or def when v is zero or less.
func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
