package quota

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/carriers"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/mapping"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/orders"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
)

// Request is one allocation.
type Request struct {
	// Carrier is "carriers/{code}".
	Carrier string
	// Order is the canonical order; or leave it nil and send RawOrder with
	// MappingProfile.
	Order *ewaybillv1.Order
	// RawOrder is the merchant's own JSON order, mapped with
	// MappingProfile ("merchants/{m}/mappingProfiles/{id}").
	RawOrder       *structpb.Struct
	MappingProfile string
	// RequestID, when set, is the idempotency key instead of the order's
	// (carrier, order code, package id).
	RequestID string
}

// Result is one allocation's outcome: a waybill, or the reason none was
// issued (in which case nothing was spent).
type Result struct {
	Waybill  *ewaybillv1.Waybill
	Replayed bool
	Err      error
}

// item is a request checked as far as it can be before the write
// transaction.
type item struct {
	code string
	// mapped is the order as mapped from a raw order (with the raw paths
	// of its fields), or the canonical order as sent.
	mapped mapping.Result
	// order is mapped.Order normalised: the payload compared on replay.
	order     *ewaybillv1.Order
	profile   *ewaybillv1.MappingProfile
	requestID string
	// key is the idempotency key, "" when the request is too malformed to
	// have one (it will be refused as invalid).
	key string
	// request holds problems outside the order: request id, carrier,
	// profile.
	request fault.Violations
	// invalid is the INVALID_REQUEST the item is refused with, if any:
	// every problem of the request and of its order under its carrier's
	// rules, found once, outside the write transaction.
	invalid error
	// unmapped is set for a raw order without a profile to map it (none
	// named, or not the merchant's): there is no order to check or compare,
	// and request names what is wrong.
	unmapped bool

	// For a valid item on its way to the writer: the record its waybill
	// will be stored as (given when it is queued, so that ids follow the
	// order of commits), and the waybill built and prepared (encoded,
	// its personal data sealed) for that record outside the writer, all
	// but the fields only the write transaction knows.
	ref      storage.WaybillRef
	waybill  *ewaybillv1.Waybill
	prepared *storage.PreparedWaybill
}

// prepare checks a request. rules gives the order rules of a carrier by
// code (the general rules for an unknown one).
func prepare(merchantID string, r Request, profiles map[string]*profile, rules func(code string) orders.Rules) item {
	var it item
	v := &it.request
	it.requestID = textrule.Check(v, "request_id", r.RequestID, 0, MaxRequestIDLength)
	requestOK := v.Empty()
	ids, err := resname.Parse("carrier", r.Carrier, "carriers", "*")
	if err != nil {
		v.AddErr("carrier", err)
	} else {
		it.code = ids[0]
	}
	switch {
	case r.RawOrder != nil && r.Order != nil:
		v.Add("raw_order", "one_of", "send either order or raw_order with mapping_profile, not both")
	case r.RawOrder != nil && r.MappingProfile == "":
		v.Add("mapping_profile", "required", "mapping_profile is required with raw_order: the profile that maps it to the canonical order")
	case r.RawOrder != nil:
		if prof := profiles[r.MappingProfile]; prof != nil {
			it.profile = prof.stored
			it.mapped = prof.plan.Apply(r.RawOrder)
		} else {
			v.Add("mapping_profile", "not_found", "mapping profile %q does not exist for this merchant; list them with GET /v1/merchants/%s/mappingProfiles", r.MappingProfile, merchantID)
		}
	case r.MappingProfile != "":
		v.Add("mapping_profile", "one_of", "mapping_profile goes with raw_order; a canonical order needs none")
	}
	if it.profile == nil {
		it.mapped = mapping.Result{Order: r.Order}
	}
	it.unmapped = r.RawOrder != nil && r.Order == nil && it.profile == nil
	var problems []*ewaybillv1.MappingViolation
	it.order, problems = mapping.Check(it.mapped, rules(it.code))
	if !it.unmapped {
		mapping.AddTo(v, problems)
	}
	it.invalid = v.Err()
	switch {
	case !requestOK, it.unmapped:
	case it.requestID != "":
		it.key = merchantID + "\x00r\x00" + it.requestID
	case it.code != "" && it.order.GetOrderCode() != "" && !strings.ContainsFunc(it.order.GetOrderCode(), isControl):
		it.key = merchantID + "\x00o\x00" + it.code + "\x00" + it.order.GetOrderCode() + "\x00" + it.order.GetPackageId()
	}
	return it
}

