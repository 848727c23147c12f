package printing

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
)

// TestQRMatchesTheGeneralEncoder: our level M encoder draws the symbols
// github.com/boombuler/barcode/qr drew (labels printed before and after
// the change look the same), in every mode and in all 40 versions.
func TestQRMatchesTheGeneralEncoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randomString := func(alphabet string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	values := []string{"SF1234567890123", "SF9876543210987", "", "0", "HELLO WORLD", "ab", "预览"}
	for _, alphabet := range []string{"0123456789", qrAlphabet, "abcdefghijklmnopqrstuvwxyz0123456789-_"} {
		for n := 1; n < 80; n++ {
			values = append(values, randomString(alphabet, n))
		}
	}
	if !testing.Short() {
		for n := 80; n <= 2331; n += 61 { // byte mode reaches version 40
			values = append(values, randomString("abcdefghijklmnopqrstuvwxyz", n))
		}
	}
	for _, v := range values {
		want, wantErr := referenceQR(v)
		got, err := qrEncode(v)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, want %v", v, err, wantErr)
		}
		if !equalModules(got, want) {
			t.Fatalf("%q (%d bytes): modules differ from the reference encoder", v, len(v))
		}
	}
	if _, err := qrEncode(strings.Repeat("x", 2332)); err == nil {
		t.Error("2332 bytes encoded; level M holds 2331 at most")
	}
}

// TestCode128MatchesTheGeneralEncoder: our Code 128 encoder picks the
// code sets github.com/boombuler/barcode/code128 picked, so bars do not
// move: digit runs, control characters, function characters, and text
// neither set holds.
func TestCode128MatchesTheGeneralEncoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("0123456789ABCXYZabcxyz -_*\x00\x01\x1f\x7f\u00f1\u00f2\u00f3\u00f4é顺")
	values := []string{"SF1234567890123", "JD0012345678", "1", "12", "123", "1234", "A1234B", "", strings.Repeat("9", 81)}
	for range 5000 {
		rs := make([]rune, 1+rng.IntN(24))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		values = append(values, string(rs))
	}
	for _, v := range values {
		want, wantErr := referenceCode128(v)
		got, err := code128Encode(v)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, want %v", v, err, wantErr)
		}
		if !equalModules([][]bool{got}, [][]bool{want}) {
			t.Fatalf("%q: modules differ from the reference encoder", v)
		}
	}
}

func referenceCode128(v string) ([]bool, error) {
	bc, err := code128.Encode(v)
	if err != nil {
		return nil, err
	}
	return row(bc, 0), nil
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

func referenceQR(v string) ([][]bool, error) {
	bc, err := qr.Encode(v, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	n := bc.Bounds().Dy()
	m := make([][]bool, n)
	for y := range m {
		m[y] = row(bc, y)
	}
	return m, nil
}

func equalModules(a, b [][]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for y := range a {
		if len(a[y]) != len(b[y]) {
			return false
		}
		for x := range a[y] {
			if a[y][x] != b[y][x] {
				return false
			}
		}
	}
	return true
}

func BenchmarkQR(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := qrEncode("SF1234567890123"); err != nil {
			b.Fatal(err)
		}
	}
}
