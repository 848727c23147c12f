package labeltest

import (
	"image"
	"testing"
)

// The label tests of printing/ and server/ pay these costs per label; run
// with: go test -run '^$' -bench . ./internal/labeltest/

func BenchmarkRenderZPL(b *testing.B) {
	Require(b, "zpl")
	zpl := []byte(labelZPL(813, 1220, 8, 3, wantCode, wantQR))
	for b.Loop() {
		if _, err := RenderZPL(zpl, 101.6, 152.4, 8); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRasterizePDF(b *testing.B) {
	Require(b, "pdf")
	pdf := makePDF([]pdfPage{{rect: image.Rect(20, 60, 80, 120), text: "EWB 1234567890"}})
	for b.Loop() {
		if _, err := RasterizePDF(pdf, 203); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	img := label{w: 600, h: 1040, module: 2, qrModule: 4}.draw(b, wantCode, wantQR)
	decoy := label{w: 600, h: 1040, module: 2, qrModule: 4, decoyStart: true}.draw(b, wantCode, wantQR)
	for name, decode := range map[string]func() (string, error){
		"Code128":              func() (string, error) { return DecodeCode128(img) },
		"Code128 row fallback": func() (string, error) { return DecodeCode128(decoy) },
		"QR":                   func() (string, error) { return DecodeQR(img) },
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := decode(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
