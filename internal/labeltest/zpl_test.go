package labeltest

import (
	"fmt"
	"image"
	"math"
	"strings"
	"testing"
)

func TestRenderZPL(t *testing.T) {
	Require(t, "zpl")
	tests := map[string]struct {
		widthMM, heightMM float64
		dpmm              int
		by                int         // Code 128 module, dots (^BY)
		want              image.Point // what zebrash produces: mm × dpmm, rounded up
	}{
		"4×6 in, 203 dpi":    {widthMM: 101.6, heightMM: 152.4, dpmm: 8, by: 3, want: image.Pt(813, 1220)},
		"4×6 in, 300 dpi":    {widthMM: 101.6, heightMM: 152.4, dpmm: 12, by: 3, want: image.Pt(1220, 1829)},
		"75×128 mm, 300 dpi": {widthMM: 75, heightMM: 128, dpmm: 12, by: 3, want: image.Pt(900, 1536)},
		"75×130 mm, 203 dpi": {widthMM: 75, heightMM: 130, dpmm: 8, by: 2, want: image.Pt(600, 1040)}, // ^BY3 would not fit
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dots := func(mm float64) int { return int(math.Ceil(mm * float64(tc.dpmm))) }
			// Two labels, to check they come back in order: the second swaps
			// the values, so a mix-up shows.
			one := labelZPL(dots(tc.widthMM), dots(tc.heightMM), tc.dpmm, tc.by, wantCode, wantQR)
			two := labelZPL(dots(tc.widthMM), dots(tc.heightMM), tc.dpmm, tc.by, "SF9876543210987", "JT0009876543210")
			imgs, err := RenderZPL([]byte(one+"\n"+two), tc.widthMM, tc.heightMM, tc.dpmm)
			if err != nil {
				t.Fatal(err)
			}
			if len(imgs) != 2 {
				t.Fatalf("RenderZPL gave %d images, want 2", len(imgs))
			}
			for i, want := range []struct{ code, qr string }{{wantCode, wantQR}, {"SF9876543210987", "JT0009876543210"}} {
				img := imgs[i]
				if got := img.Bounds().Size(); got != tc.want {
					t.Errorf("label %d is %v px, want %v", i+1, got, tc.want)
				}
				if got, err := DecodeCode128(img); err != nil || got != want.code {
					t.Errorf("label %d: DecodeCode128 = %q, %v; want %q", i+1, got, err, want.code)
				}
				if got, err := DecodeQR(img); err != nil || got != want.qr {
					t.Errorf("label %d: DecodeQR = %q, %v; want %q", i+1, got, err, want.qr)
				}
			}
		})
	}
}

// labelZPL lays out a label the way printing/ does: text, a rule, a Code 128
// barcode in mode A with its interpretation line, and a QR code (model 2,
// 6 dots a module) with text beside it.
func labelZPL(w, h, dpmm, by int, code, qr string) string {
	return fmt.Sprintf(`^XA
^PW%[1]d
^LL%[2]d
^CI28
^FO%[3]d,%[3]d^A0N,%[4]d,%[4]d^FDSHIP TO: 12 Harbour Road, Kowloon^FS
^FO0,%[5]d^GB%[1]d,3,3^FS
^FO%[12]d,%[6]d^BY%[7]d^BCN,120,Y,N,N,A^FD%[8]s^FS
^FO%[12]d,%[9]d^BQN,2,6^FDMA,%[10]s^FS
^FO%[11]d,%[9]d^A0N,%[4]d,%[4]d^FDROUTE 7 / BAY 12^FS
^XZ`,
		w, h, 3*dpmm, 4*dpmm, 10*dpmm, 15*dpmm, by, code, h/2, qr, w/2, 6*dpmm)
}

func TestRenderZPLErrors(t *testing.T) {
	Require(t, "zpl")
	_, err := RenderZPL([]byte("no labels here"), 75, 130, 8)
	if err == nil {
		t.Fatal("RenderZPL of text without ^XA…^XZ: no error")
	}
	// render.cjs passes zebrash's complaint on through stderr.
	if !strings.Contains(err.Error(), "no labels parsed") {
		t.Errorf("error %q does not carry zebrash's message", err)
	}
	if _, err := RenderZPL([]byte("^XA^XZ"), 0, 130, 8); err == nil {
		t.Error("RenderZPL of a 0 mm wide label: no error")
	}
}
