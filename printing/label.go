package printing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ewaybill/ewaybill/printing/fonts"
)

// Size is a label stock.
type Size struct {
	Name              string
	WidthMM, HeightMM float64
}

// The label stocks of the trade (DOMAIN.md): the one-part platform
// standard and the two-part roll.
var (
	Size76x130  = Size{"76x130", 76, 130}
	Size100x180 = Size{"100x180", 100, 180}
)

// Content is what one label shows. Personal data arrives already masked
// (see Mask): the layout prints what it is given.
type Content struct {
	Carrier   string // carrier's display name
	Number    string // waybill number: barcode, QR and the digits under the bars
	Routing   Routing
	Receiver  Party
	Sender    Party
	OrderCode string
	WeightG   int64 // grams; 0 leaves the weight out
	Parcels   int32
	Items     string // item summary, shortened to fit
	Remark    string // the merchant's note for the courier
	CODFen    int64  // cash on delivery in fen; 0 when none
	Printed   time.Time
	// Copy is which print of the waybill this is: 1 for the first, 2 and
	// up for reprints, which carry a visible mark with the count; 0 for a
	// preview, marked so that it is not mistaken for a printed label.
	Copy int32
}

// Party is a sender or receiver as printed.
type Party struct {
	Name    string
	Phone   string
	Address string // the full address: division names and street
}

// Routing holds the sorting codes of the destination area. All empty
// means the destination could not be routed (the trade's sign of a bad
// address), and the area is left blank.
type Routing struct {
	SortCode         string // 三段码
	ShortDestination string // 大头笔
	Hub              string // 集包地
}

// Layout fields that were shortened to fit, reported with each render.
const (
	FieldReceiverAddress = "receiver.address"
	FieldSenderAddress   = "sender.address"
	FieldItems           = "items"
	FieldRemark          = "remark"
)

// chinaTime is the time zone printed on labels (China has one).
var chinaTime = time.FixedZone("CST", 8*3600)

// Compose lays out a label. The template is drawn on 76×130 mm and scaled
// for larger stock; its areas are those GB/T 41833-2022 names: code,
// destination, recipient, sender, contents and signature. shortened
// lists the fields cut to fit (never drawn outside their areas).
func Compose(c Content, size Size) (l *Layout, shortened []string, err error) {
	bars, err := code128Modules(c.Number)
	if err != nil {
		return nil, nil, err
	}
	if err := qrFits(c.Number); err != nil {
		return nil, nil, err
	}
	t := template{sx: size.WidthMM / 76, sy: size.HeightMM / 130, l: &Layout{Size: size, Elements: make([]Element, 0, textsPerLabel+fillsPerLabel+2)}}
	t.fs = min(t.sx, t.sy)
	// The renderers draw a bar no narrower than a dot; a symbol with more
	// modules than the code area has dots at 203 dpi (and on the PDF's
	// grid, the same) would run off the label, unreadable.
	codeArea := t.rect(5, 31.5, 66, 14)
	if room := pixelBox(codeArea, DotsPerMM(203)).Dx(); len(bars) > room {
		return nil, nil, fmt.Errorf("code128 %q: %d modules do not fit the %d dots of the code area", c.Number, len(bars), room)
	}

	// Header: carrier, print time, and the reprint or preview mark.
	t.text(2, 1.5, 40, 7, fonts.Strong, 5, 1, Left, Black, c.Carrier)
	if mark := copyMark(c.Copy); mark != "" {
		t.fill(46, 1.2, 28, 4.6, Black)
		t.text(46.5, 1.5, 27, 4.2, fonts.Strong, 3.2, 1, Center, White, mark)
	}
	t.text(40, 6.3, 34, 3.2, fonts.Plain, 2.4, 1, Right, Black, c.Printed.In(chinaTime).Format("2006-01-02 15:04"))
	t.rule(10)

	// Destination area: 三段码 large, then 大头笔 and 集包地.
	t.text(2, 10.8, 72, 10, fonts.Strong, 8, 1, Center, Black, c.Routing.SortCode)
	t.text(2, 21, 40, 8, fonts.Strong, 6, 1, Left, Black, c.Routing.ShortDestination)
	if c.Routing.Hub != "" {
		t.text(42, 21.5, 32, 8, fonts.Plain, 3, 2, Right, Black, "集包地 "+c.Routing.Hub)
	}
	t.rule(30)

	// Code area: the number as Code 128 with its digits under the bars.
	t.add(&Code128{Box: codeArea, Value: c.Number, Modules: bars})
	t.text(5, 46, 66, 4.5, fonts.Strong, 3.4, 1, Center, Black, c.Number)
	t.rule(51)

	// Recipient area.
	t.mark(52.5, 7, "收", 5)
	t.text(11, 52.3, 63, 5.2, fonts.Strong, 4, 1, Left, Black, joinNonEmpty("  ", c.Receiver.Name, c.Receiver.Phone))
	if t.text(11, 57.8, 63, 17, fonts.Plain, 3.4, 4, Left, Black, c.Receiver.Address) {
		shortened = append(shortened, FieldReceiverAddress)
	}
	t.rule(75.5)

	// Sender area.
	t.mark(77, 5.5, "寄", 3.8)
	t.text(9.5, 76.4, 64.5, 4, fonts.Plain, 3, 1, Left, Black, joinNonEmpty("  ", c.Sender.Name, c.Sender.Phone))
	if t.text(9.5, 80.6, 64.5, 8, fonts.Plain, 2.8, 2, Left, Black, c.Sender.Address) {
		shortened = append(shortened, FieldSenderAddress)
	}
	t.rule(89.5)

	// Contents area (left) and the QR code (right).
	y := 90.5
	t.text(2, y, 48, 3.6, fonts.Plain, 2.8, 1, Left, Black, "订单 "+c.OrderCode)
	y += 3.8
	t.text(2, y, 48, 3.6, fonts.Plain, 2.8, 1, Left, Black, joinNonEmpty("  ", weight(c.WeightG), parcels(c.Parcels)))
	y += 3.8
	if t.text(2, y, 48, 7, fonts.Plain, 2.8, 2, Left, Black, "品名 "+c.Items) {
		shortened = append(shortened, FieldItems)
	}
	y += 7.2
	if c.Remark != "" && t.text(2, y, 48, 3.6, fonts.Plain, 2.8, 1, Left, Black, "备注 "+c.Remark) {
		shortened = append(shortened, FieldRemark)
	}
	if c.CODFen > 0 {
		t.text(2, 109.5, 48, 6.5, fonts.Strong, 4.2, 1, Left, Black, "代收货款 ¥"+yuan(c.CODFen))
	}
	t.vrule(51, 89.5, 117.5)
	side := 22 * t.fs
	t.l.Elements = append(t.l.Elements, &QR{Box: Rect{X: 63*t.sx - side/2, Y: 92 * t.sy, W: side, H: side}, Value: c.Number})
	t.rule(117.5)

	// Signature area.
	t.text(2, 118.5, 72, 3.6, fonts.Plain, 2.8, 1, Left, Black, "签收人：")
	t.text(2, 123, 72, 3.6, fonts.Plain, 2.8, 1, Left, Black, "签收时间：")
	t.text(40, 123, 34, 3.6, fonts.Plain, 2.4, 1, Right, Black, "已验视")
	return t.l, shortened, nil
}

