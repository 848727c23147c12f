package pdf

import (
	"bytes"
	"compress/zlib"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestAppendNum(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{-2.5, "-2.5"},
		{215.43307, "215.433"},
		{0.0004, "0"},
		{-0.0004, "0"},
		{0.0005, "0.001"},
		{12.3, "12.3"},
		{1.05, "1.05"},
		{1.007, "1.007"},
		{math.NaN(), "0"},
		{math.Inf(1), "1000000000"},
		{math.Inf(-1), "-1000000000"},
	}
	for _, tt := range tests {
		if got := string(appendNum(nil, tt.v)); got != tt.want {
			t.Errorf("appendNum(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// TestContent checks the operators drawing calls append: points from the
// bottom-left corner, colour and font set only when they change, glyphs as
// CIDs numbered in order of first use.
func TestContent(t *testing.T) {
	latin, cjk := testFonts(t)
	d := NewDocument()
	p := d.AddPage(76, 130) // 215.433 x 368.504 pt
	p.FillRect(10, 20, 5, 2, Black)
	p.FillRect(0, 0, 1, 1, White)
	p.FillRect(0, 0, 1, 1, White)
	p.Text(latin, 3, 10, 30, "AA", Black)
	p.Text(latin, 3, 20, 30, "BA", Black)
	p.Text(cjk, 3, 20, 40, "中", White)
	p.Text(cjk, 3, 20, 40, "", White)
	p.Text(nil, 3, 20, 40, "no font", White)
	got := strings.Split(strings.TrimSuffix(string(p.content), "\n"), "\n")
	want := []string{
		"28.346 306.142 14.173 5.669 re f",
		"1 g",
		"0 365.669 2.835 2.835 re f",
		"0 365.669 2.835 2.835 re f",
		"0 g",
		"BT /F1 8.504 Tf 28.346 283.465 Td <00010001> Tj ET",
		"BT 56.693 283.465 Td <00020001> Tj ET",
		"1 g",
		"BT /F2 8.504 Tf 56.693 255.118 Td <0001> Tj ET",
	}
	if !slices.Equal(got, want) {
		t.Errorf("content:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTextNeverPanics draws strings a label might be given by mistake.
func TestTextNeverPanics(t *testing.T) {
	latin, cjk := testFonts(t)
	d := NewDocument()
	p := d.AddPage(76, 130)
	for _, s := range []string{"\xff\xfe", "a\x00b", "\U0010FFFF", "\xed\xa0\x80", "中\xe4\xb8", strings.Repeat("x", 10000)} {
		p.Text(latin, 3, 1, 10, s, Black)
		p.Text(cjk, 3, 1, 20, s, Black)
	}
	p.Text(latin, math.NaN(), math.Inf(1), math.Inf(-1), "NaN", Ink(9))
	p.FillRect(math.NaN(), 0, -5, math.Inf(1), Ink(200))
	checkStructure(t, d.Bytes())
}

// TestDeterministic draws the same document in several goroutines at once,
// sharing the fonts as a server does: all must come out byte for byte equal.
func TestDeterministic(t *testing.T) {
	latin, cjk := testFonts(t)
	want := sampleDocument(latin, cjk).Bytes()
	checkStructure(t, want)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got := sampleDocument(latin, cjk).Bytes(); !bytes.Equal(got, want) {
				t.Error("two documents drawn alike differ")
			}
		})
	}
	wg.Wait()
}

// TestOnePageSize checks that a label's fonts are subset: the whole of
// Droid Sans Fallback is 4 MB.
func TestOnePageSize(t *testing.T) {
	latin, cjk := testFonts(t)
	distinct := map[rune]bool{}
	for _, r := range cjkSample {
		distinct[r] = true
	}
	latinText := "Order SF1234567890 Weight 1.25kg Tel:138"
	if len(distinct) != 60 || len(latinText) != 40 {
		t.Fatalf("sample has %d distinct Chinese characters and %d Latin, want 60 and 40", len(distinct), len(latinText))
	}
	d := NewDocument()
	p := d.AddPage(76, 130)
	p.Text(cjk, 3, 2, 10, cjkSample, Black)
	p.Text(latin, 3, 2, 20, latinText, Black)
	out := d.Bytes()
	t.Logf("one page, 60 Chinese and 40 Latin characters: %d bytes", len(out))
	if len(out) >= 60_000 {
		t.Errorf("one-page PDF is %d bytes, want < 60000", len(out))
	}
}

// sampleDocument draws two label-like pages with text in both fonts.
func sampleDocument(latin, cjk *Font) *Document {
	d := NewDocument()
	for i, lines := range sampleText {
		p := d.AddPage(76, 130)
		for j, line := range lines {
			drawMixed(p, latin, cjk, 3.5, 4, 10+6*float64(j), line)
		}
		drawBarcode(p, 4, 60+float64(i))
	}
	return d
}

// sampleText is the text of the sample document's two pages, line by line.
var sampleText = [][]string{
	{
		"收件人：张三 13800138000",
		"广东省深圳市南山区科技园北路1号",
		"Order SF1234567890",
	},
	{
		"寄件人：李四 Weight 1.25kg",
		"浙江省杭州市西湖区文三路",
		"Café déjà vu",
		"Tel 13900139000", // same font and size as the line before: no Tf
	},
}

// drawBarcode draws 150 bars at y, about what a label's barcodes add up to.
func drawBarcode(p *Page, x, y float64) {
	for i := range 150 {
		w := 0.25 * float64(1+i%4)
		p.FillRect(x, y, w, 15, Black)
		x += w + 0.25*float64(1+i%3)
	}
}

// checkStructure checks what viewers rely on before anything else: the
// header, the cross-reference offsets of every object, the trailer's
// startxref, and that every stream is /Length bytes of valid Flate data.
func checkStructure(t *testing.T, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.7\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("no PDF header or %%%%EOF")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	lines := strings.Split(string(pdf[xref:]), "\n")
	n, _ := strconv.Atoi(strings.Fields(lines[1])[1])
	if lines[2] != "0000000000 65535 f " {
		t.Errorf("xref entry 0 = %q", lines[2])
	}
	for obj := 1; obj < n; obj++ {
		entry := lines[2+obj]
		if len(entry) != 19 || !strings.HasSuffix(entry, " 00000 n ") { // 20 bytes with the newline
			t.Fatalf("xref entry %d = %q", obj, entry)
		}
		off, _ := strconv.Atoi(entry[:10])
		if want := strconv.Itoa(obj) + " 0 obj\n"; !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Fatalf("xref offset %d of object %d points at %q", off, obj, pdf[off:min(off+20, len(pdf))])
		}
	}
	if !bytes.Contains(pdf[xref:], []byte("trailer\n<< /Size "+strconv.Itoa(n)+" /Root 1 0 R >>")) {
		t.Errorf("trailer does not give /Size %d", n)
	}
	streams := regexp.MustCompile(`/Length (\d+) >>\nstream\n`)
	for _, loc := range streams.FindAllSubmatchIndex(pdf, -1) {
		length, _ := strconv.Atoi(string(pdf[loc[2]:loc[3]]))
		data := pdf[loc[1] : loc[1]+length]
		if !bytes.HasPrefix(pdf[loc[1]+length:], []byte("\nendstream")) {
			t.Fatalf("stream at %d does not end after its /Length %d", loc[1], length)
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err == nil {
			_, err = io.Copy(io.Discard, zr)
		}
		if err != nil {
			t.Fatalf("stream at %d does not inflate: %v", loc[1], err)
		}
	}
}
