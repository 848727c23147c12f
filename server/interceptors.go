package server

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/fault"
)

// publicMethods need no API key: health, reflection and self-registration.
func isPublic(method string) bool {
	return isHealthOrReflection(method) || method == "/ewaybill.v1.MerchantService/RegisterMerchant"
}

// isHealthOrReflection names the calls that describe the server rather
// than use it: never held back by admission or rate limits.
func isHealthOrReflection(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(method, "/grpc.reflection.")
}

// requestInfo is filled in by inner interceptors (auth) and read by outer
// ones (logging), which run before the principal is known.
type requestInfo struct {
	principal access.Principal
}

type requestInfoKey struct{}

// The chain, outermost first: recovery → logging → metrics → admission →
// auth and rate limit → domain-error mapping → handler. Each is written
// once over a generic "call" so unary and streaming methods get the same
// treatment.
type call func(ctx context.Context) error

func (s *Server) intercept(ctx context.Context, method string, next call) error {
	return s.recovery(ctx, method, func(ctx context.Context) error {
		return s.logging(ctx, method, func(ctx context.Context) error {
			return s.measure(ctx, method, func(ctx context.Context) error {
				return s.admit(ctx, method, func(ctx context.Context) error {
					return s.authenticate(ctx, method, func(ctx context.Context) error {
						return toStatus(ctx, s.log, next(ctx))
					})
				})
			})
		})
	})
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	// Taken before the chain, which may refuse the call first.
	undecoded := s.undecodable.take(req)
	var resp any
	err := s.intercept(ctx, info.FullMethod, func(ctx context.Context) (err error) {
		if undecoded != nil {
			return undecoded
		}
		resp, err = handler(ctx, req)
		return err
	})
	return resp, err
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return s.intercept(ss.Context(), info.FullMethod, func(ctx context.Context) error {
		return handler(srv, &contextStream{ServerStream: ss, ctx: ctx, undecodable: &s.undecodable})
	})
}

type contextStream struct {
	grpc.ServerStream
	ctx         context.Context
	undecodable *undecodable
}

func (c *contextStream) Context() context.Context { return c.ctx }

// RecvMsg refuses a message that did not decode, as the unary path does.
func (c *contextStream) RecvMsg(m any) error {
	if err := c.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return c.undecodable.take(m)
}

// recovery turns a panic into INTERNAL so one bad request cannot take the
// process (and everyone's in-flight requests) down.
func (s *Server) recovery(ctx context.Context, method string, next call) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "panic", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = toStatus(ctx, s.log, fault.New(fault.KindInternal, fault.ReasonInternal,
				"internal error; nothing acknowledged was lost; retry, and report it if it persists"))
		}
	}()
	return next(ctx)
}

// logging writes one line per request: method, code, latency and who
// called. Never request bodies: they hold names, phones and addresses.
func (s *Server) logging(ctx context.Context, method string, next call) error {
	info := &requestInfo{}
	start := time.Now()
	err := next(context.WithValue(ctx, requestInfoKey{}, info))
	code := status.Code(err)
	level := slog.LevelInfo
	switch code {
	case codes.Internal, codes.Unknown, codes.DataLoss:
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("method", method),
		slog.String("code", code.String()),
		slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
	}
	if p := info.principal; p.Key != "" {
		attrs = append(attrs, slog.String("key", p.Key), slog.String("role", p.RoleName()))
		if p.MerchantID != "" {
			attrs = append(attrs, slog.String("merchant_id", p.MerchantID))
		}
	}
	if fe := reasonOf(err); fe != "" {
		attrs = append(attrs, slog.String("reason", fe))
	}
	s.log.LogAttrs(ctx, level, "request", attrs...)
	return err
}

func (s *Server) measure(ctx context.Context, method string, next call) error {
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()
	start := time.Now()
	err := next(ctx)
	s.metrics.latency.WithLabelValues(method).Observe(time.Since(start).Seconds())
	s.metrics.requests.WithLabelValues(method, status.Code(err).String()).Inc()
	return err
}

// admit holds a request until it may run (see admission).
func (s *Server) admit(ctx context.Context, method string, next call) error {
	if isHealthOrReflection(method) {
		return next(ctx)
	}
	release, err := s.admission.enter(ctx)
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	defer release()
	return next(ctx)
}

// authenticate resolves the bearer key to a principal and takes the
// request from the principal's rate limit. Role and tenant rules are the
// domain's; this only establishes who is calling and how often they may.
func (s *Server) authenticate(ctx context.Context, method string, next call) error {
	if isHealthOrReflection(method) {
		return next(access.NewContext(ctx, access.Public))
	}
	if isPublic(method) {
		if err := s.rateLimits.Admit(ctx, access.Public); err != nil {
			return toStatus(ctx, s.log, err)
		}
		return next(access.NewContext(ctx, access.Public))
	}
	secret, ok := bearer(ctx)
	if !ok {
		return toStatus(ctx, s.log, fault.New(fault.KindUnauthenticated, fault.ReasonAPIKeyMissing,
			"no API key: send the header \"authorization: Bearer <key>\""))
	}
	p, err := s.keys.Authenticate(ctx, secret)
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		info.principal = p
	}
	if err := s.rateLimits.Admit(ctx, p); err != nil {
		return toStatus(ctx, s.log, err)
	}
	return next(access.NewContext(ctx, p))
}

func bearer(ctx context.Context) (string, bool) {
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get("authorization") {
		scheme, token, found := strings.Cut(v, " ")
		if found && strings.EqualFold(scheme, "bearer") && strings.TrimSpace(token) != "" {
			return strings.TrimSpace(token), true
		}
	}
	return "", false
}

// reasonOf extracts ErrorInfo.reason from a status error, for logs.
func reasonOf(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if ei, ok := d.(interface{ GetReason() string }); ok && ei.GetReason() != "" {
			return ei.GetReason()
		}
	}
	return ""
}
