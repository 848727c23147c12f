// Package audit keeps the audit log: who read personal data unmasked and
// who changed policy, appended in the same transaction as the act, so an
// act is never without its record.
package audit

import (
	"context"

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

// List pages through the log newest first, optionally for one merchant
// ("merchants/{m}"). Admins only.
func (s *Service) List(ctx context.Context, p access.Principal, merchant string, size int32, token string) ([]*ewaybillv1.AuditEvent, string, error) {
	if err := p.Require("read the audit log", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, "", err
	}
	var keep func(*ewaybillv1.AuditEvent) bool
	if merchant != "" {
		if _, err := resname.Parse("merchant", merchant, "merchants", "*"); err != nil {
			return nil, "", err
		}
		keep = func(e *ewaybillv1.AuditEvent) bool { return e.GetMerchant() == merchant }
	}
	return paging.List(ctx, s.Store, size, token, keep, func(tx storage.Tx, page storage.Page[*ewaybillv1.AuditEvent]) ([]*ewaybillv1.AuditEvent, string, error) {
		return tx.AuditLog().List(page)
	})
}
