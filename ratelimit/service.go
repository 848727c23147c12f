package ratelimit

import (
	"context"
	"errors"
	"math"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/merchants"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
)

// BuiltIn is the default until an admin sets one: the top of the caps the
// incumbents publish (20–500 a second) twice over, so that no merchant
// meets it in normal use, while one merchant's runaway loop still cannot
// take more than a fraction of what one machine serves (see BENCHMARKS.md).
var BuiltIn = Limit{PerSecond: 1000, Burst: 2000}

// The bounds of a limit's values.
const (
	MinPerSecond = 0.01
	MaxPerSecond = 1_000_000
	MaxBurst     = 1_000_000
)

// DefaultName names the default limit.
const DefaultName = "rateLimits/default"

// DefaultRefresh is how long a limit read from the store is used before it
// is read again.
const DefaultRefresh = 10 * time.Second

// publicBucket is the one bucket public calls (self-registration) share;
// merchant ids never take this form.
const publicBucket = "/public"

// Service keeps the limits and the buckets.
type Service struct {
	Store storage.Store
	Now   func() time.Time
	// Refresh is how long a limit read from the store is used before it is
	// read again; a change made through this process applies at once, one
	// made through another process sharing the store within Refresh.
	// 0 means DefaultRefresh.
	Refresh time.Duration

	buckets Buckets
	mu      sync.Mutex
	cache   map[string]cachedLimit // by bucket key
}

type cachedLimit struct {
	limit   Limit
	name    string // the limit in force: the merchant's own or the default
	expires time.Time
}

// Admit takes one request from the caller's bucket, or refuses it with
// RATE_LIMITED and how long to wait. Admin keys are not limited: admins
// run the service, and a limit would only stand between them and a fix.
func (s *Service) Admit(ctx context.Context, p access.Principal) error {
	if p.IsAdmin() {
		return nil
	}
	key := p.MerchantID
	if key == "" {
		key = publicBucket
	}
	now := s.Now()
	c, err := s.limitFor(ctx, key, now)
	if err != nil {
		return err
	}
	wait, ok := s.buckets.Take(key, c.limit, now)
	if ok {
		return nil
	}
	who := "public calls"
	if p.MerchantID != "" {
		who = "the keys of " + resname.Build("merchants", p.MerchantID)
	}
	e := fault.New(fault.KindResourceExhausted, fault.ReasonRateLimited,
		"%s may send %s requests a second (bursts of %d); nothing was done; retry in %s, or ask an admin to raise %s",
		who, formatRate(c.limit.PerSecond), c.limit.Burst, wait, c.name).
		With("limit", c.name).
		With("requests_per_second", formatRate(c.limit.PerSecond)).
		With("burst", strconv.Itoa(c.limit.Burst))
	e.RetryAfter = wait
	return e
}

// limitFor is the limit in force for a bucket, from the cache while fresh.
func (s *Service) limitFor(ctx context.Context, key string, now time.Time) (cachedLimit, error) {
	s.mu.Lock()
	c, ok := s.cache[key]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c, nil
	}
	merchantID := key
	if key == publicBucket {
		merchantID = ""
	}
	var l *ewaybillv1.RateLimit
	err := s.Store.View(ctx, func(tx storage.Tx) (err error) {
		l, err = inForce(tx, merchantID)
		return err
	})
	if err != nil {
		return cachedLimit{}, err
	}
	refresh := s.Refresh
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	c = cachedLimit{limit: limitOf(l), name: DefaultName, expires: now.Add(refresh)}
	if !l.GetUseDefault() && merchantID != "" {
		c.name = l.GetName()
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = make(map[string]cachedLimit)
	}
	s.cache[key] = c
	s.mu.Unlock()
	return c, nil
}

// forget drops every cached limit, so a change applies to the next request.
func (s *Service) forget() {
	s.mu.Lock()
	s.cache = nil
	s.mu.Unlock()
}

func limitOf(l *ewaybillv1.RateLimit) Limit {
	return Limit{PerSecond: l.GetRequestsPerSecond(), Burst: int(l.GetBurst())}
}

// inForce is a merchant's limit as GetRateLimit shows it (its own, or the
// default marked use_default), or the default itself for merchantID "".
func inForce(tx storage.Tx, merchantID string) (*ewaybillv1.RateLimit, error) {
	if merchantID != "" {
		own, err := tx.RateLimits().Get(merchantID)
		if err == nil {
			return own, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	d, err := tx.RateLimits().Default()
	if errors.Is(err, storage.ErrNotFound) {
		d, err = &ewaybillv1.RateLimit{Name: DefaultName, RequestsPerSecond: BuiltIn.PerSecond, Burst: int32(BuiltIn.Burst)}, nil
	}
	if err != nil {
		return nil, err
	}
	if merchantID != "" {
		d = proto.CloneOf(d)
		d.Name, d.UseDefault = merchantLimitName(merchantID), true
	}
	return d, nil
}

// Get returns the default (any key) or a merchant's limit in force (admin,
// or the merchant's own keys).
func (s *Service) Get(ctx context.Context, p access.Principal, name string) (*ewaybillv1.RateLimit, error) {
	merchantID, err := parseName(p, "name", name)
	if err != nil {
		return nil, err
	}
	var l *ewaybillv1.RateLimit
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		if merchantID != "" {
			if _, err := merchants.Load(tx, merchantID); err != nil {
				return err
			}
		}
		l, err = inForce(tx, merchantID)
		return err
	})
	return l, err
}

