package mapping

import (
	"math/big"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/orders"
)

// FuzzApply maps arbitrary JSON with the shop profile, and with profiles
// whose sources are arbitrary paths, checking that nothing panics, that
// every result can travel as a protobuf message, and that a profile
// CheckProfile accepts never reports profile problems when applied. The
// seed corpus is in testdata/fuzz/FuzzApply.
func FuzzApply(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, source string) {
		var raw *structpb.Struct
		if s := new(structpb.Struct); protojson.Unmarshal(data, s) == nil {
			raw = s
		}
		checkResult(t, Apply(shopProfile(), raw))
		// The validator on whatever the mapping made of it: every problem
		// is complete and its masked value travels as UTF-8.
		mapped, problems := MapAndCheck(Compile(shopProfile()), raw, orders.RulesFor(nil))
		for _, v := range problems {
			if v.GetField() == "" || v.GetRule() == "" || v.GetMessage() == "" || !utf8.ValidString(v.GetValue()) {
				t.Fatalf("incomplete violation %v", v)
			}
		}
		if _, err := proto.Marshal(&ewaybillv1.OrderValidation{Order: mapped.Order, Violations: problems}); err != nil {
			t.Fatalf("validation result does not marshal: %v", err)
		}
		Warnings([]Result{mapped})

		for _, target := range []string{"receiver.mobile", "items[].name", "items[].declared_value_fen", "parcel.weight_grams"} {
			p := shopProfile()
			sources := []string{source}
			if !targetNamed(target).numeric {
				sources = append(sources, "buyer.nick") // a join
			}
			fieldAt(p, target).Sources = sources
			err := CheckProfile(p)
			if err != nil {
				if fe, ok := fault.As(err); !ok || fe.Kind != fault.KindInvalid || len(fe.Violations) == 0 {
					t.Fatalf("CheckProfile error %v is not a KindInvalid fault with violations", err)
				}
			}
			r := Apply(p, raw)
			checkResult(t, r)
			for _, v := range r.Violations {
				if err == nil && strings.HasPrefix(v.GetField(), "mapping_profile") {
					t.Fatalf("a checked profile with source %q reports %v", source, v)
				}
			}
		}

		if p, problem := parsePath(source); problem == "" {
			var keys []string
			for _, s := range p.segs {
				k := s.key
				if s.each {
					k += "[]"
				}
				keys = append(keys, k)
			}
			if got := strings.Join(keys, "."); got != source {
				t.Fatalf("parsePath(%q) reads back as %q", source, got)
			}
		}
	})
}

// checkResult checks what every Result promises.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	if r.Order.GetSender() == nil || r.Order.GetReceiver() == nil || r.Order.GetParcel() == nil {
		t.Fatalf("order parts missing: %v", r.Order)
	}
	if _, err := proto.Marshal(r.Order); err != nil {
		t.Fatalf("order does not marshal: %v", err)
	}
	for _, v := range r.Violations {
		if v.GetField() == "" || v.GetRule() == "" || v.GetMessage() == "" {
			t.Fatalf("incomplete violation %v", v)
		}
		if _, err := proto.Marshal(v); err != nil {
			t.Fatalf("violation %v does not marshal: %v", v, err)
		}
	}
	for field := range r.Sources {
		if !strings.HasPrefix(field, "order.") {
			t.Fatalf("source recorded for %q", field)
		}
		if _, both := r.Absent[field]; both {
			t.Fatalf("%s is both filled and absent", field)
		}
	}
	for _, w := range Warnings([]Result{r, r}) {
		if _, err := proto.Marshal(w); err != nil {
			t.Fatalf("warning %v does not marshal: %v", w, err)
		}
	}
}

