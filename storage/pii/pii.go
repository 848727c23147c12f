// Package pii seals the personal fields of stored records (names, phone
// numbers, addresses) with a sealing.Keyring, at the encode/decode
// boundary of the tables that hold them, so the rest of the program sees
// plain messages. Every storage backend stores these records through it,
// with the same table names and record keys, so a record sealed by one
// backend opens in another.
package pii

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/sealing"
)

// A record holding personal data is stored as its own protobuf encoding
// with the personal fields cut out, plus one extra field, number
// sealedField, that holds a sealed value (see package sealing: the key id
// and the nonce are in it) of the cut-out fields, themselves encoded as a
// message of the record's type. Decoding parses the record, opens the
// sealed field and merges its contents back: protobuf merges a message
// field that occurs twice, so order.sender sealed apart lands inside the
// order that stayed in clear. The sealed value is bound to the table and
// key of its record (GCM additional data), so it does not open elsewhere.
//
// Everything else stays in clear and in place: listings, filters and the
// offline checks read numbers, states and carriers without a key. A
// record written before sealing existed has no sealed field and its
// personal fields in clear; it reads as it is and is sealed when next
// written or by RotatePII. Older binaries would read a sealed record as
// one without personal data, which is why boltstore's schema 5 marks the
// file.

// sealedField is the field number of the sealed value: the highest number
// protobuf allows, which no message of ours will ever declare.
const sealedField protowire.Number = protowire.MaxValidNumber

// Record kinds, named as in a rotation's report.
const (
	KindWaybills        = "waybills"
	KindMerchants       = "merchants"
	KindMappingProfiles = "mapping profiles"
)

// Which fields are personal, by table. Only these are sealed, so what the
// service lists, filters and checks by (numbers, states, carriers, times,
// order codes, credit codes) stays readable. Provinces and cities are
// sealed with their parties: nothing filters by them, and a destination
// says much about a person.
var (
	// A waybill's sender and receiver: names, phones, addresses.
	Waybills = Define(KindWaybills, "waybills", &ewaybillv1.Waybill{}, "order.sender", "order.receiver")
	// A merchant's legal representative (name, resident ID number) and
	// contact person (name, mobile). The company's legal name and credit
	// code are the business's, not a person's, and are indexed.
	Merchants = Define(KindMerchants, "merchants", &ewaybillv1.Merchant{}, "qualification.legal_representative", "qualification.contact")
	// A mapping profile's field mappings: their fixed and default values
	// commonly hold the sender's name, mobile and address (a shop's
	// profile fixes its own). The whole list is sealed: nothing lists or
	// filters by it, and a repeated field sealed whole merges back in
	// order.
	MappingProfiles = Define(KindMappingProfiles, "mapping_profiles", &ewaybillv1.MappingProfile{}, "fields")

	// All lists every table holding personal data.
	All = []*Fields{Waybills, Merchants, MappingProfiles}
)

// Fields describes the personal fields of one table's records.
type Fields struct {
	// Kind names the records in reports.
	Kind string
	// Table is the table (bbolt: bucket) name a sealed value is bound to,
	// with its record's key.
	Table []byte
	// Paths names the fields for messages ("order.sender, order.receiver").
	Paths  string
	fields *fieldSet
}

// fieldSet is the personal part of one message: fields sealed whole, and
// message fields whose own fields are partly personal.
type fieldSet struct {
	whole  []protowire.Number
	nested []nestedFields
}

type nestedFields struct {
	num    protowire.Number
	fields *fieldSet
}

// Define resolves dotted field paths on m's type. It panics on a
// path that does not resolve, or that passes through a field a merge
// would not put back in place (a repeated or map field), so a renamed
// field fails every test at once.
func Define(kind, table string, m proto.Message, paths ...string) *Fields {
	p := &Fields{Kind: kind, Table: []byte(table), Paths: strings.Join(paths, ", "), fields: &fieldSet{}}
	for _, path := range paths {
		md := m.ProtoReflect().Descriptor()
		set := p.fields
		parts := strings.Split(path, ".")
		for i, name := range parts {
			fd := md.Fields().ByName(protoreflect.Name(name))
			if fd == nil {
				panic(fmt.Sprintf("pii: %s has no field %s (personal path %s)", md.FullName(), name, path))
			}
			if i == len(parts)-1 {
				set.whole = append(set.whole, fd.Number())
				break
			}
			if fd.Kind() != protoreflect.MessageKind || fd.IsList() || fd.IsMap() {
				panic(fmt.Sprintf("pii: personal path %s passes through %s, which is not a singular message", path, fd.FullName()))
			}
			set = set.sub(fd.Number(), true)
			md = fd.Message()
		}
	}
	return p
}

