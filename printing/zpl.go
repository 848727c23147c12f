package printing

import (
	"fmt"
	"image"
	"io"
	"strconv"
	"strings"

	"github.com/ewaybill/ewaybill/printing/fonts"
	"github.com/ewaybill/ewaybill/printing/internal/recycle"
)

// RenderZPL writes labels as one ZPL II stream for a thermal printer at
// dpi, one ^XA…^XZ format per label. The printer draws the barcodes
// itself (^BC Code 128, ^BQ QR) from the number, so they are as sharp as
// its head allows; all text, Chinese included, is sent as graphic fields
// (^GFA) made from the embedded fonts, so it prints on printers that have
// no Chinese font and looks like the PDF and PNG.
func RenderZPL(w io.Writer, labels []*Layout, dpi int) error {
	dpmm := DotsPerMM(dpi)
	b := zplBuffers.Get()
	defer func() { zplBuffers.Put(b) }()
	for _, l := range labels {
		b = appendZPL(b[:0], l, dpmm)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// zplBuffers recycles the buffer a label is formatted in: a label is
// tens of kilobytes of graphic fields, and growing a fresh buffer to that
// for every label cost more than formatting it.
var zplBuffers = recycle.New(func() []byte { return nil })

// appendZPL appends one label's ^XA…^XZ format.
func appendZPL(b []byte, l *Layout, dpmm float64) []byte {
	b = append(b, "^XA^CI28^PW"...)
	b = appendInts(b, ",", dots(l.Size.WidthMM, dpmm))
	b = append(b, "^LL"...)
	b = appendInts(b, ",", dots(l.Size.HeightMM, dpmm))
	b = append(b, "^LH0,0\n"...)
	for _, e := range l.Elements {
		switch e := e.(type) {
		case *Fill:
			r := pixelBox(e.Box, dpmm)
			colour := ",B,0^FS\n"
			if e.Ink == White {
				colour = ",W,0^FS\n"
			}
			b = append(b, "^FO"...)
			b = appendInts(b, ",", r.Min.X, r.Min.Y)
			b = append(b, "^GB"...)
			b = appendInts(b, ",", r.Dx(), r.Dy(), min(r.Dx(), r.Dy()))
			b = append(b, colour...)
		case *Text:
			b = appendZPLText(b, e, dpmm)
		case *Code128:
			m, x, y, h := barsPlacement(e, dpmm)
			// Mode A: the printer picks the code sets, as our encoder does.
			b = append(b, "^FO"...)
			b = appendInts(b, ",", x, y)
			b = append(b, "^BY"...)
			b = appendInts(b, ",", m)
			b = append(b, "^BCN,"...)
			b = appendInts(b, ",", h)
			b = append(b, ",N,N,N,A^FD"...)
			b = append(b, zplField(e.Value)...)
			b = append(b, "^FS\n"...)
		case *QR:
			m, x, y := qrPlacement(e, dpmm)
			// M: error correction level M, as in the PDF and PNG; A: automatic input mode.
			b = append(b, "^FO"...)
			b = appendInts(b, ",", x, y)
			b = append(b, "^BQN,2,"...)
			b = appendInts(b, ",", m)
			b = append(b, "^FDMA,"...)
			b = append(b, zplField(e.Value)...)
			b = append(b, "^FS\n"...)
		}
	}
	return append(b, "^PQ1^XZ\n"...)
}

// appendInts appends vs in decimal, separated by sep.
func appendInts(b []byte, sep string, vs ...int) []byte {
	for i, v := range vs {
		if i > 0 {
			b = append(b, sep...)
		}
		b = appendInt(b, v)
	}
	return b
}

// appendInt appends v in decimal. Dot positions and sizes, a few
// hundred per label, have at most four digits; written directly they
// take a third of the time strconv takes.
func appendInt(b []byte, v int) []byte {
	switch {
	case v < 0 || v >= 10000:
		return strconv.AppendInt(b, int64(v), 10)
	case v < 10:
		return append(b, byte('0'+v))
	case v < 100:
		return append(b, byte('0'+v/10), byte('0'+v%10))
	case v < 1000:
		return append(b, byte('0'+v/100), byte('0'+v/10%10), byte('0'+v%10))
	}
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// zplField keeps data from starting a command: ^ and ~ are the format
// and control prefixes. Waybill numbers never contain them; this is a
// guard, not a translation.
func zplField(s string) string { return zplPrefixes.Replace(s) }

var zplPrefixes = strings.NewReplacer("^", "", "~", "")

// appendZPLText writes a text element glyph by glyph, from a cache of
// graphic fields. White text (a mark on a black ground) is field-reversed
// (^FR): a graphic field's blank dots do not erase what is under them,
// its reversed dots do.
func appendZPLText(b []byte, t *Text, dpmm float64) []byte {
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
		b = append(b, "^FO"...)
		b = appendInts(b, ",", at.X, at.Y)
		b = append(b, reverse...)
		b = append(b, gf...)
		b = append(b, "^FS\n"...)
	})
	return b
}

// zplGlyph is a glyph's graphic field, kept with the glyph: a label's
// text is a few hundred characters drawn from a small, repeating set.
func zplGlyph(g *fonts.Glyph) string { return g.Derived(graphicFieldOf) }

func graphicFieldOf(g *fonts.Glyph) string {
	if g.Mask.Rect.Empty() {
		return ""
	}
	m := g.Mask
	return graphicField(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), func(a uint8) bool { return a >= 0x80 })
}

