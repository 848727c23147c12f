// Package seed sets up a merchant through the public API, as an admin
// would: the demo, the bench and the torture test start from an approved
// merchant bound to carriers, with keys.
package seed

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/ratelimit"
)

// Qualification is a complete enterprise qualification that passes review:
// a credit code and an ID number with valid check characters, under
// legalName, with its licence at licenceRef. Made-up merchants (the bench's,
// the torture test's) differ only in those two.
func Qualification(legalName, licenceRef string) *ewaybillv1.Qualification {
	return &ewaybillv1.Qualification{
		LegalName:           legalName,
		Type:                ewaybillv1.MerchantType_MERCHANT_TYPE_ENTERPRISE,
		CreditCode:          "91350100M000100Y43",
		LegalRepresentative: &ewaybillv1.Person{Name: "赵六", IdNumber: "11010519491231002X"},
		Contact:             &ewaybillv1.Contact{Name: "钱七", Mobile: "13800138000"},
		LicenceDocumentRef:  licenceRef,
	}
}

// ApprovedMerchant creates a merchant with q, approves it, and applies
// for and approves each carrier authorization, the approvals with comment.
// ctx carries an admin key. It returns the merchant's name
// ("merchants/{id}").
func ApprovedMerchant(ctx context.Context, conn grpc.ClientConnInterface, comment string, q *ewaybillv1.Qualification,
	authorizations ...*ewaybillv1.CarrierAuthorization) (string, error) {
	merchantAPI := ewaybillv1.NewMerchantServiceClient(conn)
	created, err := merchantAPI.CreateMerchant(ctx, &ewaybillv1.CreateMerchantRequest{Qualification: q})
	if err != nil {
		return "", fmt.Errorf("create merchant: %w", err)
	}
	merchant := created.GetMerchant().GetName()
	if _, err := merchantAPI.ApproveMerchant(ctx, &ewaybillv1.ApproveMerchantRequest{Name: merchant, Comment: comment}); err != nil {
		return "", fmt.Errorf("approve merchant: %w", err)
	}
	authAPI := ewaybillv1.NewCarrierAuthorizationServiceClient(conn)
	for _, a := range authorizations {
		resp, err := authAPI.CreateCarrierAuthorization(ctx, &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: merchant, CarrierAuthorization: a})
		if err != nil {
			return "", fmt.Errorf("authorize %s: %w", a.GetCarrier(), err)
		}
		if _, err := authAPI.ApproveCarrierAuthorization(ctx, &ewaybillv1.ApproveCarrierAuthorizationRequest{
			Name: resp.GetCarrierAuthorization().GetName(), Comment: comment}); err != nil {
			return "", fmt.Errorf("approve authorization for %s: %w", a.GetCarrier(), err)
		}
	}
	return merchant, nil
}

// Keys creates one key of each role for merchant, named label and the
// role ("demo printer"), and returns their secrets by role. ctx carries an
// admin key.
func Keys(ctx context.Context, conn grpc.ClientConnInterface, merchant, label string, roles ...ewaybillv1.Role) (map[ewaybillv1.Role]string, error) {
	keyAPI := ewaybillv1.NewApiKeyServiceClient(conn)
	secrets := map[ewaybillv1.Role]string{}
	for _, role := range roles {
		resp, err := keyAPI.CreateApiKey(ctx, &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{
			DisplayName: label + " " + strings.ToLower(strings.TrimPrefix(role.String(), "ROLE_")), Role: role, Merchant: merchant}})
		if err != nil {
			return nil, fmt.Errorf("create %s key: %w", role, err)
		}
		secrets[role] = resp.GetSecret()
	}
	return secrets, nil
}

// Unthrottled sets merchant's rate limit to the most a limit allows, for
// the bench and the torture test, which measure and break the server, not
// the limit. ctx carries an admin key.
func Unthrottled(ctx context.Context, conn grpc.ClientConnInterface, merchant string) error {
	_, err := ewaybillv1.NewRateLimitServiceClient(conn).UpdateRateLimit(ctx, &ewaybillv1.UpdateRateLimitRequest{
		RateLimit: &ewaybillv1.RateLimit{Name: merchant + "/rateLimit", RequestsPerSecond: ratelimit.MaxPerSecond, Burst: ratelimit.MaxBurst}})
	if err != nil {
		return fmt.Errorf("lift the rate limit of %s: %w", merchant, err)
	}
	return nil
}
