package apikeys

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ewaybill/ewaybill/access"
	"github.com/ewaybill/ewaybill/audit"
	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/paging"
	"github.com/ewaybill/ewaybill/resname"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/textrule"
)

// Service manages keys in a store.
type Service struct {
	Store storage.Store
	Now   func() time.Time
}

// Spec describes a key to mint.
type Spec struct {
	DisplayName string
	Role        ewaybillv1.Role
	MerchantID  string
	// Creator is the acting key's name, "bootstrap" or "register".
	Creator string
}

// Mint inserts a key inside an open transaction and returns it with its
// secret. Callers have checked permissions; Mint checks the spec's shape.
// secret may be given (bootstrap); empty means generate one.
func Mint(tx storage.Tx, now time.Time, spec Spec, secret string) (*ewaybillv1.ApiKey, string, error) {
	if secret == "" {
		secret = NewSecret()
	}
	id := uuid.Must(uuid.NewV7()).String()
	k := &ewaybillv1.ApiKey{
		Name:        resname.Build("apiKeys", id),
		DisplayName: spec.DisplayName,
		Role:        spec.Role,
		State:       ewaybillv1.ApiKeyState_API_KEY_STATE_ACTIVE,
		SecretHint:  hint(secret),
		Creator:     spec.Creator,
		CreateTime:  timestamppb.New(now),
	}
	if spec.MerchantID != "" {
		k.Merchant = resname.Build("merchants", spec.MerchantID)
	}
	err := tx.APIKeys().Insert(id, k, HashSecret(secret))
	if errors.Is(err, storage.ErrDuplicate) {
		return nil, "", fault.New(fault.KindAlreadyExists, fault.ReasonAlreadyExists,
			"this key is already registered; choose a different secret")
	}
	if err != nil {
		return nil, "", err
	}
	// Every key is recorded where it is minted, whoever mints it (an admin,
	// a merchant, a registration, the bootstrap), so no path can create a
	// key the log does not show. The secret never goes in the log.
	if err := audit.Record(tx, access.Principal{Key: spec.Creator}, keyEvent("api_key.create", k), k.GetCreateTime()); err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// keyEvent describes an act on key k for the audit log: its role and
// display name, never its secret or hint.
func keyEvent(action string, k *ewaybillv1.ApiKey) *ewaybillv1.AuditEvent {
	return &ewaybillv1.AuditEvent{
		Action:    action,
		Merchant:  k.GetMerchant(),
		Resources: []string{k.GetName()},
		Details: map[string]string{
			"role":         strings.TrimPrefix(k.GetRole().String(), "ROLE_"),
			"display_name": k.GetDisplayName(),
		},
	}
}

// Authenticate maps a presented secret to its principal.
func (s *Service) Authenticate(ctx context.Context, secret string) (access.Principal, error) {
	if secret == "" || len(secret) > MaxSecretLength {
		return access.Principal{}, fault.New(fault.KindUnauthenticated, fault.ReasonAPIKeyInvalid,
			"the API key is not valid; send the key exactly as it was shown at creation")
	}
	var p access.Principal
	err := s.Store.View(ctx, func(tx storage.Tx) error {
		id, err := tx.APIKeys().IDBySecretHash(HashSecret(secret))
		if errors.Is(err, storage.ErrNotFound) {
			return fault.New(fault.KindUnauthenticated, fault.ReasonAPIKeyInvalid,
				"the API key is not valid; send the key exactly as it was shown at creation, or ask an admin for a new one")
		}
		if err != nil {
			return err
		}
		k, err := tx.APIKeys().Get(id)
		if err != nil {
			return err
		}
		if k.GetState() != ewaybillv1.ApiKeyState_API_KEY_STATE_ACTIVE {
			return fault.New(fault.KindUnauthenticated, fault.ReasonAPIKeyRevoked,
				"the API key %s was revoked; create a new key", k.GetName()).With("key", k.GetName())
		}
		p = access.Principal{Key: k.GetName(), Role: k.GetRole(), MerchantID: merchantID(k)}
		return nil
	})
	return p, err
}

// Bootstrap stores secret as the first admin key if the store has no key
// at all. It reports whether it did.
func (s *Service) Bootstrap(ctx context.Context, secret string) (bool, error) {
	if n := utf8.RuneCountInString(secret); n < MinSecretLength || len(secret) > MaxSecretLength {
		return false, fault.Invalid("bootstrap_admin_key", "length",
			"the bootstrap admin key must be %d to %d characters; got %d", MinSecretLength, MaxSecretLength, n)
	}
	created := false
	err := s.Store.Update(ctx, func(tx storage.Tx) error {
		created = false
		empty, err := tx.APIKeys().Empty()
		if err != nil || !empty {
			return err
		}
		_, _, err = Mint(tx, s.Now(), Spec{DisplayName: "bootstrap admin", Role: ewaybillv1.Role_ROLE_ADMIN, Creator: "bootstrap"}, secret)
		created = err == nil
		return err
	})
	return created, err
}

// NeedsBootstrap reports whether the store has no key yet.
func (s *Service) NeedsBootstrap(ctx context.Context) (bool, error) {
	var empty bool
	err := s.Store.View(ctx, func(tx storage.Tx) (err error) {
		empty, err = tx.APIKeys().Empty()
		return err
	})
	return empty, err
}

// MaxDisplayNameLength bounds a key's display name, in characters.
const MaxDisplayNameLength = 100

// Create mints a key for p. Admins create any key; a merchant creates
// merchant and printer keys for itself.
func (s *Service) Create(ctx context.Context, p access.Principal, spec *ewaybillv1.ApiKey) (*ewaybillv1.ApiKey, string, error) {
	if err := p.Require("create API keys", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, "", err
	}
	var v fault.Violations
	display := textrule.Check(&v, "api_key.display_name", spec.GetDisplayName(), 0, MaxDisplayNameLength)
	role := spec.GetRole()
	var merchantID string
	switch role {
	case ewaybillv1.Role_ROLE_ADMIN:
		if !p.IsAdmin() {
			return nil, "", p.Require("create admin keys", ewaybillv1.Role_ROLE_ADMIN)
		}
		if spec.GetMerchant() != "" {
			v.Add("api_key.merchant", "not_applicable", "api_key.merchant must be empty for an admin key")
		}
	case ewaybillv1.Role_ROLE_MERCHANT, ewaybillv1.Role_ROLE_PRINTER:
		switch {
		case spec.GetMerchant() == "" && !p.IsAdmin():
			merchantID = p.MerchantID
		case spec.GetMerchant() == "":
			v.Add("api_key.merchant", "required", "api_key.merchant is required for a %s key, as \"merchants/{merchant}\"",
				strings.ToLower(strings.TrimPrefix(role.String(), "ROLE_")))
		default:
			ids, err := resname.Parse("api_key.merchant", spec.GetMerchant(), "merchants", "*")
			if err != nil {
				return nil, "", err
			}
			merchantID = ids[0]
		}
	default:
		v.Add("api_key.role", "enum", "api_key.role must be ROLE_ADMIN, ROLE_MERCHANT or ROLE_PRINTER")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	if merchantID != "" && !p.SeesMerchant(merchantID) {
		return nil, "", fault.NotFound(resname.Build("merchants", merchantID))
	}
	var key *ewaybillv1.ApiKey
	var secret string
	err := s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		if merchantID != "" {
			if _, err := tx.Merchants().Get(merchantID); errors.Is(err, storage.ErrNotFound) {
				return fault.NotFound(resname.Build("merchants", merchantID))
			} else if err != nil {
				return err
			}
		}
		key, secret, err = Mint(tx, s.Now(), Spec{DisplayName: display, Role: role, MerchantID: merchantID, Creator: p.Key}, "")
		return err
	})
	return key, secret, err
}

