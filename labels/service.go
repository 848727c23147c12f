// Package labels is the print stations' service: it renders waybills'
// labels (privacy masked, routed by the carrier's table), records print
// jobs, and keeps the routing tables and merchants' label templates that
// labels are made from. Drawing is printing's job; this package decides
// what is drawn, for whom, and what a print changes.
package labels

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/carriers"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/routing"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/updatemask"
)

// Service renders labels and keeps their configuration.
type Service struct {
	Store storage.Store
	Now   func() time.Time

	routes routeCache
}

var (
	roleAdmin    = ewaybillv1.Role_ROLE_ADMIN
	roleMerchant = ewaybillv1.Role_ROLE_MERCHANT
	rolePrinter  = ewaybillv1.Role_ROLE_PRINTER
)

// GetRoutingTable returns a carrier's routing table, empty when none was
// set (admin).
func (s *Service) GetRoutingTable(ctx context.Context, p access.Principal, name string) (*ewaybillv1.RoutingTable, error) {
	if err := p.Require("read routing tables", roleAdmin); err != nil {
		return nil, err
	}
	code, err := routingTableCarrier("name", name)
	if err != nil {
		return nil, err
	}
	var t *ewaybillv1.RoutingTable
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		if _, err := carriers.Load(tx, code); err != nil {
			return err
		}
		t, err = loadRoutingTable(tx, code)
		return err
	})
	return t, err
}

// UpdateRoutingTable replaces a carrier's routing table (admin). Every bad
// rule is reported at once and nothing is stored.
func (s *Service) UpdateRoutingTable(ctx context.Context, p access.Principal, in *ewaybillv1.RoutingTable) (*ewaybillv1.RoutingTable, error) {
	if err := p.Require("change routing tables", roleAdmin); err != nil {
		return nil, err
	}
	code, err := routingTableCarrier("routing_table.name", in.GetName())
	if err != nil {
		return nil, err
	}
	t := &ewaybillv1.RoutingTable{Name: in.GetName(), Rules: in.GetRules()}
	if err := routing.Check(t); err != nil {
		return nil, err
	}
	t.UpdateTime = timestamppb.New(s.Now())
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		if _, err := carriers.Load(tx, code); err != nil {
			return err
		}
		previous, err := loadRoutingTable(tx, code)
		if err != nil {
			return err
		}
		if err := tx.RoutingTables().Put(code, t); err != nil {
			return err
		}
		// The table is replaced whole; the record says how many rules it
		// had and has (the rules themselves are in the table).
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{
			Action:    "routing_table.update",
			Resources: []string{t.GetName()},
			Details: map[string]string{
				"rules":          strconv.Itoa(len(t.GetRules())),
				"rules.previous": strconv.Itoa(len(previous.GetRules())),
			},
		}, t.GetUpdateTime())
	})
	return t, err
}

func routingTableCarrier(field, name string) (string, error) {
	ids, err := resname.Parse(field, name, "carriers", "*", "routingTable")
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

func loadRoutingTable(tx storage.Tx, code string) (*ewaybillv1.RoutingTable, error) {
	t, err := tx.RoutingTables().Get(code)
	if errors.Is(err, storage.ErrNotFound) {
		return &ewaybillv1.RoutingTable{Name: resname.Build("carriers", code, "routingTable")}, nil
	}
	return t, err
}

// GetLabelTemplate returns a merchant's label template; one never changed
// masks everything (the merchant, admin).
func (s *Service) GetLabelTemplate(ctx context.Context, p access.Principal, name string) (*ewaybillv1.LabelTemplate, error) {
	if err := p.Require("read label templates", roleAdmin, roleMerchant); err != nil {
		return nil, err
	}
	merchantID, err := templateMerchant(p, "name", name)
	if err != nil {
		return nil, err
	}
	var t *ewaybillv1.LabelTemplate
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		if _, err := merchants.Load(tx, merchantID); err != nil {
			return err
		}
		t, err = loadTemplate(tx, merchantID)
		return err
	})
	return t, err
}