func (s *fieldSet) isWhole(num protowire.Number) bool {
	for _, n := range s.whole {
		if n == num {
			return true
		}
	}
	return false
}

func (s *fieldSet) sub(num protowire.Number, create bool) *fieldSet {
	for _, n := range s.nested {
		if n.num == num {
			return n.fields
		}
	}
	if !create {
		return nil
	}
	f := &fieldSet{}
	s.nested = append(s.nested, nestedFields{num: num, fields: f})
	return f
}

var errWire = errors.New("malformed protobuf encoding")

// measure returns how many bytes of the encoded message b stay in clear
// and how many are personal, as split would write them.
func (s *fieldSet) measure(b []byte) (clearLen, secretLen int, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, 0, errWire
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return 0, 0, errWire
		}
		switch sub := s.sub(num, false); {
		case s.isWhole(num):
			secretLen += n + m
		case sub != nil && typ == protowire.BytesType:
			v, _ := protowire.ConsumeBytes(b[n:])
			c, p, err := sub.measure(v)
			if err != nil {
				return 0, 0, err
			}
			clearLen += n + protowire.SizeBytes(c)
			if p > 0 {
				secretLen += n + protowire.SizeBytes(p)
			}
		default:
			clearLen += n + m
		}
		b = b[n+m:]
	}
	return clearLen, secretLen, nil
}

// split appends the fields of the encoded message b that stay in clear to
// clearOut and the personal ones to secret, each a valid encoding of the
// message's type, in one pass: a nested message's length is written
// after its contents, as protobuf's own encoder does.
func (s *fieldSet) split(b, clearOut, secret []byte) ([]byte, []byte, error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, nil, errWire
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, nil, errWire
		}
		switch sub := s.sub(num, false); {
		case s.isWhole(num):
			secret = append(secret, b[:n+m]...)
		case sub != nil && typ == protowire.BytesType:
			v, _ := protowire.ConsumeBytes(b[n:])
			clearOut = append(clearOut, b[:n]...)
			clearAt := len(clearOut)
			secretStart := len(secret)
			secret = append(secret, b[:n]...)
			secretAt := len(secret)
			// One byte holds a length below 128, the usual case.
			clearOut, secret = append(clearOut, 0), append(secret, 0)
			var err error
			if clearOut, secret, err = sub.split(v, clearOut, secret); err != nil {
				return nil, nil, err
			}
			clearOut = putLength(clearOut, clearAt)
			if len(secret) == secretAt+1 {
				secret = secret[:secretStart] // nothing personal inside
			} else {
				secret = putLength(secret, secretAt)
			}
		default:
			clearOut = append(clearOut, b[:n+m]...)
		}
		b = b[n+m:]
	}
	return clearOut, secret, nil
}

// putLength writes, at buf[at] (a byte reserved for it), the length of
// what follows it, moving that along if the length needs more bytes.
func putLength(buf []byte, at int) []byte {
	n := len(buf) - at - 1
	size := protowire.SizeVarint(uint64(n))
	if size > 1 {
		buf = append(buf, make([]byte, size-1)...)
		copy(buf[at+size:], buf[at+1:at+1+n])
	}
	protowire.AppendVarint(buf[:at], uint64(n))
	return buf
}

// CutSealed finds the sealed field of an encoded record: it returns the
// record without it and the sealed value, or raw and nil when there is
// none. The field is written last, so body usually aliases raw.
func CutSealed(raw []byte) (body, sealed []byte, err error) {
	b := raw
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, nil, errWire
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, nil, errWire
		}
		if num == sealedField && typ == protowire.BytesType {
			start := len(raw) - len(b)
			sealed, _ = protowire.ConsumeBytes(b[n:])
			body = raw[:start:start]
			if rest := b[n+m:]; len(rest) > 0 {
				body = append(bytes.Clone(body), rest...)
			}
			return body, sealed, nil
		}
		b = b[n+m:]
	}
	return raw, nil, nil
}

