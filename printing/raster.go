package printing

import (
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

// rasterise draws a layout on a white greyscale canvas the size of the
// label at dpmm.
func rasterise(l *Layout, dpmm float64) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, dots(l.Size.WidthMM, dpmm), dots(l.Size.HeightMM, dpmm)))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, e := range l.Elements {
		switch e := e.(type) {
		case *Fill:
			fillRect(img, pixelBox(e.Box, dpmm), e.Ink)
		case *Text:
			drawText(img, e, dpmm)
		case *Code128:
			m, x, y, h := barsPlacement(e, dpmm)
			for i, dark := range e.Modules {
				if dark {
					fillRect(img, image.Rect(x+i*m, y, x+(i+1)*m, y+h), Black)
				}
			}
		case *QR:
			m, x, y := qrPlacement(e, dpmm)
			for r, modules := range e.Modules {
				for c, dark := range modules {
					if dark {
						fillRect(img, image.Rect(x+c*m, y+r*m, x+(c+1)*m, y+(r+1)*m), Black)
					}
				}
			}
		}
	}
	return img
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
	n := len(q.Modules)
	m = max(moduleDots(float64(min(box.Dx(), box.Dy())), n, 10), 1)
	return m, box.Min.X + (box.Dx()-m*n)/2, box.Min.Y + (box.Dy()-m*n)/2
}

func fillRect(img *image.Gray, r image.Rectangle, ink Ink) {
	r = r.Intersect(img.Rect)
	v := uint8(0)
	if ink == White {
		v = 0xff
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := range row {
			row[i] = v
		}
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
	px := t.Size * dpmm
	for i, line := range t.Lines {
		x := t.LineX(i)
		base := dots(t.Baseline(i), dpmm)
		for _, r := range line {
			f := fonts.For(t.Style, r)
			if r != ' ' {
				visit(glyphAt{g: f.Glyph(r, px), x: dots(x, dpmm), y: base})
			}
			x += f.Advance(r) * t.Size
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
			for x := dst.Min.X; x < dst.Max.X; x++ {
				a := uint32(mask.Pix[(y-origin.Y)*mask.Stride+(x-origin.X)])
				if a == 0 {
					continue
				}
				d := &img.Pix[img.PixOffset(x, y)]
				if t.Ink == White {
					*d = uint8((uint32(*d)*(255-a) + 255*a) / 255)
				} else {
					*d = uint8(uint32(*d) * (255 - a) / 255)
				}
			}
		}
	})
}
