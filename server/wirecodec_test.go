package server

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"unsafe"
	"weak"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// InvalidUTF8Wire encodes m and overwrites placeholder, which must occur
// once in the encoding, with as many 0xff bytes: what no protobuf
// library sends for a string, and what a hand-rolled or corrupting
// client may. Exported for the server_test package's end-to-end tests.
func InvalidUTF8Wire(t testing.TB, m proto.Message, placeholder string) []byte {
	t.Helper()
	wire, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(wire, []byte(placeholder)); n != 1 {
		t.Fatalf("placeholder %q occurs %d times in the encoding, want once", placeholder, n)
	}
	return bytes.Replace(wire, []byte(placeholder), bytes.Repeat([]byte{0xff}, len(placeholder)), 1)
}

// PendingRefusals is how many refusals of undecodable requests s holds.
func PendingRefusals(s *Server) int { return s.undecodable.pending() }

// RetryDelay is the google.rpc.RetryInfo delay err carries, for the
// server_test package's checks of RATE_LIMITED and OVERLOADED.
var RetryDelay = retryDelay

func testOrder() *ewaybillv1.Order {
	return &ewaybillv1.Order{
		OrderCode: "A-1",
		Receiver:  &ewaybillv1.Party{Name: "李小红", Mobile: "13900139000"},
		Items:     []*ewaybillv1.Item{{Name: "茶叶", Quantity: 2}},
	}
}

func rawOrder(t *testing.T, fields map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(fields)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWireNamesTheInvalidUTF8Field: the walker names the string field
// proto.Unmarshal refused, through nested, repeated and map fields.
func TestWireNamesTheInvalidUTF8Field(t *testing.T) {
	const bad = "@BAD@"
	withReceiver := func(name string) *ewaybillv1.Order {
		o := testOrder()
		o.Receiver.Name = name
		return o
	}
	withItem := func(name string) *ewaybillv1.Order {
		o := testOrder()
		o.Items = append(o.Items, &ewaybillv1.Item{Name: name, Quantity: 1})
		return o
	}
	for _, c := range []struct {
		name string
		msg  proto.Message
		// also is a second placeholder made invalid, after the first.
		also string
		want string
	}{
		{"nested", &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: withReceiver(bad)}, "", "order.receiver.name"},
		{"top level", &ewaybillv1.AllocateWaybillRequest{Order: testOrder(), RequestId: bad}, "", "request_id"},
		{"first in wire order", &ewaybillv1.AllocateWaybillRequest{Order: withReceiver(bad), RequestId: "@BAD2"}, "@BAD2", "order.receiver.name"},
		{"repeated messages", &ewaybillv1.BatchAllocateWaybillsRequest{Items: []*ewaybillv1.BatchAllocateWaybillsItem{
			{Order: testOrder()}, {Order: withItem(bad)},
		}}, "", "items[1].order.items[1].name"},
		{"repeated strings", &ewaybillv1.RenderLabelsRequest{Numbers: []string{"SF1", "SF2", bad}}, "", "numbers[2]"},
		{"map value", &ewaybillv1.AllocateWaybillRequest{RawOrder: rawOrder(t, map[string]any{"tid": bad, "n": 1})},
			"", `raw_order.fields["tid"].string_value`},
		{"map key", &ewaybillv1.AllocateWaybillRequest{RawOrder: rawOrder(t, map[string]any{bad: "x"})}, "", "raw_order.fields"},
		{"deep in a raw order", &ewaybillv1.ValidateOrdersRequest{Orders: []*structpb.Struct{
			rawOrder(t, map[string]any{"tid": "1"}),
			rawOrder(t, map[string]any{"lines": []any{map[string]any{"title": "t"}, map[string]any{"title": bad}}}),
		}}, "", `orders[1].fields["lines"].list_value.values[1].struct_value.fields["title"].string_value`},
	} {
		t.Run(c.name, func(t *testing.T) {
			wire := InvalidUTF8Wire(t, c.msg, bad)
			if c.also != "" {
				wire = bytes.Replace(wire, []byte(c.also), bytes.Repeat([]byte{0xff}, len(c.also)), 1)
			}
			if err := proto.Unmarshal(wire, c.msg.ProtoReflect().Type().New().Interface()); err == nil {
				t.Fatal("proto.Unmarshal accepted the patched bytes; the case tests nothing")
			}
			path, text, ok := invalidUTF8(wire, c.msg.ProtoReflect().Descriptor(), "", 0)
			if !ok || path != c.want || string(text) != strings.Repeat("\xff", len(bad)) {
				t.Fatalf("got %q %q %v, want %q", path, text, ok, c.want)
			}
		})
	}
}

