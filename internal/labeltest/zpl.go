package labeltest

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// RenderZPL renders a ZPL stream of one or more ^XA…^XZ labels with the
// zebrash engine and returns one image per label, in order. The label is
// widthMM × heightMM at dpmm dots per millimetre (8 for 203 dpi, 12 for
// 300 dpi). Each image is widthMM*dpmm × heightMM*dpmm pixels, rounded up,
// whatever ^PW and ^LL say; zebrash centres a ^PW narrower than that.
//
// zebrash runs in Node, compiled to WebAssembly by the zpl-renderer-js package
// that zplrender/package.json pins; see Require for installing it.
func RenderZPL(zpl []byte, widthMM, heightMM float64, dpmm int) ([]image.Image, error) {
	if !(widthMM > 0 && heightMM > 0 && dpmm > 0) {
		return nil, fmt.Errorf("labeltest: RenderZPL: label size %v×%v mm at %d dots/mm: all must be positive", widthMM, heightMM, dpmm)
	}
	dir, err := zplrenderDir()
	if err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "labeltest-zpl-")
	if err != nil {
		return nil, fmt.Errorf("labeltest: %w", err)
	}
	defer os.RemoveAll(out)

	mm := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	if _, err := run(dir, zpl, "node", "render.cjs", out, mm(widthMM), mm(heightMM), strconv.Itoa(dpmm)); err != nil {
		return nil, err
	}
	return readNumberedPNGs(out, "label", "zebrash")
}

// zplrenderDir is the directory of render.cjs and its node_modules. It is
// found from this source file, so tests of any package can render ZPL.
func zplrenderDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("labeltest: cannot locate zplrender: runtime.Caller failed")
	}
	dir := filepath.Join(filepath.Dir(file), "zplrender")
	if _, err := os.Stat(filepath.Join(dir, "render.cjs")); err != nil {
		return "", fmt.Errorf("labeltest: cannot locate zplrender/render.cjs beside the labeltest sources (built with -trimpath?): %w", err)
	}
	return dir, nil
}
