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

	glyphs sync.Map // rune → glyphInfo
	masks  sync.Map // maskKey → *Glyph
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
	if g, ok := f.glyphs.Load(r); ok {
		return g.(glyphInfo)
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
	g := glyphInfo{index: idx, advance: float64(adv) / 64 / f.upem}
	f.glyphs.Store(r, g)
	return g
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
func For(s Style, r rune) *Font {
	latin := Regular
	if s == Strong {
		latin = Bold
	}
	if latin.Has(r) {
		return latin
	}
	return CJK
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
		f := For(s, r)
		if len(runs) == 0 || runs[len(runs)-1].Font != f {
			if len(runs) > 0 {
				runs[len(runs)-1].Text = text[start:i]
			}
			runs = append(runs, Run{Font: f})
			start = i
		}
		runs[len(runs)-1].Width += f.Advance(r)
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
		w += For(s, r).Advance(r)
	}
	return w
}

// RuneWidth is one rune's advance in ems.
func RuneWidth(s Style, r rune) float64 { return For(s, r).Advance(r) }

// Glyph is a rasterised glyph: an 8-bit coverage mask and where its
// top-left corner sits relative to the pen position on the baseline.
type Glyph struct {
	Mask   *image.Alpha
	Offset image.Point
}

type maskKey struct {
	r    rune
	size int // pixels per em, in 1/64 px
}

// Glyph returns r drawn at pxPerEm pixels per em, from a cache: labels
// reuse a few hundred characters at a handful of sizes, so each is
// rasterised once per process.
func (f *Font) Glyph(r rune, pxPerEm float64) *Glyph {
	key := maskKey{r, int(pxPerEm*64 + 0.5)}
	if g, ok := f.masks.Load(key); ok {
		return g.(*Glyph)
	}
	g := f.rasterise(f.info(r).index, fixed.Int26_6(key.size))
	actual, _ := f.masks.LoadOrStore(key, g)
	return actual.(*Glyph)
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
