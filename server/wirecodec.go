package server

import (
	"math"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
	"weak"

	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ewaybill/ewaybill/fault"
	"github.com/ewaybill/ewaybill/textrule"
)

// requestCodec is the server's "proto" codec: grpc-go's own, except for a
// request that does not decode (invalid UTF-8 in a string field, bytes
// that are not protobuf). grpc-go decodes a request before any
// interceptor runs and reports a codec error as INTERNAL, sent at once,
// so a client's mistake would look like our failure and name nothing.
// Instead the codec keeps the refusal for that message, INVALID_ARGUMENT
// naming the field, and reports success; the interceptors refuse the
// message with it before a handler sees the message (see
// undecodable.take).
type requestCodec struct {
	encoding.CodecV2
	undecodable *undecodable
}

func newRequestCodec(u *undecodable) *requestCodec {
	return &requestCodec{CodecV2: encoding.GetCodecV2(protocodec.Name), undecodable: u}
}

// Unmarshal decodes data into v with the stock codec; the success path
// is that call and a length check.
func (c *requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if n := data.Len(); n > MaxRequestBytes {
		// grpc-go lets through up to transportMaxRequestBytes, so that a
		// request over our limit gets a refusal naming what is too large
		// rather than grpc-go's bare RESOURCE_EXHAUSTED.
		fe, _ := fault.As(fault.Invalid("body", "length",
			"the request is %d bytes; one may hold %d: send fewer or smaller values", n, MaxRequestBytes))
		refusal := faultStatus(fe)
		if c.undecodable.put(v, refusal) {
			return nil
		}
		return refusal
	}
	err := c.CodecV2.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return err
	}
	// grpc-go frees data only after Unmarshal returns, so its bytes can
	// be read again to find the field.
	refusal := faultStatus(decodeFault(data.Materialize(), m.ProtoReflect().Descriptor(), err))
	// Nothing may act on half a request, should the refusal be missed.
	proto.Reset(m)
	if !c.undecodable.put(v, refusal) {
		return err
	}
	return nil
}

// decodeFault is the refusal of wire, a message of type md that
// proto.Unmarshal refused with err: a "utf8" violation on the first
// string field that is not valid UTF-8 if there is one, else a "format"
// violation on "body", the name the REST gateway gives a body it cannot
// decode.
func decodeFault(wire []byte, md protoreflect.MessageDescriptor, err error) *fault.Error {
	var v fault.Violations
	if path, text, ok := invalidUTF8(wire, md, "", 0); ok {
		// textrule words it as every other field's UTF-8 check does.
		textrule.Check(&v, path, string(text), 0, math.MaxInt)
	} else {
		v.Add("body", "format", "the request is not a valid protobuf encoding of %s (%v); send what your client library encodes, unaltered",
			md.FullName(), err)
	}
	fe, _ := fault.As(v.Err())
	return fe
}

// invalidUTF8 walks wire, a message of type md, in wire order (the order
// proto.Unmarshal checks it in) and returns the path of the first string
// field that must be UTF-8 and is not, in the form field violations use:
// "order.receiver.name", "items[2].order.remark",
// `raw_order.fields["tid"].string_value`. ok is false if there is none
// before the bytes stop parsing.
func invalidUTF8(wire []byte, md protoreflect.MessageDescriptor, prefix string, depth int) (path string, text []byte, ok bool) {
	if depth > protowire.DefaultRecursionLimit {
		return "", nil, false
	}
	var seen map[protowire.Number]int // elements of each repeated field so far
	for len(wire) > 0 {
		num, typ, n := protowire.ConsumeTag(wire)
		if n < 0 {
			return "", nil, false
		}
		wire = wire[n:]
		fd := md.Fields().ByNumber(num)
		if fd == nil || typ != protowire.BytesType || fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.MessageKind {
			// Unknown fields, numbers, packed numbers: nothing to check.
			if n = protowire.ConsumeFieldValue(num, typ, wire); n < 0 {
				return "", nil, false
			}
			wire = wire[n:]
			continue
		}
		value, n := protowire.ConsumeBytes(wire)
		if n < 0 {
			return "", nil, false
		}
		wire = wire[n:]
		path := string(fd.Name())
		if prefix != "" {
			path = prefix + "." + path
		}
		if fd.IsList() {
			if seen == nil {
				seen = map[protowire.Number]int{}
			}
			path += "[" + strconv.Itoa(seen[num]) + "]"
			seen[num]++
		}
		switch {
		case fd.IsMap():
			path, text, ok = invalidUTF8InEntry(value, fd, path, depth)
		case fd.Kind() == protoreflect.StringKind:
			text, ok = value, checksUTF8(fd) && !utf8.Valid(value)
		default:
			path, text, ok = invalidUTF8(value, fd.Message(), path, depth+1)
		}
		if ok {
			return path, text, true
		}
	}
	return "", nil, false
}

