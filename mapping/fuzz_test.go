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
