package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ewaybill/ewaybill/console"
	"github.com/ewaybill/ewaybill/fault"
	"github.com/ewaybill/ewaybill/gen"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// HTTPHandler serves the REST gateway over conn, a client connection to
// this server's own gRPC port, so every REST call passes the same
// interceptors (auth, logging, metrics) as a gRPC call. It also serves
// /healthz, /openapi.json, /metrics and the web console (/ and /console/).
func (s *Server) HTTPHandler(ctx context.Context, conn *grpc.ClientConn) (http.Handler, error) {
	gw := runtime.NewServeMux(
		runtime.WithHealthzEndpoint(healthpb.NewHealthClient(conn)),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, bodyMarshaler{&runtime.JSONPb{
			MarshalOptions: protojson.MarshalOptions{EmitUnpopulated: false},
			// Unknown fields are refused so a misspelt field is an error,
			// not a silently ignored value.
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		runtime.WithErrorHandler(gatewayError),
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
		ewaybillv1.RegisterRateLimitServiceHandler,
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
	// The web console owns "/" and its assets' prefix, nothing more:
	// every other path still reaches the gateway.
	ui := console.Handler()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET "+console.Prefix, ui)
	mux.Handle("/", s.frontDoor(gw, http.MaxBytesHandler(gw, MaxRequestBytes)))
	return mux, nil
}

// frontDoor refuses a REST call unread while the server holds all the
// requests it may, as the gRPC tap does for gRPC calls: otherwise the
// gateway would read a body of up to MaxRequestBytes only to have its
// gRPC call refused.
func (s *Server) frontDoor(gw *runtime.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			if f := s.admission.refuseUnread(); f != nil {
				_, m := runtime.MarshalerForRequest(gw, r)
				gatewayError(r.Context(), gw, m, w, r, faultStatus(f))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// The generated handlers turn an error decoding a request body into a bare
// INVALID_ARGUMENT status with the error's text as its message, so the
// text is the one thing that reaches gatewayError to say where the
// problem is: bodyMarshaler starts it with one of these prefixes, each
// the rule of the violation gatewayError reports on field "body".
var bodyRules = []struct{ prefix, rule string }{
	{"request body is too large: ", "length"},
	{"request body is not JSON of the request message: ", "format"},
}

// bodyMarshaler is the gateway's JSON marshaler with decoding errors
// marked as bodyRules says. It also refuses a body that decodes to more
// than a request may hold: JSON is not always larger than protobuf (a
// number in a raw order takes 2 bytes of JSON and 11 of protobuf), and
// the server's own refusal of such a message is a bare RESOURCE_EXHAUSTED,
// which a client would take for a quota to wait out.
type bodyMarshaler struct{ *runtime.JSONPb }

func (m bodyMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	// As m.JSONPb.NewDecoder, with the JSON decoder at hand to look past
	// the message.
	jd := json.NewDecoder(r)
	d := runtime.DecoderWrapper{Decoder: jd, UnmarshalOptions: m.UnmarshalOptions}
	return runtime.DecoderFunc(func(v any) error {
		err := d.Decode(v)
		if err == nil {
			err = endOfBody(jd)
		}
		var tooLarge *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF): // no body: an empty request
			return err
		case errors.As(err, &tooLarge):
			return fmt.Errorf("%s%d bytes at most", bodyRules[0].prefix, tooLarge.Limit)
		case err != nil:
			return fmt.Errorf("%s%w", bodyRules[1].prefix, err)
		}
		// The allowance leaves room for the path parameters the gateway
		// sets after decoding the body.
		const limit = MaxRequestBytes - 1<<10
		if msg, ok := v.(proto.Message); ok {
			if n := proto.Size(msg); n > limit {
				return fmt.Errorf("%sit decodes to a request of %d bytes, and one may hold %d; send fewer or smaller values", bodyRules[0].prefix, n, limit)
			}
		}
		return nil
	})
}

// endOfBody refuses anything but white space after the request message.
// The decoder reads one JSON value and would leave a second unread: two
// orders pasted into one body would allocate the first and say nothing
// of the other.
func endOfBody(jd *json.Decoder) error {
	_, err := jd.Token()
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case errors.As(err, &tooLarge):
		return err
	}
	return errors.New("the body goes on after the request message; send one JSON object")
}

// queryParameterError matches the gateway's own errors for a query
// parameter that does not parse (`parsing field "page_size": ...`); its
// group is the field. An enum value it does not know is `"X" is not a
// valid value`.
var queryParameterError = regexp.MustCompile(`^(?:parsing field|parsing list|too many values for field|duplicate field) "([^"]+)"`)

// gatewayError writes errors as runtime.DefaultHTTPErrorHandler does,
// after giving those the gateway makes itself before the call reaches
// the server (a body that does not decode: malformed JSON, a wrong type,
// an unknown field or enum value, invalid UTF-8, too deep or too large;
// a bad path or query parameter) the ErrorInfo every ewaybill error
// carries, and a BadRequest violation on field "body" for a body that
// does not decode, on the parameter's field for a query parameter that
// does not parse: they come as bare INVALID_ARGUMENT statuses, which a
// client branching on the reason could not tell from any other failure.
func gatewayError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if st, ok := status.FromError(err); ok && st.Code() == codes.InvalidArgument && len(st.Details()) == 0 {
		msg := st.Message()
		fe := fault.New(fault.KindInvalid, fault.ReasonInvalidRequest, "%s", msg)
		for _, b := range bodyRules {
			if strings.HasPrefix(msg, b.prefix) {
				fe.Violations = []fault.Violation{{Field: "body", Rule: b.rule, Message: msg}}
				break
			}
		}
		if q := queryParameterError.FindStringSubmatch(msg); q != nil {
			rule := "format"
			if strings.HasSuffix(msg, "is not a valid value") {
				rule = "enum"
			}
			fe.Violations = []fault.Violation{{Field: q[1], Rule: rule, Message: msg}}
		}
		err = faultStatus(fe)
	}
	if wait, ok := retryDelay(err); ok {
		// Retry-After takes whole seconds; rounding up keeps a client that
		// honours it from arriving before the delay.
		w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(wait.Seconds())), 10))
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// retryDelay is the google.rpc.RetryInfo delay an error carries.
func retryDelay(err error) (time.Duration, bool) {
	st, ok := status.FromError(err)
	if !ok {
		return 0, false
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration(), true
		}
	}
	return 0, false
}
