package pdf

import (
	"cmp"
	"fmt"
	"slices"
)

// cmapGroup maps the runes lo..hi to consecutive glyphs gid, gid+1, ...
// Both cmap formats we read are turned into sorted groups, the shape of a
// format 12 subtable, so that lookup is one binary search.
type cmapGroup struct {
	lo, hi, gid uint32
}

// parseCmap reads the best Unicode subtable of a 'cmap' table: format 12
// (full repertoire) if there is one, else format 4 (BMP).
func parseCmap(t []byte, numGlyphs int) ([]cmapGroup, error) {
	n := int(u16(t[2:]))
	if 4+8*n > len(t) {
		return nil, fmt.Errorf("cmap table lists %d subtables but is only %d bytes", n, len(t))
	}
	var fmt4, fmt12 []byte
	for i := range n {
		rec := t[4+8*i:]
		platform, encoding, off := u16(rec), u16(rec[2:]), int(u32(rec[4:]))
		if off+2 > len(t) || off < 0 {
			return nil, fmt.Errorf("cmap subtable %d starts at %d, past the end of the %d-byte table", i, off, len(t))
		}
		sub := t[off:]
		unicode := platform == 0 || platform == 3 && (encoding == 1 || encoding == 10)
		switch {
		case !unicode:
		case u16(sub) == 12 && fmt12 == nil:
			fmt12 = sub
		case u16(sub) == 4 && fmt4 == nil:
			fmt4 = sub
		}
	}
	var groups []cmapGroup
	var err error
	switch {
	case fmt12 != nil:
		groups, err = parseCmap12(fmt12, numGlyphs)
	case fmt4 != nil:
		groups, err = parseCmap4(fmt4, numGlyphs)
	default:
		return nil, fmt.Errorf("cmap has no Unicode subtable of format 4 or 12; the font cannot map characters to glyphs")
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(groups, func(a, b cmapGroup) int { return cmp.Compare(a.lo, b.lo) })
	return groups, nil
}

// parseCmap12 reads a format 12 (segmented coverage) subtable.
func parseCmap12(t []byte, numGlyphs int) ([]cmapGroup, error) {
	if len(t) < 16 {
		return nil, fmt.Errorf("cmap format 12 subtable is truncated")
	}
	n := uint64(u32(t[12:]))
	if 16+12*n > uint64(len(t)) {
		return nil, fmt.Errorf("cmap format 12 subtable lists %d groups but is only %d bytes", n, len(t))
	}
	groups := make([]cmapGroup, 0, n)
	for i := range int(n) {
		g := t[16+12*i:]
		lo, hi, gid := u32(g), u32(g[4:]), u32(g[8:])
		if lo > hi || hi > 0x10ffff {
			return nil, fmt.Errorf("cmap format 12 group %d has the bad range U+%04X..U+%04X", i, lo, hi)
		}
		// Drop the tail of a group that runs past the last glyph rather than
		// reject the font: those characters just have no glyph.
		if gid >= uint32(numGlyphs) {
			continue
		}
		hi = min(hi, lo+uint32(numGlyphs)-1-gid)
		groups = append(groups, cmapGroup{lo, hi, gid})
	}
	return groups, nil
}

// parseCmap4 reads a format 4 (segment mapping to delta values) subtable.
func parseCmap4(t []byte, numGlyphs int) ([]cmapGroup, error) {
	if len(t) < 14 {
		return nil, fmt.Errorf("cmap format 4 subtable is truncated")
	}
	segX2 := int(u16(t[6:]))
	if segX2%2 != 0 || 16+4*segX2 > len(t) {
		return nil, fmt.Errorf("cmap format 4 subtable has a bad segCountX2 %d for its %d bytes", segX2, len(t))
	}
	ends, starts, deltas, rangeOffsets := 14, 16+segX2, 16+2*segX2, 16+3*segX2
	var groups []cmapGroup
	next := uint32(0) // segments are sorted and do not overlap
	for i := 0; i < segX2; i += 2 {
		start, end := uint32(u16(t[starts+i:])), uint32(u16(t[ends+i:]))
		delta, ro := uint32(u16(t[deltas+i:])), int(u16(t[rangeOffsets+i:]))
		// Enforcing the order bounds the work below by the 65536 BMP
		// characters, whatever the font claims.
		if start < next || end < start {
			return nil, fmt.Errorf("cmap format 4 segment %d (U+%04X..U+%04X) is out of order or overlaps the one before", i/2, start, end)
		}
		next = end + 1
		for c := start; c <= end; c++ {
			g := (c + delta) & 0xffff
			if ro != 0 {
				// idRangeOffset is relative to its own position in the table.
				at := rangeOffsets + i + ro + 2*int(c-start)
				if at+2 > len(t) {
					return nil, fmt.Errorf("cmap format 4 segment %d points past the end of the subtable", i/2)
				}
				if g = uint32(u16(t[at:])); g != 0 {
					g = (g + delta) & 0xffff
				}
			}
			if g == 0 || g >= uint32(numGlyphs) {
				continue
			}
			if k := len(groups) - 1; k >= 0 && groups[k].hi+1 == c && groups[k].gid+c-groups[k].lo == g {
				groups[k].hi = c
				continue
			}
			groups = append(groups, cmapGroup{c, c, g})
		}
	}
	return groups, nil
}

// lookupCmap returns the glyph groups map r to, 0 if none.
func lookupCmap(groups []cmapGroup, r rune) uint16 {
	if r < 0 {
		return 0
	}
	c := uint32(r)
	// Find the last group with lo <= c.
	i, j := 0, len(groups)
	for i < j {
		h := int(uint(i+j) >> 1)
		if groups[h].lo <= c {
			i = h + 1
		} else {
			j = h
		}
	}
	if i == 0 || c > groups[i-1].hi {
		return 0
	}
	g := groups[i-1]
	return uint16(g.gid + c - g.lo)
}
