package printing

import (
	"sync"

	"github.com/ewaybill/ewaybill/printing/fonts"
	"github.com/ewaybill/ewaybill/printing/pdf"
)

// pdfFonts parses each label font for the PDF writer once per process.
var pdfFonts = sync.OnceValue(func() map[*fonts.Font]*pdf.Font {
	out := map[*fonts.Font]*pdf.Font{}
	for _, f := range []*fonts.Font{fonts.Regular, fonts.Bold, fonts.CJK} {
		parsed, err := pdf.ParseFont(f.Name, f.Data)
		if err != nil {
			panic("printing: embedded font " + f.Name + ": " + err.Error())
		}
		out[f] = parsed
	}
	return out
})

// pdfDotsPerMM puts PDF barcodes on the 203 dpi grid: modules are whole
// dots of 1/8 mm, as in the 203 dpi PNG, so a PDF printed at 100% on a
// thermal printer gets bars of whole dots.
const pdfDotsPerMM = 8

// RenderPDF draws labels as one PDF, a page per label the size of the
// label: barcodes as filled rectangles (vectors that stay sharp at any
// printer resolution), text in the embedded fonts, subset to the glyphs
// the document uses.
func RenderPDF(labels []*Layout) []byte {
	doc := pdf.NewDocument()
	for _, l := range labels {
		page := doc.AddPage(l.Size.WidthMM, l.Size.HeightMM)
		for _, e := range l.Elements {
			switch e := e.(type) {
			case *Fill:
				page.FillRect(e.Box.X, e.Box.Y, e.Box.W, e.Box.H, pdf.Ink(e.Ink))
			case *Text:
				pdfText(page, e)
			case *Code128:
				m, x, y, h := barsPlacement(e, pdfDotsPerMM)
				for start, end := range runs(e.Modules) {
					page.FillRect(dotsMM(x+start*m), dotsMM(y), dotsMM((end-start)*m), dotsMM(h), pdf.Black)
				}
			case *QR:
				m, x, y := qrPlacement(e, pdfDotsPerMM)
				for r, row := range e.Modules() {
					for start, end := range runs(row) {
						page.FillRect(dotsMM(x+start*m), dotsMM(y+r*m), dotsMM((end-start)*m), dotsMM(m), pdf.Black)
					}
				}
			}
		}
	}
	return doc.Bytes()
}

func dotsMM(d int) float64 { return float64(d) / pdfDotsPerMM }

// pdfText writes each line as runs of one font, advancing by the same
// widths the layout measured with.
func pdfText(page *pdf.Page, t *Text) {
	fs := pdfFonts()
	for i, line := range t.Lines {
		x := t.LineX(i)
		for _, run := range fonts.Shape(t.Style, line) {
			page.Text(fs[run.Font], t.Size, x, t.Baseline(i), run.Text, pdf.Ink(t.Ink))
			x += run.Width * t.Size
		}
	}
}