// invalidUTF8InEntry is invalidUTF8 for one entry of map field fd, named
// path: a bad string key names the map, a bad value names path["key"].
// Only string keys are written out: no request map has another kind.
func invalidUTF8InEntry(entry []byte, fd protoreflect.FieldDescriptor, path string, depth int) (string, []byte, bool) {
	keyField, valueField := fd.MapKey(), fd.MapValue()
	var key, value []byte
	var hasValue bool
	for len(entry) > 0 {
		num, typ, n := protowire.ConsumeTag(entry)
		if n < 0 {
			return "", nil, false
		}
		entry = entry[n:]
		if typ == protowire.BytesType && (num == keyField.Number() || num == valueField.Number()) {
			b, n := protowire.ConsumeBytes(entry)
			if n < 0 {
				return "", nil, false
			}
			entry = entry[n:]
			if num == keyField.Number() {
				key = b
			} else {
				value, hasValue = b, true
			}
			continue
		}
		if n = protowire.ConsumeFieldValue(num, typ, entry); n < 0 {
			return "", nil, false
		}
		entry = entry[n:]
	}
	if keyField.Kind() == protoreflect.StringKind {
		if checksUTF8(keyField) && !utf8.Valid(key) {
			return path, key, true
		}
		path += "[" + strconv.Quote(string(key)) + "]"
	}
	switch {
	case !hasValue:
		return "", nil, false
	case valueField.Kind() == protoreflect.StringKind:
		return path, value, checksUTF8(valueField) && !utf8.Valid(value)
	case valueField.Kind() == protoreflect.MessageKind:
		return invalidUTF8(value, valueField.Message(), path, depth+1)
	}
	return "", nil, false
}

// checksUTF8 reports whether proto.Unmarshal refuses invalid UTF-8 in
// string field fd: always in proto3, per the field's features in
// editions, never in proto2 (as protobuf-go's internal strs.EnforceUTF8).
func checksUTF8(fd protoreflect.FieldDescriptor) bool {
	if fd.Syntax() == protoreflect.Editions {
		if f, ok := fd.(interface{ EnforceUTF8() bool }); ok {
			return f.EnforceUTF8()
		}
	}
	return fd.Syntax() == protoreflect.Proto3
}

// undecodable holds the refusals of request messages that did not
// decode, each until the interceptor that must return it takes it.
//
// An entry is usually taken microseconds after it is put, but not always:
// after decoding a unary request grpc-go reads on to the end of the
// stream, and a second message or a reset stream fails the call before
// any interceptor runs. So an entry must not outlive its message, and
// must not be mistaken for a later message that the allocator puts at
// the same address: entries are keyed by address and hold the message
// weakly (a dead message's weak pointer is nil, so its entry matches
// nothing), and a cleanup on the message deletes its entry when the
// message is collected. The success path reads one atomic counter.
type undecodable struct {
	n  atomic.Int64 // len(entries), read without the lock
	mu sync.Mutex
	// entries is keyed by the message's address.
	entries map[uintptr]undecodableEntry
}

type undecodableEntry struct {
	msg     weak.Pointer[byte]
	refusal error
}

// put records refusal for message m, a pointer; false if m is not one.
func (u *undecodable) put(m any, refusal error) bool {
	p := address(m)
	if p == nil {
		return false
	}
	key := uintptr(unsafe.Pointer(p))
	wp := weak.Make(p)
	u.mu.Lock()
	if u.entries == nil {
		u.entries = map[uintptr]undecodableEntry{}
	}
	u.entries[key] = undecodableEntry{msg: wp, refusal: refusal}
	u.n.Store(int64(len(u.entries)))
	u.mu.Unlock()
	runtime.AddCleanup(p, u.forget, undecodableKey{key, wp})
	return true
}

// take returns and forgets the refusal recorded for m, nil if none.
func (u *undecodable) take(m any) error {
	if u.n.Load() == 0 {
		return nil
	}
	p := address(m)
	if p == nil {
		return nil
	}
	key := uintptr(unsafe.Pointer(p))
	u.mu.Lock()
	defer u.mu.Unlock()
	e, ok := u.entries[key]
	if !ok || e.msg.Value() != p {
		return nil
	}
	delete(u.entries, key)
	u.n.Store(int64(len(u.entries)))
	return e.refusal
}

type undecodableKey struct {
	addr uintptr
	msg  weak.Pointer[byte]
}

// forget deletes the entry of a collected message, unless it was taken
// or another message at the same address has one since.
func (u *undecodable) forget(k undecodableKey) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if e, ok := u.entries[k.addr]; ok && e.msg == k.msg {
		delete(u.entries, k.addr)
		u.n.Store(int64(len(u.entries)))
	}
}

// pending is how many refusals are held, for tests.
func (u *undecodable) pending() int { return int(u.n.Load()) }

// address is the first byte of the object pointer m points to, nil if m
// is not a non-nil pointer.
func address(m any) *byte {
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil
	}
	return (*byte)(v.UnsafePointer())
}
