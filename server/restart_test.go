package server_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

func TestRestartKeepsEverything(t *testing.T) {
	e := newEnv(t)
	e.createCarrier(sfCarrier())
	m := e.approvedMerchant(creditCodes[0])
	created, err := e.auths.CreateCarrierAuthorization(as(m.key), &ewaybillv1.CreateCarrierAuthorizationRequest{
		Parent: m.name, CarrierAuthorization: &ewaybillv1.CarrierAuthorization{Carrier: "carriers/SF", SettlementAccount: "0210000001"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.auths.ApproveCarrierAuthorization(admin(), &ewaybillv1.ApproveCarrierAuthorizationRequest{Name: created.GetCarrierAuthorization().GetName()}); err != nil {
		t.Fatal(err)
	}
	printer := e.createKey(admin(), ewaybillv1.Role_ROLE_PRINTER, m.name)
	revoked := e.createKey(admin(), ewaybillv1.Role_ROLE_MERCHANT, m.name)
	keys, _ := e.keys.ListApiKeys(admin(), &ewaybillv1.ListApiKeysRequest{Merchant: m.name})
	for _, k := range keys.GetApiKeys() {
		if k.GetSecretHint() == "…"+revoked[len(revoked)-4:] {
			if _, err := e.keys.RevokeApiKey(admin(), &ewaybillv1.RevokeApiKeyRequest{Name: k.GetName()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.stop()

	r := startEnv(t, e.dataDir)
	got, err := r.merchants.GetMerchant(as(m.key), &ewaybillv1.GetMerchantRequest{Name: m.name})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetMerchant().GetState() != ewaybillv1.MerchantState_MERCHANT_STATE_APPROVED || len(got.GetMerchant().GetReviewHistory()) != 2 {
		t.Fatalf("merchant after restart: %v", got.GetMerchant())
	}
	a, err := r.auths.GetCarrierAuthorization(as(m.key), &ewaybillv1.GetCarrierAuthorizationRequest{Name: created.GetCarrierAuthorization().GetName()})
	if err != nil || a.GetCarrierAuthorization().GetState() != ewaybillv1.CarrierAuthorizationState_CARRIER_AUTHORIZATION_STATE_ACTIVE {
		t.Fatalf("authorization after restart: %v %v", a, err)
	}
	if _, err := r.carriers.GetCarrier(as(printer), &ewaybillv1.GetCarrierRequest{Name: "carriers/SF"}); err != nil {
		t.Fatalf("printer key after restart: %v", err)
	}
	_, err = r.carriers.ListCarriers(as(revoked), &ewaybillv1.ListCarriersRequest{})
	wantError(t, err, codes.Unauthenticated, "API_KEY_REVOKED")
}
