// Package access says who is calling and what their role lets them touch.
// Domain services take a Principal and enforce both the role rules and
// tenant isolation themselves, so the rules hold whatever the transport.
package access

import (
	"context"
	"strings"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/resname"
)

// Principal is an authenticated caller.
type Principal struct {
	// Key is the API key's resource name, "apiKeys/{id}"; for the public
	// registration call it is "register".
	Key string
	// Role is what the key may do; ROLE_UNSPECIFIED for a public caller.
	Role ewaybillv1.Role
	// MerchantID is the merchant a merchant or printer key belongs to.
	MerchantID string
}

// Public is the principal of an unauthenticated public call (registration).
var Public = Principal{Key: "register"}

// IsAdmin reports whether p may act on every merchant.
func (p Principal) IsAdmin() bool { return p.Role == ewaybillv1.Role_ROLE_ADMIN }

// RoleName is the lower-case role for logs, history and error metadata.
func (p Principal) RoleName() string {
	if p.Role == ewaybillv1.Role_ROLE_UNSPECIFIED {
		return "public"
	}
	return strings.ToLower(strings.TrimPrefix(p.Role.String(), "ROLE_"))
}

// Require returns PERMISSION_DENIED unless p holds one of roles. action
// names the operation in the message, e.g. "approve merchants".
func (p Principal) Require(action string, roles ...ewaybillv1.Role) error {
	for _, r := range roles {
		if p.Role == r {
			return nil
		}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = strings.ToLower(strings.TrimPrefix(r.String(), "ROLE_"))
	}
	return fault.New(fault.KindPermissionDenied, fault.ReasonRoleNotPermitted,
		"a %s key may not %s; use a key with role %s", p.RoleName(), action, strings.Join(names, " or ")).
		With("role", p.RoleName()).With("action", action)
}

// SeesMerchant reports whether p may see merchant id's data: admins see
// every merchant, merchant and printer keys only their own.
func (p Principal) SeesMerchant(id string) bool {
	return p.IsAdmin() || (p.MerchantID != "" && p.MerchantID == id)
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal the server's authentication put in ctx;
// a context without one yields Public, which no role check accepts.
func FromContext(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Public
}

// MerchantParent reads a "merchants/{merchant}" parent for p: a merchant or
// printer key may leave it empty for its own merchant; "merchants/-" (every
// merchant, returned as "") is allowed only when every is true, and only
// for admins. A merchant p may not see is NOT_FOUND, like one that does not
// exist.
func (p Principal) MerchantParent(field, parent string, every bool) (string, error) {
	if parent == "" && p.MerchantID != "" {
		return p.MerchantID, nil
	}
	ids, err := resname.Parse(field, parent, "merchants", "*")
	if err != nil {
		return "", err
	}
	switch {
	case ids[0] == "-" && every && p.IsAdmin():
		return "", nil
	case ids[0] == "-" && every:
		return "", p.Require("list every merchant's records (use "+field+" merchants/{your merchant})", ewaybillv1.Role_ROLE_ADMIN)
	case ids[0] == "-" || !p.SeesMerchant(ids[0]):
		return "", fault.NotFound(parent)
	}
	return ids[0], nil
}