// Scratch holds the buffers one encode or decode needs; they hold
// plaintext personal data, so they are wiped before going back.
type Scratch struct {
	// Raw is for the caller's encoding of the record (Release wipes it).
	Raw        []byte
	secret, ad []byte
}

var scratchPool = sync.Pool{New: func() any { return new(Scratch) }}

// GetScratch takes buffers from a pool; Release gives them back wiped.
func GetScratch() *Scratch { return scratchPool.Get().(*Scratch) }

// Release wipes the buffers and returns them to the pool.
func (s *Scratch) Release() {
	clear(s.Raw)
	clear(s.secret)
	s.Raw, s.secret, s.ad = s.Raw[:0], s.secret[:0], s.ad[:0]
	scratchPool.Put(s)
}

// additionalData is what a record's sealed value is bound to: its table
// and key.
func additionalData(dst, table, key []byte) []byte {
	dst = append(dst, table...)
	dst = append(dst, 0)
	return append(dst, key...)
}

// Seal returns the record raw (an encoding without a sealed field) with
// its personal fields sealed, opened prepended to them (personal fields
// opened from an older sealed value); holds says whether there were any.
// A record without personal data comes back as it was. The result is a
// new slice: a bbolt transaction keeps it until the commit.
func (p *Fields) Seal(keys *sealing.Keyring, key, raw, opened []byte, sc *Scratch) (out []byte, holds bool, err error) {
	out, _, holds, err = p.sealParts(keys, key, raw, opened, sc)
	return out, holds, err
}

// sealParts is Seal that also says where the fields in clear end and the
// sealed field (if any) begins.
func (p *Fields) sealParts(keys *sealing.Keyring, key, raw, opened []byte, sc *Scratch) (out []byte, clearLen int, holds bool, err error) {
	overhead := 0
	if keys != nil {
		overhead = keys.Overhead()
	}
	// Room for the clear fields, the personal ones sealed, the sealed
	// field's tag and length and a nested message's tag and length
	// repeated on both sides: one allocation.
	out = make([]byte, 0, len(raw)+len(opened)+overhead+32)
	// opened may be sc.secret's own contents; appending it to its own
	// start copies nothing.
	secret := append(sc.secret[:0], opened...)
	out, secret, err = p.fields.split(raw, out, secret)
	sc.secret = secret
	if err != nil || len(secret) == 0 {
		return out, len(out), false, err
	}
	if keys == nil {
		return nil, 0, true, errors.New("the record holds personal data and the store has no PII key to seal it with")
	}
	clearLen = len(out)
	out = protowire.AppendTag(out, sealedField, protowire.BytesType)
	out = protowire.AppendVarint(out, uint64(overhead+len(secret)))
	sc.ad = additionalData(sc.ad[:0], p.Table, key)
	return keys.Seal(out, secret, sc.ad), clearLen, true, nil
}

// Prepared is a record encoded and sealed ahead of the transaction that
// writes it, its fields in clear and its sealed field apart, so that Join
// can put the fields only that transaction knows between them and the
// sealed field stays last (where CutSealed finds it without copying).
type Prepared struct {
	Clear, Sealed []byte
}

// Prepare encodes m and seals its personal fields for the record key, as
// a put would, so that sealing happens outside the writer's transaction.
func (p *Fields) Prepare(keys *sealing.Keyring, key []byte, m proto.Message) (Prepared, error) {
	sc := GetScratch()
	defer sc.Release()
	raw, err := MarshalOptions.MarshalAppend(sc.Raw[:0], m)
	sc.Raw = raw
	if err != nil {
		return Prepared{}, err
	}
	out, clearLen, _, err := p.sealParts(keys, key, raw, nil, sc)
	if err != nil {
		return Prepared{}, err
	}
	return Prepared{Clear: out[:clearLen:clearLen], Sealed: out[clearLen:]}, nil
}

// ErrLatePersonal refuses late fields that hold personal data: Join would
// store them in clear, and only Prepare seals.
var ErrLatePersonal = errors.New("the late fields hold personal data, which only a prepared record seals")

