package mapping

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/carriers"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/orders"
	"github.com/ewaybill/ewaybill/protopath"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
)

// MaxSamples is the most raw orders one dry run takes.
const MaxSamples = 100

// MapAndCheck maps raw with a compiled profile and checks the canonical
// order against rules (see Check). The returned Result carries the
// normalised order.
func MapAndCheck(plan *Plan, raw *structpb.Struct, rules orders.Rules) (Result, []*ewaybillv1.MappingViolation) {
	res := plan.Apply(raw)
	normalised, violations := Check(res, rules)
	res.Order = normalised
	return res, violations
}

// Check normalises res.Order and checks it against rules. It returns the
// normalised order and every problem, the mapping's own first: each names
// the canonical field, the raw path the value came from (or was looked for)
// and the value, masked. A field whose mapping failed is left empty, and
// the rule that then finds it empty or zero is not reported again: the
// mapping problem says why, and names the raw path. A canonical order sent
// as it is checks as a Result with no sources.
func Check(res Result, rules orders.Rules) (*ewaybillv1.Order, []*ewaybillv1.MappingViolation) {
	var v fault.Violations
	normalised := orders.Normalize(&v, "order", res.Order, rules)
	out := append([]*ewaybillv1.MappingViolation(nil), res.Violations...)
	broken := map[string]bool{}
	for _, x := range res.Violations {
		broken[x.GetField()] = true
	}
	if fe, ok := fault.As(v.Err()); ok {
		for _, x := range fe.Violations {
			source, read := res.Sources[x.Field]
			if !read && broken[x.Field] {
				continue
			}
			if !read {
				source = res.Absent[x.Field]
			}
			out = append(out, &ewaybillv1.MappingViolation{
				Field: x.Field, Source: source, Rule: x.Rule, Message: x.Message,
				Value: MaskValue(x.Field, valueAt(res.Order, x.Field)),
			})
		}
	}
	return normalised, out
}

// AddTo records violations on v the way an allocation reports them: each
// field violation names the canonical field, and its description the raw
// path the value came from.
func AddTo(v *fault.Violations, vs []*ewaybillv1.MappingViolation) {
	for _, x := range vs {
		if x.GetSource() != "" {
			v.Add(x.GetField(), x.GetRule(), "%s (from raw %s)", x.GetMessage(), x.GetSource())
		} else {
			v.Add(x.GetField(), x.GetRule(), "%s", x.GetMessage())
		}
	}
}

// valueAt reads the text of a canonical field path such as
// "order.receiver.mobile" or "order.items[1].quantity"; "" when absent.
func valueAt(o *ewaybillv1.Order, path string) string {
	if o == nil {
		return ""
	}
	value, fd, ok := protopath.Get(o.ProtoReflect(), strings.TrimPrefix(path, "order."))
	if !ok || fd.Message() != nil {
		return ""
	}
	return fmt.Sprint(value.Interface())
}

// DryRun is the answer of ValidateOrders.
type DryRun struct {
	Results  []*ewaybillv1.OrderValidation
	Warnings []*ewaybillv1.MappingViolation
}

// ValidateOrders maps and checks up to MaxSamples raw orders with a stored
// profile (name) or an inline one, under a carrier's rules when carrier is
// set. It writes nothing and spends nothing.
func (s *Service) ValidateOrders(ctx context.Context, p access.Principal, parent, name string, inline *ewaybillv1.MappingProfile,
	carrier string, raws []*structpb.Struct) (*DryRun, error) {
	merchantID, err := merchantOf(p, "parent", parent)
	if err != nil {
		return nil, err
	}
	var v fault.Violations
	switch {
	case len(raws) == 0 || len(raws) > MaxSamples:
		v.Add("orders", "length", "orders must hold 1 to %d raw orders; got %d", MaxSamples, len(raws))
	}
	if (name == "") == (inline == nil) {
		v.Add("mapping_profile", "one_of", "send either mapping_profile (a stored profile's name) or inline_profile")
	}
	var code string
	if carrier != "" {
		ids, err := resname.Parse("carrier", carrier, "carriers", "*")
		if err != nil {
			v.AddErr("carrier", err)
		} else {
			code = ids[0]
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	prof := inline
	rules := orders.RulesFor(nil)
	err = s.Store.View(ctx, func(tx storage.Tx) error {
		if name != "" {
			profMerchant, id, err := ParseName(p, "mapping_profile", name)
			if err != nil {
				return err
			}
			if profMerchant != merchantID {
				return fault.NotFound(name)
			}
			if prof, err = Load(tx, profMerchant, id); err != nil {
				return err
			}
		}
		if code != "" {
			c, err := carriers.Load(tx, code)
			if err != nil {
				return err
			}
			rules = orders.RulesFor(c.GetOrderRules())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if inline != nil {
		if err := checkProfile("inline_profile", inline); err != nil {
			return nil, err
		}
	}
	run := &DryRun{}
	results := make([]Result, len(raws))
	plan := Compile(prof)
	for i, raw := range raws {
		res, violations := MapAndCheck(plan, raw, rules)
		results[i] = res
		run.Results = append(run.Results, &ewaybillv1.OrderValidation{Order: res.Order, Violations: violations})
	}
	run.Warnings = Warnings(results)
	return run, nil
}
