package quota

import (
	"context"
	"errors"
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
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
	"github.com/ewaybill/ewaybill/updatemask"
)

var (
	entryAllocation   = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_ALLOCATION
	entryCancelCredit = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_CANCEL_CREDIT
	entryTopUp        = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_TOP_UP
	entryDeduction    = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_DEDUCTION
	entryStarterGrant = ewaybillv1.LedgerEntryType_LEDGER_ENTRY_TYPE_STARTER_GRANT
)

func quotaName(merchantID, code string) string {
	return resname.Build("merchants", merchantID, "quotas", code)
}

// loadQuota returns a merchant's quota for a carrier, or an empty one.
func loadQuota(tx storage.Tx, merchantID, code string) (*ewaybillv1.Quota, error) {
	q, err := tx.Quotas().Get(merchantID, code)
	if errors.Is(err, storage.ErrNotFound) {
		return &ewaybillv1.Quota{
			Name:                quotaName(merchantID, code),
			Carrier:             resname.Build("carriers", code),
			LowBalanceThreshold: DefaultLowBalanceThreshold,
			// Nothing available is below the threshold: stored without a
			// ledger entry (no starter grant), it must still read as low.
			LowBalance: 0 < DefaultLowBalanceThreshold,
		}, nil
	}
	return q, err
}

// post applies a ledger entry to q and stores both: the only way a quota's
// available units change, so available is always the ledger's sum.
// Counters other than available and granted are the caller's to set.
func post(tx storage.Tx, merchantID, code string, q *ewaybillv1.Quota, e *ewaybillv1.LedgerEntry, now time.Time) error {
	if err := appendEntry(tx, merchantID, code, q, e, now); err != nil {
		return err
	}
	return tx.Quotas().Put(merchantID, code, q)
}

// appendEntry is post without storing q: for callers that change q many
// times in one transaction and store it once at the end.
func appendEntry(tx storage.Tx, merchantID, code string, q *ewaybillv1.Quota, e *ewaybillv1.LedgerEntry, now time.Time) error {
	q.Available += e.GetDelta()
	switch e.GetType() {
	case entryTopUp, entryDeduction, entryStarterGrant:
		q.Granted += e.GetDelta()
	}
	q.LedgerSequence++
	q.LowBalance = q.GetAvailable() < q.GetLowBalanceThreshold()
	ts := timestamppb.New(now)
	q.UpdateTime = ts
	e.Sequence = q.GetLedgerSequence()
	e.Name = q.GetName() + "/ledgerEntries/" + strconv.FormatInt(e.Sequence, 10)
	e.BalanceAfter = q.GetAvailable()
	e.CreateTime = ts
	return tx.Ledger().Append(merchantID, code, e)
}

// GrantStarter credits the starter grant when a merchant's authorization
// for carrier becomes ACTIVE, once per merchant and carrier ever: a
// revoked and re-approved authorization gets nothing more. It runs inside
// the approval's transaction.
func (s *Service) GrantStarter(tx storage.Tx, p access.Principal, merchantID, code string, now time.Time) error {
	q, err := loadQuota(tx, merchantID, code)
	if err != nil || q.GetStarterGranted() {
		return err
	}
	q.StarterGranted = true
	if s.StarterGrant <= 0 {
		return tx.Quotas().Put(merchantID, code, q)
	}
	e := &ewaybillv1.LedgerEntry{
		Type: entryStarterGrant, Delta: s.StarterGrant, Operator: p.Key,
		Reason: "starter grant on the first activation of the carrier authorization",
	}
	if err := post(tx, merchantID, code, q, e, now); err != nil {
		return err
	}
	// The grant is credited by the admin's approval, in its transaction;
	// it is recorded as a quota change of its own so that the quota's
	// audit trail (every "quota." action) is complete.
	return audit.Record(tx, p, &ewaybillv1.AuditEvent{
		Action:    "quota.starter_grant",
		Merchant:  resname.Build("merchants", merchantID),
		Resources: []string{q.GetName(), e.GetName()},
		Details:   map[string]string{"amount": strconv.FormatInt(e.GetDelta(), 10), "balance_after": strconv.FormatInt(e.GetBalanceAfter(), 10)},
	}, e.GetCreateTime())
}

