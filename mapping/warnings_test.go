package mapping

import (
	"strings"
	"testing"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// sample maps each raw order with one mapping per target of fields.
func sample(t *testing.T, fields []*ewaybillv1.FieldMapping, raws ...string) []Result {
	t.Helper()
	p := &ewaybillv1.MappingProfile{Fields: fields}
	out := make([]Result, len(raws))
	for i, raw := range raws {
		out[i] = Apply(p, rawJSON(t, raw))
	}
	return out
}

func TestWarnings(t *testing.T) {
	from := func(target, source string) *ewaybillv1.FieldMapping {
		return &ewaybillv1.FieldMapping{Target: target, Sources: []string{source}, Trim: true}
	}
	withUnit := func(fm *ewaybillv1.FieldMapping, u ewaybillv1.UnitConversion) *ewaybillv1.FieldMapping {
		fm.Unit = u
		return fm
	}
	tests := []struct {
		name   string
		fields []*ewaybillv1.FieldMapping
		raws   []string
		// want is the one warning expected, nil for none.
		want *ewaybillv1.MappingViolation
		// wantIn are parts of the message.
		wantIn []string
	}{
		{
			name:   "mobile field holding landlines",
			fields: []*ewaybillv1.FieldMapping{from("receiver.mobile", "buyer.tel")},
			raws:   []string{`{"buyer": {"tel": "0755-86013388"}}`, `{"buyer": {"tel": "01088886666"}}`, `{"buyer": {"tel": "13800138000"}}`},
			want:   &ewaybillv1.MappingViolation{Field: "order.receiver.mobile", Source: "buyer.tel", Rule: "looks_like_landline", Value: "****-******88"},
			wantIn: []string{"2 of 3 sample orders", "receiver.landline"},
		},
		{
			name:   "local numbers without area code",
			fields: []*ewaybillv1.FieldMapping{from("sender.mobile", "shop.phone")},
			raws:   []string{`{"shop": {"phone": "86013388"}}`, `{"shop": {"phone": "(0571)8888666"}}`},
			want:   &ewaybillv1.MappingViolation{Field: "order.sender.mobile", Source: "shop.phone", Rule: "looks_like_landline"},
			wantIn: []string{"2 of 2", "sender.landline"},
		},
		{
			name:   "a few landlines among mobiles",
			fields: []*ewaybillv1.FieldMapping{from("receiver.mobile", "m")},
			raws:   []string{`{"m": "0755-86013388"}`, `{"m": "13800138000"}`, `{"m": 13912345678}`},
		},
		{
			name:   "only samples with the field count",
			fields: []*ewaybillv1.FieldMapping{from("receiver.mobile", "m")},
			raws:   []string{`{"m": "0755-86013388"}`, `{}`, `{}`},
			want:   &ewaybillv1.MappingViolation{Field: "order.receiver.mobile", Source: "m", Rule: "looks_like_landline"},
			wantIn: []string{"1 of 1 sample orders"},
		},
		{
			name:   "name holding a phone number",
			fields: []*ewaybillv1.FieldMapping{from("receiver.name", "buyer.nick")},
			raws:   []string{`{"buyer": {"nick": "13800138000"}}`, `{"buyer": {"nick": "小王2024"}}`, `{"buyer": {"nick": "王小明"}}`},
			want:   &ewaybillv1.MappingViolation{Field: "order.receiver.name", Source: "buyer.nick", Rule: "looks_like_phone", Value: "1*********0"},
			wantIn: []string{"2 of 3", "holding phone numbers"},
		},
		{
			name:   "names with digits",
			fields: []*ewaybillv1.FieldMapping{from("sender.name", "shop.user")},
			raws:   []string{`{"shop": {"user": "user_8812"}}`},
			want:   &ewaybillv1.MappingViolation{Field: "order.sender.name", Source: "shop.user", Rule: "looks_like_phone", Value: "u*******2"},
			wantIn: []string{"1 of 1", "holding digits"},
		},
		{
			name:   "real names",
			fields: []*ewaybillv1.FieldMapping{from("receiver.name", "n")},
			raws:   []string{`{"n": "王小明"}`, `{"n": "欧阳娜娜"}`, `{"n": "Anna Li"}`},
		},
		{
			name:   "phone joined into the address",
			fields: []*ewaybillv1.FieldMapping{{Target: "receiver.address", Sources: []string{"addr.street", "contact"}, JoinSeparator: " "}},
			raws: []string{
				`{"addr": {"street": "科技园南路 1 号"}, "contact": "13800138000"}`,
				`{"addr": {"street": "文一西路 969 号"}, "contact": "13912345678"}`,
			},
			want:   &ewaybillv1.MappingViolation{Field: "order.receiver.address", Source: "addr.street+contact", Rule: "phone_in_address", Value: "科技园南路 1 号 ****"},
			wantIn: []string{"2 of 2", "receiver.mobile"},
		},
		{
			name:   "room numbers are not phone numbers",
			fields: []*ewaybillv1.FieldMapping{from("receiver.address", "a")},
			raws:   []string{`{"a": "科技园南路 1 号 3 栋 502"}`, `{"a": "工号 213800138000999"}`},
		},
		{
			name:   "kilograms sent as grams",
			fields: []*ewaybillv1.FieldMapping{from("parcel.weight_grams", "weight")},
			raws:   []string{`{"weight": 1.2}`, `{"weight": 3}`, `{"weight": "0.5"}`, `{"weight": 1500}`},
			want:   &ewaybillv1.MappingViolation{Field: "order.parcel.weight_grams", Source: "weight", Rule: "weight_unit", Value: "1.2"},
			wantIn: []string{"3 of 4", "UNIT_CONVERSION_KG_TO_G", "median 3 g"},
		},
		{
			name:   "grams sent with kilogram conversion",
			fields: []*ewaybillv1.FieldMapping{withUnit(from("parcel.weight_grams", "weight"), kgToG)},
			raws:   []string{`{"weight": 1200}`, `{"weight": 850}`, `{"weight": 2.5}`},
			want:   &ewaybillv1.MappingViolation{Field: "order.parcel.weight_grams", Source: "weight", Rule: "weight_unit", Value: "1200"},
			wantIn: []string{"2 of 3", "remove the unit conversion", "median 850000 g"},
		},
		{
			name:   "plausible grams",
			fields: []*ewaybillv1.FieldMapping{from("parcel.weight_grams", "weight")},
			raws:   []string{`{"weight": 1200}`, `{"weight": 15}`, `{"weight": 300}`},
		},
		{
			name:   "plausible kilograms",
			fields: []*ewaybillv1.FieldMapping{withUnit(from("parcel.weight_grams", "weight"), kgToG)},
			raws:   []string{`{"weight": 1.2}`, `{"weight": 0.015}`, `{"weight": 30}`},
		},
		{
			name:   "zero weights say nothing",
			fields: []*ewaybillv1.FieldMapping{from("parcel.weight_grams", "weight")},
			raws:   []string{`{"weight": 0}`, `{"weight": 0}`, `{"weight": 1500}`},
		},
		{
			name:   "item values in yuan",
			fields: []*ewaybillv1.FieldMapping{from("items[].name", "lines[].title"), from("items[].declared_value_fen", "lines[].price")},
			raws: []string{
				`{"lines": [{"title": "T恤", "price": "59.90"}, {"title": "袜子", "price": 10}]}`,
				`{"lines": [{"title": "帽子", "price": 35}]}`,
			},
			want:   &ewaybillv1.MappingViolation{Field: "order.items[].declared_value_fen", Source: "lines[].price", Rule: "money_unit", Value: "59.90"},
			wantIn: []string{"1 of 2", "UNIT_CONVERSION_YUAN_TO_FEN"},
		},
		{
			name:   "cash on delivery in yuan",
			fields: []*ewaybillv1.FieldMapping{from("cod_amount_fen", "cod")},
			raws:   []string{`{"cod": 19.9}`, `{"cod": "100.00"}`},
			want:   &ewaybillv1.MappingViolation{Field: "order.cod_amount_fen", Source: "cod", Rule: "money_unit", Value: "19.9"},
			wantIn: []string{"2 of 2"},
		},
		{
			name:   "yuan converted",
			fields: []*ewaybillv1.FieldMapping{withUnit(from("insured_value_fen", "insured"), yuanToFen)},
			raws:   []string{`{"insured": 19.9}`, `{"insured": "100.00"}`},
		},
		{
			name:   "whole fen",
			fields: []*ewaybillv1.FieldMapping{from("cod_amount_fen", "cod")},
			raws:   []string{`{"cod": 1990}`, `{"cod": "10000"}`},
		},
		{
			name:   "fixed values are the merchant's own choice",
			fields: []*ewaybillv1.FieldMapping{{Target: "parcel.weight_grams", FixedValue: ptr("1")}},
			raws:   []string{`{}`, `{}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Warnings(sample(t, tt.fields, tt.raws...))
			if tt.want == nil {
				if len(got) != 0 {
					t.Errorf("warnings %v, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("warnings %v, want one", got)
			}
			w := got[0]
			if w.GetField() != tt.want.Field || w.GetSource() != tt.want.Source || w.GetRule() != tt.want.Rule {
				t.Errorf("warning %v, want %v", w, tt.want)
			}
			if tt.want.Value != "" && w.GetValue() != tt.want.Value {
				t.Errorf("value %q, want %q", w.GetValue(), tt.want.Value)
			}
			for _, part := range tt.wantIn {
				if !strings.Contains(w.GetMessage(), part) {
					t.Errorf("message %q lacks %q", w.GetMessage(), part)
				}
			}
		})
	}
}

// Each heuristic warns once per field however many samples look wrong,
// and the realistic shop order gives none.
func TestWarningsOnePerField(t *testing.T) {
	fields := []*ewaybillv1.FieldMapping{
		{Target: "receiver.mobile", Sources: []string{"tel"}},
		{Target: "sender.mobile", Sources: []string{"tel"}},
		{Target: "receiver.name", Sources: []string{"tel"}},
	}
	got := Warnings(sample(t, fields, `{"tel": "010-88886666"}`, `{"tel": "010-88886667"}`, `{"tel": "010-88886668"}`))
	var names []string
	for _, w := range got {
		names = append(names, w.GetRule()+" "+w.GetField())
	}
	want := "looks_like_landline order.sender.mobile,looks_like_landline order.receiver.mobile,looks_like_phone order.receiver.name"
	if strings.Join(names, ",") != want {
		t.Errorf("warnings %v, want %s", names, want)
	}
	if got := Warnings([]Result{Apply(shopProfile(), rawJSON(t, shopOrder))}); len(got) != 0 {
		t.Errorf("shop order warnings: %v", got)
	}
	if got := Warnings(nil); len(got) != 0 {
		t.Errorf("no samples, warnings %v", got)
	}
}

func ptr(s string) *string { return &s }