// TestWireFaultWithoutAString: bytes that do not parse name "body",
// like a REST body that does not decode; a valid message names nothing.
func TestWireFaultWithoutAString(t *testing.T) {
	md := (&ewaybillv1.AllocateWaybillRequest{}).ProtoReflect().Descriptor()
	wire, err := proto.Marshal(&ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: testOrder()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := invalidUTF8(wire, md, "", 0); ok {
		t.Fatal("a valid message has an invalid string")
	}
	truncated := wire[:len(wire)-3]
	uerr := proto.Unmarshal(truncated, &ewaybillv1.AllocateWaybillRequest{})
	if uerr == nil {
		t.Fatal("truncated bytes decoded")
	}
	fe := decodeFault(truncated, md, uerr)
	if len(fe.Violations) != 1 || fe.Violations[0].Field != "body" || fe.Violations[0].Rule != "format" ||
		!strings.Contains(fe.Message, "ewaybill.v1.AllocateWaybillRequest") {
		t.Fatalf("got %+v", fe)
	}
}

// TestCodecRefusesUndecodable: a request that does not decode is
// accepted by the codec, emptied, and refused once by take as
// INVALID_ARGUMENT with the usual details; other messages are not.
func TestCodecRefusesUndecodable(t *testing.T) {
	var u undecodable
	c := newRequestCodec(&u)
	o := testOrder()
	o.Receiver.Name = "@BAD@"
	wire := InvalidUTF8Wire(t, &ewaybillv1.AllocateWaybillRequest{Order: o}, "@BAD@")
	msg := &ewaybillv1.AllocateWaybillRequest{}
	if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire)}, msg); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if u.pending() != 1 || !proto.Equal(msg, &ewaybillv1.AllocateWaybillRequest{}) {
		t.Fatalf("pending %d, message %v; want 1 and an empty message", u.pending(), msg)
	}
	if err := u.take(&ewaybillv1.AllocateWaybillRequest{}); err != nil {
		t.Fatalf("another message was refused: %v", err)
	}
	st := status.Convert(u.take(msg))
	var reason, field, rule string
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			reason = d.GetDomain() + "/" + d.GetReason()
		case *errdetails.BadRequest:
			field, rule = d.GetFieldViolations()[0].GetField(), d.GetFieldViolations()[0].GetReason()
		}
	}
	if st.Code() != codes.InvalidArgument || reason != "ewaybill/INVALID_REQUEST" || field != "order.receiver.name" || rule != "utf8" {
		t.Fatalf("got %s %q %q %q: %s", st.Code(), reason, field, rule, st.Message())
	}
	if err := u.take(msg); err != nil || u.pending() != 0 {
		t.Fatalf("the refusal was kept after it was taken: %v, pending %d", err, u.pending())
	}

	// A non-protobuf destination keeps the stock error.
	var n int
	if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire)}, &n); err == nil || u.pending() != 0 {
		t.Fatalf("non-message: %v, pending %d", err, u.pending())
	}
}

// TestCodecMatchesStockOnValidMessages: what decodes, and every answer,
// is exactly what grpc-go's own codec makes of it.
func TestCodecMatchesStockOnValidMessages(t *testing.T) {
	var u undecodable
	c, stock := newRequestCodec(&u), encoding.GetCodecV2(protocodec.Name)
	req := &ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: testOrder(), RequestId: "r1"}
	ours, err := c.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := stock.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours.Materialize(), theirs.Materialize()) {
		t.Fatal("Marshal differs from the stock codec's")
	}
	got := &ewaybillv1.AllocateWaybillRequest{}
	if err := c.Unmarshal(ours, got); err != nil || !proto.Equal(got, req) || u.pending() != 0 {
		t.Fatalf("Unmarshal: %v, %v, pending %d", err, got, u.pending())
	}
}

