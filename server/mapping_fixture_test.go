package server_test

import (
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// shopProfile maps shopOrder, a shop system's own order, with every kind of
// transform: trimmed sources, a join, kilograms to grams, yuan to fen,
// defaults and fixed sender values.
func shopProfile(displayName string) *ewaybillv1.MappingProfile {
	from := func(target string, sources ...string) *ewaybillv1.FieldMapping {
		return &ewaybillv1.FieldMapping{Target: target, Sources: sources, Trim: true}
	}
	fixed := func(target, value string) *ewaybillv1.FieldMapping {
		return &ewaybillv1.FieldMapping{Target: target, FixedValue: proto.String(value)}
	}
	address := from("receiver.address", "buyer.addr.street", "buyer.addr.room")
	address.JoinSeparator = " "
	quantity := from("items[].quantity", "lines[].qty")
	quantity.DefaultValue = proto.String("1")
	price := from("items[].declared_value_fen", "lines[].price")
	price.Unit = ewaybillv1.UnitConversion_UNIT_CONVERSION_YUAN_TO_FEN
	weight := from("parcel.weight_grams", "weight_kg")
	weight.Unit = ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G
	remark := from("remark", "buyer.note")
	remark.DefaultValue = proto.String("请尽快发货")
	return &ewaybillv1.MappingProfile{DisplayName: displayName, Fields: []*ewaybillv1.FieldMapping{
		from("order_code", "tid"),
		fixed("sender.name", "演示商贸"),
		fixed("sender.mobile", "13912345678"),
		fixed("sender.province", "浙江省"),
		fixed("sender.city", "杭州市"),
		fixed("sender.district", "西湖区"),
		fixed("sender.address", "文一西路 969 号"),
		from("receiver.name", "buyer.contact.name"),
		from("receiver.mobile", "buyer.contact.mobile"),
		from("receiver.province", "buyer.addr.prov"),
		from("receiver.city", "buyer.addr.city"),
		from("receiver.district", "buyer.addr.dist"),
		address,
		from("items[].name", "lines[].title"),
		quantity,
		price,
		weight,
		remark,
	}}
}

// shopOrder is a raw order as a shop system sends it, which shopProfile
// maps to shopOrderMapped(tid); tests change one value at a time.
func shopOrder(tid string) map[string]any {
	return map[string]any{
		"tid": tid,
		"buyer": map[string]any{
			"nick":    "买家小王",
			"contact": map[string]any{"name": "王小明", "mobile": "13800138000"},
			"addr":    map[string]any{"prov": "广东省", "city": "深圳市", "dist": "南山区", "street": "科技园南路 1 号"},
		},
		"lines":     []any{map[string]any{"title": "T恤", "qty": 2, "price": "59.90"}},
		"weight_kg": 1.2,
	}
}

// shopOrderMapped is the canonical order shopProfile makes of
// shopOrder(tid), normalised as a waybill stores it.
func shopOrderMapped(tid string) *ewaybillv1.Order {
	return &ewaybillv1.Order{
		OrderCode: tid,
		PackageId: "1",
		Sender: &ewaybillv1.Party{Name: "演示商贸", Mobile: "13912345678", Province: "浙江省", City: "杭州市", District: "西湖区",
			Address: "文一西路 969 号"},
		Receiver: &ewaybillv1.Party{Name: "王小明", Mobile: "13800138000", Province: "广东省", City: "深圳市", District: "南山区",
			Address: "科技园南路 1 号"},
		Parcel: &ewaybillv1.Parcel{WeightGrams: 1200, ParcelCount: 1},
		Items:  []*ewaybillv1.Item{{Name: "T恤", Quantity: 2, DeclaredValueFen: 5990}},
		Remark: "请尽快发货",
	}
}

// at sets the value at a dotted path of keys in a raw order built of maps
// (an index in a path picks an element of an array), creating objects on
// the way, and returns the order.
func at(raw map[string]any, path string, value any) map[string]any {
	keys := strings.Split(path, ".")
	var cur any = raw
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[k] = value
				return raw
			}
			if _, ok := c[k]; !ok {
				c[k] = map[string]any{}
			}
			cur = c[k]
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n >= len(c) {
				panic("at: no element " + k + " in " + path)
			}
			if last {
				c[n] = value
				return raw
			}
			cur = c[n]
		}
	}
	panic("at: " + path + " does not lead through objects and arrays")
}

// rawStruct converts a raw order built of maps for gRPC.
func rawStruct(t *testing.T, raw map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(raw)
	if err != nil {
		t.Fatalf("raw order %v: %v", raw, err)
	}
	return s
}

// createProfile stores profile p for merchant m with m's key.
func (e *env) createProfile(m merchantFixture, p *ewaybillv1.MappingProfile) *ewaybillv1.MappingProfile {
	e.t.Helper()
	resp, err := e.mappings.CreateMappingProfile(as(m.key), &ewaybillv1.CreateMappingProfileRequest{Parent: m.name, MappingProfile: p})
	if err != nil {
		e.t.Fatalf("create mapping profile %q: %v", p.GetDisplayName(), err)
	}
	return resp.GetMappingProfile()
}