// parseQuotaName splits "merchants/{m}/quotas/{carrier}" for a caller who
// may see the merchant.
func parseQuotaName(p access.Principal, field, name string) (merchantID, code string, err error) {
	ids, err := resname.Parse(field, name, "merchants", "*", "quotas", "*")
	if err != nil {
		return "", "", err
	}
	if !p.SeesMerchant(ids[0]) {
		return "", "", fault.NotFound(name)
	}
	return ids[0], ids[1], nil
}

// GetQuota returns a quota (admin, or the merchant).
func (s *Service) GetQuota(ctx context.Context, p access.Principal, name string) (*ewaybillv1.Quota, error) {
	if err := p.Require("read quotas", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, err
	}
	merchantID, code, err := parseQuotaName(p, "name", name)
	if err != nil {
		return nil, err
	}
	var q *ewaybillv1.Quota
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		if err := mustExist(tx, merchantID, code); err != nil {
			return err
		}
		q, err = loadQuota(tx, merchantID, code)
		return err
	})
	return q, err
}

// mustExist refuses a quota name whose merchant or carrier does not exist.
func mustExist(tx storage.Tx, merchantID, code string) error {
	if _, err := merchants.Load(tx, merchantID); err != nil {
		return err
	}
	_, err := carriers.Load(tx, code)
	return err
}

// ListQuotas lists a merchant's quotas, or every merchant's (admin).
func (s *Service) ListQuotas(ctx context.Context, p access.Principal, parent string, lowOnly bool, size int32, token string) ([]*ewaybillv1.Quota, string, error) {
	if err := p.Require("list quotas", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, "", err
	}
	merchantID, err := p.MerchantParent("parent", parent, true)
	if err != nil {
		return nil, "", err
	}
	return paging.List(ctx, s.Store, size, token, func(q *ewaybillv1.Quota) bool { return !lowOnly || q.GetLowBalance() },
		func(tx storage.Tx, page storage.Page[*ewaybillv1.Quota]) ([]*ewaybillv1.Quota, string, error) {
			return tx.Quotas().List(merchantID, page)
		})
}

// UpdateQuota changes low_balance_threshold (admin, or the merchant).
func (s *Service) UpdateQuota(ctx context.Context, p access.Principal, in *ewaybillv1.Quota, mask *fieldmaskpb.FieldMask) (*ewaybillv1.Quota, error) {
	if err := p.Require("change quota settings", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, err
	}
	merchantID, code, err := parseQuotaName(p, "quota.name", in.GetName())
	if err != nil {
		return nil, err
	}
	paths := updatemask.Paths(mask, "carrier", "granted", "available", "live", "issued_total", "cancelled",
		"printed", "recycled", "low_balance", "starter_granted", "ledger_sequence")
	var v fault.Violations
	if !slices.Equal(paths, []string{"low_balance_threshold"}) {
		v.Add("update_mask", "immutable", "update_mask must be low_balance_threshold: balances change only through the ledger (top-up, deduction, allocation, cancel)")
	}
	if in.GetLowBalanceThreshold() < 0 {
		v.Add("quota.low_balance_threshold", "non_negative", "quota.low_balance_threshold must be 0 (alert off) or more; got %d", in.GetLowBalanceThreshold())
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var q *ewaybillv1.Quota
	err = s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		if err := mustExist(tx, merchantID, code); err != nil {
			return err
		}
		if q, err = loadQuota(tx, merchantID, code); err != nil {
			return err
		}
		previous := q.GetLowBalanceThreshold()
		q.LowBalanceThreshold = in.GetLowBalanceThreshold()
		q.LowBalance = q.GetAvailable() < q.GetLowBalanceThreshold()
		q.UpdateTime = timestamppb.New(s.Now())
		if err := tx.Quotas().Put(merchantID, code, q); err != nil {
			return err
		}
		// An admin changing a merchant's alert is recorded; the merchant
		// tuning its own is not an admin action.
		if !p.IsAdmin() {
			return nil
		}
		return audit.Record(tx, p, &ewaybillv1.AuditEvent{
			Action:    "quota.update",
			Merchant:  resname.Build("merchants", merchantID),
			Resources: []string{q.GetName()},
			Details: map[string]string{
				"update_mask":                    "low_balance_threshold",
				"low_balance_threshold":          strconv.FormatInt(q.GetLowBalanceThreshold(), 10),
				"low_balance_threshold.previous": strconv.FormatInt(previous, 10),
			},
		}, q.GetUpdateTime())
	})
	return q, err
}

