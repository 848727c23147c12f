package printing

import "fmt"

// code128Modules encodes v as Code 128 (the encoder picks code sets so
// that digit runs take half the width) and returns its bars and spaces.
func code128Modules(v string) ([]bool, error) {
	m, err := code128Encode(v)
	if err != nil {
		return nil, fmt.Errorf("code128 %q: %w", v, err)
	}
	return m, nil
}

// qrFits checks that v fits in a QR code at error correction level M
// (15% of the symbol may be scuffed or under a strip of tape and it
// still reads). Renderers encode it when they draw it (QR.Modules).
func qrFits(v string) error {
	if _, _, err := qrVersion(v); err != nil {
		return fmt.Errorf("qr %q: %w", v, err)
	}
	return nil
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

// runs yields the [start, end) spans of consecutive dark modules, so a
// wide bar is one rectangle rather than several touching ones.
func runs(modules []bool) func(yield func(int, int) bool) {
	return func(yield func(int, int) bool) {
		for i := 0; i < len(modules); {
			if !modules[i] {
				i++
				continue
			}
			j := i
			for j < len(modules) && modules[j] {
				j++
			}
			if !yield(i, j) {
				return
			}
			i = j
		}
	}
}
