package main

import (
	"context"
	"flag"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

func ledgerEntryTypeNames() enumNames {
	return namesOf(ewaybillv1.LedgerEntryType_value, "LEDGER_ENTRY_TYPE_", nil)
}

// carrierCode accepts "carriers/CODE" or a bare code and returns the code,
// the last segment of a quota's name.
func carrierCode(s string) string { return strings.TrimPrefix(carrierName(s), "carriers/") }

// quotaName builds "merchants/{merchant}/quotas/{carrier}" from the values
// of --merchant and --carrier, which must both be given.
func quotaName(merchant, carrier string) (string, error) {
	if merchant == "" || carrier == "" {
		return "", usagef("give --merchant and --carrier: together they name the quota")
	}
	return merchantName(merchant) + "/quotas/" + carrierCode(carrier), nil
}

// adjustment is a parsed top-up or deduction.
type adjustment struct {
	name, reason, requestID string
	amount                  int64
}

// adjustmentFlags declares the flags top-up and deduction share; verb says
// what --amount does. The returned function assembles the adjustment once
// the flags are parsed.
func adjustmentFlags(fs *flag.FlagSet, verb string) func() (adjustment, error) {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID")
	carrier := fs.String("carrier", "", "the carrier, carriers/CODE or CODE")
	amount := fs.Int64("amount", 0, "units to "+verb+", 1–10,000,000")
	reason := fs.String("reason", "", "why, 1–200 characters, kept in the ledger")
	requestID := requestIDVar(fs, "request-id",
		"this change's id, 1–64 characters; a retry with the same id is a replay (default: a new UUID, printed on stderr)")
	return func() (adjustment, error) {
		name, err := quotaName(*merchant, *carrier)
		return adjustment{name: name, amount: *amount, reason: *reason, requestID: *requestID}, err
	}
}

func quotaTopUp(fs *flag.FlagSet) commandAction {
	adjust := adjustmentFlags(fs, "add")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		a, err := adjust()
		if err != nil {
			return nil, err
		}
		return ewaybillv1.NewQuotaServiceClient(conn).TopUpQuota(ctx, &ewaybillv1.TopUpQuotaRequest{
			Name: a.name, Amount: a.amount, Reason: a.reason, RequestId: a.requestID,
		})
	}
}

func quotaDeduct(fs *flag.FlagSet) commandAction {
	adjust := adjustmentFlags(fs, "remove (at most the available units)")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		a, err := adjust()
		if err != nil {
			return nil, err
		}
		return ewaybillv1.NewQuotaServiceClient(conn).DeductQuota(ctx, &ewaybillv1.DeductQuotaRequest{
			Name: a.name, Amount: a.amount, Reason: a.reason, RequestId: a.requestID,
		})
	}
}

// quotaShow gets one quota when both --merchant and --carrier are given and
// lists quotas otherwise. Like authorizations list, --merchant defaults to
// every merchant, which only an admin may see: the API has no "my
// merchant" parent, so a merchant key names its merchant.
func quotaShow(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "-", "the merchant, merchants/ID or ID; - for all (admin)")
	carrier := fs.String("carrier", "", "only this carrier's quota, carriers/CODE or CODE; needs --merchant")
	lowOnly := fs.Bool("low-only", false, "list only quotas below their low-balance threshold")
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		api := ewaybillv1.NewQuotaServiceClient(conn)
		parent := merchantName(*merchant)
		if *carrier == "" {
			return api.ListQuotas(ctx, &ewaybillv1.ListQuotasRequest{
				Parent: parent, LowBalanceOnly: *lowOnly, PageSize: *p.size, PageToken: *p.token,
			})
		}
		if parent == "merchants/-" {
			return nil, usagef("--carrier needs --merchant: a quota is one merchant's balance for one carrier")
		}
		name, err := quotaName(*merchant, *carrier)
		if err != nil {
			return nil, err
		}
		return api.GetQuota(ctx, &ewaybillv1.GetQuotaRequest{Name: name})
	}
}

func quotaLedger(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID")
	carrier := fs.String("carrier", "-", "only this carrier, carriers/CODE or CODE; - for all")
	typ := enumVar(fs, "type", "only entries of this type", ledgerEntryTypeNames())
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		if *merchant == "" || *merchant == "-" {
			return nil, usagef("give --merchant: a ledger is one merchant's")
		}
		parent, err := quotaName(*merchant, *carrier)
		if err != nil {
			return nil, err
		}
		return ewaybillv1.NewQuotaServiceClient(conn).ListLedgerEntries(ctx, &ewaybillv1.ListLedgerEntriesRequest{
			Parent: parent, Type: ewaybillv1.LedgerEntryType(*typ), PageSize: *p.size, PageToken: *p.token,
		})
	}
}
