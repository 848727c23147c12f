package labeltest

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
	"github.com/makiuchi-d/gozxing/oned"
)

const (
	wantCode = "SF1234567890123"
	wantQR   = "JT0001234567891"
)

// label describes a synthetic shipping label: the barcodes where a real one
// has them, and text-like glyphs and rules all around to distract the readers.
type label struct {
	w, h     int
	module   int  // Code 128 module width, px
	qrModule int  // QR module size, px
	oneBit   bool // a 2-colour paletted image, as a 1-bit PNG decodes to
	// decoyStart puts a Code 128 start pattern followed by bars that decode
	// to nothing just left of the barcode, on every one of its rows.
	decoyStart bool
}

func TestDecode(t *testing.T) {
	tests := map[string]label{
		"203dpi, 2px modules":            {w: 600, h: 1040, module: 2, qrModule: 3},
		"203dpi, 3px modules, 1-bit":     {w: 600, h: 1040, module: 3, qrModule: 5, oneBit: true},
		"300dpi, 4px modules":            {w: 900, h: 1535, module: 4, qrModule: 8},
		"300dpi, 3px modules, 1-bit":     {w: 900, h: 1535, module: 3, qrModule: 6, oneBit: true},
		"decoy start pattern beside bar": {w: 600, h: 1040, module: 2, qrModule: 4, decoyStart: true},
	}
	for name, l := range tests {
		t.Run(name, func(t *testing.T) {
			img := l.draw(t, wantCode, wantQR)
			got, err := DecodeCode128(img)
			if err != nil || got != wantCode {
				t.Errorf("DecodeCode128 = %q, %v; want %q", got, err, wantCode)
			}
			got, err = DecodeQR(img)
			if err != nil || got != wantQR {
				t.Errorf("DecodeQR = %q, %v; want %q", got, err, wantQR)
			}
		})
	}
}

// The decoy case is only worth having if it defeats gozxing's own whole-image
// scan, leaving the row-by-row fallback to find the barcode.
func TestDecoyDefeatsWholeImageReader(t *testing.T) {
	img := label{w: 600, h: 1040, module: 2, qrModule: 4, decoyStart: true}.draw(t, wantCode, wantQR)
	bmp, err := bitmap(img)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := oned.NewCode128Reader().Decode(bmp, tryHarder()); err == nil {
		t.Fatalf("gozxing read %q through the decoy; the test no longer exercises scanCode128Rows", res.GetText())
	}
	if got, ok := scanCode128Rows(bmp); !ok || got != wantCode {
		t.Errorf("scanCode128Rows = %q, %v; want %q", got, ok, wantCode)
	}
}

func TestDecodeNothing(t *testing.T) {
	tests := map[string]image.Image{
		"nil":   nil,
		"empty": image.NewGray(image.Rect(0, 0, 0, 0)),
		"text and rules only": func() image.Image {
			img := blank(600, 1040)
			glyphs(img, rand.New(rand.NewPCG(1, 2)), image.Rect(20, 20, 580, 1020), 18)
			return img
		}(),
	}
	for name, img := range tests {
		t.Run(name, func(t *testing.T) {
			if got, err := DecodeCode128(img); err == nil {
				t.Errorf("DecodeCode128 = %q, want an error", got)
			} else if !strings.HasPrefix(err.Error(), "labeltest: ") {
				t.Errorf("DecodeCode128 error %q does not say where it came from", err)
			}
			if got, err := DecodeQR(img); err == nil {
				t.Errorf("DecodeQR = %q, want an error", got)
			}
		})
	}
}

