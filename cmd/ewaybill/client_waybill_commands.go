package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

func waybillStateNames() enumNames {
	return namesOf(ewaybillv1.WaybillState_value, "WAYBILL_STATE_", nil)
}

// orderEdit changes one field of an order.
type orderEdit func(*ewaybillv1.Order)

// orderFlag is a flag that sets a field of the order. Parsing it only
// records the edit: edits are applied in command-line order over the
// --order-file, so a flag given on the command line overrides the file and
// a flag left out leaves the file's value alone.
type orderFlag struct {
	arg   string
	parse func(string) (orderEdit, error)
	edits *[]orderEdit
	value string
}

func (f *orderFlag) String() string { return f.value }

func (f *orderFlag) Set(s string) error {
	edit, err := f.parse(s)
	if err != nil {
		return err
	}
	*f.edits = append(*f.edits, edit)
	f.value = s
	return nil
}

func (f *orderFlag) argName() string { return f.arg }

// partyFields are the flags of a sender or receiver, as --sender-name etc.
func partyFields() []struct {
	flag, usage string
	field       func(*ewaybillv1.Party) *string
} {
	return []struct {
		flag, usage string
		field       func(*ewaybillv1.Party) *string
	}{
		{"name", "name, 1–32 characters", func(p *ewaybillv1.Party) *string { return &p.Name }},
		{"mobile", "mainland mobile number, e.g. 13800138000 (this or a landline)", func(p *ewaybillv1.Party) *string { return &p.Mobile }},
		{"landline", "landline with area code, e.g. 010-88886666", func(p *ewaybillv1.Party) *string { return &p.Landline }},
		{"province", "province-level division, e.g. 广东省", func(p *ewaybillv1.Party) *string { return &p.Province }},
		{"city", "city, e.g. 深圳市", func(p *ewaybillv1.Party) *string { return &p.City }},
		{"district", "district or county, e.g. 南山区", func(p *ewaybillv1.Party) *string { return &p.District }},
		{"address", "street address below the district, 2–120 characters", func(p *ewaybillv1.Party) *string { return &p.Address }},
		{"postcode", "six-digit postcode, optional", func(p *ewaybillv1.Party) *string { return &p.Postcode }},
	}
}

// orderFlags declares the flags of an order and returns a function that
// builds it once the flags are parsed: the --order-file, if given, with
// every order flag of the command line applied over it.
func orderFlags(fs *flag.FlagSet) func() (*ewaybillv1.Order, error) {
	file := fs.String("order-file", "", "`path` of an Order in JSON (protojson: orderCode, sender, receiver, parcel, items); order flags given too override its fields")
	var edits []orderEdit
	define := func(name, arg, usage string, parse func(string) (orderEdit, error)) {
		fs.Var(&orderFlag{arg: arg, parse: parse, edits: &edits}, name, usage)
	}
	text := func(name, usage string, field func(*ewaybillv1.Order) *string) {
		define(name, "string", usage, func(s string) (orderEdit, error) {
			return func(o *ewaybillv1.Order) { *field(o) = s }, nil
		})
	}
	text("order-code", "the merchant's order code, 1–64 characters", func(o *ewaybillv1.Order) *string { return &o.OrderCode })
	text("package-id", "which package of the order, 1–32 characters (server default 1)", func(o *ewaybillv1.Order) *string { return &o.PackageId })
	text("remark", "free text printed on the label, at most 100 characters", func(o *ewaybillv1.Order) *string { return &o.Remark })
	for _, side := range []struct {
		name  string
		party func(*ewaybillv1.Order) **ewaybillv1.Party
	}{
		{"sender", func(o *ewaybillv1.Order) **ewaybillv1.Party { return &o.Sender }},
		{"receiver", func(o *ewaybillv1.Order) **ewaybillv1.Party { return &o.Receiver }},
	} {
		for _, pf := range partyFields() {
			text(side.name+"-"+pf.flag, side.name+"'s "+pf.usage, func(o *ewaybillv1.Order) *string {
				p := side.party(o)
				if *p == nil {
					*p = &ewaybillv1.Party{}
				}
				return pf.field(*p)
			})
		}
	}
	define("weight-grams", "int", "parcel weight in grams", func(s string) (orderEdit, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, errors.New("not an integer")
		}
		return func(o *ewaybillv1.Order) {
			if o.Parcel == nil {
				o.Parcel = &ewaybillv1.Parcel{}
			}
			o.Parcel.WeightGrams = n
		}, nil
	})
	// The first --item replaces the file's items, later ones add to them,
	// so the command line alone says what is inside.
	itemsGiven := false
	define("item", "name*qty", "one line of the contents, e.g. \"T恤*2\" (quantity 1 when left out); repeat for more", func(s string) (orderEdit, error) {
		item, err := parseItem(s)
		if err != nil {
			return nil, err
		}
		return func(o *ewaybillv1.Order) {
			if !itemsGiven {
				o.Items, itemsGiven = nil, true
			}
			o.Items = append(o.Items, item)
		}, nil
	})
	return func() (*ewaybillv1.Order, error) {
		o := &ewaybillv1.Order{}
		if *file != "" {
			raw, err := os.ReadFile(*file)
			if err != nil {
				return nil, usagef("--order-file: %v", err)
			}
			if err := protojson.Unmarshal(raw, o); err != nil {
				return nil, usagef("--order-file %s is not an Order in JSON: %v", *file, err)
			}
		}
		itemsGiven = false
		for _, edit := range edits {
			edit(o)
		}
		return o, nil
	}
}

