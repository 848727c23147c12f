package protopath_test

import (
	"testing"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/protopath"
)

func TestGet(t *testing.T) {
	o := (&ewaybillv1.Order{
		Receiver: &ewaybillv1.Party{Mobile: "13800138000"},
		Items:    []*ewaybillv1.Item{{Name: "a"}, {Name: "b", Quantity: 3}},
	}).ProtoReflect()
	for path, want := range map[string]string{
		"receiver.mobile":   "13800138000",
		"items[1].quantity": "3",
		"items[0].name":     "a",
		"sender.name":       "", // unset message: its default
	} {
		v, _, ok := protopath.Get(o, path)
		if !ok || v.String() != want {
			t.Errorf("Get(%q) = %q, %v; want %q", path, v.String(), ok, want)
		}
	}
	for _, path := range []string{"receiver.nope", "items[2].name", "items.name", "receiver[0].name", "order_code.x", "items[-1].name", "items[x].name"} {
		if _, _, ok := protopath.Get(o, path); ok {
			t.Errorf("Get(%q) ok; want not found", path)
		}
	}
}
