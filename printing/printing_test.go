package printing

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ewaybill/ewaybill/internal/labeltest"
	"github.com/ewaybill/ewaybill/printing/fonts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sample is a fixed label with every area filled, personal data already
// masked as labels are.
func sample() Content {
	return Content{
		Carrier:   "顺丰速运",
		Number:    "SF1234567890123",
		Routing:   Routing{SortCode: "571-XH-07", ShortDestination: "杭州西湖", Hub: "杭州转运中心"},
		Receiver:  Party{Name: "李*红", Phone: "139******00", Address: "浙江省杭州市西湖区文三路 90 号东部****"},
		Sender:    Party{Name: "王**明", Phone: "***-******78", Address: "广东省深圳市南山区科技园南区****"},
		OrderCode: "TB-20261121-0001",
		WeightG:   1250,
		Parcels:   1,
		Items:     "龙井茶×2，茶具套装，紫砂壶 USB-C 保温杯×3，茶叶罐，茶盘，茶巾×4",
		Remark:    "易碎，轻放",
		CODFen:    12345,
		Printed:   time.Date(2026, 11, 21, 1, 30, 0, 0, time.UTC),
		Copy:      2,
	}
}

func compose(t testing.TB, c Content, size Size) *Layout {
	t.Helper()
	l, _, err := Compose(c, size)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// wantScans decodes the Code 128 and the QR code of a rendered label.
func wantScans(t *testing.T, img image.Image, want string) {
	t.Helper()
	if got, err := labeltest.DecodeCode128(img); got != want {
		t.Errorf("Code 128 = %q, %v; want %q", got, err, want)
	}
	if got, err := labeltest.DecodeQR(img); got != want {
		t.Errorf("QR = %q, %v; want %q", got, err, want)
	}
}

var (
	sizes = []Size{Size76x130, Size100x180}
	dpis  = []int{203, 300}
)

func TestPNGScansAndIsSizedToTheLabel(t *testing.T) {
	for _, size := range sizes {
		l := compose(t, sample(), size)
		for _, dpi := range dpis {
			for _, colour := range []Colour{Mono, Grey} {
				t.Run(fmt.Sprintf("%s/%d/%d", size.Name, dpi, colour), func(t *testing.T) {
					b, err := RenderPNG(l, dpi, colour)
					if err != nil {
						t.Fatal(err)
					}
					img := decodePNG(t, b)
					dpmm := DotsPerMM(dpi)
					if got := img.Bounds(); got.Dx() != dots(size.WidthMM, dpmm) || got.Dy() != dots(size.HeightMM, dpmm) {
						t.Fatalf("size %v at %d dpi", got, dpi)
					}
					if _, mono := img.(*image.Paletted); mono != (colour == Mono) {
						t.Fatalf("colour %d decoded as %T", colour, img)
					}
					if !bytes.Contains(b[:64], []byte("pHYs")) {
						t.Fatal("no pHYs chunk: viewers would not know the label's size")
					}
					wantScans(t, img, "SF1234567890123")
				})
			}
		}
	}
}

func TestPDFScansWhenRasterised(t *testing.T) {
	labeltest.Require(t, "pdf")
	for _, size := range sizes {
		doc := RenderPDF([]*Layout{compose(t, sample(), size)})
		for _, dpi := range dpis {
			pages, err := labeltest.RasterizePDF(doc, dpi)
			if err != nil || len(pages) != 1 {
				t.Fatalf("%s at %d dpi: %d pages, %v", size.Name, dpi, len(pages), err)
			}
			wantScans(t, pages[0], "SF1234567890123")
		}
	}
}

func TestZPLScansWhenRenderedByAZPLEngine(t *testing.T) {
	labeltest.Require(t, "zpl")
	numbers := []string{"SF1234567890123", "SF9876543210987"}
	for _, size := range sizes {
		for _, dpi := range dpis {
			var layouts []*Layout
			for _, n := range numbers {
				c := sample()
				c.Number = n
				layouts = append(layouts, compose(t, c, size))
			}
			var zpl bytes.Buffer
			if err := RenderZPL(&zpl, layouts, dpi); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(zpl.String(), "^BCN,") || !strings.Contains(zpl.String(), "^BQN,2,") || !strings.Contains(zpl.String(), "^GFA,") {
				t.Fatalf("ZPL lacks printer barcodes or graphic fields:\n%.300s", zpl.String())
			}
			imgs, err := labeltest.RenderZPL(zpl.Bytes(), size.WidthMM, size.HeightMM, int(DotsPerMM(dpi)))
			if err != nil || len(imgs) != len(numbers) {
				t.Fatalf("%s at %d dpi: %d images, %v", size.Name, dpi, len(imgs), err)
			}
			for i, img := range imgs {
				wantScans(t, img, numbers[i])
			}
		}
	}
}

// TestGolden pins the ZPL text and the PNG pixels of the sample label;
// run with -update after a deliberate change and look at the new PNG.
func TestGolden(t *testing.T) {
	l := compose(t, sample(), Size76x130)
	var zpl bytes.Buffer
	if err := RenderZPL(&zpl, []*Layout{l}, 203); err != nil {
		t.Fatal(err)
	}
	pngBytes, err := RenderPNG(l, 203, Mono)
	if err != nil {
		t.Fatal(err)
	}
	zplPath, pngPath := filepath.Join("testdata", "sample-76x130-203.zpl"), filepath.Join("testdata", "sample-76x130-203.png")
	if *update {
		if err := os.WriteFile(zplPath, zpl.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pngPath, pngBytes, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantZPL, err := os.ReadFile(zplPath)
	if err != nil {
		t.Fatalf("%v (run go test ./printing -run Golden -update)", err)
	}
	if !bytes.Equal(zpl.Bytes(), wantZPL) {
		t.Errorf("ZPL differs from %s (run with -update if the change is intended)", zplPath)
	}
	wantPNG, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	got, want := decodePNG(t, pngBytes).(*image.Paletted), decodePNG(t, wantPNG).(*image.Paletted)
	if got.Rect != want.Rect || !bytes.Equal(got.Pix, want.Pix) {
		diff := 0
		for i := range min(len(got.Pix), len(want.Pix)) {
			if got.Pix[i] != want.Pix[i] {
				diff++
			}
		}
		t.Errorf("PNG pixels differ from %s in %d pixels (run with -update if the change is intended)", pngPath, diff)
	}
}

// TestTextStaysInsideItsArea: long fields are shortened with a mark and
// reported; no line is wider than its box and no box holds more lines
// than fit.
func TestTextStaysInsideItsArea(t *testing.T) {
	c := sample()
	c.Receiver.Address = strings.Repeat("很长的地址", 30)
	c.Sender.Address = strings.Repeat("Long Street Name ", 20)
	c.Items = strings.Repeat("商品", 100)
	c.Remark = strings.Repeat("备注", 50)
	c.Carrier = strings.Repeat("快递", 20)
	for _, size := range sizes {
		l, shortened, err := Compose(c, size)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{FieldReceiverAddress, FieldSenderAddress, FieldItems, FieldRemark}; strings.Join(shortened, ",") != strings.Join(want, ",") {
			t.Fatalf("%s: shortened %v, want %v", size.Name, shortened, want)
		}
		marks := 0
		for _, e := range l.Elements {
			b := e.area()
			if b.X < 0 || b.Y < 0 || b.X+b.W > size.WidthMM+1e-9 || b.Y+b.H > size.HeightMM+1e-9 {
				t.Fatalf("%s: element %T at %+v leaves the label", size.Name, e, b)
			}
			text, ok := e.(*Text)
			if !ok {
				continue
			}
			if last := text.Baseline(len(text.Lines)-1) + 0.25*text.Size; last > b.Y+b.H+1e-9 {
				t.Fatalf("%s: %q overflows its box (baseline %.2f, box ends %.2f)", size.Name, text.Lines, last, b.Y+b.H)
			}
			for _, line := range text.Lines {
				if w := fonts.Width(text.Style, line) * text.Size; w > b.W+1e-9 {
					t.Fatalf("%s: line %q is %.2f mm in a %.2f mm box", size.Name, line, w, b.W)
				}
				if strings.HasSuffix(line, "…") {
					marks++
				}
			}
		}
		if marks < 5 {
			t.Fatalf("%s: %d shortened lines carry the mark, want 5", size.Name, marks)
		}
	}
}

// TestMarksOnPreviewsAndReprints: a preview and a reprint say so on the
// label; a first print carries no mark.
func TestMarksOnPreviewsAndReprints(t *testing.T) {
	for copy, want := range map[int32]string{0: "预览 PREVIEW", 1: "", 2: "补打 第2次", 11: "补打 第11次"} {
		c := sample()
		c.Copy = copy
		var found string
		for _, e := range compose(t, c, Size76x130).Elements {
			if text, ok := e.(*Text); ok && text.Ink == White && len(text.Lines) == 1 && (strings.HasPrefix(text.Lines[0], "预览") || strings.HasPrefix(text.Lines[0], "补打")) {
				found = text.Lines[0]
			}
		}
		if found != want {
			t.Errorf("copy %d: mark %q, want %q", copy, found, want)
		}
	}
}

// TestPDFIsSmallAndOneDocument: a one-label PDF embeds only the glyphs it
// uses; 200 labels are one document of 200 pages.
func TestPDFIsSmallAndOneDocument(t *testing.T) {
	one := RenderPDF([]*Layout{compose(t, sample(), Size76x130)})
	t.Logf("one-label PDF: %d bytes", len(one))
	if len(one) > 40_000 {
		t.Fatalf("one-label PDF is %d bytes; the fonts are not subset?", len(one))
	}
	labeltest.Require(t, "pdf")
	layouts := make([]*Layout, 200)
	for i := range layouts {
		c := sample()
		c.Number = fmt.Sprintf("SF%013d", 1000000000000+int64(i))
		layouts[i] = compose(t, c, Size76x130)
	}
	many := RenderPDF(layouts)
	t.Logf("200-label PDF: %d bytes", len(many))
	if pages, err := labeltest.PDFPages(many); err != nil || pages != 200 {
		t.Fatalf("200-label PDF has %d pages, %v", pages, err)
	}
	text, err := labeltest.PDFText(one)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"顺丰速运", "SF1234567890123", "571-XH-07", "杭州西湖", "李*红", "139******00", "补打 第2次", "代收货款 ¥123.45"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
}

func TestLinesBreakBetweenWords(t *testing.T) {
	box := Rect{W: 30, H: 20}
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"龙井茶×2，紫砂壶 USB-C 保温杯", []string{"龙井茶×2，紫砂壶", "USB-C 保温杯"}},
		{"文三路 90 号东部****", []string{"文三路 90 号东部", "****"}},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGH", []string{"ABCDEFGHIJKLMN", "OPQRSTUVWXYZAB", "CDEFGH"}},
	} {
		text, _ := fitText(box, fonts.Plain, 3, 4, Left, c.in)
		if strings.Join(text.Lines, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q broke as %q, want %q", c.in, text.Lines, c.want)
		}
		for _, line := range text.Lines {
			if w := fonts.Width(fonts.Plain, line) * 3; w > box.W {
				t.Errorf("%q is %.1f mm wide in a %.0f mm box", line, w, box.W)
			}
		}
	}
}

// TestMonoIsGreyAtTheMidpoint: a mono PNG has a pixel white exactly where
// the grey rendering is at least the midpoint, also when rows do not end
// on a byte (150 dpi: 449 pixels).
func TestMonoIsGreyAtTheMidpoint(t *testing.T) {
	l := compose(t, sample(), Size76x130)
	for _, dpi := range []int{150, 203} {
		mono, err := RenderPNG(l, dpi, Mono)
		if err != nil {
			t.Fatal(err)
		}
		grey, err := RenderPNG(l, dpi, Grey)
		if err != nil {
			t.Fatal(err)
		}
		m, g := decodePNG(t, mono).(*image.Paletted), decodePNG(t, grey).(*image.Gray)
		if m.Rect != g.Rect {
			t.Fatalf("%d dpi: mono %v, grey %v", dpi, m.Rect, g.Rect)
		}
		for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
			for x := g.Rect.Min.X; x < g.Rect.Max.X; x++ {
				if white := g.GrayAt(x, y).Y >= 0x80; white != (m.ColorIndexAt(x, y) == 1) {
					t.Fatalf("%d dpi: pixel (%d, %d) is %v in mono, grey %d", dpi, x, y, m.At(x, y), g.GrayAt(x, y).Y)
				}
			}
		}
	}
}

