package printing

import (
	"fmt"
	"image"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/ewaybill/ewaybill/printing/fonts"
)

// RenderZPL writes labels as one ZPL II stream for a thermal printer at
// dpi, one ^XA…^XZ format per label. The printer draws the barcodes
// itself (^BC Code 128, ^BQ QR) from the number, so they are as sharp as
// its head allows; all text, Chinese included, is sent as graphic fields
// (^GFA) made from the embedded fonts, so it prints on printers that have
// no Chinese font and looks like the PDF and PNG.
func RenderZPL(w io.Writer, labels []*Layout, dpi int) error {
	dpmm := DotsPerMM(dpi)
	var b strings.Builder
	for _, l := range labels {
		b.Reset()
		fmt.Fprintf(&b, "^XA^CI28^PW%d^LL%d^LH0,0\n", dots(l.Size.WidthMM, dpmm), dots(l.Size.HeightMM, dpmm))
		for _, e := range l.Elements {
			switch e := e.(type) {
			case *Fill:
				r := pixelBox(e.Box, dpmm)
				colour := "B"
				if e.Ink == White {
					colour = "W"
				}
				fmt.Fprintf(&b, "^FO%d,%d^GB%d,%d,%d,%s,0^FS\n", r.Min.X, r.Min.Y, r.Dx(), r.Dy(), min(r.Dx(), r.Dy()), colour)
			case *Text:
				zplText(&b, e, dpmm)
			case *Code128:
				m, x, y, h := barsPlacement(e, dpmm)
				// Mode A: the printer picks the code sets, as our encoder does.
				fmt.Fprintf(&b, "^FO%d,%d^BY%d^BCN,%d,N,N,N,A^FD%s^FS\n", x, y, m, h, zplField(e.Value))
			case *QR:
				m, x, y := qrPlacement(e, dpmm)
				// M: error correction level M, as in the PDF and PNG; A: automatic input mode.
				fmt.Fprintf(&b, "^FO%d,%d^BQN,2,%d^FDMA,%s^FS\n", x, y, m, zplField(e.Value))
			}
		}
		b.WriteString("^PQ1^XZ\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// zplField keeps data from starting a command: ^ and ~ are the format
// and control prefixes. Waybill numbers never contain them; this is a
// guard, not a translation.
func zplField(s string) string { return zplPrefixes.Replace(s) }

var zplPrefixes = strings.NewReplacer("^", "", "~", "")

// zplText writes a text element glyph by glyph, from a cache of graphic
// fields. White text (a mark on a black ground) is field-reversed (^FR):
// a graphic field's blank dots do not erase what is under them, its
// reversed dots do.
func zplText(b *strings.Builder, t *Text, dpmm float64) {
	reverse := ""
	if t.Ink == White {
		reverse = "^FR"
	}
	clip := pixelBox(t.Box, dpmm)
	placeGlyphs(t, dpmm, func(p glyphAt) {
		gf := zplGlyph(p.g)
		if gf == "" {
			return
		}
		at := image.Pt(p.x, p.y).Add(p.g.Offset)
		if !at.In(clip) {
			return // a glyph's top-left outside its box: leave it out rather than overflow
		}
		b.WriteString("^FO" + strconv.Itoa(at.X) + "," + strconv.Itoa(at.Y) + reverse + gf + "^FS\n")
	})
}

// zplGlyphs caches each glyph's graphic field: a label's text is a few
// hundred characters drawn from a small, repeating set.
var zplGlyphs sync.Map // *fonts.Glyph → string

func zplGlyph(g *fonts.Glyph) string {
	if gf, ok := zplGlyphs.Load(g); ok {
		return gf.(string)
	}
	gf := ""
	if !g.Mask.Rect.Empty() {
		m := g.Mask
		gf = graphicField(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), func(a uint8) bool { return a >= 0x80 })
	}
	zplGlyphs.Store(g, gf)
	return gf
}

// graphicField encodes 8-bit pixels (w×h, stride bytes a row) as a
// ^GFA field in hex, one bit per dot, dark where dark(pixel) holds.
func graphicField(pix []uint8, stride, w, h int, dark func(uint8) bool) string {
	rowBytes := (w + 7) / 8
	total := rowBytes * h
	var b strings.Builder
	b.Grow(total*2 + 24)
	fmt.Fprintf(&b, "^GFA,%d,%d,%d,", total, total, rowBytes)
	const hexDigits = "0123456789ABCDEF"
	for y := 0; y < h; y++ {
		row := pix[y*stride : y*stride+w]
		for x := 0; x < w; x += 8 {
			var v byte
			for bit := 0; bit < 8 && x+bit < w; bit++ {
				if dark(row[x+bit]) {
					v |= 0x80 >> bit
				}
			}
			b.WriteByte(hexDigits[v>>4])
			b.WriteByte(hexDigits[v&0xf])
		}
	}
	return b.String()
}