// graphicField encodes 8-bit pixels (w×h, stride bytes a row) as a
// ^GFA field, one bit per dot, dark where dark(pixel) holds, in ZPL's
// compressed ASCII hex (see compressRow). Glyphs are mostly blank dots
// and repeated rows, so the field is a third of its plain hex size, and a
// label's stream, nearly all glyphs, shrinks with it; every ZPL II
// printer decodes the scheme.
func graphicField(pix []uint8, stride, w, h int, dark func(uint8) bool) string {
	rowBytes := (w + 7) / 8
	total := rowBytes * h
	out := fmt.Appendf(make([]byte, 0, total+24), "^GFA,%d,%d,%d,", total, total, rowBytes)
	row := make([]byte, 2*rowBytes)
	prev := make([]byte, 2*rowBytes)
	const hexDigits = "0123456789ABCDEF"
	for y := 0; y < h; y++ {
		dots := pix[y*stride : y*stride+w]
		for x := 0; x < w; x += 8 {
			var v byte
			for bit := 0; bit < 8 && x+bit < w; bit++ {
				if dark(dots[x+bit]) {
					v |= 0x80 >> bit
				}
			}
			row[x/4], row[x/4+1] = hexDigits[v>>4], hexDigits[v&0xf]
		}
		if y > 0 && string(row) == string(prev) {
			out = append(out, ':') // the row above, again
		} else {
			out = compressRow(out, row)
		}
		row, prev = prev, row
	}
	return string(out)
}

// compressRow appends one row of hex digits in ZPL's ASCII compression:
// a run of a digit is written as a repeat count before it (G–Y for 1–19
// plus g–z for 20–400 in steps of 20) and a row that ends in zeros ends
// with ','. The scheme's '!' (the rest of the row dark) is left unused:
// engines disagree on it, and dark runs to a glyph's right edge are rare.
func compressRow(out, row []byte) []byte {
	for i := 0; i < len(row); {
		digit := row[i]
		n := 1
		for i+n < len(row) && row[i+n] == digit {
			n++
		}
		i += n
		if i == len(row) && digit == '0' {
			return append(out, ',')
		}
		for n > 0 {
			// One count says at most 419 (z and Y); a longer run takes several.
			chunk := min(n, 419)
			n -= chunk
			switch {
			case chunk <= 2:
				for range chunk {
					out = append(out, digit)
				}
				continue
			case chunk >= 20:
				out = append(out, 'g'+byte(chunk/20-1))
			}
			if chunk%20 > 0 {
				out = append(out, 'G'+byte(chunk%20-1))
			}
			out = append(out, digit)
		}
	}
	return out
}
