package printing

import (
	"strings"
	"unicode"

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

// QR is a QR code centred in its (square) box; Modules[y][x] is a dark
// module. The quiet zone lies outside the box.
type QR struct {
	Box     Rect
	Value   string
	Modules [][]bool
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
	w := fonts.Width(t.Style, t.Lines[i]) * t.Size
	switch t.Align {
	case Center:
		return t.Box.X + (t.Box.W-w)/2
	case Right:
		return t.Box.X + t.Box.W - w
	}
	return t.Box.X
}

// ellipsis marks text shortened to fit.
const ellipsis = "…"

// fitText builds a Text for s in box: it wraps s onto as many lines as
// the box holds at size (at most maxLines) and, when s still does not
// fit, shortens the last line and ends it with "…". Text never leaves its
// box. shortened reports whether anything was cut.
func fitText(box Rect, style fonts.Style, size float64, maxLines int, align Align, s string) (t *Text, shortened bool) {
	t = &Text{Box: box, Style: style, Size: size, Align: align}
	if fit := int((box.H/size - ascent + lineHeight - 0.25) / lineHeight); fit < maxLines {
		maxLines = fit // 0.25 em below the last baseline for descenders
	}
	s = cleanText(s)
	if maxLines <= 0 {
		return t, s != ""
	}
	limit := box.W / size // line width in ems
	var line []rune
	width := 0.0
	for _, r := range s {
		w := fonts.RuneWidth(style, r)
		if width+w <= limit {
			line = append(line, r)
			width += w
			continue
		}
		if len(t.Lines)+1 == maxLines {
			t.Lines = append(t.Lines, shorten(style, string(line), limit))
			return t, true
		}
		// Break after the last space or Chinese character rather than
		// inside a word, a number or a mask: "USB-C" and "****" stay whole.
		// A word longer than a line is broken where it must.
		cut := len(line)
		if inWord(r) {
			for i := len(line) - 1; i > 0 && inWord(line[i]); i-- {
				if !inWord(line[i-1]) {
					if fonts.Width(style, string(line[i:]))+w <= limit {
						cut = i
					}
					break
				}
			}
		}
		carry := append([]rune(nil), line[cut:]...)
		t.Lines = append(t.Lines, strings.TrimRight(string(line[:cut]), " "))
		line, width = append(line[:0], carry...), fonts.Width(style, string(carry))
		if r != ' ' { // a break swallows the space it falls on
			line, width = append(line, r), width+w
		}
	}
	if len(line) > 0 {
		t.Lines = append(t.Lines, string(line))
	}
	return t, false
}

// inWord reports whether r is part of a word that a line break should not
// split: anything but spaces and Chinese (and other East Asian) characters,
// which break anywhere.
func inWord(r rune) bool { return r < 0x2E80 && !unicode.IsSpace(r) }

// shorten cuts line until it and the ellipsis fit in limit ems.
func shorten(style fonts.Style, line string, limit float64) string {
	rs := []rune(line)
	mark := fonts.Width(style, ellipsis)
	for len(rs) > 0 && fonts.Width(style, string(rs))+mark > limit {
		rs = rs[:len(rs)-1]
	}
	if mark > limit {
		return ""
	}
	return strings.TrimRight(string(rs), " ") + ellipsis
}

// cleanText turns line breaks, tabs and other control or invisible
// format characters into single spaces: order data comes from merchants'
// systems and must not move text around the label.
func cleanText(s string) string {
	var b strings.Builder
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
