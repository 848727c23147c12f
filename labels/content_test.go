package labels

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/internal/labeltest"
	"github.com/ewaybill/ewaybill/printing"
)

func waybillFor(receiver, sender *ewaybillv1.Party) *ewaybillv1.Waybill {
	return &ewaybillv1.Waybill{
		Name: "merchants/m1/waybills/w1", Number: "SF1234567890123", Carrier: "carriers/SF",
		Order: &ewaybillv1.Order{OrderCode: "O-1", Receiver: receiver, Sender: sender,
			Parcel: &ewaybillv1.Parcel{WeightGrams: 800, ParcelCount: 1}, Items: []*ewaybillv1.Item{{Name: "茶叶", Quantity: 2}}},
	}
}

var sf = &ewaybillv1.Carrier{Code: "SF", DisplayName: "顺丰速运"}

// TestLabelMasking walks the GB/T 41833-2022 rules as labels apply them:
// at least one character of each name, at least six digits of each phone
// number, and the building, unit and room part of the address.
func TestLabelMasking(t *testing.T) {
	for _, c := range []struct {
		name, phone, address               string
		wantName, wantPhone, wantAddressAt string
	}{
		{"李", "13912345678", "文三路 90 号 2 号楼 501 室", "*", "139******78", "浙江省杭州市西湖区文三路 90 号 ****"},
		{"李红", "0571-88889999", "文三路90号2单元501室", "李*", "****-******99", "浙江省杭州市西湖区文三路90号****"},
		{"欧阳红", "010-12345678-123", "人民路88号3栋2单元501室", "欧*红", "***-********-*23", "浙江省杭州市西湖区人民路88号****"},
		{"欧阳小红", "88889999", "文一西路9号B座1201", "欧**红", "******99", "浙江省杭州市西湖区文一西路9号****"},
	} {
		receiver := &ewaybillv1.Party{Name: c.name, Province: "浙江省", City: "杭州市", District: "西湖区", Address: c.address}
		if strings.HasPrefix(c.phone, "1") {
			receiver.Mobile = c.phone
		} else {
			receiver.Landline = c.phone
		}
		got := content(waybillFor(receiver, receiver), sf, nil, nil, 1, time.Now()).Receiver
		if got.Name != c.wantName || got.Phone != c.wantPhone || got.Address != c.wantAddressAt {
			t.Errorf("%s / %s / %s printed as %q / %q / %q; want %q / %q / %q",
				c.name, c.phone, c.address, got.Name, got.Phone, got.Address, c.wantName, c.wantPhone, c.wantAddressAt)
		}
		if hidden := strings.Count(got.Phone, "*"); hidden < 6 {
			t.Errorf("%s shows all but %d digits", c.phone, hidden)
		}
	}
}

// TestNoFullPhoneNumberInAnyFormat renders a label whose parties have a
// mobile, a landline and a phone number typed into the address, in every
// format, and finds none of them in full; revealing the receiver's phone
// shows that one only.
func TestNoFullPhoneNumberInAnyFormat(t *testing.T) {
	receiver := &ewaybillv1.Party{Name: "李小红", Mobile: "13900139000", Province: "浙江省", City: "杭州市", District: "西湖区",
		Address: "文三路 90 号 电话13900139001 501 室"}
	sender := &ewaybillv1.Party{Name: "王小明", Landline: "0755-86013388", Province: "广东省", City: "深圳市", District: "南山区",
		Address: "科技园南区 6 栋 1201 室"}
	phones := []string{"13900139000", "13900139001", "075586013388", "86013388"}
	render := func(revealed []ewaybillv1.LabelField) (pdf, zpl []byte, lines string) {
		t.Helper()
		l, _, err := printing.Compose(content(waybillFor(receiver, sender), sf, nil, revealed, 1, time.Now()), printing.Size76x130)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := printing.RenderZPL(&b, []*printing.Layout{l}, 203); err != nil {
			t.Fatal(err)
		}
		if _, err := printing.RenderPNG(l, 203, printing.Mono); err != nil {
			t.Fatal(err)
		}
		// The PNG is pixels drawn from the layout's text and nothing else,
		// so the layout's text is what it shows.
		var all []string
		for _, e := range l.Elements {
			if text, ok := e.(*printing.Text); ok {
				all = append(all, text.Lines...)
			}
		}
		return printing.RenderPDF([]*printing.Layout{l}), b.Bytes(), strings.Join(all, "\n")
	}
	digitsOnly := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			if r == '\n' {
				return ' '
			}
			return -1
		}, s)
	}
	labeltest.Require(t, "pdf")
	pdf, zpl, lines := render(nil)
	text, err := labeltest.PDFText(pdf)
	if err != nil {
		t.Fatal(err)
	}
	for _, phone := range phones {
		for format, out := range map[string]string{"PDF text": digitsOnly(text), "ZPL": string(zpl), "PNG (layout text)": digitsOnly(lines)} {
			if strings.Contains(out, phone) {
				t.Errorf("%s shows %s", format, phone)
			}
		}
	}
	pdf, _, lines = render([]ewaybillv1.LabelField{ewaybillv1.LabelField_LABEL_FIELD_RECEIVER_PHONE})
	if text, _ = labeltest.PDFText(pdf); !strings.Contains(text, "13900139000") || !strings.Contains(lines, "13900139000") {
		t.Errorf("a revealed receiver phone is not printed:\n%s", lines)
	}
	if strings.Contains(digitsOnly(lines), "075586013388") || strings.Contains(lines, "13900139001") {
		t.Errorf("revealing the receiver's phone showed other numbers:\n%s", lines)
	}
}
