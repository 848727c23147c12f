package pdf

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
)

// subset returns a TrueType font program holding only u's glyphs, glyph i
// being the original glyph u.gids[i]. glyf, loca, hmtx and cmap are rebuilt;
// head, hhea, maxp and post are copied with the fields that count or locate
// glyphs patched; OS/2 and the hinting tables (cvt, fpgm, prep) are copied
// as they are, since the glyphs' instructions refer to them.
func (f *Font) subset(u *fontUse) []byte {
	n := len(u.gids)
	size := 0
	for _, g := range u.gids {
		size += len(f.glyph(g)) + 3
	}
	glyf := make([]byte, 0, size)
	loca := make([]byte, 4*(n+1)) // long offsets: glyf may pass the 128 KB that short ones reach
	hmtx := make([]byte, 4*n)     // a full longHorMetric per glyph: numberOfHMetrics = n
	for i, g := range u.gids {
		put32(loca[4*i:], uint32(len(glyf)))
		start := len(glyf)
		glyf = append(glyf, f.glyph(g)...)
		// Composite glyphs name their components by glyph ID ('glyf' table,
		// composite glyph description); give them their subset IDs.
		data := glyf[start:]
		walkComponents(data, func(at int) {
			put16(data[at:], u.cids[u16(data[at:])])
		})
		glyf = pad4(glyf)
		adv, lsb := f.hMetric(g)
		put16(hmtx[4*i:], adv)
		put16(hmtx[4*i+2:], uint16(lsb))
	}
	put32(loca[4*n:], uint32(len(glyf)))

	head := slices.Clone(f.head)
	put32(head[8:], 0)  // checkSumAdjustment, set once the whole font is summed
	put16(head[50:], 1) // indexToLocFormat: long
	hhea := slices.Clone(f.hhea)
	put16(hhea[34:], uint16(n)) // numberOfHMetrics
	maxp := slices.Clone(f.maxp)
	put16(maxp[4:], uint16(n)) // numGlyphs
	// post version 3.0 has no glyph names: the 32-byte header only.
	post := make([]byte, 32)
	if f.post != nil {
		copy(post, f.post[:32])
	}
	put32(post, 0x00030000)

	// The table directory lists tables sorted by tag ("Organization of an
	// OpenType Font"); this literal is in that order. Empty tables are left out.
	tables := []sfntTable{
		{"OS/2", f.os2}, {"cmap", subsetCmap(u)}, {"cvt ", f.cvt}, {"fpgm", f.fpgm},
		{"glyf", glyf}, {"head", head}, {"hhea", hhea}, {"hmtx", hmtx},
		{"loca", loca}, {"maxp", maxp}, {"post", post}, {"prep", f.prep},
	}
	tables = slices.DeleteFunc(tables, func(t sfntTable) bool { return len(t.data) == 0 })

	total := 12 + 16*len(tables)
	for _, t := range tables {
		total += len(t.data) + 3
	}
	out := make([]byte, 12+16*len(tables), total)
	put32(out, 0x00010000) // sfntVersion: TrueType outlines
	k := len(tables)
	selector := bits.Len(uint(k)) - 1 // log2 of the largest power of 2 <= k
	put16(out[4:], uint16(k))
	put16(out[6:], uint16(16<<selector))         // searchRange
	put16(out[8:], uint16(selector))             // entrySelector
	put16(out[10:], uint16(16*k-(16<<selector))) // rangeShift
	headAt := 0
	for i, t := range tables {
		at := len(out)
		out = pad4(append(out, t.data...))
		rec := out[12+16*i:]
		copy(rec, t.tag)
		put32(rec[4:], checksum(out[at:]))
		put32(rec[8:], uint32(at))
		put32(rec[12:], uint32(len(t.data)))
		if t.tag == "head" {
			headAt = at
		}
	}
	// The 'head' table: checkSumAdjustment makes the whole font sum to this.
	put32(out[headAt+8:], 0xb1b0afba-checksum(out))
	return out
}

type sfntTable struct {
	tag  string
	data []byte
}

// subsetCmap returns a 'cmap' table with one format 12 subtable (platform 3,
// encoding 10) mapping the characters drawn to their subset glyphs. Viewers
// reach glyphs through CIDToGIDMap, not cmap, but font parsers want one.
func subsetCmap(u *fontUse) []byte {
	type pair struct {
		r   rune
		cid uint32
	}
	pairs := make([]pair, 0, len(u.runes))
	for c, r := range u.runes {
		if r != 0 {
			pairs = append(pairs, pair{r, uint32(c)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Compare(a.r, b.r) })
	var groups []cmapGroup
	for _, p := range pairs {
		if k := len(groups) - 1; k >= 0 && groups[k].hi+1 == uint32(p.r) && groups[k].gid+uint32(p.r)-groups[k].lo == p.cid {
			groups[k].hi++
			continue
		}
		groups = append(groups, cmapGroup{uint32(p.r), uint32(p.r), p.cid})
	}
	t := make([]byte, 12+16+12*len(groups))
	put16(t[2:], 1)  // numTables
	put16(t[4:], 3)  // platformID: Windows
	put16(t[6:], 10) // encodingID: Unicode full repertoire
	put32(t[8:], 12) // subtable offset
	sub := t[12:]
	put16(sub, 12)
	put32(sub[4:], uint32(len(sub)))
	put32(sub[12:], uint32(len(groups)))
	for i, g := range groups {
		put32(sub[16+12*i:], g.lo)
		put32(sub[20+12*i:], g.hi)
		put32(sub[24+12*i:], g.gid)
	}
	return t
}

// checksum is the table checksum of the 'Table directory': the sum of the
// big-endian uint32s of b, whose length is a multiple of 4.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i+4 <= len(b); i += 4 {
		sum += u32(b[i:])
	}
	return sum
}

// pad4 pads b with zeros to a multiple of 4 bytes: tables, and here glyphs,
// start on 4-byte boundaries.
func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func put16(b []byte, v uint16) { binary.BigEndian.PutUint16(b, v) }
func put32(b []byte, v uint32) { binary.BigEndian.PutUint32(b, v) }
