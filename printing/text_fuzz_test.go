package printing

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ewaybill/ewaybill/printing/fonts"
)

// withoutSpaces is s with its spaces removed: what a layout must keep of
// a text, since breaking lines may drop the spaces it breaks at.
func withoutSpaces(s string) string { return strings.ReplaceAll(s, " ", "") }

// checkLines fails t unless every line of text is clean (valid UTF-8,
// no control, format or blank character but single inner spaces, not
// empty), fits the width of its box and, all lines together, its height.
func checkLines(t *testing.T, text *Text) {
	t.Helper()
	if len(text.Lines) == 0 {
		t.Fatalf("text element at %+v has no lines", text.Box)
	}
	if last := text.Baseline(len(text.Lines)-1) + 0.25*text.Size; last > text.Box.Y+text.Box.H+1e-9 {
		t.Fatalf("%q overflows its box (baseline %.2f, box ends %.2f)", text.Lines, last, text.Box.Y+text.Box.H)
	}
	for _, line := range text.Lines {
		if w := fonts.Width(text.Style, line) * text.Size; w > text.Box.W+1e-9 {
			t.Fatalf("line %q is %.2f mm in a %.2f mm box", line, w, text.Box.W)
		}
		if line == "" || !utf8.ValidString(line) || line[0] == ' ' || line[len(line)-1] == ' ' || strings.Contains(line, "  ") ||
			strings.IndexFunc(line, func(r rune) bool {
				return r != ' ' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r))
			}) >= 0 {
			t.Fatalf("line %q is not clean text", line)
		}
	}
}

// FuzzFitText lays arbitrary text (any runes, invalid UTF-8, controls,
// combining marks, very long) into boxes of any size the label template
// could use: at least 2 ems wide, wider than any glyph of the label fonts
// (1.12 em at most), where the template's narrowest is 8. It checks that
// the lines are clean and stay inside the box, and that nothing is lost
// silently: an unshortened text keeps every character, and a shortened
// one keeps a beginning of the text and ends with the mark. The seed
// corpus is in testdata/fuzz/FuzzFitText.
func FuzzFitText(f *testing.F) {
	f.Add("龙井茶×2，紫砂壶 USB-C 保温杯", uint16(300), uint16(200), uint8(30), uint8(4), false)
	f.Add(strings.Repeat("很长的地址", 30), uint16(630), uint16(170), uint8(34), uint8(4), false)
	f.Add("a\x00b\tc\r\nd\u200be\ufeff\xff", uint16(100), uint16(40), uint8(28), uint8(1), true)
	f.Add("e\u0301\u0301\u0301 ﷽ 𝕏", uint16(80), uint16(30), uint8(40), uint8(2), true)
	f.Fuzz(func(t *testing.T, s string, width, height uint16, size, maxLines uint8, strong bool) {
		em := 1 + float64(size%91)/10 // 1 to 10 mm
		box := Rect{X: 3, Y: 5, W: 2*em + float64(width%1000)/10, H: em + float64(height%1000)/10}
		style := fonts.Plain
		if strong {
			style = fonts.Strong
		}
		text, shortened := fitText(box, style, em, int(maxLines%9), Left, s)
		if len(text.Lines) > int(maxLines%9) {
			t.Fatalf("%d lines, at most %d asked for", len(text.Lines), maxLines%9)
		}
		clean := withoutSpaces(cleanText(s))
		if len(text.Lines) == 0 {
			if shortened != (clean != "") {
				t.Fatalf("no room for %q, but shortened = %v", s, shortened)
			}
			return
		}
		checkLines(t, text)
		kept := withoutSpaces(strings.Join(text.Lines, ""))
		if !shortened {
			if kept != clean {
				t.Fatalf("%q laid out as %q, not shortened but not whole", s, text.Lines)
			}
			return
		}
		kept, marked := strings.CutSuffix(kept, ellipsis)
		if !marked || !strings.HasPrefix(clean, kept) || len(kept) >= len(clean) {
			t.Fatalf("%q shortened to %q: not a beginning of it with the mark", s, text.Lines)
		}
	})
}

// zplCommands are the commands RenderZPL writes: label setup, field
// origin and separator, boxes, graphic fields (the text), field reverse,
// the two barcodes and their data, print quantity. Anything else in the
// stream came from the data.
var zplCommands = map[string]bool{
	"XA": true, "CI": true, "PW": true, "LL": true, "LH": true, "FO": true, "FS": true, "GB": true,
	"GF": true, "FR": true, "BY": true, "BC": true, "BQ": true, "FD": true, "PQ": true, "XZ": true,
}