// Update sets the default or a merchant's limit (admin), audited. A
// merchant's limit with use_default drops its own values.
func (s *Service) Update(ctx context.Context, p access.Principal, in *ewaybillv1.RateLimit) (*ewaybillv1.RateLimit, error) {
	if err := p.Require("set rate limits", ewaybillv1.Role_ROLE_ADMIN); err != nil {
		return nil, err
	}
	merchantID, err := parseName(p, "rate_limit.name", in.GetName())
	if err != nil {
		return nil, err
	}
	if err := validate(in, merchantID != ""); err != nil {
		return nil, err
	}
	now := timestamppb.New(s.Now())
	var out *ewaybillv1.RateLimit
	err = s.Store.Update(ctx, func(tx storage.Tx) error {
		event := &ewaybillv1.AuditEvent{Action: "rate_limit.update", Resources: []string{in.GetName()}}
		if merchantID != "" {
			if _, err := merchants.Load(tx, merchantID); err != nil {
				return err
			}
			event.Merchant = resname.Build("merchants", merchantID)
		}
		before, err := inForce(tx, merchantID)
		if err != nil {
			return err
		}
		table := tx.RateLimits()
		switch {
		case in.GetUseDefault():
			err = table.Delete(merchantID)
		case merchantID != "":
			err = table.Put(merchantID, set(in, now))
		default:
			err = table.PutDefault(set(in, now))
		}
		if err != nil {
			return err
		}
		if out, err = inForce(tx, merchantID); err != nil {
			return err
		}
		event.Details = map[string]string{
			"requests_per_second": formatRate(out.GetRequestsPerSecond()), "requests_per_second.previous": formatRate(before.GetRequestsPerSecond()),
			"burst": strconv.Itoa(int(out.GetBurst())), "burst.previous": strconv.Itoa(int(before.GetBurst())),
		}
		if merchantID != "" {
			event.Details["use_default"] = strconv.FormatBool(out.GetUseDefault())
			event.Details["use_default.previous"] = strconv.FormatBool(before.GetUseDefault())
		}
		return audit.Record(tx, p, event, now)
	})
	if err != nil {
		return nil, err
	}
	s.forget()
	return out, nil
}

func set(in *ewaybillv1.RateLimit, now *timestamppb.Timestamp) *ewaybillv1.RateLimit {
	return &ewaybillv1.RateLimit{Name: in.GetName(), RequestsPerSecond: in.GetRequestsPerSecond(), Burst: in.GetBurst(), UpdateTime: now}
}

func validate(in *ewaybillv1.RateLimit, merchant bool) error {
	var v fault.Violations
	if in.GetUseDefault() {
		if !merchant {
			v.Add("rate_limit.use_default", "merchant_only", "rate_limit.use_default applies to a merchant's limit; the default has values of its own")
		}
		if in.GetRequestsPerSecond() != 0 || in.GetBurst() != 0 {
			v.Add("rate_limit.use_default", "exclusive", "rate_limit.use_default drops the merchant's own values; send it without requests_per_second and burst")
		}
		return v.Err()
	}
	if r := in.GetRequestsPerSecond(); math.IsNaN(r) || r < MinPerSecond || r > MaxPerSecond {
		v.Add("rate_limit.requests_per_second", "range", "rate_limit.requests_per_second must be from %g to %g; got %g", MinPerSecond, float64(MaxPerSecond), r)
	}
	if b := in.GetBurst(); b < 1 || b > MaxBurst {
		v.Add("rate_limit.burst", "range", "rate_limit.burst must be from 1 to %d; got %d", MaxBurst, b)
	}
	return v.Err()
}

// parseName reads "rateLimits/default" (merchantID "") or a merchant's
// "merchants/{merchant}/rateLimit" the caller may see.
func parseName(p access.Principal, field, name string) (string, error) {
	if name == DefaultName {
		return "", nil
	}
	ids, err := resname.Parse(field, name, "merchants", "*", "rateLimit")
	if err != nil {
		return "", fault.Invalid(field, "resource_name", "%s must be %q or look like \"merchants/{merchant}/rateLimit\"", field, DefaultName)
	}
	if ids[0] == "-" || !p.SeesMerchant(ids[0]) {
		return "", fault.NotFound(name)
	}
	return ids[0], nil
}

func merchantLimitName(merchantID string) string {
	return resname.Build("merchants", merchantID, "rateLimit")
}

// formatRate writes a rate without float noise: 1000, 0.5.
func formatRate(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) }
