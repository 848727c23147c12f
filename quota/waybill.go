package quota

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
)

var (
	stateIssued      = ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED
	statePrinted     = ewaybillv1.WaybillState_WAYBILL_STATE_PRINTED
	statePickedUp    = ewaybillv1.WaybillState_WAYBILL_STATE_PICKED_UP
	stateCancelled   = ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED
	dispositionVoid  = ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_VOIDED
	dispositionReuse = ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_QUEUED_FOR_REUSE
	dispositionGone  = ewaybillv1.NumberDisposition_NUMBER_DISPOSITION_WITHDRAWN
)

func waybillName(ref storage.WaybillRef) string {
	return resname.Build("merchants", ref.MerchantID, "waybills", ref.ID)
}

// live reports whether a waybill holds its number (is not cancelled).
func live(w *ewaybillv1.Waybill) bool { return w.GetState() != stateCancelled }

// View returns w as p may see it: an earlier holder of a reissued number
// that belongs to another merchant is left out, so its merchant id does
// not leak. (Print stations do not read waybills: they render labels,
// which mask personal data; see package labels.) w is not changed.
func View(p access.Principal, w *ewaybillv1.Waybill) *ewaybillv1.Waybill {
	if w == nil || w.GetPreviousHolder() == "" || p.SeesMerchant(merchantOf(w.GetPreviousHolder())) {
		return w
	}
	c := proto.Clone(w).(*ewaybillv1.Waybill)
	c.PreviousHolder = ""
	return c
}

