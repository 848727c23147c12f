package printing

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ewaybill/ewaybill/printing/fonts"
)

// A Layout is one label described once, in millimetres from the top-left
// corner, and drawn by every renderer: the PDF, PNG and ZPL outputs differ
// only in how they put these elements on paper.
type Layout struct {
	Size     Size
	Elements []Element
}

// Rect is an area of the label in millimetres.
type Rect struct{ X, Y, W, H float64 }

// Ink is the colour an element is drawn in.
type Ink uint8

const (
	Black Ink = iota
	White     // on a black Fill: reverse-video marks such as 收, 寄, 补打
)

// Element is one thing drawn on a label: *Text, *Fill, *Code128 or *QR.
type Element interface{ area() Rect }

// Text is text already fitted to its box: every line fits the box's
// width at Size, and there are no more lines than the box holds.
type Text struct {
	Box   Rect
	Style fonts.Style
	Size  float64 // em size in millimetres
	Lines []string
	Align Align
	Ink   Ink
}

// Align places each line within the box.
type Align uint8

const (
	Left Align = iota
	Center
	Right
)

// Fill is a solid rectangle: a rule, a frame side or the ground of a
// reverse-video mark.
type Fill struct {
	Box Rect
	Ink Ink
}

// Code128 is a linear barcode centred in its box. Modules holds the
// symbol's bars (true) and spaces, start to stop, without quiet zones.
type Code128 struct {
	Box     Rect
	Value   string
	Modules []bool
}

// QR is a QR code of Value (level M) centred in its (square) box. The
// quiet zone lies outside the box.
type QR struct {
	Box   Rect
	Value string
}

// Side is the symbol's width in modules, 0 if Value does not fit in a
// QR code (Compose never lays out such a code).
func (q *QR) Side() int {
	version, _, err := qrVersion(q.Value)
	if err != nil {
		return 0
	}
	return qrSide(version)
}

// Modules encodes the symbol: Modules()[y][x] is a dark module. It is
// not kept in the layout because ZPL has the printer draw the symbol from
// the value, and encoding would be a large part of that render's cost.
func (q *QR) Modules() [][]bool {
	m, _ := qrEncode(q.Value)
	return m
}

func (t *Text) area() Rect    { return t.Box }
func (f *Fill) area() Rect    { return f.Box }
func (c *Code128) area() Rect { return c.Box }
func (q *QR) area() Rect      { return q.Box }

// lineHeight is the distance between baselines, in ems.
const lineHeight = 1.2

// ascent places the first baseline below the top of a line, in ems: deep
// enough for capitals and Chinese characters, whose outlines reach about
// 0.88 em above the baseline in the label fonts.
const ascent = 0.92

// Baseline is the y of line i's baseline.
func (t *Text) Baseline(i int) float64 {
	return t.Box.Y + t.Size*(ascent+lineHeight*float64(i))
}

// LineX is where line i starts, given its alignment.
func (t *Text) LineX(i int) float64 {
	switch t.Align {
	case Center:
		return t.Box.X + (t.Box.W-t.lineWidth(i))/2
	case Right:
		return t.Box.X + t.Box.W - t.lineWidth(i)
	}
	return t.Box.X
}

func (t *Text) lineWidth(i int) float64 { return fonts.Width(t.Style, t.Lines[i]) * t.Size }

// ellipsis marks text shortened to fit.
const ellipsis = "…"

// fitText builds a Text for s in box: it wraps s onto as many lines as
// the box holds at size (at most maxLines) and, when s still does not
// fit, shortens the last line and ends it with "…". Text never leaves its
// box. shortened reports whether anything was cut.
func fitText(box Rect, style fonts.Style, size float64, maxLines int, align Align, s string) (t *Text, shortened bool) {
	t = &Text{Box: box, Style: style, Size: size, Align: align}
	return t, t.fit(maxLines, s)
}

