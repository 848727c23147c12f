// Package carriers keeps the carrier registry (codes, number formats,
// recycle policies) and merchants' authorizations to use a carrier
// (快递商授权): a settlement account for direct-operated carriers, a branch
// for franchise carriers, approved by an admin.
package carriers

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/numbering"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/protopath"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
	"github.com/ewaybill/ewaybill/updatemask"
)

// Service manages carriers and carrier authorizations on a store.
type Service struct {
	Store storage.Store
	Now   func() time.Time
	// Activated, when set, runs inside the transaction that makes an
	// authorization ACTIVE (the quota engine credits its starter grant
	// there, so approval and grant commit together or not at all).
	Activated func(tx storage.Tx, p access.Principal, merchantID, carrierCode string, now time.Time) error
}

var codePattern = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,7}$`)

// schemes maps the API's check-digit schemes to the numbering package's.
var schemes = map[ewaybillv1.CheckDigitScheme]numbering.Scheme{
	ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_NONE:    numbering.SchemeNone,
	ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD7:    numbering.SchemeMod7,
	ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD10:   numbering.SchemeMod10,
	ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD11:   numbering.SchemeMod11,
	ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_UPU_S10: numbering.SchemeUPUS10,
}

// NumberFormat converts a carrier's configured format for the numbering
// package. The format was validated when the carrier was created.
func NumberFormat(c *ewaybillv1.Carrier) numbering.Format {
	f := c.GetNumberFormat()
	return numbering.Format{Prefix: f.GetPrefix(), SerialLength: int(f.GetSerialLength()), Scheme: schemes[f.GetCheckDigitScheme()], Suffix: f.GetSuffix()}
}

// Create registers a carrier (admin).
func (s *Service) Create(ctx context.Context, p access.Principal, in *ewaybillv1.Carrier) (*ewaybillv1.Carrier, error) {
	if err := p.Require("register carriers", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, err
	}
	c, err := normalizeCarrier(in)
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.Now())
	c.CreateTime, c.UpdateTime = now, now
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.Carriers().Get(c.GetCode()); err == nil {
			return fault.New(fault.KindAlreadyExists, fault.ReasonAlreadyExists,
				"carrier %s is already registered; change it with UpdateCarrier", c.GetCode()).With("resource", c.GetName())
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err := tx.Carriers().Put(c.GetCode(), c); err != nil {
			return err
		}
		details := map[string]string{"kind": strings.TrimPrefix(c.GetKind().String(), "CARRIER_KIND_")}
		for _, field := range []string{"recycle_policy", "enabled", "order_rules"} {
			details[field] = fieldText(c, field)
		}
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{Action: "carrier.create", Resources: []string{c.GetName()}, Details: details}, now)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func normalizeCarrier(in *ewaybillv1.Carrier) (*ewaybillv1.Carrier, error) {
	var v fault.Violations
	if in == nil {
		return nil, fault.Invalid("carrier", "required", "carrier is required")
	}
	c := &ewaybillv1.Carrier{
		Code:          strings.TrimSpace(in.GetCode()),
		DisplayName:   textrule.Check(&v, "carrier.display_name", in.GetDisplayName(), 1, 64),
		Kind:          in.GetKind(),
		RecyclePolicy: in.GetRecyclePolicy(),
		Enabled:       proto.Bool(in.Enabled == nil || in.GetEnabled()),
		OrderRules:    checkOrderRules(&v, "carrier.order_rules", in.GetOrderRules()),
	}
	if !codePattern.MatchString(c.Code) {
		v.Add("carrier.code", "format", "carrier.code must be 2–8 uppercase letters or digits starting with a letter, e.g. SF or ZTO")
	}
	c.Name = resname.Build("carriers", c.Code)
	switch c.Kind {
	case ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED, ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE:
	default:
		v.Add("carrier.kind", "enum", "carrier.kind must be CARRIER_KIND_DIRECT_OPERATED or CARRIER_KIND_FRANCHISE")
	}
	switch c.RecyclePolicy {
	case ewaybillv1.RecyclePolicy_RECYCLE_POLICY_UNSPECIFIED:
		c.RecyclePolicy = ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID
	case ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED:
	default:
		v.Add("carrier.recycle_policy", "enum", "carrier.recycle_policy must be RECYCLE_POLICY_VOID or RECYCLE_POLICY_REUSE_UNPRINTED")
	}
	nf := in.GetNumberFormat()
	if nf == nil {
		v.Add("carrier.number_format", "required", "carrier.number_format is required: prefix, serial_length and check_digit_scheme")
	} else {
		c.NumberFormat = &ewaybillv1.NumberFormat{
			Prefix: strings.TrimSpace(nf.GetPrefix()), SerialLength: nf.GetSerialLength(),
			CheckDigitScheme: nf.GetCheckDigitScheme(), Suffix: strings.TrimSpace(nf.GetSuffix()),
		}
		if _, known := schemes[nf.GetCheckDigitScheme()]; !known {
			v.Add("carrier.number_format.check_digit_scheme", "enum",
				"carrier.number_format.check_digit_scheme must be one of CHECK_DIGIT_SCHEME_NONE, _MOD7, _MOD10, _MOD11, _UPU_S10")
		} else if err := NumberFormat(c).Validate(); err != nil {
			var fe *numbering.FieldError
			if errors.As(err, &fe) {
				v.Add("carrier.number_format."+fe.Field, fe.Rule, "carrier.number_format.%s: %s", fe.Field, fe.Message)
			} else {
				v.AddErr("carrier.number_format", err)
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Get returns a carrier; every role may read the carrier catalogue.
func (s *Service) Get(ctx context.Context, p access.Principal, name string) (*ewaybillv1.Carrier, error) {
	code, err := parseCarrierName("name", name)
	if err != nil {
		return nil, err
	}
	var c *ewaybillv1.Carrier
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		c, err = Load(tx, code)
		return err
	})
	return c, err
}

// List pages through carriers by code.
func (s *Service) List(ctx context.Context, p access.Principal, size int32, token string) ([]*ewaybillv1.Carrier, string, error) {
	return paging.List(ctx, s.Store, size, token, nil,
		func(tx storage.Tx, page storage.Page[*ewaybillv1.Carrier]) ([]*ewaybillv1.Carrier, string, error) {
			return tx.Carriers().List(page)
		})
}

// updatable are the fields UpdateCarrier may change (order_rules also
// field by field, as "order_rules.max_weight_grams"); the rest (code, kind,
// number format) are fixed because issued numbers and authorizations
// depend on them.
var updatable = map[string]bool{"display_name": true, "recycle_policy": true, "enabled": true, "order_rules": true}

// updatableList names the updatable fields in messages.
const updatableList = "display_name, recycle_policy, enabled and order_rules (whole, or a field such as order_rules.max_weight_grams)"

// Update changes the fields in mask (admin).
func (s *Service) Update(ctx context.Context, p access.Principal, in *ewaybillv1.Carrier, mask *fieldmaskpb.FieldMask) (*ewaybillv1.Carrier, error) {
	if err := p.Require("change carriers", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, err
	}
	code, err := parseCarrierName("carrier.name", in.GetName())
	if err != nil {
		return nil, err
	}
	var v fault.Violations
	paths := updatemask.Paths(mask)
	if len(paths) == 0 {
		v.Add("update_mask", "required", "update_mask is required: list the fields to change: %s", updatableList)
	}
	var fixed []string
	for _, path := range paths {
		if !updatable[path] && !isOrderRulesPath(path) {
			fixed = append(fixed, path)
		}
	}
	display := in.GetDisplayName()
	if slices.Contains(paths, "display_name") {
		display = textrule.Check(&v, "carrier.display_name", display, 1, 64)
	}
	if slices.Contains(paths, "recycle_policy") {
		switch in.GetRecyclePolicy() {
		case ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID, ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED:
		default:
			v.Add("carrier.recycle_policy", "enum", "carrier.recycle_policy must be RECYCLE_POLICY_VOID or RECYCLE_POLICY_REUSE_UNPRINTED")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var c *ewaybillv1.Carrier
	err = s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		c, err = Load(tx, code)
		if err != nil {
			return err
		}
		before := proto.Clone(c).(*ewaybillv1.Carrier)
		if err := checkUnchanged(c, in, fixed); err != nil {
			return err
		}
		var rules fault.Violations
		for _, path := range paths {
			switch {
			case path == "display_name":
				c.DisplayName = display
			case path == "recycle_policy":
				c.RecyclePolicy = in.GetRecyclePolicy()
			case path == "enabled":
				c.Enabled = proto.Bool(in.GetEnabled())
			case isOrderRulesPath(path):
				var known bool
				if c.OrderRules, known = updateOrderRules(c.GetOrderRules(), in.GetOrderRules(), path); !known {
					rules.Add("update_mask", "unknown_field", "%q is not a field of order_rules; its fields are max_weight_grams, max_name_length, max_address_length and forbidden_characters", path)
				}
			}
		}
		if slices.ContainsFunc(paths, isOrderRulesPath) {
			c.OrderRules = checkOrderRules(&rules, "carrier.order_rules", c.GetOrderRules())
		}
		if err := rules.Err(); err != nil {
			return err
		}
		c.UpdateTime = timestamppb.New(s.Now())
		if err := tx.Carriers().Put(code, c); err != nil {
			return err
		}
		return audit.Record(tx, p, updateEvent(before, c, paths), c.GetUpdateTime())
	})
	return c, err
}

// auditedFields are a carrier's fields an update can change, in the order
// an update's audit record lists them.
var auditedFields = []string{"display_name", "recycle_policy", "enabled", "order_rules"}

// updateEvent describes an update of a carrier for the audit log: the
// mask the admin sent, the fields whose value it changed (enabling,
// disabling, a new recycle policy or order rules) and each one's new and
// previous value. An update that changed nothing is still an admin's act
// and is recorded, with changed empty.
func updateEvent(before, after *ewaybillv1.Carrier, paths []string) *ewaybillv1.AuditEvent {
	details := map[string]string{"update_mask": strings.Join(paths, ",")}
	var changed []string
	for _, field := range auditedFields {
		was, now := fieldText(before, field), fieldText(after, field)
		if was == now {
			continue
		}
		changed = append(changed, field)
		details[field] = now
		details[field+".previous"] = was
	}
	details["changed"] = strings.Join(changed, ",")
	return &ewaybillv1.AuditEvent{Action: "carrier.update", Resources: []string{after.GetName()}, Details: details}
}

// fieldText is the text of one of a carrier's auditedFields for the audit
// log: enums without their prefix, order rules as "field=value" pairs of
// the limits set ("" for the general rules).
func fieldText(c *ewaybillv1.Carrier, field string) string {
	switch field {
	case "display_name":
		return c.GetDisplayName()
	case "recycle_policy":
		return strings.TrimPrefix(c.GetRecyclePolicy().String(), "RECYCLE_POLICY_")
	case "enabled":
		return strconv.FormatBool(c.GetEnabled())
	case "order_rules":
		var parts []string
		c.GetOrderRules().ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			parts = append(parts, string(fd.Name())+"="+v.String())
			return true
		})
		slices.Sort(parts)
		return strings.Join(parts, ",")
	}
	panic("carriers: no audit text for field " + field)
}

// checkUnchanged lets a fixed field (code, kind, number_format and its
// parts) stand in the mask only with the value it already has, so a
// read-modify-write of the whole resource works while a real change is
// refused.
func checkUnchanged(c, in *ewaybillv1.Carrier, fixed []string) error {
	var v fault.Violations
	for _, path := range fixed {
		stored, _, known := protopath.Get(c.ProtoReflect(), path)
		sent, _, _ := protopath.Get(in.ProtoReflect(), path)
		if !known || !stored.Equal(sent) {
			v.Add("update_mask", "immutable", "%q cannot be changed; only %s can (register a new carrier for another code, kind or format)", path, updatableList)
		}
	}
	return v.Err()
}

func parseCarrierName(field, name string) (string, error) {
	ids, err := resname.Parse(field, name, "carriers", "*")
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// Load reads a carrier inside a transaction; a missing one is NOT_FOUND.
func Load(tx storage.Tx, code string) (*ewaybillv1.Carrier, error) {
	c, err := tx.Carriers().Get(code)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fault.NotFound(resname.Build("carriers", code))
	}
	return c, err
}