// UpdateLabelTemplate changes which personal data a merchant's labels
// print in full. Only an admin may; the change is audited.
func (s *Service) UpdateLabelTemplate(ctx context.Context, p access.Principal, in *ewaybillv1.LabelTemplate, mask *fieldmaskpb.FieldMask) (*ewaybillv1.LabelTemplate, error) {
	if err := p.Require("change label templates (what labels print unmasked)", roleAdmin); err != nil {
		return nil, err
	}
	merchantID, err := templateMerchant(p, "label_template.name", in.GetName())
	if err != nil {
		return nil, err
	}
	for _, path := range updatemask.Paths(mask, "update_actor") {
		if path != "revealed_fields" {
			return nil, fault.Invalid("update_mask", "unknown_field", "update_mask may name only revealed_fields; got %q", path)
		}
	}
	revealed, err := checkRevealed(in.GetRevealedFields())
	if err != nil {
		return nil, err
	}
	var t *ewaybillv1.LabelTemplate
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		if _, err := merchants.Load(tx, merchantID); err != nil {
			return err
		}
		now := timestamppb.New(s.Now())
		t = &ewaybillv1.LabelTemplate{Name: in.GetName(), RevealedFields: revealed, UpdateTime: now, UpdateActor: p.Key}
		if err := tx.LabelTemplates().Put(merchantID, t); err != nil {
			return err
		}
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{
			Action:    "label_template.update",
			Merchant:  resname.Build("merchants", merchantID),
			Resources: []string{t.GetName()},
			Details:   map[string]string{"revealed_fields": fieldList(revealed)},
		}, now)
	})
	return t, err
}

// checkRevealed refuses unknown and unspecified fields and returns the
// set sorted and without repeats.
func checkRevealed(fields []ewaybillv1.LabelField) ([]ewaybillv1.LabelField, error) {
	var v fault.Violations
	var out []ewaybillv1.LabelField
	for i, f := range fields {
		if _, known := ewaybillv1.LabelField_name[int32(f)]; !known || f == ewaybillv1.LabelField_LABEL_FIELD_UNSPECIFIED {
			v.Add(fmt.Sprintf("label_template.revealed_fields[%d]", i), "enum", "label_template.revealed_fields[%d] is not a label field; use one of LABEL_FIELD_RECEIVER_NAME … LABEL_FIELD_SENDER_ADDRESS", i)
			continue
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out, v.Err()
}

func fieldList(fields []ewaybillv1.LabelField) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = strings.TrimPrefix(f.String(), "LABEL_FIELD_")
	}
	return strings.Join(names, ",")
}

func templateMerchant(p access.Principal, field, name string) (string, error) {
	ids, err := resname.Parse(field, name, "merchants", "*", "labelTemplate")
	if err != nil {
		return "", err
	}
	if !p.SeesMerchant(ids[0]) {
		return "", fault.NotFound(name)
	}
	return ids[0], nil
}

func loadTemplate(tx storage.Tx, merchantID string) (*ewaybillv1.LabelTemplate, error) {
	t, err := tx.LabelTemplates().Get(merchantID)
	if errors.Is(err, storage.ErrNotFound) {
		return &ewaybillv1.LabelTemplate{Name: resname.Build("merchants", merchantID, "labelTemplate")}, nil
	}
	return t, err
}

// GetPrintJob returns a print job (the merchant, its print stations,
// admin).
func (s *Service) GetPrintJob(ctx context.Context, p access.Principal, name string) (*ewaybillv1.PrintJob, error) {
	if err := p.Require("read print jobs", roleAdmin, roleMerchant, rolePrinter); err != nil {
		return nil, err
	}
	ids, err := resname.Parse("name", name, "merchants", "*", "printJobs", "*")
	if err != nil {
		return nil, err
	}
	if !p.SeesMerchant(ids[0]) {
		return nil, fault.NotFound(name)
	}
	var j *ewaybillv1.PrintJob
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		j, err = tx.PrintJobs().Get(ids[0], ids[1])
		if errors.Is(err, storage.ErrNotFound) {
			return fault.NotFound(name)
		}
		return err
	})
	return j, err
}

// ListPrintJobs pages through a merchant's print jobs, newest first.
func (s *Service) ListPrintJobs(ctx context.Context, p access.Principal, parent string, size int32, token string) ([]*ewaybillv1.PrintJob, string, error) {
	if err := p.Require("read print jobs", roleAdmin, roleMerchant, rolePrinter); err != nil {
		return nil, "", err
	}
	merchantID, err := p.MerchantParent("parent", parent, false)
	if err != nil {
		return nil, "", err
	}
	return paging.List(ctx, s.Store, size, token, nil, func(tx storage.Tx, page storage.Page[*ewaybillv1.PrintJob]) ([]*ewaybillv1.PrintJob, string, error) {
		return tx.PrintJobs().List(merchantID, page)
	})
}
