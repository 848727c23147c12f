// Package pdf writes label documents as PDF: pages of filled rectangles
// (vector barcodes) and text set in subsets of embedded TrueType fonts.
//
// Drawing calls append PDF content operators straight to the page, already
// in PDF user space and with glyphs renumbered for the font subset, so that
// writing the document is only subsetting the fonts and compressing.
package pdf

import (
	"math"
	"strconv"
)

// ptPerMM converts millimetres to PDF user space units (points of 1/72 inch).
const ptPerMM = 72 / 25.4

// Ink is the colour a shape or text is filled with.
type Ink uint8

// The inks a label printer has. Any other value draws as Black.
const (
	Black Ink = iota
	White
)

// Document is a PDF under construction. It is not safe for concurrent use.
type Document struct {
	pages []*Page
	fonts []*fontUse // in order of first use; this order names them F1, F2, ...
}

// NewDocument returns an empty document.
func NewDocument() *Document {
	return &Document{}
}

// Page is one page of a Document. Its coordinates are millimetres from the
// top-left corner, y growing down.
type Page struct {
	doc           *Document
	width, height float64 // in points
	content       []byte  // the uncompressed content stream

	// Graphics state at the end of content, to leave out operators that
	// would not change it. A page starts filling black ("Graphics state").
	ink  Ink
	font *fontUse
	size float64
}

// AddPage adds a page of the given size in millimetres and returns it.
func (d *Document) AddPage(widthMM, heightMM float64) *Page {
	p := &Page{doc: d, width: widthMM * ptPerMM, height: heightMM * ptPerMM}
	d.pages = append(d.pages, p)
	return p
}

// FillRect fills the rectangle whose top-left corner is (x, y), w wide and h
// high, all in millimetres.
func (p *Page) FillRect(x, y, w, h float64, ink Ink) {
	p.setInk(ink)
	b := appendNum(p.content, x*ptPerMM)
	b = append(b, ' ')
	b = appendNum(b, p.height-(y+h)*ptPerMM) // PDF's y is the bottom edge, measured up
	b = append(b, ' ')
	b = appendNum(b, w*ptPerMM)
	b = append(b, ' ')
	b = appendNum(b, h*ptPerMM)
	p.content = append(b, " re f\n"...)
}

// Text draws s with font f, sizeMM being the em size in millimetres, its
// baseline starting at (x, baseline). Each rune advances by exactly
// f.Advance(r)*sizeMM, without kerning, so callers can measure text with
// Font.Advance. Runes the font lacks, and invalid UTF-8, draw the font's
// .notdef glyph. A nil font draws nothing.
func (p *Page) Text(f *Font, sizeMM, x, baseline float64, s string, ink Ink) {
	if f == nil || s == "" {
		return
	}
	u := p.doc.use(f)
	p.setInk(ink)
	b := append(p.content, "BT "...)
	// Font and size are text state, which outlives BT/ET ("Text state parameters").
	if size := sizeMM * ptPerMM; p.font != u || p.size != size {
		b = append(b, '/')
		b = append(b, u.res...)
		b = append(b, ' ')
		b = appendNum(b, size)
		b = append(b, " Tf "...)
		p.font, p.size = u, size
	}
	b = appendNum(b, x*ptPerMM)
	b = append(b, ' ')
	b = appendNum(b, p.height-baseline*ptPerMM)
	// With Identity-H each character code is a 2-byte CID, and the widths in
	// the CIDFont's W array advance the pen ("Glyph positioning and metrics").
	b = append(b, " Td <"...)
	for _, r := range s { // invalid UTF-8 arrives as U+FFFD
		b = appendHex16(b, u.cid(r))
	}
	p.content = append(b, "> Tj ET\n"...)
}

// setInk sets the fill colour, in DeviceGray, if it differs from the current.
func (p *Page) setInk(ink Ink) {
	if ink != White {
		ink = Black
	}
	if ink == p.ink {
		return
	}
	p.ink = ink
	if ink == White {
		p.content = append(p.content, "1 g\n"...)
	} else {
		p.content = append(p.content, "0 g\n"...)
	}
}

// fontUse is what a document draws with one font: the glyphs it uses,
// renumbered in order of first use. The embedded subset keeps these numbers,
// so a glyph's CID in the content streams is its glyph ID in the subset
// (CIDToGIDMap /Identity).
type fontUse struct {
	font  *Font
	res   string            // resource name: "F1", "F2", ...
	cids  map[uint16]uint16 // original glyph ID → CID
	gids  []uint16          // original glyph ID of each CID; CID 0 is .notdef
	runes []rune            // the character each CID was first drawn for, 0 if none (for ToUnicode)
}

// use returns the document's record of font f, adding one on first use.
func (d *Document) use(f *Font) *fontUse {
	for _, u := range d.fonts { // a label uses two or three fonts
		if u.font == f {
			return u
		}
	}
	u := &fontUse{
		font:  f,
		res:   "F" + strconv.Itoa(len(d.fonts)+1),
		cids:  map[uint16]uint16{0: 0},
		gids:  []uint16{0},
		runes: []rune{0},
	}
	d.fonts = append(d.fonts, u)
	return u
}

// cid returns the CID that draws r, adding r's glyph to the subset if new.
func (u *fontUse) cid(r rune) uint16 {
	g := u.font.glyphIndex(r)
	c, ok := u.cids[g]
	if !ok {
		c = u.add(g)
		// A composite glyph is drawn from other glyphs, which must be in the
		// subset too; they can be composite themselves, so walk every glyph
		// added from here on.
		for i := int(c); i < len(u.gids); i++ {
			data := u.font.glyph(u.gids[i])
			walkComponents(data, func(at int) {
				if _, ok := u.cids[u16(data[at:])]; !ok {
					u.add(u16(data[at:]))
				}
			})
		}
	}
	if c != 0 && u.runes[c] == 0 {
		u.runes[c] = r
	}
	return c
}

func (u *fontUse) add(g uint16) uint16 {
	c := uint16(len(u.gids)) // cannot wrap: a font has at most 65535 glyphs
	u.cids[g] = c
	u.gids = append(u.gids, g)
	u.runes = append(u.runes, 0)
	return c
}

const hexDigits = "0123456789ABCDEF"

// appendNum appends v rounded to 3 decimals, without exponent or trailing
// zeros: 1/1000 pt is far below a printer dot, and PDF has no exponent
// notation ("Numeric objects").
func appendNum(b []byte, v float64) []byte {
	const limit = 1e9 // well past any page, and safe to scale to int64
	switch {
	case math.IsNaN(v):
		v = 0
	case v > limit:
		v = limit
	case v < -limit:
		v = -limit
	}
	n := int64(math.Round(v * 1000))
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/1000, 10)
	frac := n % 1000
	if frac == 0 {
		return b
	}
	b = append(b, '.', byte('0'+frac/100))
	if frac%100 != 0 {
		b = append(b, byte('0'+frac/10%10))
		if frac%10 != 0 {
			b = append(b, byte('0'+frac%10))
		}
	}
	return b
}
