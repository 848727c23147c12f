// Package protopath reads a field of a protobuf message by its path, the
// way error reports and update masks name fields: "number_format.prefix",
// "receiver.mobile", "items[1].quantity".
package protopath

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Get returns the value at path in m and its field. A "[i]" after a
// repeated field picks its element. ok is false for a path m's type does
// not have, an index out of range, or one on a field that is not repeated.
func Get(m protoreflect.Message, path string) (value protoreflect.Value, field protoreflect.FieldDescriptor, ok bool) {
	segments := strings.Split(path, ".")
	for i, seg := range segments {
		name, index := seg, -1
		if open := strings.IndexByte(seg, '['); open > 0 && strings.HasSuffix(seg, "]") {
			n, err := strconv.Atoi(seg[open+1 : len(seg)-1])
			if err != nil || n < 0 {
				return protoreflect.Value{}, nil, false
			}
			name, index = seg[:open], n
		}
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
		if fd == nil || (index >= 0) != fd.IsList() {
			return protoreflect.Value{}, nil, false
		}
		value = m.Get(fd)
		if index >= 0 {
			if index >= value.List().Len() {
				return protoreflect.Value{}, nil, false
			}
			value = value.List().Get(index)
		}
		if i == len(segments)-1 {
			return value, fd, true
		}
		if fd.Message() == nil || fd.IsMap() || (fd.IsList() && index < 0) {
			return protoreflect.Value{}, nil, false
		}
		m = value.Message()
	}
	return protoreflect.Value{}, nil, false
}