// Join returns the record rec with late's encoding between its fields in
// clear and its sealed field: protobuf merges fields that occur more than
// once, so it reads as the prepared record merged with late. The error is
// ErrLatePersonal (wrapped, naming the personal paths) when late holds
// personal data, else an encoding error.
func (p *Fields) Join(rec Prepared, late proto.Message) ([]byte, error) {
	out := make([]byte, 0, len(rec.Clear)+len(rec.Sealed)+96)
	out = append(out, rec.Clear...)
	out, err := MarshalOptions.MarshalAppend(out, late)
	if err != nil {
		return nil, err
	}
	holds, err := p.HoldsPersonal(out[len(rec.Clear):])
	if err != nil {
		return nil, err
	}
	if holds {
		return nil, fmt.Errorf("%w (%s)", ErrLatePersonal, p.Paths)
	}
	return append(out, rec.Sealed...), nil
}

// Open returns the plaintext of a record's sealed value, in sc.secret.
func (p *Fields) Open(keys *sealing.Keyring, key, sealed []byte, sc *Scratch) ([]byte, error) {
	sc.ad = additionalData(sc.ad[:0], p.Table, key)
	plain, err := keys.Open(sc.secret[:0], sealed, sc.ad)
	if err != nil {
		// With the record's table and key, which the caller adds, the
		// field names say what failed to open; never the values.
		return nil, fmt.Errorf("personal data (%s): %w", p.Paths, err)
	}
	sc.secret = plain
	return plain, nil
}

// MarshalOptions is how records are encoded: deterministically, so a
// record written twice unchanged is the same bytes in clear.
var MarshalOptions = proto.MarshalOptions{Deterministic: true}

// Encode encodes v, the record stored under key, with its personal
// fields sealed.
func (p *Fields) Encode(keys *sealing.Keyring, key []byte, v proto.Message) ([]byte, error) {
	sc := GetScratch()
	defer sc.Release()
	raw, err := MarshalOptions.MarshalAppend(sc.Raw[:0], v)
	sc.Raw = raw
	if err != nil {
		return nil, err
	}
	out, _, err := p.Seal(keys, key, raw, nil, sc)
	return out, err
}

// Decode fills v from a stored record. Without keys (a read-only store
// opened for checks) the personal fields stay sealed and read empty.
func (p *Fields) Decode(keys *sealing.Keyring, key, raw []byte, v proto.Message) error {
	body, sealed, err := CutSealed(raw)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(body, v); err != nil {
		return err
	}
	if sealed == nil || keys == nil {
		return nil
	}
	sc := GetScratch()
	defer sc.Release()
	plain, err := p.Open(keys, key, sealed, sc)
	if err != nil {
		return err
	}
	return proto.UnmarshalOptions{Merge: true}.Unmarshal(plain, v)
}

// HoldsPersonal reports whether the encoded record b has any personal
// field in clear (a record's late fields must not).
func (p *Fields) HoldsPersonal(b []byte) (bool, error) {
	_, secret, err := p.fields.measure(b)
	return secret > 0, err
}

// Reseal reports how the record raw stores its personal data: holds is
// false when it has none; from is the key it is sealed with, "" when in
// clear. With rewrite, sealed is the record sealed with the active key,
// nil when it already is.
func (p *Fields) Reseal(keys *sealing.Keyring, key, raw []byte, rewrite bool, sc *Scratch) (from string, holds bool, sealed []byte, err error) {
	body, blob, err := CutSealed(raw)
	if err != nil {
		return "", false, nil, err
	}
	if blob != nil {
		if from, err = sealing.KeyID(blob); err != nil {
			return "", false, nil, fmt.Errorf("personal data (%s): %w", p.Paths, err)
		}
		if !rewrite || from == keys.Active() {
			return from, true, nil, nil
		}
		plain, err := p.Open(keys, key, blob, sc)
		if err != nil {
			return "", false, nil, err
		}
		sealed, _, err = p.Seal(keys, key, body, plain, sc)
		return from, true, sealed, err
	}
	if _, n, err := p.fields.measure(raw); err != nil || n == 0 {
		return "", false, nil, err
	}
	if rewrite {
		sealed, _, err = p.Seal(keys, key, raw, nil, sc)
	}
	return "", true, sealed, err
}