// FuzzConvert checks the decimal conversions against exact rational
// arithmetic. The seed corpus is in testdata/fuzz/FuzzConvert.
func FuzzConvert(f *testing.F) {
	targetFor := map[ewaybillv1.UnitConversion]*target{
		ewaybillv1.UnitConversion_UNIT_CONVERSION_UNSPECIFIED: targetNamed("items[].quantity"),
		kgToG:     targetNamed("parcel.weight_grams"),
		cmToMM:    targetNamed("parcel.width_mm"),
		yuanToFen: targetNamed("insured_value_fen"),
	}
	f.Fuzz(func(t *testing.T, s string, u uint8) {
		unit := ewaybillv1.UnitConversion(u % 4)
		tg := targetFor[unit]
		n, err := convert(s, unit, tg)
		rule := ""
		if err != nil {
			rule = err.rule
		}
		neg, whole, frac, ok := parseDecimal(strings.TrimSpace(s))
		if !ok {
			if rule != "number" {
				t.Fatalf("convert(%q) = %d, %q; want a number error", s, n, rule)
			}
			return
		}
		sign := ""
		if neg {
			sign = "-"
		}
		r, ok := new(big.Rat).SetString(sign + "0" + whole + "." + frac + "0")
		if !ok {
			t.Fatalf("big.Rat does not read %q", s)
		}
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(unitOf[unit].shift)), nil)))
		want := new(big.Int)
		switch {
		case r.IsInt():
			want.Set(r.Num())
		case unit == ewaybillv1.UnitConversion_UNIT_CONVERSION_UNSPECIFIED:
			if rule != "integer" {
				t.Fatalf("convert(%q) = %d, %q; want an integer error", s, n, rule)
			}
			return
		case unit == yuanToFen:
			if rule != "decimals" {
				t.Fatalf("convert(%q) = %d, %q; want a decimals error", s, n, rule)
			}
			return
		default: // the nearest unit, halves away from zero
			abs := new(big.Rat).Abs(r)
			abs.Add(abs, big.NewRat(1, 2))
			want.Quo(abs.Num(), abs.Denom())
			if r.Sign() < 0 {
				want.Neg(want)
			}
		}
		if want.Cmp(big.NewInt(tg.max)) > 0 || want.Cmp(big.NewInt(-tg.max-1)) < 0 {
			if rule != "range" {
				t.Fatalf("convert(%q, %s) = %d, %q; want a range error for %s", s, unit, n, rule, want)
			}
			return
		}
		if rule != "" || n != want.Int64() {
			t.Fatalf("convert(%q, %s) = %d, %q; want %s", s, unit, n, rule, want)
		}
	})
}

// profileRules are the rules CheckProfile documents.
var profileRules = map[string]bool{
	"required": true, "unknown_target": true, "duplicate": true, "fixed": true, "path": true, "array": true,
	"join": true, "unit": true, "number": true, "integer": true, "decimals": true, "range": true,
}

