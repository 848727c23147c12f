package pdf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Font is a parsed TrueType font (glyf outlines; a plain .ttf, not a
// collection) that documents embed subsets of. Parse it once with ParseFont
// and share it across goroutines and documents: it is read-only afterwards.
type Font struct {
	name       string
	unitsPerEm float64
	numGlyphs  int

	glyf        []byte
	loca        []byte
	longLoca    bool // head.indexToLocFormat == 1: loca holds uint32 offsets, else uint16 offsets/2
	hmtx        []byte
	numHMetrics int
	cmap        []cmapGroup

	// Tables every subset copies, patching the fields that describe the
	// glyph set. os2, post, cvt, fpgm and prep may be nil.
	head, hhea, maxp, os2, post, cvt, fpgm, prep []byte

	desc descriptor
}

// descriptor holds the FontDescriptor entries (PDF "Font descriptors"), in
// glyph space units (1/1000 em).
type descriptor struct {
	flags       int
	bbox        [4]float64
	italicAngle float64 // degrees
	ascent      float64
	descent     float64
	capHeight   float64
	stemV       float64
}

// ParseFont parses a TrueType font. name is the base name the PDF gives the
// font (e.g. "DroidSansFallback"). The font keeps a reference to ttf, which
// must not be modified afterwards.
func ParseFont(name string, ttf []byte) (*Font, error) {
	if name == "" {
		return nil, fmt.Errorf("pdf: font name is empty; give the font's PostScript name, e.g. \"GoRegular\"")
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("pdf: font %q: %s", name, fmt.Sprintf(format, args...))
	}
	if len(ttf) < 12 {
		return nil, bad("%d bytes is too short for a TrueType file; pass the whole .ttf file", len(ttf))
	}
	switch v := u32(ttf); v {
	case 0x00010000, 0x74727565: // 1.0 and 'true': TrueType outlines.
	case 0x4f54544f: // 'OTTO'
		return nil, bad("has CFF (PostScript) outlines; only TrueType fonts with a glyf table can be embedded")
	case 0x74746366: // 'ttcf'
		return nil, bad("is a font collection (.ttc); extract the single font as a .ttf file")
	default:
		return nil, bad("does not start with a TrueType version tag (got %#08x); pass a .ttf file", v)
	}

	// Table directory ("Organization of an OpenType Font": table records).
	n := int(u16(ttf[4:]))
	if 12+16*n > len(ttf) {
		return nil, bad("table directory of %d tables runs past the end of the file; the file is truncated", n)
	}
	tables := make(map[string][]byte, n)
	for i := range n {
		rec := ttf[12+16*i:]
		tag := string(rec[:4])
		off, length := uint64(u32(rec[8:])), uint64(u32(rec[12:]))
		if off+length > uint64(len(ttf)) {
			return nil, bad("table %q (offset %d, length %d) runs past the end of the %d-byte file; the file is truncated or corrupt", tag, off, length, len(ttf))
		}
		tables[tag] = ttf[off : off+length]
	}
	if tables["CFF "] != nil || tables["CFF2"] != nil {
		return nil, bad("has CFF (PostScript) outlines; only TrueType fonts with a glyf table can be embedded")
	}
	// Minimum lengths are the fixed parts of each table that we read.
	for _, t := range []struct {
		tag string
		min int
	}{{"head", 54}, {"hhea", 36}, {"maxp", 6}, {"hmtx", 0}, {"loca", 0}, {"glyf", 0}, {"cmap", 4}} {
		data, ok := tables[t.tag]
		if !ok {
			return nil, bad("has no %q table; pass a TrueType font with glyf outlines", t.tag)
		}
		if len(data) < t.min {
			return nil, bad("%q table is %d bytes, shorter than the %d its format needs", t.tag, len(data), t.min)
		}
	}

	f := &Font{
		name: name,
		glyf: tables["glyf"],
		loca: tables["loca"],
		hmtx: tables["hmtx"],
		head: tables["head"][:54],
		hhea: tables["hhea"][:36],
		maxp: tables["maxp"],
		os2:  tables["OS/2"],
		post: tables["post"],
		cvt:  tables["cvt "],
		fpgm: tables["fpgm"],
		prep: tables["prep"],
	}
	head, hhea := f.head, f.hhea
	if u32(head[12:]) != 0x5f0f3cf5 {
		return nil, bad("head table has the wrong magic number; the file is corrupt")
	}
	upem := u16(head[18:])
	if upem == 0 {
		return nil, bad("head.unitsPerEm is 0")
	}
	f.unitsPerEm = float64(upem)
	switch u16(head[50:]) {
	case 0:
	case 1:
		f.longLoca = true
	default:
		return nil, bad("head.indexToLocFormat is %d, want 0 or 1", u16(head[50:]))
	}
	f.numGlyphs = int(u16(f.maxp[4:]))
	if f.numGlyphs == 0 {
		return nil, bad("maxp.numGlyphs is 0; the font has no glyphs, not even .notdef")
	}
	f.numHMetrics = int(u16(hhea[34:]))
	if f.numHMetrics == 0 || f.numHMetrics > f.numGlyphs {
		return nil, bad("hhea.numberOfHMetrics is %d, want 1..%d (maxp.numGlyphs)", f.numHMetrics, f.numGlyphs)
	}
	if need := 4*f.numHMetrics + 2*(f.numGlyphs-f.numHMetrics); len(f.hmtx) < need {
		return nil, bad("hmtx table is %d bytes, want %d for %d glyphs", len(f.hmtx), need, f.numGlyphs)
	}
	if err := f.checkGlyphs(); err != nil {
		return nil, bad("%v", err)
	}
	var err error
	if f.cmap, err = parseCmap(tables["cmap"], f.numGlyphs); err != nil {
		return nil, bad("%v", err)
	}
	if f.os2 != nil && len(f.os2) < 78 {
		return nil, bad("OS/2 table is %d bytes, shorter than the 78 of version 0", len(f.os2))
	}
	if f.post != nil && len(f.post) < 32 {
		return nil, bad("post table is %d bytes, shorter than its 32-byte header", len(f.post))
	}
	f.desc = f.describe()
	return f, nil
}

// checkGlyphs validates loca against glyf and the component references of
// composite glyphs, so that subsetting can slice without further checks.
func (f *Font) checkGlyphs() error {
	entry := 2
	if f.longLoca {
		entry = 4
	}
	if len(f.loca) < (f.numGlyphs+1)*entry {
		return fmt.Errorf("loca table is %d bytes, want %d for %d glyphs", len(f.loca), (f.numGlyphs+1)*entry, f.numGlyphs)
	}
	for g := range f.numGlyphs {
		start, end := f.glyphRange(g)
		if start > end || end > len(f.glyf) {
			return fmt.Errorf("loca gives glyph %d the bytes %d..%d of a %d-byte glyf table", g, start, end, len(f.glyf))
		}
		data := f.glyf[start:end]
		if len(data) == 0 {
			continue // an empty glyph, such as a space
		}
		if len(data) < 10 {
			return fmt.Errorf("glyph %d is %d bytes, shorter than a glyph header", g, len(data))
		}
		var badRef int
		ok := walkComponents(data, func(at int) {
			if c := int(u16(data[at:])); c >= f.numGlyphs {
				badRef = c
			}
		})
		if !ok {
			return fmt.Errorf("composite glyph %d is truncated", g)
		}
		if badRef != 0 {
			return fmt.Errorf("composite glyph %d refers to glyph %d, beyond the font's %d glyphs", g, badRef, f.numGlyphs)
		}
	}
	return nil
}

// Component flags of a composite glyph description ('glyf' table).
const (
	argsAreWords    = 0x0001
	weHaveAScale    = 0x0008
	moreComponents  = 0x0020
	weHaveXYScale   = 0x0040
	weHaveTwoByTwo  = 0x0080
	compositeHeader = 10 // numberOfContours, xMin, yMin, xMax, yMax
)

// walkComponents calls fn with the offset of each component's glyphIndex in
// the glyph description g, if g is a composite glyph (numberOfContours < 0).
// It reports false if a component record runs past the end of g.
func walkComponents(g []byte, fn func(at int)) bool {
	if len(g) < compositeHeader || int16(u16(g)) >= 0 {
		return true
	}
	p := compositeHeader
	for {
		if p+4 > len(g) {
			return false
		}
		flags := u16(g[p:])
		fn(p + 2)
		p += 4 // flags, glyphIndex
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&weHaveAScale != 0:
			p += 2
		case flags&weHaveXYScale != 0:
			p += 4
		case flags&weHaveTwoByTwo != 0:
			p += 8
		}
		if p > len(g) {
			return false
		}
		if flags&moreComponents == 0 {
			return true
		}
	}
}

