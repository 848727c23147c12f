package divisions

import (
	"reflect"
	"testing"
)

// Every province-level division is known by its official name, its short
// form and its one-character abbreviation, and no form names two of them.
func TestProvince(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"广东省", "广东省"}, {"广东", "广东省"}, {"粤", "广东省"},
		{"北京市", "北京市"}, {"北京", "北京市"}, {"京", "北京市"},
		{"内蒙古自治区", "内蒙古自治区"}, {"内蒙古", "内蒙古自治区"}, {"内蒙", "内蒙古自治区"},
		{"广西壮族自治区", "广西壮族自治区"}, {"广西", "广西壮族自治区"}, {"桂", "广西壮族自治区"},
		{"宁夏回族自治区", "宁夏回族自治区"}, {"新疆维吾尔自治区", "新疆维吾尔自治区"}, {"新疆", "新疆维吾尔自治区"},
		{"西藏", "西藏自治区"}, {"黑龙江", "黑龙江省"}, {"滇", "云南省"}, {"黔", "贵州省"}, {"蜀", "四川省"},
		{"香港特别行政区", "香港特别行政区"}, {"香港", "香港特别行政区"}, {"澳门", "澳门特别行政区"}, {"台湾", "台湾省"},
		{" 浙江 ", "浙江省"},
		{"广东省省", ""}, {"广冬", ""}, {"", ""}, {"深圳市", ""}, {"Guangdong", ""},
	}
	for _, c := range cases {
		got, ok := Province(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Province(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	if n := len(load().provinces); n != 34 {
		t.Errorf("%d province-level divisions; want 34", n)
	}
	for _, p := range load().provinces {
		for _, f := range append([]string{p.name}, p.short...) {
			if got, _ := Province(f); got != p.name {
				t.Errorf("Province(%q) = %q; want %q", f, got, p.name)
			}
		}
		if len(p.short) < 2 {
			t.Errorf("%s has short forms %v; want a short name and an abbreviation", p.name, p.short)
		}
	}
}

func TestCity(t *testing.T) {
	cases := []struct {
		name, province, city string
		want                 string
		known                bool
	}{
		{"official", "广东省", "深圳市", "深圳市", true},
		{"short city", "广东", "深圳", "深圳市", true},
		{"abbreviated province", "粤", "广州市", "广州市", true},
		{"autonomous prefecture", "湖北省", "恩施土家族苗族自治州", "恩施土家族苗族自治州", true},
		{"autonomous prefecture short", "湖北省", "恩施州", "恩施土家族苗族自治州", true},
		{"autonomous prefecture place name", "湖北", "恩施", "恩施土家族苗族自治州", true},
		{"prefecture 地区", "新疆", "阿克苏", "阿克苏地区", true},
		{"league 盟", "内蒙古", "锡林郭勒盟", "锡林郭勒盟", true},
		{"municipality by name", "北京市", "北京市", "北京市", true},
		{"municipality short", "北京", "北京", "北京市", true},
		{"municipality 市辖区", "上海市", "市辖区", "上海市", true},
		{"chongqing counties", "重庆市", "县", "县", true},
		{"direct county as city", "湖北省", "仙桃市", "仙桃市", true},
		{"direct county short", "湖北省", "仙桃", "仙桃市", true},
		{"direct county pseudo-city", "湖北省", "省直辖县级行政区划", "省直辖县", true},
		{"xinjiang pseudo-city", "新疆维吾尔自治区", "自治区直辖县级行政区划", "自治区直辖县级行政区划", true},
		{"hainan direct county", "海南省", "澄迈县", "澄迈县", true},
		{"city without districts", "广东省", "东莞市", "东莞市", true},
		{"typo", "广东省", "深证市", "", true},
		{"city of another province", "浙江省", "深圳市", "", true},
		{"district as city", "广东省", "南山区", "", true},
		{"district as municipality's city", "北京市", "朝阳区", "", true},
		{"hong kong has no city data", "香港", "香港", "", false},
		{"unknown province", "广冬", "深圳市", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, known, ok := City(c.province, c.city)
			if got != c.want || known != c.known || ok != (c.want != "") {
				t.Errorf("City(%q, %q) = %q, known %v, ok %v; want %q, known %v", c.province, c.city, got, known, ok, c.want, c.known)
			}
		})
	}
}

func TestDistrict(t *testing.T) {
	cases := []struct {
		name, province, city, district string
		want                           string
		known                          bool
	}{
		{"official", "广东省", "深圳市", "南山区", "南山区", true},
		{"short", "广东", "深圳", "南山", "南山区", true},
		{"county", "浙江省", "杭州市", "桐庐县", "桐庐县", true},
		{"county-level city", "浙江省", "杭州市", "建德市", "建德市", true},
		{"autonomous county short", "湖北省", "宜昌市", "长阳县", "长阳土家族自治县", true},
		{"banner", "内蒙古自治区", "锡林郭勒盟", "正蓝旗", "正蓝旗", true},
		{"new area short", "上海", "上海", "浦东", "浦东新区", true},
		{"municipality by name", "北京市", "北京市", "朝阳区", "朝阳区", true},
		{"municipality by 市辖区", "北京市", "市辖区", "海淀区", "海淀区", true},
		{"chongqing county under 重庆市", "重庆市", "重庆市", "巫山县", "巫山县", true},
		{"chongqing district under 县", "重庆", "县", "渝中区", "渝中区", true},
		{"direct county under pseudo-city", "湖北省", "省直辖县", "仙桃市", "仙桃市", true},
		{"wrong city", "广东省", "广州市", "南山区", "", true},
		{"typo", "广东省", "深圳市", "南三区", "", true},
		{"street as district", "浙江省", "杭州市", "文一西路", "", true},
		{"district of another municipality", "北京市", "北京市", "黄浦区", "", true},
		{"dongguan has towns, not districts", "广东省", "东莞市", "长安镇", "", false},
		{"direct county as city has towns", "湖北省", "仙桃市", "沙嘴街道", "", false},
		{"development zone in the table", "安徽省", "合肥市", "合肥新站高新技术产业开发区", "合肥新站高新技术产业开发区", true},
		{"development zone not in the table", "安徽省", "合肥市", "合肥空港经济示范区", "", false},
		{"any new area is not judged", "北京市", "北京市", "浦东新区", "", false},
		{"unknown city", "广东省", "深证市", "南山区", "", false},
		{"hong kong", "香港", "香港", "中西区", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, known, ok := District(c.province, c.city, c.district)
			if got != c.want || known != c.known || ok != (c.want != "") {
				t.Errorf("District(%q, %q, %q) = %q, known %v, ok %v; want %q, known %v",
					c.province, c.city, c.district, got, known, ok, c.want, c.known)
			}
		})
	}
}

