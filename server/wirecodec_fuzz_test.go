package server

import (
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// FuzzWireRefusal feeds the wire walker arbitrary bytes as an allocation
// request, the largest message a client sends. It must never panic, must
// name a field only where proto.Unmarshal refuses the bytes (a valid
// message has no invalid string), and the text it blames must not be
// valid UTF-8.
func FuzzWireRefusal(f *testing.F) {
	valid, err := proto.Marshal(&ewaybillv1.AllocateWaybillRequest{Parent: "merchants/m", Carrier: "carriers/SF",
		Order: testOrder(), RequestId: "r-1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(InvalidUTF8Wire(f, &ewaybillv1.AllocateWaybillRequest{Order: testOrder(), RequestId: "PLACEHOLDER"}, "PLACEHOLDER"))
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	md := (&ewaybillv1.AllocateWaybillRequest{}).ProtoReflect().Descriptor()
	f.Fuzz(func(t *testing.T, wire []byte) {
		path, text, found := invalidUTF8(wire, md, "", 0)
		decodeErr := proto.Unmarshal(wire, &ewaybillv1.AllocateWaybillRequest{})
		if found && decodeErr == nil {
			t.Fatalf("%q decodes, yet the walker blames %s", wire, path)
		}
		if found && (path == "" || utf8.Valid(text)) {
			t.Fatalf("the walker blames %q with valid text %q", path, text)
		}
		if decodeErr != nil {
			fe := decodeFault(wire, md, decodeErr)
			if len(fe.Violations) != 1 || fe.Violations[0].Field == "" {
				t.Fatalf("refusal of %q names no single field: %+v", wire, fe.Violations)
			}
		}
	})
}
