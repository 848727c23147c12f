package mapping

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// fieldAt returns the mapping of target in p.
func fieldAt(p *ewaybillv1.MappingProfile, target string) *ewaybillv1.FieldMapping {
	for _, f := range p.GetFields() {
		if f.GetTarget() == target {
			return f
		}
	}
	panic("no mapping for " + target)
}

// without removes the mapping of target from p.
func without(p *ewaybillv1.MappingProfile, target string) {
	p.Fields = slices.DeleteFunc(p.Fields, func(f *ewaybillv1.FieldMapping) bool { return f.GetTarget() == target })
}

func TestCheckProfile(t *testing.T) {
	str := proto.String
	// shopProfile's fields are numbered 0 to 16: receiver.name is 6,
	// receiver.mobile 7, items[] 12 to 14, parcel.weight_grams 15 and
	// cod_amount_fen 16.
	tests := []struct {
		name   string
		change func(p *ewaybillv1.MappingProfile)
		want   []string // "field rule", sorted
	}{
		{name: "valid", change: func(p *ewaybillv1.MappingProfile) {}},
		{name: "landline instead of mobile", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.mobile").Target = "receiver.landline"
		}},
		{name: "default instead of sources", change: func(p *ewaybillv1.MappingProfile) {
			f := fieldAt(p, "receiver.district")
			f.Sources, f.DefaultValue = nil, str("市辖区")
		}},
		{name: "non-ASCII and hyphenated keys", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.name").Sources = []string{"收货人.姓名", "buyer-info.real_name2"}
		}},
		{name: "join of text sources", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.address").Sources = []string{"buyer.addr.dist", "buyer.addr.street"}
		}},
		{name: "empty fixed or default counts as unset", change: func(p *ewaybillv1.MappingProfile) {
			f := fieldAt(p, "receiver.name")
			f.FixedValue, f.DefaultValue = str(""), str("")
		}},
		{name: "fixed numeric values that convert", change: func(p *ewaybillv1.MappingProfile) {
			f := fieldAt(p, "parcel.weight_grams")
			f.Sources, f.FixedValue = nil, str("0.5")
			fieldAt(p, "cod_amount_fen").DefaultValue = str("19.99")
		}},

		{name: "nil profile", change: nil, want: []string{"mapping_profile required"}},
		{name: "empty target", change: func(p *ewaybillv1.MappingProfile) {
			p.Fields = append(p.Fields, &ewaybillv1.FieldMapping{Sources: []string{"x"}})
		}, want: []string{"mapping_profile.fields[17].target required"}},
		{name: "nil mapping", change: func(p *ewaybillv1.MappingProfile) {
			p.Fields = append(p.Fields, nil)
		}, want: []string{"mapping_profile.fields[17].sources required", "mapping_profile.fields[17].target required"}},
		{name: "unknown target", change: func(p *ewaybillv1.MappingProfile) {
			p.Fields = append(p.Fields, &ewaybillv1.FieldMapping{Target: "receiver.phone", Sources: []string{"x"}})
		}, want: []string{"mapping_profile.fields[17].target unknown_target"}},
		{name: "duplicate target", change: func(p *ewaybillv1.MappingProfile) {
			p.Fields = append(p.Fields, &ewaybillv1.FieldMapping{Target: "receiver.mobile", Sources: []string{"buyer.nick"}})
		}, want: []string{"mapping_profile.fields[17].target duplicate"}},
		{name: "no value at all", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.mobile").Sources = nil
		}, want: []string{"mapping_profile.fields[7].sources required"}},
		{name: "required target unmapped", change: func(p *ewaybillv1.MappingProfile) {
			without(p, "receiver.name")
			without(p, "order_code")
		}, want: []string{"mapping_profile.fields required", "mapping_profile.fields required"}},
		{name: "no way to call the receiver", change: func(p *ewaybillv1.MappingProfile) {
			without(p, "receiver.mobile")
		}, want: []string{"mapping_profile.fields required"}},
		{name: "items name unmapped", change: func(p *ewaybillv1.MappingProfile) {
			without(p, "items[].name")
		}, want: []string{"mapping_profile.fields required"}},
		{name: "fixed value with sources", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.mobile").FixedValue = str("13800138000")
		}, want: []string{"mapping_profile.fields[7].fixed_value fixed"}},
		{name: "double dot", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.mobile").Sources = []string{"buyer..mobile"}
		}, want: []string{"mapping_profile.fields[7].sources[0] path"}},
		{name: "space in key", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.name").Sources = []string{"buyer.name", "buyer.real name"}
		}, want: []string{"mapping_profile.fields[6].sources[1] path"}},
		{name: "array outside items", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.mobile").Sources = []string{"buyers[].mobile"}
		}, want: []string{"mapping_profile.fields[7].sources[0] array"}},
		{name: "items source without array", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "items[].name").Sources = []string{"lines.title"}
		}, want: []string{"mapping_profile.fields[12].sources[0] array"}},
		{name: "items source with two arrays", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "items[].name").Sources = []string{"lines[].parts[].title"}
		}, want: []string{"mapping_profile.fields[12].sources[0] array"}},
		{name: "items sources walk different arrays", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "items[].quantity").Sources = []string{"goods[].qty"}
		}, want: []string{"mapping_profile.fields[13].sources[0] array"}},
		{name: "items sources walk arrays of the same key under different parents", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "items[].name").Sources = []string{"lines[].title", "detail.lines[].title"}
		}, want: []string{"mapping_profile.fields[12].sources[1] array"}},
		{name: "join on a number", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "parcel.weight_grams").Sources = []string{"weight_kg", "gross_kg"}
		}, want: []string{"mapping_profile.fields[15].sources join"}},
		{name: "unit on text", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.name").Unit = kgToG
		}, want: []string{"mapping_profile.fields[6].unit unit"}},
		{name: "yuan on weight", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "parcel.weight_grams").Unit = yuanToFen
		}, want: []string{"mapping_profile.fields[15].unit unit"}},
		{name: "kg on a length", change: func(p *ewaybillv1.MappingProfile) {
			p.Fields = append(p.Fields, &ewaybillv1.FieldMapping{Target: "parcel.length_mm", Sources: []string{"len"}, Unit: kgToG})
		}, want: []string{"mapping_profile.fields[17].unit unit"}},
		{name: "cm on money", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "cod_amount_fen").Unit = cmToMM
		}, want: []string{"mapping_profile.fields[16].unit unit"}},
		{name: "unit on a count", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "items[].quantity").Unit = kgToG
		}, want: []string{"mapping_profile.fields[13].unit unit"}},
		{name: "unknown unit", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "parcel.weight_grams").Unit = 99
		}, want: []string{"mapping_profile.fields[15].unit unit"}},
		{name: "fixed number that is not a number", change: func(p *ewaybillv1.MappingProfile) {
			f := fieldAt(p, "parcel.weight_grams")
			f.Sources, f.FixedValue = nil, str("1kg")
		}, want: []string{"mapping_profile.fields[15].fixed_value number"}},
		{name: "default money with three decimals", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "cod_amount_fen").DefaultValue = str("1.234")
		}, want: []string{"mapping_profile.fields[16].default_value decimals"}},
		{name: "default count that is not whole", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "items[].quantity").DefaultValue = str("1.5")
		}, want: []string{"mapping_profile.fields[13].default_value integer"}},
		{name: "default count too large", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "items[].quantity").DefaultValue = str("99999999999")
		}, want: []string{"mapping_profile.fields[13].default_value range"}},
		{name: "every problem at once", change: func(p *ewaybillv1.MappingProfile) {
			fieldAt(p, "receiver.name").Unit = kgToG
			fieldAt(p, "receiver.mobile").Sources = []string{"a[]"}
			fieldAt(p, "parcel.weight_grams").Sources = []string{"w.", "v"}
		}, want: []string{
			"mapping_profile.fields[15].sources join",
			"mapping_profile.fields[15].sources[0] path",
			"mapping_profile.fields[6].unit unit",
			"mapping_profile.fields[7].sources[0] array",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p *ewaybillv1.MappingProfile
			if tt.change != nil {
				p = shopProfile()
				tt.change(p)
			}
			err := CheckProfile(p)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("CheckProfile: %v", err)
				}
				return
			}
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.KindInvalid {
				t.Fatalf("CheckProfile = %v, want a KindInvalid fault", err)
			}
			var got []string
			for _, v := range fe.Violations {
				got = append(got, v.Field+" "+v.Rule)
				if v.Message == "" {
					t.Errorf("%s has no message", v.Field)
				}
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("violations\n got %v\nwant %v\n(%v)", got, tt.want, fe.Violations)
			}
		})
	}
}

