package orders

import (
	"testing"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// BenchmarkNormalize normalises a valid order with Chinese parties, as
// every allocation does before its write transaction.
func BenchmarkNormalize(b *testing.B) {
	o := &ewaybillv1.Order{OrderCode: "B-12-3456-78",
		Sender: &ewaybillv1.Party{Name: "李四", Mobile: "13800138000", Province: "上海市", City: "上海市",
			District: "浦东新区", Address: "张江路 88 号 3 号楼"},
		Receiver: &ewaybillv1.Party{Name: "王五", Mobile: "13912345678", Province: "广东省", City: "深圳市",
			District: "南山区", Address: "科技园南区 6 栋 1201 室"},
		Parcel: &ewaybillv1.Parcel{WeightGrams: 500},
		Items:  []*ewaybillv1.Item{{Name: "T恤", Quantity: 2}}}
	r := RulesFor(nil)
	b.ReportAllocs()
	for b.Loop() {
		var v fault.Violations
		Normalize(&v, "order", o, r)
		if v.Len() > 0 {
			b.Fatal(v.Err())
		}
	}
}
