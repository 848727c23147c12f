package divisions

import (
	"strings"
	"unicode/utf8"
)

// provinceShortForms are, by the first two digits of the division code,
// the short forms people write for each province-level division: the name
// without its suffix, and the one-character abbreviation (简称) with the
// common second one where there is one (云/滇, 贵/黔, 川/蜀, 陕/秦, 甘/陇).
var provinceShortForms = map[string][]string{
	"11": {"北京", "京"},
	"12": {"天津", "津"},
	"13": {"河北", "冀"},
	"14": {"山西", "晋"},
	"15": {"内蒙古", "内蒙", "蒙"},
	"21": {"辽宁", "辽"},
	"22": {"吉林", "吉"},
	"23": {"黑龙江", "黑"},
	"31": {"上海", "沪"},
	"32": {"江苏", "苏"},
	"33": {"浙江", "浙"},
	"34": {"安徽", "皖"},
	"35": {"福建", "闽"},
	"36": {"江西", "赣"},
	"37": {"山东", "鲁"},
	"41": {"河南", "豫"},
	"42": {"湖北", "鄂"},
	"43": {"湖南", "湘"},
	"44": {"广东", "粤"},
	"45": {"广西", "桂"},
	"46": {"海南", "琼"},
	"50": {"重庆", "渝"},
	"51": {"四川", "川", "蜀"},
	"52": {"贵州", "贵", "黔"},
	"53": {"云南", "云", "滇"},
	"54": {"西藏", "藏"},
	"61": {"陕西", "陕", "秦"},
	"62": {"甘肃", "甘", "陇"},
	"63": {"青海", "青"},
	"64": {"宁夏", "宁"},
	"65": {"新疆", "新"},
	"71": {"台湾", "台"},
	"81": {"香港", "港"},
	"82": {"澳门", "澳"},
}

// autonomousSuffixes end the names of autonomous prefectures, counties and
// banners; their short form is the place name before the peoples named,
// alone or with 州, 县 or 旗 (恩施土家族苗族自治州 → 恩施, 恩施州).
var autonomousSuffixes = []struct{ suffix, unit string }{
	{"自治州", "州"}, {"自治县", "县"}, {"自治旗", "旗"},
}

// peoples are the names of China's peoples as they appear in autonomous
// division names; single-character names only with 族, so that they do
// not match inside place names.
var peoples = []string{
	"蒙古", "维吾尔", "哈萨克", "柯尔克孜", "朝鲜", "土家", "布依", "哈尼", "傈僳", "拉祜",
	"东乡", "纳西", "景颇", "达斡尔", "仫佬", "毛南", "仡佬", "锡伯", "塔吉克", "鄂温克",
	"鄂伦春", "裕固", "保安", "撒拉", "普米", "阿昌", "独龙", "德昂", "基诺", "门巴",
	"珞巴", "乌孜别克", "俄罗斯", "塔塔尔", "赫哲", "高山", "布朗",
	"回族", "藏族", "苗族", "彝族", "壮族", "满族", "侗族", "瑶族", "白族", "傣族",
	"黎族", "佤族", "畲族", "水族", "土族", "羌族", "怒族", "京族",
}

// unitSuffixes end ordinary city and district names, longest first; what
// is left, if at least two characters, is the short form (深圳市 → 深圳,
// 浦东新区 → 浦东, 锡林郭勒盟 → 锡林郭勒).
var unitSuffixes = []string{"新区", "林区", "特区", "地区", "市", "区", "县", "旗", "盟"}

// forms returns name followed by the short forms people write for it.
func forms(name string) []string {
	out := []string{name}
	for _, a := range autonomousSuffixes {
		stem, ok := strings.CutSuffix(name, a.suffix)
		if !ok {
			continue
		}
		cut := len(stem)
		for _, p := range peoples {
			if i := strings.Index(stem, p); i >= 0 && i < cut {
				cut = i
			}
		}
		if base := stem[:cut]; utf8.RuneCountInString(base) >= 2 && cut < len(stem) {
			out = append(out, base, base+a.unit)
		}
		return out
	}
	for _, s := range unitSuffixes {
		if base, ok := strings.CutSuffix(name, s); ok {
			if utf8.RuneCountInString(base) >= 2 {
				out = append(out, base)
			}
			return out
		}
	}
	return out
}
