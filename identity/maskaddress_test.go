package identity

import "testing"

func TestMaskAddress(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"科技园南路 1 号 3 栋 502": "科技园南路 1 ****",
		"深南大道10000号腾讯大厦3楼301室12号": "深南大道10000号腾****",
		// The unit part goes even when it starts in the first half.
		"人民路88号3栋2单元501室": "人民路88号****",
		"文一西路9号B座1201":    "文一西路9号****",
		"建国路8号12#楼":       "建国路8****",
		"中山路1号院5号楼2门":     "中山路1号****",
		"长安街一号三单元":        "长安街一****",
		"ab":              "a****",
		// A phone number in the shown part is masked too.
		"13812345678 科技园南路 1 号 3 栋 502 室": "138******78 ****",
	} {
		if got := MaskAddress(in); got != want {
			t.Errorf("MaskAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
