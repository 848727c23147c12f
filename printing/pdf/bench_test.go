package pdf

import "testing"

// benchLines is about 80 glyphs of label text in both fonts.
var benchLines = []string{
	"收件人：张三 13800138000",
	"广东省深圳市南山区科技园北路1号",
	"寄件人：李四 13900139000",
	"浙江省杭州市西湖区文三路",
	"Order SF1234567890",
}

// drawLabel draws one label page: the text above and a 150-bar barcode.
func drawLabel(d *Document, latin, cjk *Font) {
	p := d.AddPage(76, 130)
	for i, line := range benchLines {
		drawMixed(p, latin, cjk, 3.5, 4, 10+6*float64(i), line)
	}
	drawBarcode(p, 4, 60)
}

func BenchmarkOnePage(b *testing.B) {
	latin, cjk := testFonts(b)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		d := NewDocument()
		drawLabel(d, latin, cjk)
		size = len(d.Bytes())
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}

func BenchmarkTwoHundredPages(b *testing.B) {
	latin, cjk := testFonts(b)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		d := NewDocument()
		for range 200 {
			drawLabel(d, latin, cjk)
		}
		size = len(d.Bytes())
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}