// TestConcurrentRendersAgree: renders share glyph caches, compressors and
// canvases; labels drawn at once come out as drawn one at a time. Each
// goroutine uses a size and resolution of its own first, so caches fill
// concurrently (run with -race).
func TestConcurrentRendersAgree(t *testing.T) {
	type job struct {
		size Size
		dpi  int
	}
	var jobs []job
	for _, size := range sizes {
		for _, dpi := range []int{203, 300, 150} {
			jobs = append(jobs, job{size, dpi})
		}
	}
	render := func(j job) []byte {
		c := sample()
		c.Receiver.Address = fmt.Sprintf("%s %d dpi", c.Receiver.Address, j.dpi)
		l := compose(t, c, j.size)
		var out bytes.Buffer
		if err := RenderZPL(&out, []*Layout{l}, j.dpi); err != nil {
			t.Error(err)
		}
		for _, colour := range []Colour{Mono, Grey} {
			b, err := RenderPNG(l, j.dpi, colour)
			if err != nil {
				t.Error(err)
			}
			out.Write(b)
		}
		out.Write(RenderPDF([]*Layout{l}))
		return out.Bytes()
	}
	got := make([][]byte, len(jobs))
	done := make(chan struct{})
	for i, j := range jobs {
		go func() {
			defer func() { done <- struct{}{} }()
			got[i] = render(j)
		}()
	}
	for range jobs {
		<-done
	}
	for i, j := range jobs {
		if !bytes.Equal(got[i], render(j)) {
			t.Errorf("%s at %d dpi: concurrent render differs", j.size.Name, j.dpi)
		}
	}
}