// Adjustment is an admin's top-up or deduction.
type Adjustment struct {
	// Name is the quota, "merchants/{m}/quotas/{carrier}".
	Name      string
	Amount    int64
	Reason    string
	RequestID string
}

// AdjustResult is what a top-up or deduction did.
type AdjustResult struct {
	Quota    *ewaybillv1.Quota
	Entry    *ewaybillv1.LedgerEntry
	Replayed bool
}

// TopUp adds units to a quota (admin).
func (s *Service) TopUp(ctx context.Context, p access.Principal, a Adjustment) (*AdjustResult, error) {
	return s.adjust(ctx, p, a, entryTopUp)
}

// Deduct removes available units from a quota (admin).
func (s *Service) Deduct(ctx context.Context, p access.Principal, a Adjustment) (*AdjustResult, error) {
	return s.adjust(ctx, p, a, entryDeduction)
}

func (s *Service) adjust(ctx context.Context, p access.Principal, a Adjustment, typ ewaybillv1.LedgerEntryType) (*AdjustResult, error) {
	verb := map[ewaybillv1.LedgerEntryType]string{entryTopUp: "top up", entryDeduction: "deduct from"}[typ]
	if err := p.Require(verb+" quotas", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, err
	}
	merchantID, code, err := parseQuotaName(p, "name", a.Name)
	if err != nil {
		return nil, err
	}
	var v fault.Violations
	if a.Amount < 1 || a.Amount > MaxAdjustment {
		v.Add("amount", "range", "amount must be between 1 and %d; got %d", MaxAdjustment, a.Amount)
	}
	reason := textrule.Check(&v, "reason", a.Reason, 1, MaxReasonLength)
	requestID := textrule.Check(&v, "request_id", a.RequestID, 1, MaxRequestIDLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	delta := a.Amount
	if typ == entryDeduction {
		delta = -a.Amount
	}
	var res *AdjustResult
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		if err := mustExist(tx, merchantID, code); err != nil {
			return err
		}
		q, err := loadQuota(tx, merchantID, code)
		if err != nil {
			return err
		}
		if seq, err := tx.QuotaRequests().Get(merchantID, code, requestID); err == nil {
			first, err := tx.Ledger().Get(merchantID, code, seq)
			if err != nil {
				return err
			}
			if err := sameAdjustment(first, typ, delta, reason); err != nil {
				return err
			}
			res = &AdjustResult{Quota: q, Entry: first, Replayed: true}
			return nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if typ == entryDeduction && a.Amount > q.GetAvailable() {
			return fault.New(fault.KindFailedPrecondition, fault.ReasonDeductionExceeds,
				"cannot deduct %d from %s: only %d are available (%d are held by live waybills and come back only when cancelled)",
				a.Amount, q.GetName(), q.GetAvailable(), q.GetLive()).With("available", strconv.FormatInt(q.GetAvailable(), 10))
		}
		e := &ewaybillv1.LedgerEntry{Type: typ, Delta: delta, Reason: reason, Operator: p.Key, RequestId: requestID}
		if err := post(tx, merchantID, code, q, e, s.Now()); err != nil {
			return err
		}
		res = &AdjustResult{Quota: q, Entry: e}
		if err := tx.QuotaRequests().Put(merchantID, code, requestID, e.GetSequence()); err != nil {
			return err
		}
		// Recorded only here, with the entry: a replay of the request id
		// returned above and adds no second record.
		return audit.Record(tx, p, adjustEvent(merchantID, q, e), e.GetCreateTime())
	})
	return res, err
}

