package printing

import (
	"encoding/binary"
	"image"
	"math"

	"github.com/ewaybill/ewaybill/printing/fonts"
)

// DotsPerMM is a print head's pitch: 203 dpi heads have 8 dots per
// millimetre and 300 dpi heads 12 (their true resolution is 304.8 dpi),
// so a 76 mm label is 608 or 912 dots wide.
func DotsPerMM(dpi int) float64 {
	switch dpi {
	case 203:
		return 8
	case 300:
		return 12
	}
	return float64(dpi) / 25.4
}

// dots converts millimetres to whole dots.
func dots(mm, dpmm float64) int { return int(math.Round(mm * dpmm)) }

// pixelBox is r in whole dots, at least one dot wide and high.
func pixelBox(r Rect, dpmm float64) image.Rectangle {
	x0, y0 := dots(r.X, dpmm), dots(r.Y, dpmm)
	return image.Rect(x0, y0, max(dots(r.X+r.W, dpmm), x0+1), max(dots(r.Y+r.H, dpmm), y0+1))
}

// rasterise draws a layout at dpmm on img, a canvas the size of the
// label, which it first whitens.
func rasterise(img *image.Gray, l *Layout, dpmm float64) {
	fillBytes(img.Pix, 0xff)
	for _, e := range l.Elements {
		switch e := e.(type) {
		case *Fill:
			fillRect(img, pixelBox(e.Box, dpmm), e.Ink)
		case *Text:
			drawText(img, e, dpmm)
		case *Code128:
			m, x, y, h := barsPlacement(e, dpmm)
			for start, end := range runs(e.Modules) {
				fillRect(img, image.Rect(x+start*m, y, x+end*m, y+h), Black)
			}
		case *QR:
			m, x, y := qrPlacement(e, dpmm)
			for r, modules := range e.Modules() {
				for start, end := range runs(modules) {
					fillRect(img, image.Rect(x+start*m, y+r*m, x+end*m, y+(r+1)*m), Black)
				}
			}
		}
	}
}

// fillBytes sets every byte of b to v. Beyond a few words it doubles
// what is set with copy (a memmove) rather than storing byte by byte.
func fillBytes(b []byte, v byte) {
	if len(b) < 64 {
		for i := range b {
			b[i] = v
		}
		return
	}
	b[0] = v
	for n := 1; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}

// barsPlacement sizes a Code 128 symbol in whole dots per module (at
// most 4), centred in its box: module width, left, top and bar height.
func barsPlacement(c *Code128, dpmm float64) (m, x, y, h int) {
	box := pixelBox(c.Box, dpmm)
	m = max(moduleDots(float64(box.Dx()), len(c.Modules), 4), 1)
	return m, box.Min.X + (box.Dx()-m*len(c.Modules))/2, box.Min.Y, box.Dy()
}

// qrPlacement sizes a QR code in whole dots per module (at most 10),
// centred in its box: module size, left and top.
func qrPlacement(q *QR, dpmm float64) (m, x, y int) {
	box := pixelBox(q.Box, dpmm)
	n := q.Side()
	m = max(moduleDots(float64(min(box.Dx(), box.Dy())), n, 10), 1)
	return m, box.Min.X + (box.Dx()-m*n)/2, box.Min.Y + (box.Dy()-m*n)/2
}

func fillRect(img *image.Gray, r image.Rectangle, ink Ink) {
	r = r.Intersect(img.Rect)
	v := uint8(0)
	if ink == White {
		v = 0xff
	}
	if r.Empty() {
		return
	}
	first := img.Pix[img.PixOffset(r.Min.X, r.Min.Y):img.PixOffset(r.Max.X, r.Min.Y)]
	fillBytes(first, v)
	for y := r.Min.Y + 1; y < r.Max.Y; y++ {
		copy(img.Pix[img.PixOffset(r.Min.X, y):], first)
	}
}

// glyphAt is one glyph of a text element placed on the dot grid.
type glyphAt struct {
	g    *fonts.Glyph
	x, y int // pen position on the baseline, in dots
}

// placeGlyphs walks t's characters in dots: the pen advances in
// millimetres (the layout's measure) and each glyph is snapped to the
// nearest dot, so every format puts a character in the same place.
func placeGlyphs(t *Text, dpmm float64, visit func(glyphAt)) {
	face := fonts.FaceFor(t.Style, t.Size*dpmm)
	for i, line := range t.Lines {
		x := t.LineX(i)
		base := dots(t.Baseline(i), dpmm)
		for _, r := range line {
			if r == ' ' {
				x += face.Advance(r) * t.Size
				continue
			}
			g, advance := face.Glyph(r)
			visit(glyphAt{g: g, x: dots(x, dpmm), y: base})
			x += advance * t.Size
		}
	}
}

// drawText composites t's glyphs onto img, clipped to t's box.
func drawText(img *image.Gray, t *Text, dpmm float64) {
	clip := pixelBox(t.Box, dpmm).Intersect(img.Rect)
	placeGlyphs(t, dpmm, func(p glyphAt) {
		mask := p.g.Mask
		origin := image.Pt(p.x, p.y).Add(p.g.Offset)
		dst := mask.Rect.Add(origin).Intersect(clip)
		for y := dst.Min.Y; y < dst.Max.Y; y++ {
			src := mask.Pix[(y-origin.Y)*mask.Stride+dst.Min.X-origin.X:][:dst.Dx()]
			composite(img.Pix[img.PixOffset(dst.Min.X, y):][:dst.Dx()], src, t.Ink)
		}
	})
}

// composite draws ink through a coverage mask onto row: black darkens a
// pixel to d·(255-a)/255, white lightens it to (d·(255-a) + 255·a)/255.
// Eight pixels at a time, the usual cases need no arithmetic: where the
// mask is 0 the pixels stay, and on a plain ground (white under black
// ink, black under white) the result is the mask's inverse or the mask.
func composite(row, mask []byte, ink Ink) {
	row = row[:len(mask)]
	ground, flip := ^uint64(0), ^uint64(0) // black ink: 255-a = ^a
	if ink == White {
		ground, flip = 0, 0 // white ink: a
	}
	for len(mask) >= 8 {
		switch m := binary.LittleEndian.Uint64(mask); {
		case m == 0:
		case binary.LittleEndian.Uint64(row) == ground:
			binary.LittleEndian.PutUint64(row, m^flip)
		default:
			compositeBytes(row[:8], mask[:8], ink)
		}
		row, mask = row[8:], mask[8:]
	}
	compositeBytes(row, mask, ink)
}

func compositeBytes(row, mask []byte, ink Ink) {
	white := uint32(0)
	if ink == White {
		white = 255
	}
	row = row[:len(mask)]
	for i, a := range mask {
		row[i] = uint8((uint32(row[i])*(255-uint32(a)) + white*uint32(a)) / 255)
	}
}