// profile is a stored mapping profile and its compiled plan.
type profile struct {
	stored *ewaybillv1.MappingProfile
	plan   *mapping.Plan
}

// loadProfiles reads and compiles, once per request, the mapping profiles
// rs name that belong to the merchant; others are left out and refused
// per item.
func loadProfiles(tx storage.Tx, merchantID string, rs []Request) (map[string]*profile, error) {
	profiles := map[string]*profile{}
	for _, r := range rs {
		if r.RawOrder == nil || r.MappingProfile == "" {
			continue
		}
		if _, seen := profiles[r.MappingProfile]; seen {
			continue
		}
		ids, err := resname.Parse("mapping_profile", r.MappingProfile, "merchants", "*", "mappingProfiles", "*")
		if err != nil || ids[0] != merchantID {
			profiles[r.MappingProfile] = nil
			continue
		}
		stored, err := tx.MappingProfiles().Get(ids[0], ids[1])
		if errors.Is(err, storage.ErrNotFound) {
			profiles[r.MappingProfile] = nil
			continue
		} else if err != nil {
			return nil, err
		}
		profiles[r.MappingProfile] = &profile{stored: stored, plan: mapping.Compile(stored)}
	}
	return profiles, nil
}

// carrierRules reads the order rules of the carriers rs name. Orders are
// checked against them here, in the read transaction, so the single
// writer of the group commit does no validation; a rule changed between
// the two transactions applies from the next request.
func carrierRules(tx storage.Tx, rs []Request) (func(code string) orders.Rules, error) {
	byCode := map[string]orders.Rules{}
	for _, r := range rs {
		code := strings.TrimPrefix(r.Carrier, "carriers/")
		if _, seen := byCode[code]; seen || code == "" || strings.Contains(code, "/") {
			continue
		}
		c, err := tx.Carriers().Get(code)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		byCode[code] = orders.RulesFor(c.GetOrderRules())
	}
	return func(code string) orders.Rules {
		if r, ok := byCode[code]; ok {
			return r
		}
		return orders.RulesFor(nil)
	}, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Allocate issues one waybill number for one package of an order.
func (s *Service) Allocate(ctx context.Context, p access.Principal, parent string, r Request) (*ewaybillv1.Waybill, bool, error) {
	results, err := s.allocate(ctx, p, parent, []Request{r})
	if err != nil {
		return nil, false, err
	}
	return View(p, results[0].Waybill), results[0].Replayed, results[0].Err
}

// BatchAllocate issues up to MaxBatch numbers; each request gets its own
// result in order, and one refused request does not affect the others.
func (s *Service) BatchAllocate(ctx context.Context, p access.Principal, parent string, rs []Request) ([]Result, error) {
	if len(rs) == 0 || len(rs) > MaxBatch {
		return nil, fault.Invalid("items", "length", "items must hold 1 to %d allocations; got %d", MaxBatch, len(rs))
	}
	results, err := s.allocate(ctx, p, parent, rs)
	for i := range results {
		results[i].Waybill = View(p, results[i].Waybill)
	}
	return results, err
}

func (s *Service) allocate(ctx context.Context, p access.Principal, parent string, rs []Request) ([]Result, error) {
	if err := p.Require("allocate waybills", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, err
	}
	merchantID, err := p.MerchantParent("parent", parent, false)
	if err != nil {
		return nil, err
	}
	items := make([]item, len(rs))
	results := make([]Result, len(rs))
	// Profiles are read and replays answered from a read transaction: a
	// retry storm costs no commits.
	var todo []int
	err = s.Store.View(ctx, func(tx storage.Tx) error {
		profiles, err := loadProfiles(tx, merchantID, rs)
		if err != nil {
			return err
		}
		rules, err := carrierRules(tx, rs)
		if err != nil {
			return err
		}
		todo = todo[:0]
		for i, r := range rs {
			items[i] = prepare(merchantID, r, profiles, rules)
		}
		for i, it := range items {
			done, err := replay(tx, it, &results[i])
			if err != nil {
				return err
			}
			if !done {
				todo = append(todo, i)
			}
		}
		return nil
	})
	if err != nil || len(todo) == 0 {
		return results, err
	}
	err = s.commit(ctx, &allocation{ctx: ctx, p: p, merchantID: merchantID, items: items, todo: todo, results: results})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// replay answers a request whose key was allocated before: the same
// waybill if the payload matches, IDEMPOTENCY_KEY_REUSED if not. It
// reports whether the request was answered.
func replay(tx storage.Tx, it item, res *Result) (bool, error) {
	if it.key == "" {
		return false, nil
	}
	ref, err := tx.IdempotencyKeys().Get(it.key)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	w, err := tx.Waybills().Get(ref)
	if err != nil {
		return false, fmt.Errorf("idempotency key of %s points at a missing waybill: %w", ref.ID, err)
	}
	var differ []string
	if w.GetCarrier() != resname.Build("carriers", it.code) {
		differ = append(differ, "carrier")
	}
	// The normalised orders are compared whatever their validity: an
	// order accepted before is replayed even if its carrier's rules have
	// tightened since.
	differ = append(differ, orders.Diff("order", w.GetOrder(), it.order)...)
	if len(differ) > 0 {
		keyName := "request_id " + strconv.Quote(it.requestID)
		if it.requestID == "" {
			keyName = fmt.Sprintf("order %q package %q", it.order.GetOrderCode(), it.order.GetPackageId())
		}
		res.Err = fault.KeyReused(differ,
			"%s was already allocated as %s (%s) with a different payload in %s; resend the original payload to get that waybill, or use a new key for a new package",
			keyName, w.GetName(), w.GetNumber(), strings.Join(differ, ", ")).
			With("waybill", w.GetName())
		return true, nil
	}
	res.Waybill, res.Replayed = w, true
	return true, nil
}

// allocateOne runs the checks in their documented order and, if all pass,
// issues a number. Refusals go into res; an error is a failure that must
// roll the transaction back.
func (s *Service) allocateOne(sess *session, acct *account, p access.Principal, it item, res *Result) error {
	tx := sess.tx
	if done, err := replay(tx, it, res); done || err != nil {
		return err
	}
	m, err := acct.loadMerchant(tx)
	if err != nil {
		return err
	}
	if m == nil {
		res.Err = fault.NotFound(resname.Build("merchants", acct.id))
		return nil
	}
	if m.GetState() != ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED {
		res.Err = merchants.NotQualified(m, "take waybill numbers")
		return nil
	}
	if it.code != "" {
		if refusal, err := acct.authorized(tx, it.code); err != nil || refusal != nil {
			res.Err = refusal
			return err
		}
	}
	if it.invalid != nil {
		res.Err = it.invalid
		return nil
	}
	c, err := sess.carrier(it.code)
	if err != nil {
		return err
	}
	q, err := acct.quota(tx, it.code)
	if err != nil {
		return err
	}
	if q.GetAvailable() < 1 {
		res.Err = quotaExhausted(q)
		return nil
	}
	number, err := sess.takeNumber(c)
	if fe, ok := fault.As(err); ok {
		res.Err = fe
		return nil
	} else if err != nil {
		return err
	}
	previous, err := previousHolder(tx, it.code, number)
	if err != nil {
		return err
	}
	w, ref := it.waybill, it.ref
	if it.prepared == nil || w.GetCarrier() != c.GetName() || ref.MerchantID != acct.id {
		return fmt.Errorf("allocation for order %q of %s reached the writer unprepared", it.order.GetOrderCode(), c.GetName())
	}
	// The waybill was encoded and sealed outside this transaction; what
	// only the transaction knows is stored with it.
	ts := timestamppb.New(sess.now)
	late := &ewaybillv1.Waybill{Number: number, PreviousHolder: previous, CreateTime: ts, UpdateTime: ts}
	if err := tx.Waybills().Insert(it.prepared, late); err != nil {
		return err
	}
	w.Number, w.PreviousHolder, w.CreateTime, w.UpdateTime = number, previous, ts, ts
	if err := tx.Waybills().SetHolder(it.code, number, ref); err != nil {
		return err
	}
	if err := tx.IdempotencyKeys().Insert(it.key, ref); err != nil {
		return fmt.Errorf("idempotency key for %s: %w", w.GetName(), err)
	}
	q.Live++
	q.IssuedTotal++
	acct.charged[it.code] = true
	if err := appendEntry(tx, acct.id, it.code, q, &ewaybillv1.LedgerEntry{
		Type: entryAllocation, Delta: -1, Waybill: w.GetName(), Number: number, Operator: p.Key,
	}, sess.now); err != nil {
		return err
	}
	res.Waybill = w
	return nil
}

// newWaybill is the waybill a valid item is issued as, but for the fields
// the write transaction sets: number, previous holder and times.
func newWaybill(ref storage.WaybillRef, p access.Principal, it item) *ewaybillv1.Waybill {
	w := &ewaybillv1.Waybill{
		Name:        waybillName(ref),
		Carrier:     resname.Build("carriers", it.code),
		Order:       it.order,
		RequestId:   it.requestID,
		State:       stateIssued,
		AllocatedBy: p.Key,
	}
	if it.profile != nil {
		w.MappingProfile, w.MappingProfileVersion = it.profile.GetName(), it.profile.GetVersion()
	}
	return w
}

// previousHolder is the uniqueness check, defence in depth behind the
// pool: a number may be issued only if no waybill holds it, or its holder
// was cancelled and the number queued for reuse. Anything else means the
// pool and the waybills disagree, and nothing is issued.
func previousHolder(tx storage.Tx, code, number string) (string, error) {
	ref, err := tx.Waybills().Holder(code, number)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	w, err := tx.Waybills().Get(ref)
	if err != nil {
		return "", err
	}
	if w.GetState() != stateCancelled || w.GetCancellation().GetNumberDisposition() != dispositionReuse {
		return "", fmt.Errorf("number %s of carrier %s is still held by %s (%s): the pool and the waybills disagree; nothing was issued, run ewaybill check",
			number, code, w.GetName(), w.GetState())
	}
	return w.GetName(), nil
}

func quotaExhausted(q *ewaybillv1.Quota) error {
	code := strings.TrimPrefix(q.GetCarrier(), "carriers/")
	e := fault.New(fault.KindResourceExhausted, fault.ReasonQuotaExhausted,
		"%s has no units left (%d granted, %d held by live waybills); nothing was spent: an admin tops it up (ewaybill quota topup, or POST /v1/%s:topUp), and cancelling unused waybills credits units back",
		q.GetName(), q.GetGranted(), q.GetLive(), q.GetName()).With("quota", q.GetName()).With("carrier", "carriers/"+code)
	e.QuotaSubject = q.GetName()
	return e
}

// session caches, for one group of allocations committed together, what
// they all read: per carrier the carrier, its pool and the range numbers
// are taken from; per merchant an account. The quotas, pools and ranges
// the group changes are written back once, by flush, rather than once per
// number. A session lives inside one Batch function, so no other writer
// can change those records between its reads and its flush. Serials come
// from the node's segments (segment.go), so the pool and range are read
// and written only when a segment is leased or a queued number reused.
type session struct {
	svc *Service
	tx  storage.Tx
	now time.Time

	accounts map[string]*account
	carriers map[string]*ewaybillv1.Carrier
	pools    map[string]*ewaybillv1.Pool
	// ranges are the open range of each carrier numbers are being taken
	// from, nil when the carrier has none.
	ranges map[string]*ewaybillv1.NumberRange
	// taken marks the carriers a number was taken from, whose pools and
	// ranges are the only ones to write back: a refusal must not store an
	// empty pool for a carrier that has none.
	taken map[string]bool
	// noneReady marks the carriers whose reuse queue had no number ready
	// (see takeNumber).
	noneReady map[string]bool
	// segments are the segments serials are issued from, by carrier, and
	// fromSegments how many each issued.
	segments     map[string]*ewaybillv1.NumberSegment
	fromSegments map[string]int64
}

func (s *Service) newSession(tx storage.Tx) *session {
	return &session{svc: s, tx: tx, now: s.Now(), accounts: map[string]*account{}, carriers: map[string]*ewaybillv1.Carrier{},
		pools: map[string]*ewaybillv1.Pool{}, ranges: map[string]*ewaybillv1.NumberRange{}, taken: map[string]bool{},
		noneReady: map[string]bool{}, segments: map[string]*ewaybillv1.NumberSegment{}, fromSegments: map[string]int64{}}
}

// account is what a session reads of one merchant: the merchant, its
// authorizations by carrier and its quotas, and which quotas it charged.
type account struct {
	id             string
	merchant       *ewaybillv1.Merchant
	authorizations map[string]error
	quotas         map[string]*ewaybillv1.Quota
	charged        map[string]bool
}

func (s *session) account(merchantID string) *account {
	a := s.accounts[merchantID]
	if a == nil {
		a = &account{id: merchantID, authorizations: map[string]error{},
			quotas: map[string]*ewaybillv1.Quota{}, charged: map[string]bool{}}
		s.accounts[merchantID] = a
	}
	return a
}

// loadMerchant returns the merchant, nil if it does not exist.
func (a *account) loadMerchant(tx storage.Tx) (*ewaybillv1.Merchant, error) {
	if a.merchant == nil {
		m, err := tx.Merchants().Get(a.id)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		a.merchant = m
	}
	return a.merchant, nil
}

// authorized returns CARRIER_NOT_AUTHORIZED unless the merchant has an
// ACTIVE authorization for the carrier.
func (a *account) authorized(tx storage.Tx, code string) (refusal, err error) {
	if refusal, seen := a.authorizations[code]; seen {
		return refusal, nil
	}
	carrier := resname.Build("carriers", code)
	var states []string
	_, _, err = tx.CarrierAuthorizations().List(a.id, storage.Page[*ewaybillv1.CarrierAuthorization]{
		Limit: 0,
		Keep: func(ca *ewaybillv1.CarrierAuthorization) bool {
			if ca.GetCarrier() == carrier {
				states = append(states, ca.GetState().String())
			}
			return false
		},
	})
	if err != nil {
		return nil, err
	}
	for _, st := range states {
		if st == ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_ACTIVE.String() {
			a.authorizations[code] = nil
			return nil, nil
		}
	}
	hint := "apply with CreateCarrierAuthorization (POST /v1/merchants/" + a.id + "/carrierAuthorizations) and have an admin approve it"
	for _, st := range states {
		if st == ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_PENDING.String() {
			hint = "the application is PENDING: wait for an admin to approve it"
		}
	}
	refusal = fault.New(fault.KindFailedPrecondition, fault.ReasonCarrierNotAuthorized,
		"merchant %s has no ACTIVE authorization for %s; %s", resname.Build("merchants", a.id), carrier, hint).
		With("carrier", carrier)
	a.authorizations[code] = refusal
	return refusal, nil
}

func (a *account) quota(tx storage.Tx, code string) (*ewaybillv1.Quota, error) {
	if q, ok := a.quotas[code]; ok {
		return q, nil
	}
	q, err := loadQuota(tx, a.id, code)
	if err == nil {
		a.quotas[code] = q
	}
	return q, err
}

func (s *session) carrier(code string) (*ewaybillv1.Carrier, error) {
	if c, ok := s.carriers[code]; ok {
		return c, nil
	}
	c, err := carriers.Load(s.tx, code)
	if err == nil {
		s.carriers[code] = c
	}
	return c, err
}

func (s *session) pool(code string) (*ewaybillv1.Pool, error) {
	if p, ok := s.pools[code]; ok {
		return p, nil
	}
	p, err := loadPool(s.tx, code)
	if err == nil {
		s.pools[code] = p
	}
	return p, err
}

// flush writes back the quotas, segments, pools and ranges the session
// changed.
// Records are written in key order, as every node writes them, so that
// two transactions that do wait on each other's rows cannot deadlock.
func (s *session) flush() error {
	for _, id := range slices.Sorted(maps.Keys(s.accounts)) {
		a := s.accounts[id]
		for _, code := range slices.Sorted(maps.Keys(a.charged)) {
			if err := s.tx.Quotas().Put(a.id, code, a.quotas[code]); err != nil {
				return err
			}
		}
	}
	if err := s.flushSegments(); err != nil {
		return err
	}
	ts := timestamppb.New(s.now)
	for _, code := range slices.Sorted(maps.Keys(s.taken)) {
		if r := s.ranges[code]; r != nil {
			r.UpdateTime = ts
			if err := s.tx.NumberRanges().Put(code, r); err != nil {
				return err
			}
		}
		p := s.pools[code]
		p.UpdateTime = ts
		if err := s.tx.Pools().Put(code, p); err != nil {
			return err
		}
	}
	return nil
}

// committed tells the node what the session's transaction committed: the
// segments it holds, and the pool levels lowered by the serials issued.
func (s *session) committed() {
	for code, seg := range s.segments {
		s.svc.memory.remember(code, seg)
	}
	for code, n := range s.fromSegments {
		if l, ok := s.svc.memory.lower(code, n); ok && s.svc.PoolLevel != nil {
			s.svc.PoolLevel(code, l.available, l.lowWatermark)
		}
	}
}