// adjustEvent describes a top-up or deduction for the audit log.
func adjustEvent(merchantID string, q *ewaybillv1.Quota, e *ewaybillv1.LedgerEntry) *ewaybillv1.AuditEvent {
	action, amount := "quota.top_up", e.GetDelta()
	if e.GetType() == entryDeduction {
		action, amount = "quota.deduct", -amount
	}
	return &ewaybillv1.AuditEvent{
		Action:    action,
		Merchant:  resname.Build("merchants", merchantID),
		Resources: []string{q.GetName(), e.GetName()},
		Details: map[string]string{
			"amount":        strconv.FormatInt(amount, 10),
			"reason":        e.GetReason(),
			"request_id":    e.GetRequestId(),
			"balance_after": strconv.FormatInt(e.GetBalanceAfter(), 10),
		},
	}
}

// sameAdjustment accepts a repeated request id only for the same change.
func sameAdjustment(first *ewaybillv1.LedgerEntry, typ ewaybillv1.LedgerEntryType, delta int64, reason string) error {
	var differ []string
	if first.GetType() != typ {
		differ = append(differ, "type")
	}
	if first.GetDelta() != delta {
		differ = append(differ, "amount")
	}
	if first.GetReason() != reason {
		differ = append(differ, "reason")
	}
	if len(differ) == 0 {
		return nil
	}
	return fault.KeyReused(differ,
		"request_id %q was already used for %s with a different %s; use a new request_id for a new change",
		first.GetRequestId(), first.GetName(), strings.Join(differ, ", ")).
		With("resource", first.GetName())
}

// LedgerFilter narrows ListLedger.
type LedgerFilter struct {
	Type       ewaybillv1.LedgerEntryType
	Start, End time.Time
}

// ListLedger lists one quota's ledger, or all of a merchant's with
// "merchants/{m}/quotas/-" (admin, or the merchant).
func (s *Service) ListLedger(ctx context.Context, p access.Principal, parent string, f LedgerFilter, size int32, token string) ([]*ewaybillv1.LedgerEntry, string, error) {
	if err := p.Require("read ledgers", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, "", err
	}
	merchantID, code, err := parseQuotaName(p, "parent", parent)
	if err != nil {
		return nil, "", err
	}
	if merchantID == "-" {
		return nil, "", fault.Invalid("parent", "resource_name", "parent must name one merchant: merchants/{merchant}/quotas/{carrier or -}")
	}
	if code == "-" {
		code = ""
	}
	var v fault.Violations
	if _, known := ewaybillv1.LedgerEntryType_name[int32(f.Type)]; !known {
		v.Add("type", "enum", "type %d is not a LedgerEntryType", f.Type)
	}
	if !f.Start.IsZero() && !f.End.IsZero() && !f.End.After(f.Start) {
		v.Add("create_time_end", "range", "create_time_end must be after create_time_start")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	keep := func(e *ewaybillv1.LedgerEntry) bool {
		t := e.GetCreateTime().AsTime()
		return (f.Type == 0 || e.GetType() == f.Type) &&
			(f.Start.IsZero() || !t.Before(f.Start)) && (f.End.IsZero() || t.Before(f.End))
	}
	return paging.List(ctx, s.Store, size, token, keep,
		func(tx storage.Tx, page storage.Page[*ewaybillv1.LedgerEntry]) ([]*ewaybillv1.LedgerEntry, string, error) {
			return tx.Ledger().List(merchantID, code, page)
		})
}