// parseItem reads "name*quantity"; the last "*" separates the two, so a
// name may contain one when the quantity is given.
func parseItem(s string) (*ewaybillv1.Item, error) {
	name, qty := s, "1"
	if i := strings.LastIndex(s, "*"); i >= 0 {
		name, qty = s[:i], s[i+1:]
	}
	n, err := strconv.ParseInt(qty, 10, 32)
	if err != nil || n < 1 || strings.TrimSpace(name) == "" {
		return nil, errors.New(`want name*quantity with a quantity of at least 1, e.g. "T恤*2"`)
	}
	return &ewaybillv1.Item{Name: strings.TrimSpace(name), Quantity: int32(n)}, nil
}

func waybillAllocate(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID; a merchant key may leave it out for its own")
	carrier := fs.String("carrier", "", "the carrier, carriers/CODE or CODE")
	requestID := fs.String("request-id", "", "idempotency key, 1–64 characters (default: the carrier, order code and package id)")
	order := orderFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		o, err := order()
		if err != nil {
			return nil, err
		}
		return ewaybillv1.NewWaybillServiceClient(conn).AllocateWaybill(ctx, &ewaybillv1.AllocateWaybillRequest{
			Parent: merchantName(*merchant), Carrier: carrierName(*carrier), Order: o, RequestId: *requestID,
		})
	}
}

func waybillGet(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewWaybillServiceClient(conn).GetWaybill(ctx, &ewaybillv1.GetWaybillRequest{Name: name})
	}
}

func waybillList(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "-", "the merchant, merchants/ID or ID; - for all (admin)")
	carrier := fs.String("carrier", "", "only this carrier, carriers/CODE or CODE")
	state := enumVar(fs, "state", "only waybills in this state", waybillStateNames())
	orderCode := fs.String("order-code", "", "only this order code")
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewWaybillServiceClient(conn).ListWaybills(ctx, &ewaybillv1.ListWaybillsRequest{
			Parent:    merchantName(*merchant),
			Carrier:   carrierName(*carrier),
			State:     ewaybillv1.WaybillState(*state),
			OrderCode: *orderCode,
			PageSize:  *p.size,
			PageToken: *p.token,
		})
	}
}

func waybillCancel(fs *flag.FlagSet) commandAction {
	reason := fs.String("reason", "", "why, 1–200 characters")
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewWaybillServiceClient(conn).CancelWaybill(ctx, &ewaybillv1.CancelWaybillRequest{
			Name: name, Reason: *reason,
		})
	}
}

func waybillPrinted(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewWaybillServiceClient(conn).MarkWaybillPrinted(ctx, &ewaybillv1.MarkWaybillPrintedRequest{Name: name})
	}
}

func waybillPickup(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewWaybillServiceClient(conn).ReportWaybillPickup(ctx, &ewaybillv1.ReportWaybillPickupRequest{Name: name})
	}
}