// merchantOf returns the merchant id of a "merchants/{m}/…" name.
func merchantOf(name string) string {
	rest, _ := strings.CutPrefix(name, "merchants/")
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// Resolve finds the waybill a request names: "merchants/{m}/waybills/{id}",
// or by number "waybills/{number}" or "carriers/{code}/waybills/{number}"
// (the number's latest holder). Waybills p may not see do not exist.
func Resolve(tx storage.Tx, p access.Principal, field, name string) (storage.WaybillRef, *ewaybillv1.Waybill, error) {
	var ref storage.WaybillRef
	switch parts := strings.Split(name, "/"); {
	case len(parts) == 4 && parts[0] == "merchants":
		ids, err := resname.Parse(field, name, "merchants", "*", "waybills", "*")
		if err != nil {
			return ref, nil, err
		}
		ref = storage.WaybillRef{MerchantID: ids[0], ID: ids[1]}
	case len(parts) == 4 && parts[0] == "carriers":
		ids, err := resname.Parse(field, name, "carriers", "*", "waybills", "*")
		if err != nil {
			return ref, nil, err
		}
		if ref, err = tx.Waybills().Holder(ids[0], ids[1]); errors.Is(err, storage.ErrNotFound) {
			return ref, nil, fault.NotFound(name)
		} else if err != nil {
			return ref, nil, err
		}
	case len(parts) == 2 && parts[0] == "waybills":
		ids, err := resname.Parse(field, name, "waybills", "*")
		if err != nil {
			return ref, nil, err
		}
		holders, err := tx.Waybills().Holders(ids[0])
		if err != nil {
			return ref, nil, err
		}
		var visible []storage.NumberHolder
		for _, h := range holders {
			if p.SeesMerchant(h.MerchantID) {
				visible = append(visible, h)
			}
		}
		switch len(visible) {
		case 0:
			return ref, nil, fault.NotFound(name)
		case 1:
			ref = visible[0].WaybillRef
		default:
			return ref, nil, fault.Invalid(field, "ambiguous",
				"number %s was issued by %d carriers; name the carrier: carriers/{code}/waybills/%s", ids[0], len(visible), ids[0])
		}
	default:
		return ref, nil, fault.Invalid(field, "resource_name",
			"%s must look like \"merchants/{merchant}/waybills/{waybill}\", \"waybills/{number}\" or \"carriers/{carrier}/waybills/{number}\"", field)
	}
	if !p.SeesMerchant(ref.MerchantID) {
		return ref, nil, fault.NotFound(name)
	}
	w, err := tx.Waybills().Get(ref)
	if errors.Is(err, storage.ErrNotFound) {
		return ref, nil, fault.NotFound(name)
	}
	return ref, w, err
}

// GetWaybill returns a waybill (admin, the merchant).
func (s *Service) GetWaybill(ctx context.Context, p access.Principal, name string) (*ewaybillv1.Waybill, error) {
	if err := p.Require("read waybills", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, err
	}
	var w *ewaybillv1.Waybill
	read := func(tx storage.Tx) (err error) {
		_, w, err = Resolve(tx, p, "name", name)
		return err
	}
	if !p.IsAdmin() {
		err := s.Store.View(ctx, read)
		return View(p, w), err
	}
	// An admin sees another merchant's senders and receivers in full: the
	// read is recorded in the transaction it reads in, and is not answered
	// unless recorded.
	err := s.Store.Update(ctx, func(tx storage.Tx) error {
		if err := read(tx); err != nil {
			return err
		}
		return s.recordUnmaskedRead(tx, p, []*ewaybillv1.Waybill{w})
	})
	if err != nil {
		return nil, err
	}
	return View(p, w), nil
}

// recordUnmaskedRead records that admin p read list with its personal
// data in full. One event covers a page: it names every waybill shown,
// and the merchant when they are all one merchant's.
func (s *Service) recordUnmaskedRead(tx storage.Tx, p access.Principal, list []*ewaybillv1.Waybill) error {
	if len(list) == 0 {
		return nil
	}
	e := &ewaybillv1.AuditEvent{Action: "waybill.read_unmasked", Merchant: merchantOf(list[0].GetName()),
		Details: map[string]string{"fields": "order.sender,order.receiver", "count": strconv.Itoa(len(list))}}
	for _, w := range list {
		e.Resources = append(e.Resources, w.GetName())
		if merchantOf(w.GetName()) != e.Merchant {
			e.Merchant = ""
		}
	}
	if e.Merchant != "" {
		e.Merchant = resname.Build("merchants", e.Merchant)
	}
	return audit.Record(tx, p, e, timestamppb.New(s.Now()))
}

// WaybillFilter narrows ListWaybills.
type WaybillFilter struct {
	OrderCode  string
	Carrier    string
	State      ewaybillv1.WaybillState
	Start, End time.Time
}

// ListWaybills lists a merchant's waybills oldest first, or every
// merchant's with "merchants/-" (admin).
func (s *Service) ListWaybills(ctx context.Context, p access.Principal, parent string, f WaybillFilter, size int32, token string) ([]*ewaybillv1.Waybill, string, error) {
	if err := p.Require("list waybills", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, "", err
	}
	merchantID, err := p.MerchantParent("parent", parent, true)
	if err != nil {
		return nil, "", err
	}
	var v fault.Violations
	if _, known := ewaybillv1.WaybillState_name[int32(f.State)]; !known {
		v.Add("state", "enum", "state %d is not a WaybillState", f.State)
	}
	if f.Carrier != "" {
		if _, err := resname.Parse("carrier", f.Carrier, "carriers", "*"); err != nil {
			v.AddErr("carrier", err)
		}
	}
	if !f.Start.IsZero() && !f.End.IsZero() && !f.End.After(f.Start) {
		v.Add("create_time_end", "range", "create_time_end must be after create_time_start")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	keep := func(w *ewaybillv1.Waybill) bool {
		t := w.GetCreateTime().AsTime()
		return (f.OrderCode == "" || w.GetOrder().GetOrderCode() == f.OrderCode) &&
			(f.Carrier == "" || w.GetCarrier() == f.Carrier) &&
			(f.State == 0 || w.GetState() == f.State) &&
			(f.Start.IsZero() || !t.Before(f.Start)) && (f.End.IsZero() || t.Before(f.End))
	}
	read := func(tx storage.Tx, page storage.Page[*ewaybillv1.Waybill]) ([]*ewaybillv1.Waybill, string, error) {
		return tx.Waybills().List(merchantID, page)
	}
	var list []*ewaybillv1.Waybill
	var next string
	if !p.IsAdmin() {
		list, next, err = paging.List(ctx, s.Store, size, token, keep, read)
	} else {
		// An admin's page shows personal data in full: it is read and
		// recorded in one transaction, like GetWaybill.
		page, perr := paging.Page(size, token, keep)
		if perr != nil {
			return nil, "", perr
		}
		err = s.Store.Update(ctx, func(tx storage.Tx) (err error) {
			if list, next, err = read(tx, page); err != nil {
				return err
			}
			return s.recordUnmaskedRead(tx, p, list)
		})
		next = paging.Token(next)
	}
	for i := range list {
		list[i] = View(p, list[i])
	}
	return list, next, err
}

// MarkPrinted records a print of a label printed outside ewaybill (the
// merchant, admin); labels printed through RenderLabels are counted there.
func (s *Service) MarkPrinted(ctx context.Context, p access.Principal, name string) (*ewaybillv1.Waybill, error) {
	if err := p.Require("record prints", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, err
	}
	var w *ewaybillv1.Waybill
	err := s.batch(ctx, func(tx storage.Tx) (error, error) {
		ref, found, err := Resolve(tx, p, "name", name)
		if err != nil {
			return classify(err)
		}
		w = found
		return RecordPrint(tx, ref, w, s.Now())
	})
	return View(p, w), err
}

// RecordPrint counts a print of w (stored under ref): the first turns an
// ISSUED waybill PRINTED and counts it on the merchant's quota. Printing a
// cancelled waybill is refused, before anything is written: its number
// may be voided or reissued.
func RecordPrint(tx storage.Tx, ref storage.WaybillRef, w *ewaybillv1.Waybill, now time.Time) (refusal, err error) {
	if w.GetState() == stateCancelled {
		return fault.InvalidTransition(w.GetName(), "print", "CANCELLED", "a cancelled waybill's label must not be used; allocate a new number"), nil
	}
	ts := timestamppb.New(now)
	if w.GetPrintCount() == 0 {
		w.PrintTime = ts
		code := strings.TrimPrefix(w.GetCarrier(), "carriers/")
		q, err := loadQuota(tx, ref.MerchantID, code)
		if err != nil {
			return nil, err
		}
		q.Printed++
		if err := tx.Quotas().Put(ref.MerchantID, code, q); err != nil {
			return nil, err
		}
	}
	w.PrintCount++
	if w.GetState() == stateIssued {
		w.State = statePrinted
	}
	w.UpdateTime = ts
	return nil, tx.Waybills().Put(ref, w)
}

// ReportPickup records the carrier's pickup (admin, standing in for the
// carrier's feed). Reporting it again changes nothing.
func (s *Service) ReportPickup(ctx context.Context, p access.Principal, name string) (*ewaybillv1.Waybill, bool, error) {
	if err := p.Require("report pickups", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, false, err
	}
	var w *ewaybillv1.Waybill
	var replayed bool
	err := s.batch(ctx, func(tx storage.Tx) (error, error) {
		ref, found, err := Resolve(tx, p, "name", name)
		if err != nil {
			return classify(err)
		}
		w, replayed = found, false
		switch w.GetState() {
		case statePickedUp:
			replayed = true
			return nil, nil
		case stateCancelled:
			return fault.InvalidTransition(w.GetName(), "report the pickup of", "CANCELLED", "a cancelled waybill cannot travel; the parcel needs a new waybill"), nil
		}
		ts := timestamppb.New(s.Now())
		w.State, w.PickupTime, w.UpdateTime = statePickedUp, ts, ts
		return nil, tx.Waybills().Put(ref, w)
	})
	return View(p, w), replayed, err
}

// batch runs fn in a shared commit (storage.Store.Batch). fn returns a
// refusal (a domain answer such as a wrong state) only before writing
// anything; it is handed to the caller without failing the commit the
// call shares with others. err is a failure and rolls back.
func (s *Service) batch(ctx context.Context, fn func(tx storage.Tx) (refusal, err error)) error {
	var refusal error
	err := s.Store.Batch(ctx, func(tx storage.Tx) (err error) {
		refusal, err = fn(tx)
		return err
	})
	if err != nil {
		return err
	}
	return refusal
}

// classify splits an error found before any write into a refusal (a
// domain error for the caller) or a failure (anything else).
func classify(err error) (refusal, failure error) {
	if _, ok := fault.As(err); ok {
		return err, nil
	}
	return nil, err
}