// TestCodecAddsNoAllocation: decoding a valid request and the
// interceptor's check cost no allocation beyond the stock codec's, also
// while a refusal is pending for another message.
func TestCodecAddsNoAllocation(t *testing.T) {
	var u undecodable
	c, stock := newRequestCodec(&u), encoding.GetCodecV2(protocodec.Name)
	wire, err := proto.Marshal(&ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: testOrder(), RequestId: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	data := mem.BufferSlice{mem.SliceBuffer(wire)}
	msg := &ewaybillv1.AllocateWaybillRequest{}
	decode := func(codec encoding.CodecV2) func() {
		return func() {
			if err := codec.Unmarshal(data, msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	if theirs, ours := testing.AllocsPerRun(100, decode(stock)), testing.AllocsPerRun(100, decode(c)); ours != theirs {
		t.Fatalf("Unmarshal allocates %v times, the stock codec %v", ours, theirs)
	}
	check := func() {
		if err := u.take(msg); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(100, check); n != 0 {
		t.Fatalf("take allocates %v times with nothing pending", n)
	}
	other := &ewaybillv1.AllocateWaybillRequest{}
	u.put(other, status.Error(codes.InvalidArgument, "x"))
	if n := testing.AllocsPerRun(100, check); n != 0 {
		t.Fatalf("take allocates %v times with a refusal pending for another message", n)
	}
	runtime.KeepAlive(other)
}

// TestCodecForgetsCollectedMessages: a refusal nobody takes (the call
// failed after decoding) goes with its message, and an entry left at an
// address by an earlier message does not refuse the one there now.
func TestCodecForgetsCollectedMessages(t *testing.T) {
	var u undecodable
	func() {
		u.put(&ewaybillv1.AllocateWaybillRequest{}, status.Error(codes.InvalidArgument, "x"))
	}()
	if u.pending() != 1 {
		t.Fatalf("pending %d, want 1", u.pending())
	}
	// Cleanups run on their own goroutine after a collection: give it
	// turns, a bounded number of collections, not time.
	for i := 0; i < 100 && u.pending() != 0; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if u.pending() != 0 {
		t.Fatalf("pending %d after the message was collected", u.pending())
	}

	now, earlier := &ewaybillv1.AllocateWaybillRequest{}, &ewaybillv1.AllocateWaybillRequest{}
	u.mu.Lock()
	u.entries[uintptr(unsafe.Pointer(address(now)))] = undecodableEntry{msg: weak.Make(address(earlier)), refusal: status.Error(codes.InvalidArgument, "x")}
	u.n.Store(1)
	u.mu.Unlock()
	if err := u.take(now); err != nil {
		t.Fatalf("an entry of another message refused this one: %v", err)
	}
	runtime.KeepAlive(earlier)
}

// BenchmarkWireCodecUnmarshal compares decoding a typical allocation
// request with grpc-go's codec and with requestCodec (plus the
// interceptor's check).
func BenchmarkWireCodecUnmarshal(b *testing.B) {
	var u undecodable
	wire, err := proto.Marshal(&ewaybillv1.AllocateWaybillRequest{Carrier: "carriers/SF", Order: testOrder(), RequestId: "r1"})
	if err != nil {
		b.Fatal(err)
	}
	data := mem.BufferSlice{mem.SliceBuffer(wire)}
	for _, c := range []struct {
		name  string
		codec encoding.CodecV2
	}{{"stock", encoding.GetCodecV2(protocodec.Name)}, {"requestCodec", newRequestCodec(&u)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				msg := &ewaybillv1.AllocateWaybillRequest{}
				if err := c.codec.Unmarshal(data, msg); err != nil {
					b.Fatal(err)
				}
				if err := u.take(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
