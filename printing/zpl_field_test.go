package printing

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/ewaybill/ewaybill/internal/labeltest"
)

// decodeGraphicField is an independent reading of a ^GFA field in ZPL's
// compressed ASCII hex: the dots it sets, one bit per dot, rowBytes a row.
func decodeGraphicField(t *testing.T, field string) (dots []byte, rowBytes int) {
	t.Helper()
	head := strings.SplitN(strings.TrimPrefix(field, "^GFA,"), ",", 4)
	if len(head) != 4 {
		t.Fatalf("field %.40q: want ^GFA,total,total,rowBytes,data", field)
	}
	total, _ := strconv.Atoi(head[0])
	rowBytes, _ = strconv.Atoi(head[2])
	if rowBytes <= 0 || total%rowBytes != 0 || head[1] != head[0] {
		t.Fatalf("field header %v does not describe whole rows", head[:3])
	}
	var rows [][]byte
	var row []byte
	count := 0
	flush := func(fill byte) {
		for len(row) < 2*rowBytes {
			row = append(row, fill)
		}
		rows = append(rows, row)
		row = nil
	}
	for _, c := range []byte(head[3]) {
		switch {
		case c >= 'G' && c <= 'Y':
			count += int(c-'G') + 1
		case c >= 'g' && c <= 'z':
			count += (int(c-'g') + 1) * 20
		case c == ',':
			flush('0')
		case c == ':':
			if len(rows) == 0 || len(row) != 0 {
				t.Fatalf("':' not at the start of a row after one")
			}
			rows = append(rows, rows[len(rows)-1])
		default:
			for range max(count, 1) {
				row = append(row, c)
			}
			count = 0
			if len(row) > 2*rowBytes {
				t.Fatalf("row %d runs past %d digits", len(rows), 2*rowBytes)
			}
			if len(row) == 2*rowBytes {
				flush('0')
			}
		}
	}
	if len(row) != 0 || count != 0 {
		t.Fatalf("field ends inside a row")
	}
	for _, r := range rows {
		for i := 0; i < len(r); i += 2 {
			v, err := strconv.ParseUint(string(r[i:i+2]), 16, 8)
			if err != nil {
				t.Fatalf("digits %q: %v", r[i:i+2], err)
			}
			dots = append(dots, byte(v))
		}
	}
	if len(dots) != total {
		t.Fatalf("field decodes to %d bytes, header says %d", len(dots), total)
	}
	return dots, rowBytes
}

// packDots is the plain reading of the pixels graphicField encodes.
func packDots(pix []uint8, w, h int) []byte {
	rowBytes := (w + 7) / 8
	out := make([]byte, rowBytes*h)
	for y := range h {
		for x := range w {
			if pix[y*w+x] >= 0x80 {
				out[y*rowBytes+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return out
}

func TestGraphicFieldDecodesToItsDots(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dark := func(a uint8) bool { return a >= 0x80 }
	// Shapes that reach every branch: blank and solid rows, runs past one
	// count (419 digits), repeated rows, odd widths, noise.
	for _, tc := range []struct {
		name string
		w, h int
		pix  func(x, y int) uint8
	}{
		{"blank", 37, 5, func(x, y int) uint8 { return 0 }},
		{"solid", 37, 5, func(x, y int) uint8 { return 0xff }},
		{"solid then blank", 16, 4, func(x, y int) uint8 { return uint8(0xff * (x / 8 % 2)) }},
		{"long runs", 2000, 3, func(x, y int) uint8 { return uint8(0xff * ((x / 1700) % 2)) }},
		{"stripes", 41, 9, func(x, y int) uint8 { return uint8(0xff * (y % 3 / 2)) }},
		{"noise", 53, 40, func(x, y int) uint8 { return uint8(rng.IntN(256)) }},
		{"sparse", 120, 30, func(x, y int) uint8 {
			if rng.IntN(40) == 0 {
				return 0xff
			}
			return 0
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pix := make([]uint8, tc.w*tc.h)
			for y := range tc.h {
				for x := range tc.w {
					pix[y*tc.w+x] = tc.pix(x, y)
				}
			}
			field := graphicField(pix, tc.w, tc.w, tc.h, dark)
			got, rowBytes := decodeGraphicField(t, field)
			if want := packDots(pix, tc.w, tc.h); rowBytes != (tc.w+7)/8 || !bytes.Equal(got, want) {
				t.Fatalf("field %.80q decodes to other dots", field)
			}
		})
	}
}

// A label's text fields are smaller compressed, the reason for the scheme:
// the sample label's stream was 34,336 bytes in plain hex and is 24,170
// compressed; the bound leaves room for layout changes, not for plain hex.
func TestZPLLabelIsCompact(t *testing.T) {
	var zpl bytes.Buffer
	if err := RenderZPL(&zpl, []*Layout{compose(t, sample(), Size76x130)}, 203); err != nil {
		t.Fatal(err)
	}
	if zpl.Len() > 28<<10 {
		t.Errorf("sample label is %d bytes of ZPL, want at most 28 KiB", zpl.Len())
	}
}

// TestZPLCompressedDrawsAsPlainHex renders the sample label through a ZPL
// engine twice, with compressed fields and with the same fields in plain
// hex, and wants the same dots.
func TestZPLCompressedDrawsAsPlainHex(t *testing.T) {
	labeltest.Require(t, "zpl")
	var zpl bytes.Buffer
	if err := RenderZPL(&zpl, []*Layout{compose(t, sample(), Size76x130)}, 203); err != nil {
		t.Fatal(err)
	}
	plain := expandGraphicFields(t, zpl.String())
	imgs, err := labeltest.RenderZPL(append(zpl.Bytes(), plain...), Size76x130.WidthMM, Size76x130.HeightMM, 8)
	if err != nil || len(imgs) != 2 {
		t.Fatalf("%d images, %v", len(imgs), err)
	}
	a, b := imgs[0].Bounds(), imgs[1].Bounds()
	if a != b {
		t.Fatalf("bounds %v and %v", a, b)
	}
	diff, inked := 0, 0
	for y := a.Min.Y; y < a.Max.Y; y++ {
		for x := a.Min.X; x < a.Max.X; x++ {
			r1, _, _, _ := imgs[0].At(x, y).RGBA()
			r2, _, _, _ := imgs[1].At(x, y).RGBA()
			if r1 < 0x8000 {
				inked++
			}
			if (r1 < 0x8000) != (r2 < 0x8000) {
				diff++
			}
		}
	}
	if diff != 0 || inked < 1000 {
		t.Errorf("compressed and plain fields differ in %d dots (%d inked)", diff, inked)
	}
}

// expandGraphicFields rewrites every ^GFA field of zpl in plain hex.
func expandGraphicFields(t *testing.T, zpl string) []byte {
	var out strings.Builder
	for rest := zpl; ; {
		i := strings.Index(rest, "^GFA,")
		if i < 0 {
			out.WriteString(rest)
			return []byte(out.String())
		}
		out.WriteString(rest[:i])
		end := strings.Index(rest[i:], "^FS")
		dots, rowBytes := decodeGraphicField(t, rest[i:i+end])
		fmt.Fprintf(&out, "^GFA,%d,%d,%d,%X", len(dots), len(dots), rowBytes, dots)
		rest = rest[i+end:]
	}
}
