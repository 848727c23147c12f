// Package fonts holds the fonts labels are drawn with, embedded in the
// binary (see README.md for their sources and licences), and the two
// things every renderer needs from them: advance widths, so that text is
// measured once and lands in the same place in PDF, PNG and ZPL, and glyph
// bitmaps for the raster formats.
package fonts

import (
	_ "embed"
	"fmt"
	"image"
	"image/draw"
	"sync"
	"sync/atomic"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

//go:embed DroidSansFallbackFull.ttf
var droidSansFallback []byte

// Font is one embedded TrueType font. It is safe for concurrent use.
type Font struct {
	Name string // base name, as a PDF names it
	Data []byte // the TrueType file
	sf   *sfnt.Font
	upem float64
	bufs sync.Pool // *sfnt.Buffer: sfnt needs one per concurrent call

	glyphs runeCache[glyphInfo]
	sizes  sync.Map // pixels per em in 1/64 px → *runeCache[Glyph]
}

type glyphInfo struct {
	index   sfnt.GlyphIndex
	advance float64 // in ems
}

// The label fonts. Latin text uses the Go fonts; Droid Sans Fallback has
// the Chinese characters (and no Latin letters at all).
var (
	Regular = mustLoad("GoRegular", goregular.TTF)
	Bold    = mustLoad("GoBold", gobold.TTF)
	CJK     = mustLoad("DroidSansFallback", droidSansFallback)
)

func mustLoad(name string, data []byte) *Font {
	sf, err := sfnt.Parse(data)
	if err != nil {
		panic(fmt.Sprintf("fonts: embedded %s: %v", name, err))
	}
	f := &Font{Name: name, Data: data, sf: sf, upem: float64(sf.UnitsPerEm())}
	f.bufs.New = func() any { return new(sfnt.Buffer) }
	return f
}

// info returns r's glyph and advance; a rune the font lacks maps to
// glyph 0 (.notdef).
func (f *Font) info(r rune) glyphInfo {
	if g := f.glyphs.load(r); g != nil {
		return *g
	}
	buf := f.bufs.Get().(*sfnt.Buffer)
	defer f.bufs.Put(buf)
	idx, err := f.sf.GlyphIndex(buf, r)
	if err != nil {
		idx = 0
	}
	adv, err := f.sf.GlyphAdvance(buf, idx, fixed.I(int(f.upem)), font.HintingNone)
	if err != nil {
		adv = 0
	}
	return *f.glyphs.store(r, &glyphInfo{index: idx, advance: float64(adv) / 64 / f.upem})
}

// Has reports whether the font has a glyph for r.
func (f *Font) Has(r rune) bool { return f.info(r).index != 0 }

// Advance is r's advance width in ems.
func (f *Font) Advance(r rune) float64 { return f.info(r).advance }

// Style is the weight text is set in.
type Style uint8

const (
	Plain Style = iota
	Strong
)

// For returns the font that draws r in style s: the Go font when it has
// the glyph, else Droid Sans Fallback (whose .notdef box marks a character
// no font has).
func For(s Style, r rune) *Font { return choose(s, r).font }

// choice is the font a style draws a rune with and the rune's advance in
// that font.
type choice struct {
	font    *Font
	advance float64 // in ems
}

// choices caches each style's choice per rune: measuring text needs both
// for every rune.
var choices [2]runeCache[choice]

func choose(s Style, r rune) *choice {
	latin, c := latinFont(s), &choices[0]
	if s == Strong {
		c = &choices[1]
	}
	if ch := c.load(r); ch != nil {
		return ch
	}
	f := CJK
	if latin.Has(r) {
		f = latin
	}
	return c.store(r, &choice{f, f.Advance(r)})
}

// Run is a stretch of text drawn with one font.
type Run struct {
	Font  *Font
	Text  string
	Width float64 // in ems
}

// Shape splits s into runs by font. Invalid UTF-8 is drawn as U+FFFD.
func Shape(s Style, text string) []Run {
	var runs []Run
	start := 0
	for i, r := range text {
		c := choose(s, r)
		if len(runs) == 0 || runs[len(runs)-1].Font != c.font {
			if len(runs) > 0 {
				runs[len(runs)-1].Text = text[start:i]
			}
			runs = append(runs, Run{Font: c.font})
			start = i
		}
		runs[len(runs)-1].Width += c.advance
	}
	if len(runs) > 0 {
		runs[len(runs)-1].Text = text[start:]
	}
	return runs
}

// Width is the advance width of text in ems.
func Width(s Style, text string) float64 {
	w := 0.0
	for _, r := range text {
		w += choose(s, r).advance
	}
	return w
}

// RuneWidth is one rune's advance in ems.
func RuneWidth(s Style, r rune) float64 { return choose(s, r).advance }

// Glyph is a rasterised glyph: an 8-bit coverage mask and where its
// top-left corner sits relative to the pen position on the baseline.
type Glyph struct {
	Mask   *image.Alpha
	Offset image.Point

	derived atomic.Pointer[string] // see Derived
}

// Derived returns derive(g), computed once and kept on g: glyphs live as
// long as the process, and so can what a renderer makes of them (the ZPL
// renderer's graphic fields), without a lookup of its own per character.
// One derivation is kept per glyph, so there must be one derive function
// in the process.
func (g *Glyph) Derived(derive func(*Glyph) string) string {
	if p := g.derived.Load(); p != nil {
		return *p
	}
	s := derive(g)
	g.derived.CompareAndSwap(nil, &s)
	return *g.derived.Load()
}

// Glyph returns r drawn at pxPerEm pixels per em, from a cache: labels
// reuse a few hundred characters at a handful of sizes, so each is
// rasterised once per process.
func (f *Font) Glyph(r rune, pxPerEm float64) *Glyph {
	return f.at(pxPerEm).glyph(r)
}

// sized is a font's glyphs at one size.
type sized struct {
	font  *Font
	ppem  fixed.Int26_6
	masks *runeCache[Glyph]
}

func (f *Font) at(pxPerEm float64) sized {
	ppem := fixed.Int26_6(pxPerEm*64 + 0.5)
	c, ok := f.sizes.Load(ppem)
	if !ok {
		c, _ = f.sizes.LoadOrStore(ppem, new(runeCache[Glyph]))
	}
	return sized{f, ppem, c.(*runeCache[Glyph])}
}

func (s sized) glyph(r rune) *Glyph {
	if g := s.masks.load(r); g != nil {
		return g
	}
	return s.masks.store(r, s.font.rasterise(s.font.info(r).index, s.ppem))
}

// Face is a style at one size: what drawing a line of text needs, each
// character's font, advance and glyph, looked up once per size rather
// than per character.
type Face struct {
	style      Style
	latin, cjk sized
}

// FaceFor returns style s at pxPerEm pixels per em.
func FaceFor(s Style, pxPerEm float64) Face {
	return Face{s, latinFont(s).at(pxPerEm), CJK.at(pxPerEm)}
}

// latinFont is the Go font of style s; it draws what it has glyphs for.
func latinFont(s Style) *Font {
	if s == Strong {
		return Bold
	}
	return Regular
}

// Glyph returns r's glyph in the font For picks, and its advance in ems.
func (f Face) Glyph(r rune) (*Glyph, float64) {
	c := choose(f.style, r)
	s := f.latin
	if c.font == CJK {
		s = f.cjk
	}
	return s.glyph(r), c.advance
}

// Advance is r's advance in ems in the font For picks.
func (f Face) Advance(r rune) float64 { return choose(f.style, r).advance }

// runeCache maps runes to values computed once per process. Text is
// measured and drawn rune by rune, and a sync.Map lookup (hashing an
// interface) cost more than the rest of the work; this is two loads
// for the Basic Multilingual Plane, where label text lives, and a
// sync.Map beyond it.
type runeCache[T any] struct {
	pages [256]atomic.Pointer[[256]atomic.Pointer[T]]
	rest  sync.Map // rune → *T
}

// load returns r's value, nil if none is stored yet.
func (c *runeCache[T]) load(r rune) *T {
	if uint32(r) > 0xFFFF {
		v, _ := c.rest.Load(r)
		p, _ := v.(*T)
		return p
	}
	page := c.pages[r>>8].Load()
	if page == nil {
		return nil
	}
	return page[r&0xFF].Load()
}

// store sets r's value unless another goroutine did first, and returns
// the value stored: every caller sees the same one.
func (c *runeCache[T]) store(r rune, v *T) *T {
	if uint32(r) > 0xFFFF {
		actual, _ := c.rest.LoadOrStore(r, v)
		return actual.(*T)
	}
	slot := &c.pages[r>>8]
	page := slot.Load()
	if page == nil {
		slot.CompareAndSwap(nil, new([256]atomic.Pointer[T]))
		page = slot.Load()
	}
	if page[r&0xFF].CompareAndSwap(nil, v) {
		return v
	}
	return page[r&0xFF].Load()
}

func (f *Font) rasterise(idx sfnt.GlyphIndex, ppem fixed.Int26_6) *Glyph {
	buf := f.bufs.Get().(*sfnt.Buffer)
	defer f.bufs.Put(buf)
	segs, err := f.sf.LoadGlyph(buf, idx, ppem, nil)
	if err != nil || len(segs) == 0 {
		return &Glyph{Mask: image.NewAlpha(image.Rectangle{})}
	}
	b := segs.Bounds() // y grows down, origin on the baseline
	minX, minY := b.Min.X.Floor(), b.Min.Y.Floor()
	w, h := b.Max.X.Ceil()-minX, b.Max.Y.Ceil()-minY
	if w <= 0 || h <= 0 {
		return &Glyph{Mask: image.NewAlpha(image.Rectangle{})}
	}
	z := vector.NewRasterizer(w, h)
	z.DrawOp = draw.Src
	pt := func(p fixed.Point26_6) (float32, float32) {
		return float32(p.X)/64 - float32(minX), float32(p.Y)/64 - float32(minY)
	}
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			z.MoveTo(pt(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			z.LineTo(pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			z.QuadTo(x1, y1, x2, y2)
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x3, y3 := pt(s.Args[2])
			z.CubeTo(x1, y1, x2, y2, x3, y3)
		}
	}
	z.ClosePath()
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	return &Glyph{Mask: mask, Offset: image.Pt(minX, minY)}
}
