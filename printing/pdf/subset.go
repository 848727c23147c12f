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
func (f *Font) subset(u *fontUse) []byte { return f.appendSubset(nil, u) }

// appendSubset appends the subset program to out. Each table is written
// in place, in the order of its tag, so that a writer can build every
// subset of a document in one reused buffer.
func (f *Font) appendSubset(out []byte, u *fontUse) []byte {
	// The table directory lists tables sorted by tag ("Organization of an
	// OpenType Font"); this is that order. Empty tables are left out.
	tags := [...]string{"OS/2", "cmap", "cvt ", "fpgm", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "post", "prep"}
	k := len(tags)
	for _, tag := range tags {
		if data, ok := f.copied(tag); ok && len(data) == 0 {
			k--
		}
	}
	base := len(out)
	out = slices.Grow(out, 12+16*k+f.subsetSize(u))
	out = out[:base+12+16*k]
	dir := out[base:]
	put32(dir, 0x00010000)            // sfntVersion: TrueType outlines
	selector := bits.Len(uint(k)) - 1 // log2 of the largest power of 2 <= k
	put16(dir[4:], uint16(k))
	put16(dir[6:], uint16(16<<selector))         // searchRange
	put16(dir[8:], uint16(selector))             // entrySelector
	put16(dir[10:], uint16(16*k-(16<<selector))) // rangeShift
	headAt, i := 0, 0
	for _, tag := range tags {
		at := len(out)
		if data, ok := f.copied(tag); ok {
			if len(data) == 0 {
				continue
			}
			out = append(out, data...)
		} else {
			out = f.appendTable(out, tag, u)
		}
		length := len(out) - at
		out = pad4(out)
		rec := out[base+12+16*i:]
		copy(rec, tag)
		put32(rec[4:], checksum(out[at:]))
		put32(rec[8:], uint32(at-base))
		put32(rec[12:], uint32(length))
		if tag == "head" {
			headAt = at
		}
		i++
	}
	// The 'head' table: checkSumAdjustment makes the whole font sum to this.
	put32(out[headAt+8:], 0xb1b0afba-checksum(out[base:]))
	return out
}

// copied returns the table a subset copies as it is, ok false for the
// tables it rebuilds or patches.
func (f *Font) copied(tag string) (data []byte, ok bool) {
	switch tag {
	case "OS/2":
		return f.os2, true
	case "cvt ":
		return f.cvt, true
	case "fpgm":
		return f.fpgm, true
	case "prep":
		return f.prep, true
	}
	return nil, false
}

// subsetSize is about the size of u's subset program: its glyphs and
// tables, without the directory.
func (f *Font) subsetSize(u *fontUse) int {
	size := len(f.os2) + len(f.cvt) + len(f.fpgm) + len(f.prep) + len(f.head) + len(f.hhea) + len(f.maxp) + 32 + 12*4
	size += 28 + 12*len(u.gids) // cmap: at most a group per character
	for _, g := range u.gids {
		size += len(f.glyph(g)) + 3 + 4 + 4 // glyph and padding, loca, hmtx
	}
	return size + 4
}

// appendTable appends one of the rebuilt or patched tables of u's subset.
func (f *Font) appendTable(out []byte, tag string, u *fontUse) []byte {
	n := len(u.gids)
	at := len(out)
	switch tag {
	case "cmap":
		return appendSubsetCmap(out, u)
	case "glyf":
		for _, g := range u.gids {
			start := len(out)
			out = append(out, f.glyph(g)...)
			// Composite glyphs name their components by glyph ID ('glyf'
			// table, composite glyph description); give them their subset IDs.
			data := out[start:]
			walkComponents(data, func(at int) {
				put16(data[at:], u.cids[u16(data[at:])])
			})
			out = pad4(out)
		}
	case "loca":
		// Long offsets: glyf may pass the 128 KB that short ones reach.
		// Each glyph starts on a 4-byte boundary, as glyf was written.
		offset := 0
		for _, g := range u.gids {
			out = binary.BigEndian.AppendUint32(out, uint32(offset))
			offset += (len(f.glyph(g)) + 3) &^ 3
		}
		out = binary.BigEndian.AppendUint32(out, uint32(offset))
	case "hmtx":
		// A full longHorMetric per glyph: numberOfHMetrics = n.
		for _, g := range u.gids {
			adv, lsb := f.hMetric(g)
			out = binary.BigEndian.AppendUint16(out, adv)
			out = binary.BigEndian.AppendUint16(out, uint16(lsb))
		}
	case "head":
		out = append(out, f.head...)
		put32(out[at+8:], 0)  // checkSumAdjustment, set once the whole font is summed
		put16(out[at+50:], 1) // indexToLocFormat: long
	case "hhea":
		out = append(out, f.hhea...)
		put16(out[at+34:], uint16(n)) // numberOfHMetrics
	case "maxp":
		out = append(out, f.maxp...)
		put16(out[at+4:], uint16(n)) // numGlyphs
	case "post":
		// Version 3.0 has no glyph names: the 32-byte header only.
		out = append(out, make([]byte, 32)...)
		if f.post != nil {
			copy(out[at:], f.post[:32])
		}
		put32(out[at:], 0x00030000)
	}
	return out
}

// appendSubsetCmap appends a 'cmap' table with one format 12 subtable (platform 3,
// encoding 10) mapping the characters drawn to their subset glyphs. Viewers
// reach glyphs through CIDToGIDMap, not cmap, but font parsers want one.
func appendSubsetCmap(out []byte, u *fontUse) []byte {
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
	at := len(out)
	out = append(out, make([]byte, 12+16+12*len(groups))...)
	t := out[at:]
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
	return out
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
