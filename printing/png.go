package printing

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"sync"
)

// Colour is how a PNG label stores its pixels.
type Colour uint8

const (
	// Mono is one bit per pixel, what a thermal head prints: no grey for
	// a printer driver to dither into broken bars.
	Mono Colour = iota
	// Grey is 8-bit greyscale with anti-aliased text, for screens.
	Grey
)

var monoPalette = color.Palette{color.Gray{0}, color.Gray{0xff}}

// pngEncoder reuses compression buffers across renders.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}

type pngBuffers struct{ sync.Pool }

func (p *pngBuffers) Get() *png.EncoderBuffer {
	b, _ := p.Pool.Get().(*png.EncoderBuffer)
	return b // nil when empty: the encoder makes a new one
}

func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.Pool.Put(b) }

// RenderPNG draws one label as a PNG exactly the size of the label at
// dpi, with the resolution recorded in the file (pHYs) so that image
// viewers and print dialogs print it at its true size.
func RenderPNG(l *Layout, dpi int, colour Colour) ([]byte, error) {
	dpmm := DotsPerMM(dpi)
	grey := rasterise(l, dpmm)
	var img image.Image = grey
	if colour == Mono {
		img = threshold(grey)
	}
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	return withPHYs(buf.Bytes(), dpmm), nil
}

// threshold turns grey into black and white at the midpoint.
func threshold(g *image.Gray) *image.Paletted {
	p := image.NewPaletted(g.Rect, monoPalette)
	for i, v := range g.Pix {
		if v >= 0x80 {
			p.Pix[i] = 1
		}
	}
	return p
}

// withPHYs inserts a pHYs chunk (pixels per metre) after IHDR, which the
// standard library's encoder does not write.
func withPHYs(p []byte, dpmm float64) []byte {
	const afterIHDR = 8 + 8 + 13 + 4 // signature, IHDR length+type, data, CRC
	chunk := make([]byte, 8+9+4)
	binary.BigEndian.PutUint32(chunk, 9)
	copy(chunk[4:], "pHYs")
	ppm := uint32(dpmm*1000 + 0.5)
	binary.BigEndian.PutUint32(chunk[8:], ppm)
	binary.BigEndian.PutUint32(chunk[12:], ppm)
	chunk[16] = 1 // unit: metre
	binary.BigEndian.PutUint32(chunk[17:], crc32.ChecksumIEEE(chunk[4:17]))
	out := make([]byte, 0, len(p)+len(chunk))
	out = append(out, p[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, p[afterIHDR:]...)
}
