package orders

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// Diff lists the fields, as paths under field (e.g. "order.receiver.mobile"),
// where two normalised orders differ. Repeated fields are compared whole
// and named once ("order.items").
func Diff(field string, a, b *ewaybillv1.Order) []string {
	var out []string
	diffMessage(field, a.ProtoReflect(), b.ProtoReflect(), &out)
	return out
}

func diffMessage(prefix string, a, b protoreflect.Message, out *[]string) {
	fields := a.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		path := prefix + "." + string(fd.Name())
		av, bv := a.Get(fd), b.Get(fd)
		switch {
		case fd.IsList() || fd.IsMap():
			if !listEqual(fd, av, bv) {
				*out = append(*out, path)
			}
		case fd.Message() != nil:
			diffMessage(path, av.Message(), bv.Message(), out)
		case !av.Equal(bv):
			*out = append(*out, path)
		}
	}
}

func listEqual(fd protoreflect.FieldDescriptor, a, b protoreflect.Value) bool {
	if fd.IsMap() {
		return a.Equal(b)
	}
	la, lb := a.List(), b.List()
	if la.Len() != lb.Len() {
		return false
	}
	for i := range la.Len() {
		if fd.Message() != nil {
			if !proto.Equal(la.Get(i).Message().Interface(), lb.Get(i).Message().Interface()) {
				return false
			}
		} else if !la.Get(i).Equal(lb.Get(i)) {
			return false
		}
	}
	return true
}
