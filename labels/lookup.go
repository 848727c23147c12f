package labels

import (
	"context"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
)

// MaxCodeLength bounds a looked-up code, in characters: the longest
// waybill number a render takes.
const MaxCodeLength = 128

// LookupLabels finds the merchant's waybills a scanned code names (see
// the proto): the number's holders first, then the order's packages. Only
// what a print station's queue shows leaves this function, so printer
// keys, which read no waybills, may call it.
func (s *Service) LookupLabels(ctx context.Context, p access.Principal, parent, code string) ([]*ewaybillv1.LabelCandidate, error) {
	if err := p.Require("look up labels", roleAdmin, roleMerchant, rolePrinter); err != nil {
		return nil, err
	}
	merchantID, err := p.MerchantParent("parent", parent, false)
	if err != nil {
		return nil, err
	}
	var v fault.Violations
	code = textrule.Check(&v, "code", code, 1, MaxCodeLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out []*ewaybillv1.LabelCandidate
	err = s.Store.View(ctx, func(tx storage.Tx) error {
		out = nil
		holders, err := tx.Waybills().Holders(code)
		if err != nil {
			return err
		}
		byNumber := map[string]bool{}
		for _, h := range holders {
			if h.MerchantID != merchantID {
				continue // another merchant's number does not exist for this one
			}
			w, err := tx.Waybills().Get(h.WaybillRef)
			if err != nil {
				return err
			}
			byNumber[w.GetName()] = true
			out = append(out, candidate(w))
		}
		// Order codes have no index of their own: the merchant's waybills
		// are read through, as ListWaybills' order_code filter reads them.
		orders, _, err := tx.Waybills().List(merchantID, storage.Page[*ewaybillv1.Waybill]{
			Limit: MaxLabels - len(out),
			Keep:  func(w *ewaybillv1.Waybill) bool { return w.GetOrder().GetOrderCode() == code },
		})
		if err != nil {
			return err
		}
		for _, w := range orders {
			if !byNumber[w.GetName()] {
				out = append(out, candidate(w))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fault.New(fault.KindNotFound, fault.ReasonResourceNotFound,
			"no waybill of %s has the number or order code %q; check the code, and that the key belongs to the merchant that allocated it",
			resname.Build("merchants", merchantID), code).With("code", code)
	}
	return out, nil
}

// candidate is w as a print station may see it.
func candidate(w *ewaybillv1.Waybill) *ewaybillv1.LabelCandidate {
	return &ewaybillv1.LabelCandidate{
		Waybill: w.GetName(), Number: w.GetNumber(), Carrier: w.GetCarrier(), State: w.GetState(),
		OrderCode: w.GetOrder().GetOrderCode(), PackageId: w.GetOrder().GetPackageId(), PrintCount: w.GetPrintCount(),
	}
}
