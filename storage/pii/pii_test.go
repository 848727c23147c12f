package pii

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/sealing"
)

const testPhone = "13987654321"

func testRing(t testing.TB) *sealing.Keyring {
	t.Helper()
	r, err := sealing.Parse([]byte("A:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, sealing.KeySize))), "test keys", "line")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPersonalFieldsRejectsPathsItCannotSeal(t *testing.T) {
	for _, path := range []string{"order.nobody", "order.items.name"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("path %s accepted", path)
				}
			}()
			Define("x", "x", &ewaybillv1.Waybill{}, path)
		}()
	}
}

// The split keeps a message field that occurs twice (protobuf merges
// them) and any field the binary does not know, in clear.
func TestSplitKeepsRepeatedOccurrencesAndUnknownFields(t *testing.T) {
	keys := testRing(t)
	a := &ewaybillv1.Waybill{Number: "SF1", Order: &ewaybillv1.Order{OrderCode: "O1", Sender: &ewaybillv1.Party{Name: "甲"}}}
	b := &ewaybillv1.Waybill{Order: &ewaybillv1.Order{Receiver: &ewaybillv1.Party{Mobile: testPhone}, Remark: "r"}}
	ra, _ := proto.Marshal(a)
	rb, _ := proto.Marshal(b)
	raw := append(append(ra, rb...), protowire.AppendString(protowire.AppendTag(nil, 999, protowire.BytesType), "future")...)
	sc := GetScratch()
	defer sc.Release()
	stored, holds, err := Waybills.Seal(keys, []byte("k"), raw, nil, sc)
	if err != nil || !holds {
		t.Fatal(holds, err)
	}
	if bytes.Contains(stored, []byte(testPhone)) || bytes.Contains(stored, []byte("甲")) || !bytes.Contains(stored, []byte("future")) {
		t.Errorf("stored %q", stored)
	}
	got := new(ewaybillv1.Waybill)
	if err := Waybills.Decode(keys, []byte("k"), stored, got); err != nil {
		t.Fatal(err)
	}
	want := new(ewaybillv1.Waybill)
	proto.Unmarshal(raw, want)
	if !proto.Equal(got, want) {
		t.Errorf("decoded %v, want %v", got, want)
	}
}

// Nested lengths are written after their contents; lengths of one, two
// and three varint bytes on either side all come back.
func TestSplitLengthsOfEverySize(t *testing.T) {
	keys := testRing(t)
	for _, c := range []struct{ clearText, personalText int }{{1, 1}, {10, 200}, {200, 10}, {300, 20000}, {20000, 300}, {0, 0}} {
		w := &ewaybillv1.Waybill{Number: "SF1", Order: &ewaybillv1.Order{Remark: strings.Repeat("r", c.clearText)}}
		if c.personalText > 0 {
			w.Order.Receiver = &ewaybillv1.Party{Address: strings.Repeat("a", c.personalText)}
		}
		stored, err := Waybills.Encode(keys, []byte("k"), w)
		if err != nil {
			t.Fatal(err)
		}
		_, sealed, _ := CutSealed(stored)
		if (sealed != nil) != (c.personalText > 0) {
			t.Errorf("%+v: sealed field present: %v", c, sealed != nil)
		}
		got := new(ewaybillv1.Waybill)
		if err := Waybills.Decode(keys, []byte("k"), stored, got); err != nil || !proto.Equal(got, w) {
			t.Errorf("%+v: decoded %v, %v", c, got, err)
		}
	}
}
