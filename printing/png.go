package printing

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"slices"

	"github.com/ewaybill/ewaybill/printing/internal/recycle"
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

// pngEncoder reuses compression buffers across renders.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: pngBuffers{recycle.New(func() *png.EncoderBuffer {
	return nil // the encoder makes one
})}}

type pngBuffers struct {
	*recycle.Stock[*png.EncoderBuffer]
}

// RenderPNG draws one label as a PNG exactly the size of the label at
// dpi, with the resolution recorded in the file (pHYs) so that image
// viewers and print dialogs print it at its true size.
func RenderPNG(l *Layout, dpi int, colour Colour) ([]byte, error) {
	dpmm := DotsPerMM(dpi)
	grey := newCanvas(dots(l.Size.WidthMM, dpmm), dots(l.Size.HeightMM, dpmm))
	defer freeCanvas(grey)
	rasterise(grey, l, dpmm)
	if colour == Mono {
		return encodeMono(grey, dpmm), nil
	}
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, grey); err != nil {
		return nil, err
	}
	return withPHYs(buf.Bytes(), dpmm), nil
}

// canvases recycles the greyscale canvases labels are drawn on: one is
// 0.6 to 2.6 MB, and allocating (and zeroing, and collecting) one per
// render cost more than drawing the label on it.
var canvases = recycle.New(func() []byte { return nil })

func newCanvas(w, h int) *image.Gray {
	pix := canvases.Get()
	if cap(pix) < w*h {
		pix = make([]byte, w*h)
	}
	return &image.Gray{Pix: pix[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}
}

func freeCanvas(g *image.Gray) { canvases.Put(g.Pix) }

// A mono label is written as the standard library's encoder wrote it
// (a 1-bit paletted image: IHDR, pHYs, PLTE, IDAT, IEND), byte for byte,
// but the pixels are packed eight at a time straight from the greyscale
// canvas instead of through a paletted copy read one pixel at a time.

var (
	pngSignature = []byte("\x89PNG\r\n\x1a\n")
	monoPalette  = []byte{0, 0, 0, 0xff, 0xff, 0xff} // index 0 black, 1 white
)

// monoEncoder is the scratch space of one mono encoding, pooled: the
// rows before compression and a zlib writer, whose tables are about a
// megabyte.
type monoEncoder struct {
	rows []byte
	z    *zlib.Writer
	idat bytes.Buffer
}

var monoEncoders = recycle.New(func() *monoEncoder {
	z, _ := zlib.NewWriterLevel(io.Discard, zlib.BestSpeed)
	return &monoEncoder{z: z}
})

// encodeMono writes g as a black and white PNG, a pixel white where its
// grey is at least the midpoint.
func encodeMono(g *image.Gray, dpmm float64) []byte {
	e := monoEncoders.Get()
	defer monoEncoders.Put(e)
	w, h := g.Rect.Dx(), g.Rect.Dy()
	rowBytes := 1 + (w+7)/8 // filter type (none) and the packed pixels
	e.rows = slices.Grow(e.rows[:0], rowBytes*h)[:rowBytes*h]
	for y := range h {
		row := e.rows[y*rowBytes : (y+1)*rowBytes]
		row[0] = 0
		packBits(row[1:], g.Pix[y*g.Stride:][:w])
	}
	e.idat.Reset()
	e.z.Reset(&e.idat)
	e.z.Write(e.rows) // writes to a bytes.Buffer cannot fail
	e.z.Close()
	e.z.Reset(io.Discard) // let go of e.idat's contents until next time

	// IDAT chunks of at most 32 KB, as the standard encoder splits them.
	const idatMax = 1 << 15
	data := e.idat.Bytes()
	out := make([]byte, 0, len(pngSignature)+4*12+13+9+len(monoPalette)+len(data)+12*(len(data)/idatMax+1))
	out = append(out, pngSignature...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 1, 3 // bit depth 1, colour type 3: paletted
	out = appendChunk(out, "IHDR", ihdr[:])
	out = appendPHYs(out, dpmm)
	out = appendChunk(out, "PLTE", monoPalette)
	for len(data) > 0 {
		n := min(len(data), idatMax)
		out = appendChunk(out, "IDAT", data[:n])
		data = data[n:]
	}
	return appendChunk(out, "IEND", nil)
}

// packBits writes grey pixels to dst as a 1-bit row, most significant
// bit first, 1 (white) where a pixel is at least 0x80. Eight pixels are
// read as one word: the multiplication gathers their top bits into its
// top byte.
func packBits(dst, grey []byte) {
	n := len(grey) / 8
	dst = dst[:(len(grey)+7)/8]
	for i := range n {
		v := binary.LittleEndian.Uint64(grey[8*i:])
		dst[i] = byte((v >> 7 & 0x0101010101010101) * 0x8040201008040201 >> 56)
	}
	if rest := grey[8*n:]; len(rest) > 0 {
		var v byte
		for i, p := range rest {
			v |= p >> 7 << (7 - i)
		}
		dst[n] = v
	}
}

// appendChunk appends a PNG chunk: length, type, data and CRC.
func appendChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// appendPHYs appends a pHYs chunk: the resolution in pixels per metre.
func appendPHYs(b []byte, dpmm float64) []byte {
	var phys [9]byte
	ppm := uint32(dpmm*1000 + 0.5)
	binary.BigEndian.PutUint32(phys[0:], ppm)
	binary.BigEndian.PutUint32(phys[4:], ppm)
	phys[8] = 1 // unit: metre
	return appendChunk(b, "pHYs", phys[:])
}

// withPHYs inserts a pHYs chunk after IHDR, which the standard library's
// encoder does not write.
func withPHYs(p []byte, dpmm float64) []byte {
	const afterIHDR = 8 + 8 + 13 + 4 // signature, IHDR length+type, data, CRC
	out := make([]byte, 0, len(p)+8+9+4)
	out = append(out, p[:afterIHDR]...)
	out = appendPHYs(out, dpmm)
	return append(out, p[afterIHDR:]...)
}