// CurrentKey is the name Get reads as the calling key itself.
const CurrentKey = "apiKeys/current"

// Get returns a key's metadata if p may see it. Any key may read itself
// as CurrentKey: a client given only a key (a print station's) learns from
// it what the key may do and for which merchant.
func (s *Service) Get(ctx context.Context, p access.Principal, name string) (*ewaybillv1.ApiKey, error) {
	var id string
	var err error
	if name == CurrentKey && strings.HasPrefix(p.Key, "apiKeys/") {
		id = strings.TrimPrefix(p.Key, "apiKeys/")
	} else if id, err = s.visibleID(p, name); err != nil {
		return nil, err
	}
	var k *ewaybillv1.ApiKey
	err = s.Store.View(ctx, func(tx storage.Tx) (err error) {
		k, err = s.load(tx, p, id)
		return err
	})
	return k, err
}

// List pages through the keys p may see, optionally of one merchant.
func (s *Service) List(ctx context.Context, p access.Principal, merchant string, size int32, token string) ([]*ewaybillv1.ApiKey, string, error) {
	if err := p.Require("list API keys", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return nil, "", err
	}
	if merchant != "" {
		ids, err := resname.Parse("merchant", merchant, "merchants", "*")
		if err != nil {
			return nil, "", err
		}
		if !p.SeesMerchant(ids[0]) {
			return nil, "", fault.NotFound(merchant)
		}
	}
	if !p.IsAdmin() {
		merchant = resname.Build("merchants", p.MerchantID)
	}
	keep := func(k *ewaybillv1.ApiKey) bool {
		return merchant == "" || k.GetMerchant() == merchant
	}
	return paging.List(ctx, s.Store, size, token, keep,
		func(tx storage.Tx, page storage.Page[*ewaybillv1.ApiKey]) ([]*ewaybillv1.ApiKey, string, error) {
			return tx.APIKeys().List(page)
		})
}

