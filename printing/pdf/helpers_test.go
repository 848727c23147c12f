package pdf

import (
	"os"
	"testing"

	"golang.org/x/image/font/gofont/goregular"
)

// cjkSample is 60 distinct Chinese characters of the kind a label carries.
const cjkSample = "收件人张三广东省深圳市南山区科技园北路号大厦楼室寄李四浙江杭州西湖文电话订单重量数备注易碎品请轻放代货款签名日期时间邮编"

// testFonts parses the two label fonts: Go Regular for Latin, Droid Sans
// Fallback for Chinese.
func testFonts(tb testing.TB) (latin, cjk *Font) {
	tb.Helper()
	latin, err := ParseFont("GoRegular", goregular.TTF)
	if err != nil {
		tb.Fatal(err)
	}
	cjk, err = ParseFont("DroidSansFallback", droidTTF(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return latin, cjk
}

// drawMixed draws s as a label does: each rune in the first of latin and cjk
// that has it, runs of one font drawn by one Text call and placed by
// measuring with Advance. It returns the x where the text ends.
func drawMixed(p *Page, latin, cjk *Font, size, x, baseline float64, s string) float64 {
	pick := func(r rune) *Font {
		if latin.HasGlyph(r) {
			return latin
		}
		return cjk
	}
	runes := []rune(s)
	for i := 0; i < len(runes); {
		f := pick(runes[i])
		j := i
		width := 0.0
		for j < len(runes) && pick(runes[j]) == f {
			width += f.Advance(runes[j]) * size
			j++
		}
		p.Text(f, size, x, baseline, string(runes[i:j]), Black)
		x += width
		i = j
	}
	return x
}

// droidTTF reads Droid Sans Fallback, the label font for Chinese.
func droidTTF(tb testing.TB) []byte {
	tb.Helper()
	ttf, err := os.ReadFile("../fonts/DroidSansFallbackFull.ttf")
	if err != nil {
		tb.Fatal(err)
	}
	return ttf
}