func (l label) draw(t testing.TB, code, qrText string) image.Image {
	t.Helper()
	img := blank(l.w, l.h)
	rng := rand.New(rand.NewPCG(uint64(l.w), uint64(l.module)))
	margin := l.w / 30

	// Sender and receiver blocks, then a rule.
	glyphs(img, rng, image.Rect(margin, margin, l.w-margin, l.h/4), l.h/60)
	rule(img, l.h/4+l.h/80, l.h/200)

	// The Code 128 barcode, centred, with its human-readable line below.
	bc, err := code128.Encode(code)
	if err != nil {
		t.Fatal(err)
	}
	bcW, bcH := bc.Bounds().Dx()*l.module, l.h/9
	scaled, err := barcode.Scale(bc, bcW, bcH)
	if err != nil {
		t.Fatal(err)
	}
	bcTop := l.h * 3 / 10
	bcLeft := (l.w - bcW) / 2
	if l.decoyStart {
		bcLeft = l.w - margin - bcW - 10*l.module
		decoy(img, image.Rect(bcLeft-12*l.module, bcTop, bcLeft-12*l.module, bcTop+bcH), l.module)
	}
	if bcLeft < margin {
		t.Fatalf("a %d px barcode does not fit a %d px label", bcW, l.w)
	}
	draw.Draw(img, image.Rect(bcLeft, bcTop, bcLeft+bcW, bcTop+bcH), scaled, image.Point{}, draw.Src)
	glyphs(img, rng, image.Rect(bcLeft+bcW/5, bcTop+bcH+l.h/100, bcLeft+bcW*4/5, bcTop+bcH+l.h/30), l.h/50)
	rule(img, l.h/2, l.h/300)

	// The QR code bottom left, with routing text to its right and a rule above.
	q, err := qr.Encode(qrText, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	qSide := q.Bounds().Dx() * l.qrModule
	scaledQR, err := barcode.Scale(q, qSide, qSide)
	if err != nil {
		t.Fatal(err)
	}
	qTop := l.h - margin - qSide
	rule(img, qTop-l.h/40, l.h/300)
	draw.Draw(img, image.Rect(2*margin, qTop, 2*margin+qSide, qTop+qSide), scaledQR, image.Point{}, draw.Src)
	glyphs(img, rng, image.Rect(2*margin+qSide+6*l.qrModule, qTop, l.w-margin, l.h-margin), l.h/45)
	glyphs(img, rng, image.Rect(margin, l.h/2+l.h/50, l.w-margin, qTop-l.h/20), l.h/40)

	if !l.oneBit {
		return img
	}
	bw := image.NewPaletted(img.Bounds(), color.Palette{color.Black, color.White})
	draw.Draw(bw, bw.Bounds(), img, image.Point{}, draw.Src)
	return bw
}

func blank(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return img
}

func fill(img draw.Image, r image.Rectangle) {
	draw.Draw(img, r, image.Black, image.Point{}, draw.Src)
}

// rule draws a full-width horizontal line.
func rule(img draw.Image, y, thick int) {
	fill(img, image.Rect(0, y, img.Bounds().Dx(), y+max(thick, 1)))
}

// glyphs fills r with lines of text-like marks: stems, bars and dots of a
// size glyphH, in words separated by wider gaps, the way a label's text looks
// to a barcode reader.
func glyphs(img draw.Image, rng *rand.Rand, r image.Rectangle, glyphH int) {
	glyphW := glyphH * 3 / 5
	stroke := max(glyphH/8, 1)
	for y := r.Min.Y; y+glyphH <= r.Max.Y; y += glyphH * 3 / 2 {
		for x := r.Min.X; x+glyphW <= r.Max.X; x += glyphW + stroke {
			if rng.IntN(6) == 0 { // word gap
				x += glyphW
				continue
			}
			fill(img, image.Rect(x, y, x+stroke, y+glyphH))
			switch rng.IntN(3) {
			case 0:
				fill(img, image.Rect(x, y, x+glyphW-stroke, y+stroke))
				fill(img, image.Rect(x, y+glyphH-stroke, x+glyphW-stroke, y+glyphH))
			case 1:
				fill(img, image.Rect(x+glyphW-2*stroke, y, x+glyphW-stroke, y+glyphH))
				fill(img, image.Rect(x, y+glyphH/2, x+glyphW-stroke, y+glyphH/2+stroke))
			case 2:
				fill(img, image.Rect(x+glyphW/2, y+glyphH/3, x+glyphW/2+stroke, y+glyphH))
			}
		}
	}
}

// decoy draws, ending at r.Max.X and across r's rows, Code 128's Start A
// pattern (bars and spaces of 2,1,1,4,1,2 modules) followed by bars that are
// no Code 128 symbol.
func decoy(img draw.Image, r image.Rectangle, module int) {
	widths := []int{2, 1, 1, 4, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	total := 0
	for _, m := range widths {
		total += m * module
	}
	x := r.Max.X - total
	for i, m := range widths {
		if i%2 == 0 {
			fill(img, image.Rect(x, r.Min.Y, x+m*module, r.Max.Y))
		}
		x += m * module
	}
}