// glyphRange returns glyph g's byte range in glyf, as loca records it.
func (f *Font) glyphRange(g int) (start, end int) {
	if f.longLoca {
		return int(u32(f.loca[4*g:])), int(u32(f.loca[4*g+4:]))
	}
	return 2 * int(u16(f.loca[2*g:])), 2 * int(u16(f.loca[2*g+2:]))
}

// glyph returns glyph g's description in glyf (empty for blank glyphs).
func (f *Font) glyph(g uint16) []byte {
	start, end := f.glyphRange(int(g))
	return f.glyf[start:end]
}

// hMetric returns glyph g's advance width and left side bearing in font
// units. Glyphs past numberOfHMetrics share the last advance ('hmtx' table).
func (f *Font) hMetric(g uint16) (advance uint16, lsb int16) {
	i := int(g)
	if i < f.numHMetrics {
		return u16(f.hmtx[4*i:]), int16(u16(f.hmtx[4*i+2:]))
	}
	advance = u16(f.hmtx[4*(f.numHMetrics-1):])
	return advance, int16(u16(f.hmtx[4*f.numHMetrics+2*(i-f.numHMetrics):]))
}

// glyphIndex returns the glyph the cmap maps r to, 0 (.notdef) if none.
func (f *Font) glyphIndex(r rune) uint16 {
	return lookupCmap(f.cmap, r)
}