// copyMark is the header mark for a print: none on a first print.
func copyMark(copy int32) string {
	switch {
	case copy == 0:
		return "预览 PREVIEW"
	case copy > 1:
		return "补打 第" + strconv.Itoa(int(copy)) + "次"
	}
	return ""
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

func weight(g int64) string {
	if g <= 0 {
		return ""
	}
	return "重量 " + hundredths(g/10) + "kg"
}

func parcels(n int32) string {
	if n <= 0 {
		return ""
	}
	return "件数 " + strconv.Itoa(int(n))
}

func yuan(fen int64) string { return hundredths(fen) }

// hundredths formats n/100 with two decimals, n ≥ 0.
func hundredths(n int64) string {
	return strconv.FormatInt(n/100, 10) + "." + string([]byte{byte('0' + n%100/10), byte('0' + n%10)})
}

// template places elements given in 76×130 mm coordinates on the label's
// real size: x and y scale with the stock, text with the smaller factor
// so that it keeps its proportions.
type template struct {
	sx, sy, fs float64
	l          *Layout

	// Elements and lines come from these, allocated a label's worth at a
	// time rather than one by one (a label has up to 21 texts of 28 lines
	// and 10 fills).
	texts []Text
	fills []Fill
	lines []string
}

const textsPerLabel, fillsPerLabel, linesPerLabel = 21, 10, 28

// take returns the next free element of slab, making a new slab of n
// when it is full.
func take[T any](slab *[]T, n int) *T {
	if len(*slab) == cap(*slab) {
		*slab = make([]T, 0, n)
	}
	*slab = (*slab)[:len(*slab)+1]
	return &(*slab)[len(*slab)-1]
}

func (t *template) rect(x, y, w, h float64) Rect {
	return Rect{X: x * t.sx, Y: y * t.sy, W: w * t.sx, H: h * t.sy}
}

func (t *template) add(e Element) { t.l.Elements = append(t.l.Elements, e) }

// text adds a text box and reports whether its text had to be shortened.
func (t *template) text(x, y, w, h float64, style fonts.Style, size float64, lines int, align Align, ink Ink, s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	el := take(&t.texts, textsPerLabel)
	*el = Text{Box: t.rect(x, y, w, h), Style: style, Size: size * t.fs, Align: align, Ink: ink}
	if len(t.lines)+lines > cap(t.lines) {
		t.lines = make([]string, 0, max(linesPerLabel, lines))
	}
	el.Lines = t.lines[len(t.lines) : len(t.lines) : len(t.lines)+lines]
	shortened := el.fit(lines, s)
	t.lines = t.lines[:len(t.lines)+len(el.Lines)]
	if len(el.Lines) > 0 {
		t.add(el)
	}
	return shortened
}

func (t *template) fill(x, y, w, h float64, ink Ink) {
	f := take(&t.fills, fillsPerLabel)
	*f = Fill{Box: t.rect(x, y, w, h), Ink: ink}
	t.add(f)
}

// rule is a full-width horizontal line at y.
func (t *template) rule(y float64) { t.fill(0, y-0.15, 76, 0.3, Black) }

// vrule is a vertical line at x from y0 to y1.
func (t *template) vrule(x, y0, y1 float64) { t.fill(x-0.15, y0, 0.3, y1-y0, Black) }

// mark is a reverse-video square with one character, such as 收 or 寄.
func (t *template) mark(y, side float64, char string, size float64) {
	t.fill(2, y, side, side, Black)
	t.text(2, y+(side-size*1.1)/2, side, size*1.25, fonts.Strong, size, 1, Center, White, char)
}