// The messages name the problem and what would be right.
func TestCheckProfileMessages(t *testing.T) {
	p := shopProfile()
	without(p, "receiver.mobile")
	fieldAt(p, "items[].quantity").Sources = []string{"goods[].qty"}
	fe, _ := fault.As(CheckProfile(p))
	var msgs []string
	for _, v := range fe.Violations {
		msgs = append(msgs, v.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"walks goods[] but mapping_profile.fields[11].sources[0] walks lines[]",
		"neither receiver.mobile nor receiver.landline is mapped",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("messages lack %q:\n%s", want, all)
		}
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		in      string
		want    string // keys, each marked "[]", joined by "/"
		problem string // part of the message
	}{
		{in: "tid", want: "tid"},
		{in: "buyer.contact.mobile", want: "buyer/contact/mobile"},
		{in: "lines[].title", want: "lines[]/title"},
		{in: "titles[]", want: "titles[]"},
		{in: "a.b[].c[].d", want: "a/b[]/c[]/d"},
		{in: "收货人.手机号", want: "收货人/手机号"},
		{in: "x-y_z.0", want: "x-y_z/0"},
		{in: "", problem: "empty"},
		{in: ".a", problem: "key 1 of the path is empty"},
		{in: "a.", problem: "key 2 of the path is empty"},
		{in: "a..b", problem: "key 2 of the path is empty"},
		{in: "[]", problem: "without a key"},
		{in: "a.[]", problem: "without a key"},
		{in: "a[][]", problem: `holds '['`},
		{in: "a[]b", problem: `holds '['`},
		{in: "a[0]", problem: `holds '['`},
		{in: "a b", problem: `holds ' '`},
		{in: "a/b", problem: `holds '/'`},
		{in: "a$", problem: `holds '$'`},
		{in: "１２", problem: `holds '１'`},
		{in: "a\xff", problem: "UTF-8"},
		{in: strings.Repeat("a", maxPathLen+1), problem: "bytes long"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, problem := parsePath(tt.in)
			if tt.problem != "" {
				if !strings.Contains(problem, tt.problem) {
					t.Errorf("parsePath(%q) problem %q, want it to mention %q", tt.in, problem, tt.problem)
				}
				return
			}
			if problem != "" {
				t.Fatalf("parsePath(%q): %s", tt.in, problem)
			}
			var keys []string
			for _, s := range p.segs {
				k := s.key
				if s.each {
					k += "[]"
				}
				keys = append(keys, k)
			}
			if got := strings.Join(keys, "/"); got != tt.want {
				t.Errorf("parsePath(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
