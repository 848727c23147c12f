// Package merchants registers merchants and runs their qualification review
// (资质认证): PENDING_REVIEW → APPROVED | REJECTED → resubmission →
// PENDING_REVIEW, with SUSPEND and REINSTATE for approved merchants. Every
// decision is kept in the merchant's review history.
package merchants

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/apikeys"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
)

// Service runs merchant registration and review on a store.
type Service struct {
	Store storage.Store
	Now   func() time.Time
}

// Registration is the result of a self-registration.
type Registration struct {
	Merchant  *ewaybillv1.Merchant
	Key       *ewaybillv1.ApiKey
	KeySecret string
}

// Register creates a merchant for a public caller and mints its first
// merchant key in the same transaction, so a registration never leaves a
// merchant without a way in.
func (s *Service) Register(ctx context.Context, q *ewaybillv1.Qualification, keyDisplayName string) (*Registration, error) {
	var v fault.Violations
	keyDisplayName = textrule.Check(&v, "key_display_name", keyDisplayName, 0, apikeys.MaxDisplayNameLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if keyDisplayName == "" {
		keyDisplayName = "registration key"
	}
	var reg Registration
	err := s.Store.Update(ctx, func(tx storage.Tx) error {
		m, err := s.insert(tx, access.Public, q)
		if err != nil {
			return err
		}
		key, secret, err := apikeys.Mint(tx, s.Now(), apikeys.Spec{
			DisplayName: keyDisplayName, Role: ewaybillv1.Role_ROLE_MERCHANT, MerchantID: idOf(m), Creator: access.Public.Key,
		}, "")
		reg = Registration{Merchant: m, Key: key, KeySecret: secret}
		return err
	})
	if err != nil {
		return nil, err
	}
	reg.Merchant = View(access.Principal{MerchantID: idOf(reg.Merchant), Role: ewaybillv1.Role_ROLE_MERCHANT}, reg.Merchant)
	return &reg, nil
}

// Create registers a merchant on its behalf (admin).
func (s *Service) Create(ctx context.Context, p access.Principal, q *ewaybillv1.Qualification) (*ewaybillv1.Merchant, error) {
	if err := p.Require("create merchants", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, err
	}
	var m *ewaybillv1.Merchant
	err := s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		if m, err = s.insert(tx, p, q); err != nil {
			return err
		}
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{
			Action:    "merchant.create",
			Merchant:  m.GetName(),
			Resources: []string{m.GetName()},
			Details:   map[string]string{"type": strings.TrimPrefix(m.GetQualification().GetType().String(), "MERCHANT_TYPE_")},
		}, m.GetCreateTime())
	})
	return View(p, m), err
}

func (s *Service) insert(tx storage.Tx, p access.Principal, q *ewaybillv1.Qualification) (*ewaybillv1.Merchant, error) {
	q, err := normalizeQualification(q, "qualification.")
	if err != nil {
		return nil, err
	}
	if err := ensureCreditCodeFree(tx, q.GetCreditCode(), ""); err != nil {
		return nil, err
	}
	now := timestamppb.New(s.Now())
	id := uuid.Must(uuid.NewV7()).String()
	m := &ewaybillv1.Merchant{
		Name:          resname.Build("merchants", id),
		Qualification: q,
		State:         ewaybillv1.MerchantState_MERCHANT_STATE_PENDING_REVIEW,
		ReviewHistory: []*ewaybillv1.ReviewEvent{submit.Event(p, "", nil, now)},
		CreateTime:    now,
		UpdateTime:    now,
	}
	return m, tx.Merchants().Put(id, m)
}

// ensureCreditCodeFree refuses a credit code held by another merchant than
// exceptID: one legal entity, one merchant.
func ensureCreditCodeFree(tx storage.Tx, code, exceptID string) error {
	holder, err := tx.Merchants().IDByCreditCode(code)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil
	case err != nil:
		return err
	case holder == exceptID:
		return nil
	}
	return fault.New(fault.KindAlreadyExists, fault.ReasonAlreadyExists,
		"a merchant with this unified social credit code is already registered; sign in with that merchant's key or contact the platform").
		With("field", "qualification.credit_code")
}

