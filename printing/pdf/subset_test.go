package pdf

import (
	"encoding/binary"
	"slices"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// TestSubsetGlyphs parses the embedded subsets with
// golang.org/x/image/font/sfnt and checks that every drawn character has
// the same outline and advance as in the whole font. Droid Sans Fallback
// draws many Chinese characters as composite glyphs (Go Regular has none),
// so this also covers component renumbering.
func TestSubsetGlyphs(t *testing.T) {
	latin, cjk := testFonts(t)
	tests := []struct {
		font *Font
		ttf  []byte
		text string
	}{
		{latin, goregular.TTF, "Order SF1234567890, Weight: 1.25kg Café déjà vu ÅØß {}[]"},
		{cjk, droidTTF(t), cjkSample + "，：（）！"},
	}
	for _, tt := range tests {
		t.Run(tt.font.name, func(t *testing.T) {
			d := NewDocument()
			d.AddPage(100, 100).Text(tt.font, 4, 0, 10, tt.text, Black)
			u := d.fonts[0]
			program := tt.font.subset(u)
			checkSfntStructure(t, program)

			sub, err := sfnt.Parse(program)
			if err != nil {
				t.Fatalf("sfnt.Parse(subset): %v", err)
			}
			if got := sub.NumGlyphs(); got != len(u.gids) {
				t.Errorf("subset has %d glyphs, want %d", got, len(u.gids))
			}
			orig, err := sfnt.Parse(tt.ttf)
			if err != nil {
				t.Fatal(err)
			}
			var b1, b2 sfnt.Buffer
			ppem := fixed.Int26_6(tt.font.unitsPerEm) << 6 // outlines in font units
			composites := 0
			for _, r := range tt.text {
				g := tt.font.glyphIndex(r)
				if g == 0 {
					t.Fatalf("test text has %q, which the font lacks", r)
				}
				if data := tt.font.glyph(g); len(data) > 0 && int16(u16(data)) < 0 {
					composites++
				}
				cid, ok := u.cids[g]
				if !ok {
					t.Fatalf("%q: glyph %d is not in the subset", r, g)
				}
				// The subset's cmap maps the character to its new glyph.
				if got, err := sub.GlyphIndex(&b2, r); err != nil || uint16(got) != cid {
					t.Errorf("subset cmap maps %q to %d (%v), want %d", r, got, err, cid)
				}
				want, err := orig.LoadGlyph(&b1, sfnt.GlyphIndex(g), ppem, nil)
				if err != nil {
					t.Fatal(err)
				}
				want = slices.Clone(want)
				got, err := sub.LoadGlyph(&b2, sfnt.GlyphIndex(cid), ppem, nil)
				if err != nil {
					t.Fatalf("%q: subset LoadGlyph(%d): %v", r, cid, err)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%q: subset outline differs:\n got %v\nwant %v", r, got, want)
				}
				wantAdv, _ := orig.GlyphAdvance(&b1, sfnt.GlyphIndex(g), ppem, font.HintingNone)
				gotAdv, err := sub.GlyphAdvance(&b2, sfnt.GlyphIndex(cid), ppem, font.HintingNone)
				if err != nil || gotAdv != wantAdv {
					t.Errorf("%q: subset advance %v (%v), want %v", r, gotAdv, err, wantAdv)
				}
			}
			t.Logf("%d glyphs drawn with %d composite uses; subset has %d glyphs, %d bytes", len([]rune(tt.text)), composites, len(u.gids), len(program))
			if tt.font == cjk && composites == 0 {
				t.Error("no composite glyph drawn; pick test characters that have some")
			}
		})
	}
}

// checkSfntStructure checks what sfnt.Parse does not: table alignment,
// table checksums and head.checkSumAdjustment ("Table directory").
func checkSfntStructure(t *testing.T, ttf []byte) {
	t.Helper()
	if len(ttf)%4 != 0 {
		t.Errorf("font is %d bytes, not a multiple of 4", len(ttf))
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	prev := ""
	for i := range n {
		rec := ttf[12+16*i:]
		tag := string(rec[:4])
		sum, off, length := binary.BigEndian.Uint32(rec[4:]), binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if tag <= prev {
			t.Errorf("table %q listed after %q: not sorted", tag, prev)
		}
		prev = tag
		if off%4 != 0 {
			t.Errorf("table %q at offset %d, not 4-byte aligned", tag, off)
		}
		data := ttf[off : off+(length+3)&^3]
		if tag == "head" {
			data = slices.Clone(data)
			binary.BigEndian.PutUint32(data[8:], 0)
		}
		if got := checksum(data); got != sum {
			t.Errorf("table %q checksum %#x, directory says %#x", tag, got, sum)
		}
	}
	if got := checksum(ttf); got != 0xb1b0afba {
		t.Errorf("whole font sums to %#x, want 0xb1b0afba", got)
	}
}