// FuzzLabelText composes labels whose text fields (names, phones,
// addresses, items, remark, order code, carrier and routing codes) and
// number are arbitrary, and checks that Compose refuses none whose
// number a carrier's format could print; that every element (and every
// field origin in the ZPL) stays on the label and every text
// inside its box, clean; that a field not reported as shortened is shown
// whole; and that the ZPL for the label is one format of the commands
// RenderZPL writes, with no ^ or ~ from the data (which would be commands
// to the printer) and the barcodes' data being the number. The seed
// corpus is in testdata/fuzz/FuzzLabelText.
func FuzzLabelText(f *testing.F) {
	s := sample()
	f.Add(s.Receiver.Name, s.Receiver.Phone, s.Receiver.Address, s.Sender.Address, s.Items, s.Remark, s.OrderCode, s.Routing.ShortDestination, s.Number, s.WeightG, s.CODFen, s.Copy, false)
	f.Add("^XZ~JR", "~DGR:X", "^FS^FO0,0^GB600,600,300^FS", "\x00\r\n", "~~~", "^^^", "^XA", "^", "SF^XZ^XA~JA", int64(-1), int64(-1), int32(-1), true)
	f.Add("", "", "", "", "", "", "", "", "", int64(0), int64(0), int32(0), false)
	f.Fuzz(func(t *testing.T, name, phone, address, senderAddress, items, remark, orderCode, routing, number string, weight, cod int64, copy int32, large bool) {
		c := sample()
		c.Receiver = Party{Name: name, Phone: phone, Address: address}
		c.Sender = Party{Name: name, Phone: phone, Address: senderAddress}
		c.Items, c.Remark, c.OrderCode = items, remark, orderCode
		c.Carrier, c.Routing = routing, Routing{SortCode: routing, ShortDestination: routing, Hub: routing}
		c.WeightG, c.CODFen, c.Copy = weight, cod, copy
		if number != "" {
			c.Number = number
		}
		size, dpi := Size76x130, 203
		if large {
			size, dpi = Size100x180, 300
		}
		l, shortened, err := Compose(c, size)
		if err != nil {
			// Text never stops a label; a number may, but not one a
			// numbering.Format prints: up to 25 of A to Z and 0 to 9.
			if len(c.Number) <= 25 && strings.Trim(c.Number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
				t.Fatalf("Compose refused a label with number %q: %v", c.Number, err)
			}
			return
		}
		checkLayout(t, l, shortened, c)
		checkZPL(t, l, c.Number, dpi)
	})
}

// checkLayout checks a composed label (see FuzzLabelText).
func checkLayout(t *testing.T, l *Layout, shortened []string, c Content) {
	t.Helper()
	known := []string{FieldReceiverAddress, FieldSenderAddress, FieldItems, FieldRemark}
	for i, field := range shortened {
		if !slices.Contains(known, field) || slices.Contains(shortened[:i], field) {
			t.Fatalf("shortened %v", shortened)
		}
	}
	shown := map[string]bool{}
	for _, e := range l.Elements {
		b := e.area()
		if b.X < 0 || b.Y < 0 || b.X+b.W > l.Size.WidthMM+1e-9 || b.Y+b.H > l.Size.HeightMM+1e-9 {
			t.Fatalf("element %T at %+v leaves the %s label", e, b, l.Size.Name)
		}
		if text, ok := e.(*Text); ok {
			checkLines(t, text)
			shown[withoutSpaces(strings.Join(text.Lines, ""))] = true
		}
	}
	// The reported fields as the template draws them.
	for field, drawn := range map[string]string{
		FieldReceiverAddress: c.Receiver.Address,
		FieldSenderAddress:   c.Sender.Address,
		FieldItems:           "品名 " + c.Items,
		FieldRemark:          "备注 " + c.Remark,
	} {
		if field == FieldRemark && c.Remark == "" || slices.Contains(shortened, field) {
			continue
		}
		if whole := withoutSpaces(cleanText(drawn)); whole != "" && !shown[whole] {
			t.Fatalf("%s %q is not shortened, but no text on the label shows it whole", field, drawn)
		}
	}
}

// checkZPL renders l as ZPL and checks its commands (see FuzzLabelText).
func checkZPL(t *testing.T, l *Layout, number string, dpi int) {
	t.Helper()
	var out bytes.Buffer
	if err := RenderZPL(&out, []*Layout{l}, dpi); err != nil {
		t.Fatal(err)
	}
	zpl := out.String()
	if i := strings.Index(zpl, "~"); i >= 0 {
		t.Fatalf("ZPL holds a ~ (a control command prefix): %.200q", zpl[max(0, i-100):])
	}
	commands := strings.Split(zpl, "^")[1:] // the stream starts with ^XA
	if len(commands) < 2 || !strings.HasPrefix(commands[0], "XA") || !strings.HasPrefix(commands[len(commands)-1], "XZ") {
		t.Fatalf("ZPL is not one ^XA…^XZ format: %.100q … %.100q", zpl, zpl[max(0, len(zpl)-100):])
	}
	dpmm := DotsPerMM(dpi)
	width, height := dots(l.Size.WidthMM, dpmm), dots(l.Size.HeightMM, dpmm)
	var data []string
	for i, cmd := range commands {
		name := cmd[:min(2, len(cmd))]
		if !zplCommands[name] || (name == "XA" || name == "XZ") != (i == 0 || i == len(commands)-1) {
			t.Fatalf("command ^%.40q at %d of %d is not one RenderZPL writes there", cmd, i, len(commands))
		}
		switch name {
		case "FD":
			data = append(data, cmd[2:])
		case "FO":
			xy := strings.Split(strings.TrimSpace(cmd[2:]), ",")
			x, errX := strconv.Atoi(xy[0])
			y, errY := strconv.Atoi(xy[min(1, len(xy)-1)])
			if len(xy) != 2 || errX != nil || errY != nil || x < 0 || y < 0 || x >= width || y >= height {
				t.Fatalf("field origin ^%q is not on the %d×%d-dot label", cmd, width, height)
			}
		}
	}
	// The barcodes' data: the number, Code 128 then QR (in automatic
	// mode), with the guard taking out what would start a command.
	want := []string{zplField(number), "MA," + zplField(number)}
	if !slices.Equal(data, want) {
		t.Fatalf("field data %q, want %q", data, want)
	}
}
