package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"
)

// maxPathLen bounds a source path in bytes; real order schemas nest a few
// levels, and a bound keeps a hostile profile from costing much.
const maxPathLen = 256

// pathHint closes every path syntax message, because the grammar is easier
// to grasp from examples.
const pathHint = "a path is keys of letters, digits, _ or - separated by dots, with [] after a key that holds an array, such as buyer.contact.mobile or lines[].title"

// segment is one key of a path.
type segment struct {
	key string
	// each is set when the key is followed by "[]": the value there is an
	// array whose elements are walked one by one.
	each bool
}

// path is a parsed source path.
type path struct {
	text string
	segs []segment
}

// parsePath parses s, returning a message that says what is wrong with it
// when it is not a valid path.
func parsePath(s string) (path, string) {
	switch {
	case s == "":
		return path{}, "the path is empty; " + pathHint
	case len(s) > maxPathLen:
		return path{}, fmt.Sprintf("the path is %d bytes long, more than %d", len(s), maxPathLen)
	case !utf8.ValidString(s):
		return path{}, "the path is not valid UTF-8"
	}
	p := path{text: s}
	for i, part := range strings.Split(s, ".") {
		if part == "" {
			return path{}, fmt.Sprintf("key %d of the path is empty (a dot at the start or end, or two dots in a row); %s", i+1, pathHint)
		}
		key, each := strings.CutSuffix(part, "[]")
		if key == "" {
			return path{}, fmt.Sprintf("key %d of the path is [] without a key before it; %s", i+1, pathHint)
		}
		for _, r := range key {
			if !keyRune(r) {
				return path{}, fmt.Sprintf("key %d of the path, %q, holds %q, which a key may not; %s", i+1, part, r, pathHint)
			}
		}
		p.segs = append(p.segs, segment{key: key, each: each})
	}
	return p, ""
}

// keyRune reports whether r may appear in a path key: ASCII letters, digits,
// '_' and '-', and letters of any other script (Chinese keys are common).
func keyRune(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '-':
		return true
	default:
		return r >= utf8.RuneSelf && unicode.IsLetter(r)
	}
}

// eachCount is how many segments of p walk an array.
func (p path) eachCount() int {
	n := 0
	for _, s := range p.segs {
		if s.each {
			n++
		}
	}
	return n
}

// splitEach splits an items[] path at its one "[]": the keys leading to the
// array (the last of them marked each) and the keys read in each element.
func (p path) splitEach() (array, inElement []segment) {
	for i, s := range p.segs {
		if s.each {
			return p.segs[:i+1], p.segs[i+1:]
		}
	}
	return p.segs, nil
}

// keysText renders keys as a concrete path, without "[]".
func keysText(segs []segment) string {
	keys := make([]string, len(segs))
	for i, s := range segs {
		keys[i] = s.key
	}
	return strings.Join(keys, ".")
}

// elementText renders the concrete path of element i of the array that
// array leads to, followed by the keys read in it: "lines[2].title".
func elementText(array []segment, i int, inElement []segment) string {
	s := keysText(array) + "[" + strconv.Itoa(i) + "]"
	if len(inElement) > 0 {
		s += "." + keysText(inElement)
	}
	return s
}

// absent reports whether v counts as missing: no value, null or "".
func absent(v *structpb.Value) bool {
	switch k := v.GetKind().(type) {
	case nil, *structpb.Value_NullValue:
		return true
	case *structpb.Value_StringValue:
		return k.StringValue == ""
	default:
		return false
	}
}

// follow walks the keys of segs (ignoring their each marks) from v. It
// returns the value found, or nil when something on the way is absent. When
// a value on the way is present but not an object, it returns that value
// and how many keys were walked before it, so the caller can say where the
// path broke; otherwise stuck is -1.
func follow(v *structpb.Value, segs []segment) (got *structpb.Value, stuck int) {
	for i, s := range segs {
		if absent(v) {
			return nil, -1
		}
		obj, ok := v.GetKind().(*structpb.Value_StructValue)
		if !ok {
			return v, i
		}
		v = obj.StructValue.GetFields()[s.key]
	}
	if absent(v) {
		return nil, -1
	}
	return v, -1
}

// kindName names the JSON type of v for messages.
func kindName(v *structpb.Value) string {
	switch v.GetKind().(type) {
	case *structpb.Value_StructValue:
		return "an object"
	case *structpb.Value_ListValue:
		return "an array"
	case *structpb.Value_BoolValue:
		return "a boolean"
	case *structpb.Value_NumberValue:
		return "a number"
	case *structpb.Value_StringValue:
		return "a string"
	default:
		return "null"
	}
}