// fit sets t's lines to s as fitText describes. It appends them to
// t.Lines[:0], which may bring the room for them.
func (t *Text) fit(maxLines int, s string) (shortened bool) {
	box, style, size := t.Box, t.Style, t.Size
	t.Lines = t.Lines[:0]
	if fit := int((box.H/size - ascent + lineHeight - 0.25) / lineHeight); fit < maxLines {
		maxLines = fit // 0.25 em below the last baseline for descenders
	}
	s = cleanText(s)
	if maxLines <= 0 {
		return s != ""
	}
	limit := box.W / size // line width in ems
	// The line being filled is s[start:i]: a break swallows a space only
	// when the line before it is carried over whole, so every line is a
	// stretch of s.
	start, width := 0, 0.0
	for i, r := range s {
		w := fonts.RuneWidth(style, r)
		if width+w <= limit {
			width += w
			continue
		}
		line := s[start:i]
		if len(t.Lines)+1 == maxLines {
			t.Lines = append(t.Lines, shorten(style, line, limit))
			return true
		}
		// Break after the last space or Chinese character rather than
		// inside a word, a number or a mask: "USB-C" and "****" stay whole.
		// A word longer than a line is broken where it must.
		cut := len(line)
		if inWord(r) {
			cut = wordCut(style, line, w, limit)
		}
		t.Lines = append(t.Lines, strings.TrimRight(line[:cut], " "))
		start += cut
		width = fonts.Width(style, s[start:i])
		if r == ' ' { // a break swallows the space it falls on
			start = i + 1
		} else {
			width += w
		}
	}
	if start < len(s) {
		t.Lines = append(t.Lines, s[start:])
	}
	return false
}

// wordCut is where to break line for a character of width w that
// continues line's last word: before that word when the word and the
// character fit on the next line, else at the end of line.
func wordCut(style fonts.Style, line string, w, limit float64) int {
	i := len(line)
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(line[:i])
		if !inWord(r) {
			break
		}
		i -= n
	}
	if i == 0 || i == len(line) || fonts.Width(style, line[i:])+w > limit {
		return len(line) // no word to move, or a whole line of word
	}
	return i
}

// inWord reports whether r is part of a word that a line break should not
// split: anything but spaces and Chinese (and other East Asian) characters,
// which break anywhere.
func inWord(r rune) bool { return r < 0x2E80 && !unicode.IsSpace(r) }

// shorten cuts line until it and the ellipsis fit in limit ems.
func shorten(style fonts.Style, line string, limit float64) string {
	mark := fonts.Width(style, ellipsis)
	if mark > limit {
		return ""
	}
	// Widths of prefixes add up as Width sums them, so the first prefix
	// that overflows ends the longest one that fits.
	end, width := 0, 0.0
	for i, r := range line {
		if width += fonts.RuneWidth(style, r); width+mark > limit {
			break
		}
		end = i + utf8.RuneLen(r)
	}
	return strings.TrimRight(line[:end], " ") + ellipsis
}

// cleanText turns line breaks, tabs and other control or invisible
// format characters into single spaces: order data comes from merchants'
// systems and must not move text around the label.
func cleanText(s string) string {
	if isClean(s) {
		return s // most text: no copy
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// isClean reports whether cleanText leaves s as it is: valid UTF-8 with
// single spaces between words and no other blank or invisible character.
func isClean(s string) bool {
	space := true // at the start, as after a space: no leading space
	for _, r := range s {
		switch {
		case r == ' ':
			if space {
				return false
			}
			space = true
			continue
		case r < 0x20 || r == 0x7F:
			return false
		case r > 0x3000 && r < 0xFEFF:
			// Chinese text: no control, format or space characters
			// between the ideographic space and the byte order mark.
		case r >= 0x80 && (r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r)):
			return false // U+FFFD may stand for invalid UTF-8: let cleanText look
		}
		space = false
	}
	return !space || s == ""
}
