// Package audit keeps the audit log: who read personal data unmasked and
// who changed policy, appended in the same transaction as the act, so an
// act is never without its record.
package audit

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
)

// Record appends e, acted by p, to the log inside tx; it sets the event's
// name, time and actor. Ids are time-ordered, so the log lists by time.
func Record(tx storage.Tx, p access.Principal, e *ewaybillv1.AuditEvent, now *timestamppb.Timestamp) error {
	id := uuid.Must(uuid.NewV7()).String()
	e.Name = resname.Build("auditEvents", id)
	e.Time = now
	e.Actor = p.Key
	return tx.AuditLog().Append(id, e)
}

// Service lists the audit log.
type Service struct {
	Store storage.Store
}

// Filter narrows a listing of the log; the zero Filter keeps every event.
type Filter struct {
	// Merchant ("merchants/{m}") keeps the events about that merchant: its
	// own, and those that name it or one of its resources (a listing of
	// several merchants read unmasked has no single merchant but names
	// each one it showed).
	Merchant string
	// ActionPrefix keeps the events whose action starts with it, e.g.
	// "quota." for every top-up, deduction and starter grant.
	ActionPrefix string
}

// List pages through the log newest first, optionally for one merchant
// ("merchants/{m}"). Admins only.
func (s *Service) List(ctx context.Context, p access.Principal, merchant string, size int32, token string) ([]*ewaybillv1.AuditEvent, string, error) {
	return s.ListFiltered(ctx, p, Filter{Merchant: merchant}, size, token)
}

// ListFiltered is List with every filter the log supports. Admins only.
func (s *Service) ListFiltered(ctx context.Context, p access.Principal, f Filter, size int32, token string) ([]*ewaybillv1.AuditEvent, string, error) {
	if err := p.Require("read the audit log", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, "", err
	}
	if f.Merchant != "" {
		if _, err := resname.Parse("merchant", f.Merchant, "merchants", "*"); err != nil {
			return nil, "", err
		}
	}
	var keep func(*ewaybillv1.AuditEvent) bool
	if f != (Filter{}) {
		keep = func(e *ewaybillv1.AuditEvent) bool {
			return strings.HasPrefix(e.GetAction(), f.ActionPrefix) && (f.Merchant == "" || concerns(e, f.Merchant))
		}
	}
	return paging.List(ctx, s.Store, size, token, keep, func(tx storage.Tx, page storage.Page[*ewaybillv1.AuditEvent]) ([]*ewaybillv1.AuditEvent, string, error) {
		return tx.AuditLog().List(page)
	})
}

// concerns reports whether e is about merchant: it is the event's
// merchant, or a resource the event names is the merchant or lies under
// it.
func concerns(e *ewaybillv1.AuditEvent, merchant string) bool {
	if e.GetMerchant() == merchant {
		return true
	}
	for _, r := range e.GetResources() {
		if r == merchant || strings.HasPrefix(r, merchant+"/") {
			return true
		}
	}
	return false
}
