package pdf

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// tableAt returns the offset of table tag in ttf's table directory.
func tableAt(t *testing.T, ttf []byte, tag string) (dirEntry, offset int) {
	t.Helper()
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := range n {
		rec := 12 + 16*i
		if string(ttf[rec:rec+4]) == tag {
			return rec, int(binary.BigEndian.Uint32(ttf[rec+8:]))
		}
	}
	t.Fatalf("no %q table", tag)
	return 0, 0
}

func TestParseFontRejects(t *testing.T) {
	edit := func(f func(ttf []byte)) []byte {
		ttf := bytes.Clone(goregular.TTF)
		f(ttf)
		return ttf
	}
	_, head := tableAt(t, goregular.TTF, "head")
	_, loca := tableAt(t, goregular.TTF, "loca")
	glyfEntry, _ := tableAt(t, goregular.TTF, "glyf")
	tests := []struct {
		name     string
		fontName string
		ttf      []byte
		want     string
	}{
		{"empty name", "", goregular.TTF, "font name is empty"},
		{"too short", "F", goregular.TTF[:8], "too short"},
		{"not a font", "F", []byte("<html><body>not found</body></html>"), "does not start with a TrueType version tag"},
		{"CFF outlines", "F", edit(func(b []byte) { copy(b, "OTTO") }), "CFF"},
		{"collection", "F", edit(func(b []byte) { copy(b, "ttcf") }), "collection"},
		{"truncated", "F", goregular.TTF[:len(goregular.TTF)/2], "truncated"},
		{"no glyf", "F", edit(func(b []byte) { copy(b[glyfEntry:], "glyx") }), `no "glyf" table`},
		{"bad loca format", "F", edit(func(b []byte) { b[head+51] = 2 }), "indexToLocFormat"},
		// Go Regular has short loca offsets: make glyph 5 end far past glyf.
		{"loca past glyf", "F", edit(func(b []byte) { binary.BigEndian.PutUint16(b[loca+12:], 0xfff0) }), "loca gives glyph 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFont(tt.fontName, tt.ttf)
			if err == nil {
				t.Fatalf("ParseFont succeeded (%v), want an error containing %q", f != nil, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseFont error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestCmapAndAdvance checks glyph lookup and advances against
// golang.org/x/image/font/sfnt for every character either font might map.
// Go Regular is read through a format 4 subtable, Droid Sans Fallback
// through format 12.
func TestCmapAndAdvance(t *testing.T) {
	latin, cjk := testFonts(t)
	ttf := droidTTF(t)
	for _, tt := range []struct {
		font *Font
		ttf  []byte
	}{{latin, goregular.TTF}, {cjk, ttf}} {
		t.Run(tt.font.name, func(t *testing.T) {
			ref, err := sfnt.Parse(tt.ttf)
			if err != nil {
				t.Fatal(err)
			}
			var buf sfnt.Buffer
			ppem := fixed.Int26_6(tt.font.unitsPerEm) << 6 // advances come back in font units
			mapped := 0
			for r := rune(0); r < 0x30000; r++ {
				want, err := ref.GlyphIndex(&buf, r)
				if err != nil {
					t.Fatal(err)
				}
				if got := tt.font.glyphIndex(r); got != uint16(want) {
					t.Fatalf("glyphIndex(%U) = %d, want %d", r, got, want)
				}
				if tt.font.HasGlyph(r) != (want != 0) {
					t.Fatalf("HasGlyph(%U) = %v, want %v", r, !(want != 0), want != 0)
				}
				if want == 0 && r%64 != 0 {
					continue
				}
				mapped++
				adv, err := ref.GlyphAdvance(&buf, want, ppem, font.HintingNone)
				if err != nil {
					t.Fatal(err)
				}
				if got := tt.font.Advance(r) * tt.font.unitsPerEm; got != float64(adv>>6) {
					t.Fatalf("Advance(%U) = %v units, want %v", r, got, adv>>6)
				}
			}
			t.Logf("%d characters checked", mapped)
		})
	}
	for _, r := range "Aé1" {
		if !latin.HasGlyph(r) || cjk.HasGlyph(r) {
			t.Errorf("HasGlyph(%q): Go Regular %v, Droid Sans Fallback %v; want true, false", r, latin.HasGlyph(r), cjk.HasGlyph(r))
		}
	}
	if latin.HasGlyph('中') || !cjk.HasGlyph('中') {
		t.Errorf("HasGlyph('中'): Go Regular %v, Droid Sans Fallback %v; want false, true", latin.HasGlyph('中'), cjk.HasGlyph('中'))
	}
}

// TestCmapFormat4 reads Droid Sans Fallback's format 4 subtable, which
// ParseFont passes over for format 12, and checks both agree on the BMP.
func TestCmapFormat4(t *testing.T) {
	_, cjk := testFonts(t)
	ttf := droidTTF(t)
	_, at := tableAt(t, ttf, "cmap")
	cmap := ttf[at:]
	var fmt4 []byte
	for i := range int(binary.BigEndian.Uint16(cmap[2:])) {
		rec := cmap[4+8*i:]
		sub := cmap[binary.BigEndian.Uint32(rec[4:]):]
		if binary.BigEndian.Uint16(sub) == 4 {
			fmt4 = sub
		}
	}
	if fmt4 == nil {
		t.Fatal("no format 4 subtable")
	}
	groups, err := parseCmap4(fmt4, cjk.numGlyphs)
	if err != nil {
		t.Fatal(err)
	}
	for r := rune(0); r < 0xffff; r++ {
		if got, want := lookupCmap(groups, r), cjk.glyphIndex(r); got != want {
			t.Fatalf("format 4 maps %U to %d, format 12 to %d", r, got, want)
		}
	}
}

func FuzzParseFont(f *testing.F) {
	f.Add(goregular.TTF)
	// Small seeds fuzz faster: subsets of both fonts, one with composite glyphs.
	latin, cjk := testFonts(f)
	for _, seed := range []struct {
		font *Font
		text string
	}{{latin, "Aé1"}, {cjk, "收中"}} {
		d := NewDocument()
		d.AddPage(10, 10).Text(seed.font, 1, 0, 5, seed.text, Black)
		f.Add(seed.font.subset(d.fonts[0]))
	}
	f.Fuzz(func(t *testing.T, ttf []byte) {
		font, err := ParseFont("F", ttf)
		if err != nil {
			return
		}
		// Whatever ParseFont accepts can be drawn and embedded.
		d := NewDocument()
		d.AddPage(50, 50).Text(font, 5, 1, 10, "Aé中\xff", Black)
		if out := d.Bytes(); !bytes.HasPrefix(out, []byte("%PDF-")) {
			t.Fatalf("output starts %q", out[:min(len(out), 10)])
		}
	})
}