// HasGlyph reports whether the font's cmap maps r to a glyph other than
// .notdef.
func (f *Font) HasGlyph(r rune) bool {
	return f.glyphIndex(r) != 0
}

// Advance returns the advance width of r's glyph in ems, or that of .notdef
// if the font has no glyph for r. Text advances by exactly this times the
// font size.
func (f *Font) Advance(r rune) float64 {
	adv, _ := f.hMetric(f.glyphIndex(r))
	return float64(adv) / f.unitsPerEm
}

// describe derives the FontDescriptor entries from head, hhea, OS/2 and post.
func (f *Font) describe() descriptor {
	scale := 1000 / f.unitsPerEm
	s16 := func(b []byte, at int) float64 { return float64(int16(u16(b[at:]))) * scale }
	d := descriptor{
		bbox:    [4]float64{s16(f.head, 36), s16(f.head, 38), s16(f.head, 40), s16(f.head, 42)},
		ascent:  s16(f.hhea, 4),
		descent: s16(f.hhea, 6),
		// Symbolic: with Identity-H the viewer reaches glyphs by glyph ID, not
		// through a standard Latin encoding ("Font descriptor flags").
		flags: 1 << 2,
	}
	d.capHeight = d.ascent
	weight := 400.0
	if f.os2 != nil {
		weight = float64(u16(f.os2[4:]))
		if u16(f.os2) >= 2 && len(f.os2) >= 90 {
			d.capHeight = s16(f.os2, 88) // sCapHeight
		}
	}
	// No table records the vertical stem width; this is the usual estimate
	// from the weight class (400 gives 87, 700 gives 166).
	d.stemV = math.Round(50 + (weight/65)*(weight/65))
	if f.post != nil {
		d.italicAngle = float64(int32(u32(f.post[4:]))) / 65536
		if u32(f.post[12:]) != 0 {
			d.flags |= 1 << 0 // FixedPitch
		}
	}
	if d.italicAngle != 0 || u16(f.head[44:])&2 != 0 { // macStyle bit 1: italic
		d.flags |= 1 << 6
	}
	return d
}

func u16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func u32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
