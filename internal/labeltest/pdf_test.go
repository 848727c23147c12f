package labeltest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"
)

// pdfPage is one page of a hand-written test PDF: a black rectangle and a
// line of Helvetica text, in PDF points (1/72 inch, origin bottom left).
type pdfPage struct {
	rect image.Rectangle
	text string
}

// The page is 3 × 2 inches.
const pdfPageW, pdfPageH = 216, 144

// makePDF writes a minimal PDF 1.4 with one page per entry of pages,
// computing the cross-reference offsets as it goes.
func makePDF(pages []pdfPage) []byte {
	var objs []string // objs[i] is object i+1
	add := func(body string) int {
		objs = append(objs, body)
		return len(objs)
	}
	catalog := add("") // filled once the page tree's number is known
	tree := add("")
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for _, p := range pages {
		content := fmt.Sprintf("0 0 0 rg %d %d %d %d re f\nBT /F1 12 Tf %d %d Td (%s) Tj ET\n",
			p.rect.Min.X, p.rect.Min.Y, p.rect.Dx(), p.rect.Dy(), 20, 20, p.text)
		stream := add(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(content), content))
		page := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>",
			tree, pdfPageW, pdfPageH, font, stream))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", tree)
	objs[tree-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, body := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return b.Bytes()
}

func TestPDF(t *testing.T) {
	Require(t, "pdf")
	tests := map[string][]pdfPage{
		"one page": {
			{rect: image.Rect(20, 60, 80, 120), text: "EWB 1234567890"},
		},
		// Eleven pages make pdftoppm number its files page-01 … page-11,
		// which only numeric ordering puts in page order.
		"eleven pages": func() []pdfPage {
			var pages []pdfPage
			for i := range 11 {
				x := 10 + 18*i
				pages = append(pages, pdfPage{rect: image.Rect(x, 60, x+12, 120), text: fmt.Sprintf("page %d", i+1)})
			}
			return pages
		}(),
	}
	for name, pages := range tests {
		t.Run(name, func(t *testing.T) {
			pdf := makePDF(pages)

			n, err := PDFPages(pdf)
			if err != nil || n != len(pages) {
				t.Errorf("PDFPages = %d, %v; want %d", n, err, len(pages))
			}

			text, err := PDFText(pdf)
			if err != nil {
				t.Fatalf("PDFText: %v", err)
			}
			for _, p := range pages {
				if !strings.Contains(text, p.text) {
					t.Errorf("PDFText = %q, want it to contain %q", text, p.text)
				}
			}

			const dpi = 144 // two pixels a point
			imgs, err := RasterizePDF(pdf, dpi)
			if err != nil {
				t.Fatalf("RasterizePDF: %v", err)
			}
			if len(imgs) != len(pages) {
				t.Fatalf("RasterizePDF gave %d images, want %d", len(imgs), len(pages))
			}
			for i, img := range imgs {
				if got, want := img.Bounds().Size(), image.Pt(pdfPageW*2, pdfPageH*2); got != want {
					t.Errorf("page %d is %v px, want %v", i+1, got, want)
				}
				// Points to pixels: double, and flip y (PDF counts up from the bottom).
				r := pages[i].rect
				px := func(x, y int) color.Color { return img.At(2*x, 2*(pdfPageH-y)) }
				mid := r.Min.Add(r.Max).Div(2)
				if !isBlack(px(mid.X, mid.Y)) {
					t.Errorf("page %d: pixel at the rectangle's centre %v is %v, want black", i+1, mid, px(mid.X, mid.Y))
				}
				for _, out := range []image.Point{{r.Min.X - 3, mid.Y}, {r.Max.X + 3, mid.Y}, {mid.X, r.Max.Y + 3}} {
					if isBlack(px(out.X, out.Y)) {
						t.Errorf("page %d: pixel at %v, outside the rectangle, is black", i+1, out)
					}
				}
			}
		})
	}
}

func TestPDFToolErrors(t *testing.T) {
	Require(t, "pdf")
	notPDF := []byte("this is not a PDF\n")
	calls := map[string]func() error{
		"PDFPages":     func() error { _, err := PDFPages(notPDF); return err },
		"PDFText":      func() error { _, err := PDFText(notPDF); return err },
		"RasterizePDF": func() error { _, err := RasterizePDF(notPDF, 72); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if err == nil {
				t.Fatal("no error for a file that is not a PDF")
			}
			// poppler says why on stderr; the caller needs to see it.
			if !strings.Contains(err.Error(), "May not be a PDF file") {
				t.Errorf("error %q does not carry the tool's stderr", err)
			}
		})
	}
	if _, err := RasterizePDF(makePDF([]pdfPage{{text: "x"}}), 0); err == nil {
		t.Error("RasterizePDF at 0 dpi: no error")
	}
}

func isBlack(c color.Color) bool {
	y := color.GrayModel.Convert(c).(color.Gray).Y
	return y < 64
}