// FuzzCheckProfile checks arbitrary profiles (JSON as REST sends them, or
// protobuf as gRPC does) and maps arbitrary raw orders with them. It
// checks that CheckProfile never panics and refuses only with documented
// rules on fields of the profile, with UTF-8 messages (they travel in a
// gRPC status), naming them under whatever field the profile came in;
// that what Compile reports with every order is what CheckProfile
// reports, less the unmapped required targets; that Apply is
// deterministic and its profile problems are exactly those; and that,
// for a profile CheckProfile accepts, every field it maps outside the
// items is accounted for: filled, absent or reported. The seed corpus is
// in testdata/fuzz/FuzzCheckProfile.
func FuzzCheckProfile(f *testing.F) {
	shop, err := protojson.Marshal(shopProfile())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(shop, []byte(shopOrder))
	f.Add([]byte(`{"fields":[{"target":"items[].name","sources":["a[].b","c[].d"]},{"target":"remark","unit":"UNIT_CONVERSION_KG_TO_G"}]}`), []byte(`{"a":[{"b":1}]}`))
	f.Add([]byte(`{"fields":[{"target":"parcel.weight_grams","fixedValue":"1e3"},{"target":"parcel.weight_grams"}]}`), []byte(`{}`))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, profile, data []byte) {
		var p *ewaybillv1.MappingProfile // no profile at all
		if len(profile) > 0 {
			p = &ewaybillv1.MappingProfile{}
			if protojson.Unmarshal(profile, p) != nil && proto.Unmarshal(profile, p) != nil {
				p = &ewaybillv1.MappingProfile{}
			}
		}
		var raw *structpb.Struct
		if s := new(structpb.Struct); protojson.Unmarshal(data, s) == nil {
			raw = s
		}

		err := CheckProfile(p)
		var checked []fault.Violation
		if err != nil {
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.KindInvalid || len(fe.Violations) == 0 {
				t.Fatalf("CheckProfile error %v is not a KindInvalid fault with violations", err)
			}
			checked = fe.Violations
		}
		for _, v := range checked {
			if !strings.HasPrefix(v.Field, "mapping_profile") || !profileRules[v.Rule] || v.Message == "" || !utf8.ValidString(v.Message) {
				t.Fatalf("violation %+v", v)
			}
		}
		var inline []fault.Violation
		if fe, ok := fault.As(checkProfile("inline_profile", p)); ok {
			inline = fe.Violations
		}
		if len(inline) != len(checked) {
			t.Fatalf("as inline_profile: %d violations, as mapping_profile %d", len(inline), len(checked))
		}
		for i, v := range inline {
			if want := "inline_profile" + strings.TrimPrefix(checked[i].Field, "mapping_profile"); v.Field != want || v.Rule != checked[i].Rule {
				t.Fatalf("as inline_profile: %s %s; want %s %s", v.Field, v.Rule, want, checked[i].Rule)
			}
		}

		// Compile reports the profile's problems with every order, all but
		// the required targets it leaves unmapped.
		var want []string
		for _, v := range checked {
			if v.Field != "mapping_profile.fields" {
				want = append(want, v.Field+" "+v.Rule)
			}
		}
		plan := Compile(p)
		r := plan.Apply(raw)
		checkResult(t, r)
		var got []string
		for _, v := range r.Violations {
			if strings.HasPrefix(v.GetField(), "mapping_profile") {
				got = append(got, v.GetField()+" "+v.GetRule())
			} else if !strings.HasPrefix(v.GetField(), "order.") {
				t.Fatalf("mapping violation on %s", v.GetField())
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("Apply reports profile problems\n%s\nbut CheckProfile\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		again := plan.Apply(raw)
		if !proto.Equal(r.Order, again.Order) || len(r.Violations) != len(again.Violations) {
			t.Fatalf("Apply is not deterministic:\n%v\n%v", r.Order, again.Order)
		}
		for i := range r.Violations {
			if !proto.Equal(r.Violations[i], again.Violations[i]) {
				t.Fatalf("Apply is not deterministic: %v, then %v", r.Violations[i], again.Violations[i])
			}
		}

		if err != nil {
			return
		}
		reported := map[string]bool{}
		for _, v := range r.Violations {
			reported[v.GetField()] = true
		}
		for _, fm := range p.GetFields() {
			if tg := targetNamed(fm.GetTarget()); !tg.item {
				field := tg.field(-1)
				_, filled := r.Sources[field]
				_, absent := r.Absent[field]
				if !filled && !absent && !reported[field] {
					t.Fatalf("%s is mapped by %v but neither filled, absent nor reported", field, fm)
				}
			}
		}
		mapped, problems := MapAndCheck(plan, raw, orders.RulesFor(nil))
		for _, v := range problems {
			if v.GetField() == "" || v.GetRule() == "" || v.GetMessage() == "" || !utf8.ValidString(v.GetValue()) || !utf8.ValidString(v.GetMessage()) {
				t.Fatalf("incomplete violation %v", v)
			}
		}
		if _, err := proto.Marshal(&ewaybillv1.OrderValidation{Order: mapped.Order, Violations: problems}); err != nil {
			t.Fatalf("validation result does not marshal: %v", err)
		}
	})
}