func TestForms(t *testing.T) {
	cases := map[string][]string{
		"深圳市":         {"深圳市", "深圳"},
		"浦东新区":        {"浦东新区", "浦东"},
		"神农架林区":       {"神农架林区", "神农架"},
		"阿克苏地区":       {"阿克苏地区", "阿克苏"},
		"恩施土家族苗族自治州":  {"恩施土家族苗族自治州", "恩施", "恩施州"},
		"克孜勒苏柯尔克孜自治州": {"克孜勒苏柯尔克孜自治州", "克孜勒苏", "克孜勒苏州"},
		"长阳土家族自治县":    {"长阳土家族自治县", "长阳", "长阳县"},
		"莫力达瓦达斡尔族自治旗": {"莫力达瓦达斡尔族自治旗", "莫力达瓦", "莫力达瓦旗"},
		"鄂温克族自治旗":     {"鄂温克族自治旗"},
		"怒江傈僳族自治州":    {"怒江傈僳族自治州", "怒江", "怒江州"},
		"沛县":          {"沛县"},
		"县":           {"县"},
	}
	for name, want := range cases {
		if got := forms(name); !reflect.DeepEqual(got, want) {
			t.Errorf("forms(%q) = %v; want %v", name, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	cases := []struct {
		name string
		got  []string
		want []string
	}{
		{"province typo", SuggestProvince("广冬省"), []string{"广东省"}},
		{"province with the city after it", SuggestProvince("广东深圳"), []string{"广东省"}},
		{"nothing close", SuggestProvince("Guangdong"), nil},
		{"city typo", SuggestCity("广东省", "深证市"), []string{"深圳市"}},
		{"city with the district after it", SuggestCity("广东", "深圳市南山区"), []string{"深圳市"}},
		{"district typo", SuggestDistrict("广东省", "深圳市", "南三区"), []string{"南山区"}},
		{"unknown city", SuggestDistrict("广东省", "深证市", "南山区"), nil},
	}
	for _, c := range cases {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v; want %v", c.name, c.got, c.want)
		}
	}
}

func TestLocate(t *testing.T) {
	got := Locate("深圳市")
	if want := []Place{{Province: "广东省", City: "深圳市"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Locate(深圳市) = %v; want %v", got, want)
	}
	found := false
	for _, p := range Locate("南山区") {
		if p.String() == "广东省深圳市南山区" {
			found = true
		}
	}
	if !found {
		t.Errorf("Locate(南山区) = %v; want 广东省深圳市南山区 among them", Locate("南山区"))
	}
	if got := Locate("文一西路"); got != nil {
		t.Errorf("Locate(文一西路) = %v; want nothing", got)
	}
}

// The embedded table parses, and a broken one is refused with its line.
func TestParse(t *testing.T) {
	tb, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	cities, districts := 0, 0
	for _, p := range tb.provinces {
		cities += len(p.cities)
		for _, c := range p.cities {
			districts += len(c.districts)
		}
	}
	if cities < 330 || districts < 2900 {
		t.Errorf("%d cities and %d districts; the data set looks truncated", cities, districts)
	}
	for _, bad := range []string{"110000\n", "11000\t北京市\n", "110101\t东城区\n", "990000\t火星省\n"} {
		if _, err := parse(bad); err == nil {
			t.Errorf("parse(%q) succeeded", bad)
		}
	}
}

func FuzzDistrict(f *testing.F) {
	for _, s := range [][3]string{{"广东省", "深圳市", "南山区"}, {"北京", "市辖区", "朝阳"}, {"湖北", "仙桃", ""}, {"\xff", "", "县"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, province, city, district string) {
		canonical, known, ok := District(province, city, district)
		if ok && (!known || canonical == "") {
			t.Fatalf("District(%q, %q, %q) = %q, known %v, ok %v", province, city, district, canonical, known, ok)
		}
		SuggestProvince(province)
		SuggestCity(province, city)
		SuggestDistrict(province, city, district)
		Locate(district)
	})
}

// Every city and district of the table is found by its own official name
// under its own province and city.
func TestEveryDivisionFindsItself(t *testing.T) {
	for _, p := range load().provinces {
		for _, c := range p.cities {
			if got, known, ok := City(p.name, c.name); !known || !ok || got != c.name {
				t.Errorf("City(%s, %s) = %q, %v, %v", p.name, c.name, got, known, ok)
			}
			for _, d := range c.districts {
				if got, known, ok := District(p.name, c.name, d.name); !known || !ok || got != d.name {
					t.Errorf("District(%s, %s, %s) = %q, %v, %v", p.name, c.name, d.name, got, known, ok)
				}
			}
		}
	}
}