// Get returns a merchant p may see.
func (s *Service) Get(ctx context.Context, p access.Principal, name string) (*ewaybillv1.Merchant, error) {
	id, err := s.visibleID(p, name, "read merchants")
	if err != nil {
		return nil, err
	}
	var m *ewaybillv1.Merchant
	read := func(tx storage.Tx) (err error) {
		m, err = Load(tx, id)
		return err
	}
	if !p.IsAdmin() {
		err = s.Store.View(ctx, read)
		return View(p, m), err
	}
	// An admin sees the identity numbers unmasked: the read is recorded in
	// the transaction it reads in, and is not answered unless recorded.
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		if err := read(tx); err != nil {
			return err
		}
		return s.recordUnmaskedRead(tx, p, []*ewaybillv1.Merchant{m})
	})
	if err != nil {
		return nil, err
	}
	return View(p, m), nil
}

// unmaskedFields names the qualification fields View masks for everyone
// but admins that m holds: what an admin's read of m shows in full.
func unmaskedFields(m *ewaybillv1.Merchant) []string {
	var fields []string
	if m.GetQualification().GetCreditCode() != "" {
		fields = append(fields, "credit_code")
	}
	if m.GetQualification().GetLegalRepresentative().GetIdNumber() != "" {
		fields = append(fields, "legal_representative.id_number")
	}
	return fields
}

// recordUnmaskedRead records that admin p read list, unmasked. One event
// covers a page: it names every merchant shown (and is that merchant's
// when there is one), and which fields were shown in full.
func (s *Service) recordUnmaskedRead(tx storage.Tx, p access.Principal, list []*ewaybillv1.Merchant) error {
	e := &ewaybillv1.AuditEvent{Action: "merchant.read_unmasked", Details: map[string]string{}}
	var fields []string
	for _, m := range list {
		shown := unmaskedFields(m)
		if len(shown) == 0 {
			continue
		}
		e.Resources = append(e.Resources, m.GetName())
		for _, f := range shown {
			if !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
	}
	if len(e.Resources) == 0 {
		return nil // nothing unmasked was shown
	}
	if len(e.Resources) == 1 {
		e.Merchant = e.Resources[0]
	}
	slices.Sort(fields)
	e.Details["fields"] = strings.Join(fields, ",")
	e.Details["count"] = strconv.Itoa(len(e.Resources))
	return audit.Record(tx, p, e, timestamppb.New(s.Now()))
}

// List pages through merchants (admins: all; a merchant: itself).
func (s *Service) List(ctx context.Context, p access.Principal, state ewaybillv1.MerchantState, size int32, token string) ([]*ewaybillv1.Merchant, string, error) {
	if err := p.Require("list merchants", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, "", err
	}
	if _, known := ewaybillv1.MerchantState_name[int32(state)]; !known {
		return nil, "", fault.Invalid("state", "enum", "state %d is not a MerchantState", state)
	}
	keep := func(m *ewaybillv1.Merchant) bool {
		return (state == ewaybillv1.MerchantState_MERCHANT_STATE_UNSPECIFIED || m.GetState() == state) && p.SeesMerchant(idOf(m))
	}
	if !p.IsAdmin() {
		list, next, err := paging.List(ctx, s.Store, size, token, keep,
			func(tx storage.Tx, page storage.Page[*ewaybillv1.Merchant]) ([]*ewaybillv1.Merchant, string, error) {
				return tx.Merchants().List(page)
			})
		for i, m := range list {
			list[i] = View(p, m)
		}
		return list, next, err
	}
	// An admin's page shows identity numbers unmasked: it is read and
	// recorded in one transaction, like Get.
	page, err := paging.Page(size, token, keep)
	if err != nil {
		return nil, "", err
	}
	var list []*ewaybillv1.Merchant
	var next string
	err = s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		if list, next, err = tx.Merchants().List(page); err != nil {
			return err
		}
		return s.recordUnmaskedRead(tx, p, list)
	})
	if err != nil {
		return nil, "", err
	}
	return list, paging.Token(next), nil
}

// visibleID parses name and checks that p may see that merchant; another
// merchant's is reported as not found.
func (s *Service) visibleID(p access.Principal, name, action string) (string, error) {
	if err := p.Require(action, ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return "", err
	}
	ids, err := resname.Parse("name", name, "merchants", "*")
	if err != nil {
		return "", err
	}
	if !p.SeesMerchant(ids[0]) {
		return "", fault.NotFound(name)
	}
	return ids[0], nil
}

// Load reads a merchant inside a transaction; a missing one is NOT_FOUND.
func Load(tx storage.Tx, id string) (*ewaybillv1.Merchant, error) {
	m, err := tx.Merchants().Get(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fault.NotFound(resname.Build("merchants", id))
	}
	return m, err
}

func idOf(m *ewaybillv1.Merchant) string {
	return m.GetName()[len("merchants/"):]
}
