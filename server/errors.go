package server

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/ewaybill/ewaybill/fault"
	"github.com/ewaybill/ewaybill/storage"
)

// ErrorDomain is google.rpc.ErrorInfo.domain for every ewaybill error.
const ErrorDomain = "ewaybill"

var kindCodes = map[fault.Kind]codes.Code{
	fault.KindInternal:           codes.Internal,
	fault.KindInvalid:            codes.InvalidArgument,
	fault.KindUnauthenticated:    codes.Unauthenticated,
	fault.KindPermissionDenied:   codes.PermissionDenied,
	fault.KindNotFound:           codes.NotFound,
	fault.KindAlreadyExists:      codes.AlreadyExists,
	fault.KindFailedPrecondition: codes.FailedPrecondition,
	fault.KindResourceExhausted:  codes.ResourceExhausted,
	fault.KindUnavailable:        codes.Unavailable,
}

// toStatus is the one place where domain errors become wire errors. Errors
// that are not domain errors are logged in full and reported as INTERNAL
// without their text, which may name files or internals.
func toStatus(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	if fe, ok := fault.As(err); ok {
		return faultStatus(fe)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "the request was cancelled by the client")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "the request's deadline passed before it finished; nothing was changed unless a later read shows it")
	case errors.Is(err, storage.ErrClosed):
		return faultStatus(fault.New(fault.KindUnavailable, fault.ReasonUnavailable,
			"the server is shutting down; retry in a moment"))
	}
	log.ErrorContext(ctx, "internal error", "error", err)
	return faultStatus(fault.New(fault.KindInternal, fault.ReasonInternal,
		"internal error; nothing acknowledged was lost; retry, and report it if it persists"))
}

func faultStatus(fe *fault.Error) error {
	st := status.New(kindCodes[fe.Kind], fe.Message)
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: fe.Reason, Domain: ErrorDomain, Metadata: fe.Metadata}}
	if len(fe.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range fe.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field: v.Field, Reason: v.Rule, Description: v.Message,
			})
		}
		details = append(details, br)
	}
	if fe.QuotaSubject != "" {
		details = append(details, &errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{
			{Subject: fe.QuotaSubject, Description: fe.Message},
		}})
	}
	if fe.RetryAfter > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(fe.RetryAfter)})
	}
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}