// Revoke revokes a key p may see; revoking twice changes nothing.
func (s *Service) Revoke(ctx context.Context, p access.Principal, name string) (*ewaybillv1.ApiKey, error) {
	id, err := s.visibleID(p, name)
	if err != nil {
		return nil, err
	}
	var k *ewaybillv1.ApiKey
	err = s.Store.Update(ctx, func(tx storage.Tx) (err error) {
		k, err = s.load(tx, p, id)
		if err != nil || k.GetState() == ewaybillv1.ApiKeyState_API_KEY_STATE_REVOKED {
			return err
		}
		if k.GetRole() == ewaybillv1.Role_ROLE_ADMIN {
			if err := ensureAnotherAdmin(tx, id); err != nil {
				return err
			}
		}
		k.State = ewaybillv1.ApiKeyState_API_KEY_STATE_REVOKED
		k.RevokeTime = timestamppb.New(s.Now())
		if err := tx.APIKeys().Put(id, k); err != nil {
			return err
		}
		// Only the revocation that changes the state is recorded: revoking
		// an already revoked key returned above, leaving the log alone.
		return audit.Record(tx, p, keyEvent("api_key.revoke", k), k.GetRevokeTime())
	})
	return k, err
}

func (s *Service) visibleID(p access.Principal, name string) (string, error) {
	if err := p.Require("manage API keys", ewaybillv1.Role_ROLE_ADMIN, ewaybillv1.Role_ROLE_MERCHANT); err != nil {
		return "", err
	}
	ids, err := resname.Parse("name", name, "apiKeys", "*")
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// load reads a key and hides it from callers of another merchant.
func (s *Service) load(tx storage.Tx, p access.Principal, id string) (*ewaybillv1.ApiKey, error) {
	name := resname.Build("apiKeys", id)
	k, err := tx.APIKeys().Get(id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !p.IsAdmin() && merchantID(k) != p.MerchantID) {
		return nil, fault.NotFound(name)
	}
	return k, err
}

func merchantID(k *ewaybillv1.ApiKey) string {
	return strings.TrimPrefix(k.GetMerchant(), "merchants/")
}

// ensureAnotherAdmin refuses to revoke the last active admin key: bootstrap
// only runs on an empty store, so nobody could ever administer it again.
func ensureAnotherAdmin(tx storage.Tx, revoking string) error {
	others, _, err := tx.APIKeys().List(storage.Page[*ewaybillv1.ApiKey]{Limit: 1, Keep: func(k *ewaybillv1.ApiKey) bool {
		return k.GetRole() == ewaybillv1.Role_ROLE_ADMIN && k.GetState() == ewaybillv1.ApiKeyState_API_KEY_STATE_ACTIVE &&
			k.GetName() != resname.Build("apiKeys", revoking)
	}})
	if err != nil || len(others) > 0 {
		return err
	}
	return fault.New(fault.KindFailedPrecondition, fault.ReasonLastAdminKey,
		"apiKeys/%s is the last active admin key; create another admin key first, then revoke this one", revoking)
}
