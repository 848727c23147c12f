package printing

import (
	"fmt"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
)

// code128Modules encodes v as Code 128 (the encoder picks code sets so
// that digit runs take half the width) and returns its bars and spaces.
func code128Modules(v string) ([]bool, error) {
	bc, err := code128.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("code128 %q: %w", v, err)
	}
	return row(bc, 0), nil
}

// qrModules encodes v as a QR code at error correction level M (15% of
// the symbol may be scuffed or under a strip of tape and it still reads).
func qrModules(v string) ([][]bool, error) {
	bc, err := qr.Encode(v, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("qr %q: %w", v, err)
	}
	n := bc.Bounds().Dy()
	m := make([][]bool, n)
	for y := range m {
		m[y] = row(bc, y)
	}
	return m, nil
}

// row reads one row of an unscaled barcode image (one pixel per module).
func row(bc barcode.Barcode, y int) []bool {
	b := bc.Bounds()
	out := make([]bool, b.Dx())
	for x := range out {
		r, _, _, _ := bc.At(b.Min.X+x, b.Min.Y+y).RGBA()
		out[x] = r < 0x8000
	}
	return out
}

// moduleDots is the width of one module in whole printer dots, so that
// every bar has the same width on a thermal head: the largest that fits
// n modules in span dots, at most limit. It is 0 when not even one dot
// per module fits.
func moduleDots(span float64, n, limit int) int {
	if n == 0 {
		return 0
	}
	return min(int(span)/n, limit)
}
