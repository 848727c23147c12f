package server_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/server"
)

// rawWire is an encoded request that rawCodec sends as it is.
type rawWire []byte

// rawCodec sends a rawWire unchanged, so a test can send bytes no
// protobuf library would encode; anything else, and every answer, goes
// through grpc-go's own codec.
type rawCodec struct{ encoding.CodecV2 }

func (c rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	if b, ok := v.(rawWire); ok {
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	return c.CodecV2.Marshal(v)
}

// sendRaw is a call option that sends rawWire requests as they are.
func sendRaw() grpc.CallOption {
	return grpc.ForceCodecV2(rawCodec{encoding.GetCodecV2(protocodec.Name)})
}

// invokeRaw calls unary method with wire as the request's encoding.
func (e *env) invokeRaw(ctx context.Context, method string, wire []byte, resp proto.Message) error {
	return e.conn.Invoke(ctx, method, rawWire(wire), resp, sendRaw())
}

// TestCodecRefusesUndecodableRequests: over real gRPC, a request that
// does not decode is INVALID_ARGUMENT naming the field, not grpc-go's
// INTERNAL, on a unary and on a streaming method, and the server keeps
// no refusal afterwards.
func TestCodecRefusesUndecodableRequests(t *testing.T) {
	e := newEnv(t)
	o := order("@BAD@")
	wire := server.InvalidUTF8Wire(t, &ewaybillv1.AllocateWaybillRequest{Parent: "merchants/x", Carrier: "carriers/SF", Order: o}, "@BAD@")
	err := e.invokeRaw(admin(), ewaybillv1.WaybillService_AllocateWaybill_FullMethodName, wire, &ewaybillv1.AllocateWaybillResponse{})
	if st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST"); violations(st)["order.order_code"] != "utf8" {
		t.Fatalf("unary: violations %v, want order.order_code utf8: %s", violations(st), st.Message())
	}
	// Not a protobuf message at all: 0xff starts a field with wire type 7.
	err = e.invokeRaw(admin(), ewaybillv1.WaybillService_AllocateWaybill_FullMethodName, []byte{0xff, 0xff}, &ewaybillv1.AllocateWaybillResponse{})
	if st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST"); violations(st)["body"] != "format" {
		t.Fatalf("garbage: violations %v, want body format: %s", violations(st), st.Message())
	}

	// Health's Watch is server-streaming: its request is read through the
	// stream interceptor's wrapper.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := e.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, healthpb.Health_Watch_FullMethodName, sendRaw())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.SendMsg(rawWire(server.InvalidUTF8Wire(t, &healthpb.HealthCheckRequest{Service: "@BAD@"}, "@BAD@"))); err != nil {
		t.Fatal(err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	err = stream.RecvMsg(&healthpb.HealthCheckResponse{})
	if st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST"); violations(st)["service"] != "utf8" {
		t.Fatalf("stream: violations %v, want service utf8: %s", violations(st), st.Message())
	}
	if n := server.PendingRefusals(e.srv); n != 0 {
		t.Fatalf("%d refusals kept after they were returned", n)
	}
}

// TestCodecForgetsRefusalsOfCallsThatFail: a unary call whose request
// does not decode, and which then fails before any interceptor runs
// (here the client gives up before ending its stream), leaves no
// refusal behind once its message is collected.
func TestCodecForgetsRefusalsOfCallsThatFail(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(admin())
	// The unary method, opened as a client stream so the request can be
	// sent without ending the stream: the server decodes it and waits.
	stream, err := e.conn.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true}, ewaybillv1.WaybillService_GetWaybill_FullMethodName, sendRaw())
	if err != nil {
		t.Fatal(err)
	}
	wire := server.InvalidUTF8Wire(t, &ewaybillv1.GetWaybillRequest{Name: "waybills/@BAD@"}, "@BAD@")
	if err := stream.SendMsg(rawWire(wire)); err != nil {
		t.Fatal(err)
	}
	// Waiting for a condition, not for time: the deadline only bounds a
	// failing run.
	for deadline := time.Now().Add(5 * time.Second); server.PendingRefusals(e.srv) != 1; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("the server never held the refusal of the undecodable request")
		}
	}
	cancel()
	if err := stream.RecvMsg(&ewaybillv1.GetWaybillResponse{}); status.Code(err) != codes.Canceled {
		t.Fatalf("RecvMsg after cancel: %v", err)
	}
	for i := 0; i < 200 && server.PendingRefusals(e.srv) != 0; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if n := server.PendingRefusals(e.srv); n != 0 {
		t.Fatalf("%d refusals kept after their call failed", n)
	}
}
