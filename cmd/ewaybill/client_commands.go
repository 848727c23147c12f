package main

import (
	"context"
	"flag"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// commands returns the client's command table, in the order the usage
// lists it. It is a function rather than a package variable so that no
// caller can change the table another caller sees.
func commands() []command {
	return []command{
		{resource: "merchants", verb: "register", public: true, define: merchantRegister,
			usage: "Registers a merchant without a key and prints its first merchant key."},
		{resource: "merchants", verb: "create", define: merchantCreate,
			usage: "Creates a merchant on its behalf (admin); it starts in review."},
		{resource: "merchants", verb: "get", arg: "NAME", normalize: inCollection("merchants"), define: merchantGet,
			usage: "Shows one merchant."},
		{resource: "merchants", verb: "list", define: merchantList,
			usage: "Lists merchants, oldest first."},
		{resource: "merchants", verb: "approve", arg: "NAME", normalize: inCollection("merchants"), define: merchantApprove,
			usage: "Approves a merchant in review (admin)."},
		{resource: "merchants", verb: "reject", arg: "NAME", normalize: inCollection("merchants"), define: merchantReject,
			usage: "Rejects a merchant in review with a reason and the fields to supplement (admin)."},
		{resource: "merchants", verb: "resubmit", arg: "NAME", normalize: inCollection("merchants"), define: merchantResubmit,
			usage: "Replaces a rejected merchant's qualification and asks for review again."},
		{resource: "merchants", verb: "suspend", arg: "NAME", normalize: inCollection("merchants"), define: merchantSuspend,
			usage: "Suspends an approved merchant (admin)."},
		{resource: "merchants", verb: "reinstate", arg: "NAME", normalize: inCollection("merchants"), define: merchantReinstate,
			usage: "Returns a suspended merchant to approved (admin)."},

		{resource: "carriers", verb: "create", define: carrierCreate,
			usage: "Registers a carrier and its number format (admin)."},
		{resource: "carriers", verb: "get", arg: "CODE", normalize: inCollection("carriers"), define: carrierGet,
			usage: "Shows one carrier."},
		{resource: "carriers", verb: "list", define: carrierList,
			usage: "Lists carriers by code."},
		{resource: "carriers", verb: "update", arg: "CODE", normalize: inCollection("carriers"), define: carrierUpdate,
			usage: "Changes a carrier's display name, recycle policy or enabled, only those given (admin)."},

		{resource: "authorizations", verb: "create", define: authorizationCreate,
			usage: "Applies for a merchant's binding to a carrier."},
		{resource: "authorizations", verb: "get", arg: "NAME", normalize: authorizationName, define: authorizationGet,
			usage: "Shows one carrier authorization."},
		{resource: "authorizations", verb: "list", define: authorizationList,
			usage: "Lists carrier authorizations of a merchant, or of all with --merchant - (admin)."},
		{resource: "authorizations", verb: "approve", arg: "NAME", normalize: authorizationName, define: authorizationApprove,
			usage: "Approves a pending carrier authorization (admin)."},
		{resource: "authorizations", verb: "reject", arg: "NAME", normalize: authorizationName, define: authorizationReject,
			usage: "Rejects a pending carrier authorization (admin)."},
		{resource: "authorizations", verb: "revoke", arg: "NAME", normalize: authorizationName, define: authorizationRevoke,
			usage: "Revokes a pending or active carrier authorization."},

		{resource: "keys", verb: "create", define: keyCreate,
			usage: "Creates an API key and prints its secret once."},
		{resource: "keys", verb: "get", arg: "NAME", normalize: inCollection("apiKeys"), define: keyGet,
			usage: "Shows one API key's metadata."},
		{resource: "keys", verb: "list", define: keyList,
			usage: "Lists API keys, oldest first."},
		{resource: "keys", verb: "revoke", arg: "NAME", normalize: inCollection("apiKeys"), define: keyRevoke,
			usage: "Revokes an API key."},

		{resource: "pool", verb: "import", define: poolImport,
			usage: "Imports a range of serials the carrier granted into its number pool (admin)."},
		{resource: "pool", verb: "status", arg: "CODE", optional: true, normalize: poolName, define: poolStatus,
			usage: "Shows a carrier's number pool, or every carrier's without CODE (admin)."},
		{resource: "pool", verb: "ranges", arg: "CODE", normalize: inCollection("carriers"), define: poolRanges,
			usage: "Lists a carrier's number ranges by first serial (admin)."},
		{resource: "pool", verb: "retire", arg: "NAME", normalize: fullName("carriers/{code}/numberRanges/{first serial}"), define: poolRetire,
			usage: "Retires a number range: its unissued numbers are withdrawn (admin)."},
		{resource: "pool", verb: "update", arg: "CODE", normalize: poolName, define: poolUpdate,
			usage: "Changes a pool's low watermark or reuse quarantine, only those given (admin)."},

		{resource: "quota", verb: "topup", define: quotaTopUp,
			usage: "Adds units to a merchant's quota for a carrier (admin); a retry with the same --request-id is a replay."},
		{resource: "quota", verb: "deduct", define: quotaDeduct,
			usage: "Removes available units from a merchant's quota for a carrier (admin); a retry with the same --request-id is a replay."},
		{resource: "quota", verb: "show", define: quotaShow,
			usage: "Shows a merchant's quota for a carrier, or lists a merchant's quotas, or every merchant's (admin)."},
		{resource: "quota", verb: "ledger", define: quotaLedger,
			usage: "Lists a merchant's ledger entries, oldest first, for one carrier or all."},

		{resource: "ratelimit", verb: "show", define: rateLimitShow,
			usage: "Shows the default rate limit, or a merchant's limit in force with --merchant."},
		{resource: "ratelimit", verb: "set", define: rateLimitSet,
			usage: "Sets the default rate limit, or a merchant's with --merchant; --use-default drops a merchant's own values (admin)."},

		{resource: "mapping", verb: "create", define: mappingCreate,
			usage: "Creates a mapping profile from a JSON file (displayName, fields); it is checked before it is saved."},
		{resource: "mapping", verb: "get", arg: "NAME", normalize: fullName("merchants/{merchant}/mappingProfiles/{id}"), define: mappingGet,
			usage: "Shows a mapping profile."},
		{resource: "mapping", verb: "list", define: mappingList,
			usage: "Lists a merchant's mapping profiles."},
		{resource: "mapping", verb: "update", arg: "NAME", normalize: fullName("merchants/{merchant}/mappingProfiles/{id}"), define: mappingUpdate,
			usage: "Replaces a mapping profile's name and fields from a JSON file; its version goes up by one."},
		{resource: "mapping", verb: "delete", arg: "NAME", normalize: fullName("merchants/{merchant}/mappingProfiles/{id}"), define: mappingDelete,
			usage: "Deletes a mapping profile."},
		{resource: "mapping", verb: "validate", arg: "ORDERS.json", define: mappingValidate,
			usage: "Dry-runs a profile on sample raw orders and prints a report per order; exits 1 if any order would be refused."},

		{resource: "waybill", verb: "allocate", define: waybillAllocate,
			usage: "Allocates a waybill number for one package of an order; a retry with the same key is a replay."},
		{resource: "waybill", verb: "get", arg: "NUMBER_OR_NAME", normalize: inCollection("waybills"), define: waybillGet,
			usage: "Shows a waybill, by number or by name."},
		{resource: "waybill", verb: "list", define: waybillList,
			usage: "Lists a merchant's waybills, oldest first, or every merchant's with --merchant - (admin)."},
		{resource: "waybill", verb: "cancel", arg: "NUMBER_OR_NAME", normalize: inCollection("waybills"), define: waybillCancel,
			usage: "Cancels an issued or printed waybill; its quota unit is credited back."},
		{resource: "waybill", verb: "printed", arg: "NUMBER_OR_NAME", normalize: inCollection("waybills"), define: waybillPrinted,
			usage: "Records that the waybill's label was printed by the merchant's own software."},
		{resource: "waybill", verb: "pickup", arg: "NUMBER_OR_NAME", normalize: inCollection("waybills"), define: waybillPickup,
			usage: "Records the carrier's pickup of the parcel (admin)."},

		{resource: "label", verb: "render", define: labelRender,
			usage: "Renders waybills' labels (pdf, png or zpl) to a file; --print records the print, else they are previews."},
		{resource: "label", verb: "jobs", define: labelJobs,
			usage: "Lists a merchant's print jobs, newest first."},
		{resource: "label", verb: "routing", arg: "CARRIER", normalize: inCollection("carriers"), define: labelRoutingGet,
			usage: "Shows a carrier's routing table (admin)."},
		{resource: "label", verb: "set-routing", arg: "CARRIER", normalize: inCollection("carriers"), define: labelRoutingSet,
			usage: "Replaces a carrier's routing table from a JSON file (admin)."},
		{resource: "label", verb: "template", define: labelTemplateGet,
			usage: "Shows a merchant's label template: what its labels print unmasked."},
		{resource: "label", verb: "set-template", define: labelTemplateSet,
			usage: "Sets which personal data a merchant's labels print unmasked (admin; audited)."},
		{resource: "audit", verb: "list", define: auditList,
			usage: "Lists the audit log, newest first (admin)."},
	}
}

// The enum names users type. They are derived from the generated value maps
// so a new enum value in the proto becomes a valid flag value at once.
func merchantTypeNames() enumNames {
	return namesOf(ewaybillv1.MerchantType_value, "MERCHANT_TYPE_",
		map[string]string{"individual_business": "individual"})
}

func merchantStateNames() enumNames {
	return namesOf(ewaybillv1.MerchantState_value, "MERCHANT_STATE_", nil)
}

func carrierKindNames() enumNames {
	return namesOf(ewaybillv1.CarrierKind_value, "CARRIER_KIND_",
		map[string]string{"direct_operated": "direct"})
}

func checkDigitNames() enumNames {
	return namesOf(ewaybillv1.CheckDigitScheme_value, "CHECK_DIGIT_SCHEME_", nil)
}

func recyclePolicyNames() enumNames {
	return namesOf(ewaybillv1.RecyclePolicy_value, "RECYCLE_POLICY_", nil)
}

func authorizationStateNames() enumNames {
	return namesOf(ewaybillv1.CarrierAuthorizationState_value, "CARRIER_AUTHORIZATION_STATE_", nil)
}

func roleNames() enumNames {
	return namesOf(ewaybillv1.Role_value, "ROLE_", nil)
}

// qualificationFlags declares the flags of a merchant qualification, shared
// by register, create and resubmit, and returns a function that assembles
// the qualification once the flags are parsed.
func qualificationFlags(fs *flag.FlagSet) func() *ewaybillv1.Qualification {
	legalName := fs.String("legal-name", "", "registered legal name")
	typ := enumVar(fs, "type", "legal form", merchantTypeNames())
	creditCode := fs.String("credit-code", "", "unified social credit code, 18 characters")
	repName := fs.String("legal-rep-name", "", "legal representative's (or operator's) name")
	repID := fs.String("legal-rep-id", "", "legal representative's resident ID number")
	contactName := fs.String("contact-name", "", "contact person's name")
	contactMobile := fs.String("contact-mobile", "", "contact person's mobile number")
	licence := fs.String("licence-ref", "", "reference to the uploaded business licence")
	return func() *ewaybillv1.Qualification {
		return &ewaybillv1.Qualification{
			LegalName:           *legalName,
			Type:                ewaybillv1.MerchantType(*typ),
			CreditCode:          *creditCode,
			LegalRepresentative: &ewaybillv1.Person{Name: *repName, IdNumber: *repID},
			Contact:             &ewaybillv1.Contact{Name: *contactName, Mobile: *contactMobile},
			LicenceDocumentRef:  *licence,
		}
	}
}

// page is one list request's position, shared by every list command.
type page struct {
	size  *int32
	token *string
}

// pageFlags declares --page-size and --page-token.
func pageFlags(fs *flag.FlagSet) page {
	return page{
		size:  int32Var(fs, "page-size", "at most this many results (server default 50)"),
		token: fs.String("page-token", "", "next_page_token of the previous page"),
	}
}

// reasonFlag declares the --reason flag of the decisions that need one.
func reasonFlag(fs *flag.FlagSet) *string {
	return fs.String("reason", "", "why, kept in the review history")
}

// commentFlag declares the --comment flag of approvals.
func commentFlag(fs *flag.FlagSet) *string {
	return fs.String("comment", "", "note kept in the review history")
}

// merchantName accepts "merchants/ID" or a bare ID.
func merchantName(s string) string { return resourceName("merchants", s) }

// carrierName accepts "carriers/CODE" or a bare code.
func carrierName(s string) string { return resourceName("carriers", s) }

// inCollection returns a normalizer for a positional NAME that completes a
// bare id to a name in collection.
func inCollection(collection string) func(string) (string, error) {
	return func(s string) (string, error) { return resourceName(collection, s), nil }
}

// authorizationName checks an authorization's name. Unlike the other names
// it cannot be completed from a bare id, because the id alone does not say
// which merchant the authorization belongs to.
func authorizationName(s string) (string, error) {
	return fullName("merchants/{merchant}/carrierAuthorizations/{id}")(s)
}

// fullName returns a normalizer for a positional NAME that a bare id
// cannot complete, because the id alone does not say which parent it
// belongs to; pattern shows the user what to type.
func fullName(pattern string) func(string) (string, error) {
	return func(s string) (string, error) {
		if !strings.Contains(s, "/") {
			return "", usagef("NAME must look like %s, not %q", pattern, s)
		}
		return s, nil
	}
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

func merchantRegister(fs *flag.FlagSet) commandAction {
	qualification := qualificationFlags(fs)
	keyLabel := fs.String("key-name", "", "label of the merchant key returned, e.g. erp")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewMerchantServiceClient(conn).RegisterMerchant(ctx, &ewaybillv1.RegisterMerchantRequest{
			Qualification: qualification(), KeyDisplayName: *keyLabel,
		})
	}
}

func merchantCreate(fs *flag.FlagSet) commandAction {
	qualification := qualificationFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewMerchantServiceClient(conn).CreateMerchant(ctx, &ewaybillv1.CreateMerchantRequest{
			Qualification: qualification(),
		})
	}
}

func merchantGet(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewMerchantServiceClient(conn).GetMerchant(ctx, &ewaybillv1.GetMerchantRequest{
			Name: name,
		})
	}
}

func merchantList(fs *flag.FlagSet) commandAction {
	state := enumVar(fs, "state", "only merchants in this state", merchantStateNames())
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewMerchantServiceClient(conn).ListMerchants(ctx, &ewaybillv1.ListMerchantsRequest{
			State: ewaybillv1.MerchantState(*state), PageSize: *p.size, PageToken: *p.token,
		})
	}
}

func merchantApprove(fs *flag.FlagSet) commandAction {
	comment := commentFlag(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewMerchantServiceClient(conn).ApproveMerchant(ctx, &ewaybillv1.ApproveMerchantRequest{
			Name: name, Comment: *comment,
		})
	}
}

func merchantReject(fs *flag.FlagSet) commandAction {
	reason := reasonFlag(fs)
	supplement := fs.String("supplement", "", "comma-separated qualification fields to correct, e.g. credit_code,contact.mobile")
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewMerchantServiceClient(conn).RejectMerchant(ctx, &ewaybillv1.RejectMerchantRequest{
			Name: name, Reason: *reason, FieldsToSupplement: splitList(*supplement),
		})
	}
}

func merchantResubmit(fs *flag.FlagSet) commandAction {
	qualification := qualificationFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewMerchantServiceClient(conn).ResubmitMerchant(ctx, &ewaybillv1.ResubmitMerchantRequest{
			Name: name, Qualification: qualification(),
		})
	}
}

func merchantSuspend(fs *flag.FlagSet) commandAction {
	reason := reasonFlag(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewMerchantServiceClient(conn).SuspendMerchant(ctx, &ewaybillv1.SuspendMerchantRequest{
			Name: name, Reason: *reason,
		})
	}
}

func merchantReinstate(fs *flag.FlagSet) commandAction {
	reason := reasonFlag(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewMerchantServiceClient(conn).ReinstateMerchant(ctx, &ewaybillv1.ReinstateMerchantRequest{
			Name: name, Reason: *reason,
		})
	}
}

func carrierCreate(fs *flag.FlagSet) commandAction {
	code := fs.String("code", "", "short code, e.g. SF")
	displayName := fs.String("display-name", "", "name shown to people, e.g. 顺丰速运")
	kind := enumVar(fs, "kind", "direct-operated or franchise", carrierKindNames())
	prefix := fs.String("prefix", "", "letters and digits before the serial, e.g. SF")
	serialLength := int32Var(fs, "serial-length", "digits in the serial")
	checkDigit := enumVar(fs, "check-digit", "check-digit scheme", checkDigitNames())
	suffix := fs.String("suffix", "", "country code after the check digit, UPU S10 only")
	recycle := enumVar(fs, "recycle", "what becomes of a cancelled number (server default void)", recyclePolicyNames())
	disabled := fs.Bool("disabled", false, "register the carrier disabled")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewCarrierServiceClient(conn).CreateCarrier(ctx, &ewaybillv1.CreateCarrierRequest{
			Carrier: &ewaybillv1.Carrier{
				Code:        *code,
				DisplayName: *displayName,
				Kind:        ewaybillv1.CarrierKind(*kind),
				NumberFormat: &ewaybillv1.NumberFormat{
					Prefix:           *prefix,
					SerialLength:     *serialLength,
					CheckDigitScheme: ewaybillv1.CheckDigitScheme(*checkDigit),
					Suffix:           *suffix,
				},
				RecyclePolicy: ewaybillv1.RecyclePolicy(*recycle),
				Enabled:       proto.Bool(!*disabled),
			},
		})
	}
}

func carrierGet(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewCarrierServiceClient(conn).GetCarrier(ctx, &ewaybillv1.GetCarrierRequest{
			Name: name,
		})
	}
}

func carrierList(fs *flag.FlagSet) commandAction {
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewCarrierServiceClient(conn).ListCarriers(ctx, &ewaybillv1.ListCarriersRequest{
			PageSize: *p.size, PageToken: *p.token,
		})
	}
}

// carrierUpdatePaths maps each flag of carriers update to the Carrier field
// it changes.
func carrierUpdatePaths() map[string]string {
	return map[string]string{
		"display-name": "display_name",
		"recycle":      "recycle_policy",
		"enabled":      "enabled",
	}
}

// updateMask lists the fields of the flags that were given on the command
// line, so an update changes only what the user asked for even when the new
// value is the zero value (e.g. --display-name "").
func updateMask(fs *flag.FlagSet, paths map[string]string) *fieldmaskpb.FieldMask {
	mask := &fieldmaskpb.FieldMask{}
	fs.Visit(func(f *flag.Flag) {
		if path, ok := paths[f.Name]; ok {
			mask.Paths = append(mask.Paths, path)
		}
	})
	return mask
}

func carrierUpdate(fs *flag.FlagSet) commandAction {
	displayName := fs.String("display-name", "", "new name shown to people")
	recycle := enumVar(fs, "recycle", "new recycle policy", recyclePolicyNames())
	enabled := &optionalBool{}
	fs.Var(enabled, "enabled", "whether the carrier takes new authorizations")
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		mask := updateMask(fs, carrierUpdatePaths())
		if len(mask.GetPaths()) == 0 {
			return nil, usagef("nothing to update: give --display-name, --recycle or --enabled")
		}
		return ewaybillv1.NewCarrierServiceClient(conn).UpdateCarrier(ctx, &ewaybillv1.UpdateCarrierRequest{
			Carrier: &ewaybillv1.Carrier{
				Name:          name,
				DisplayName:   *displayName,
				RecyclePolicy: ewaybillv1.RecyclePolicy(*recycle),
				Enabled:       enabled.value,
			},
			UpdateMask: mask,
		})
	}
}

func authorizationCreate(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID")
	carrier := fs.String("carrier", "", "the carrier, carriers/CODE or CODE")
	account := fs.String("settlement-account", "", "monthly settlement account, for direct-operated carriers")
	branchCode := fs.String("branch-code", "", "branch code, for franchise carriers")
	branchName := fs.String("branch-name", "", "branch name, for franchise carriers")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewCarrierAuthorizationServiceClient(conn).CreateCarrierAuthorization(ctx, &ewaybillv1.CreateCarrierAuthorizationRequest{
			Parent: merchantName(*merchant),
			CarrierAuthorization: &ewaybillv1.CarrierAuthorization{
				Carrier:           carrierName(*carrier),
				SettlementAccount: *account,
				BranchCode:        *branchCode,
				BranchName:        *branchName,
			},
		})
	}
}

func authorizationGet(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewCarrierAuthorizationServiceClient(conn).GetCarrierAuthorization(ctx, &ewaybillv1.GetCarrierAuthorizationRequest{
			Name: name,
		})
	}
}

func authorizationList(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "-", "the merchant, merchants/ID or ID; - for all (admin)")
	state := enumVar(fs, "state", "only authorizations in this state", authorizationStateNames())
	carrier := fs.String("carrier", "", "only this carrier, carriers/CODE or CODE")
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewCarrierAuthorizationServiceClient(conn).ListCarrierAuthorizations(ctx, &ewaybillv1.ListCarrierAuthorizationsRequest{
			Parent:    merchantName(*merchant),
			State:     ewaybillv1.CarrierAuthorizationState(*state),
			Carrier:   carrierName(*carrier),
			PageSize:  *p.size,
			PageToken: *p.token,
		})
	}
}

func authorizationApprove(fs *flag.FlagSet) commandAction {
	comment := commentFlag(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewCarrierAuthorizationServiceClient(conn).ApproveCarrierAuthorization(ctx, &ewaybillv1.ApproveCarrierAuthorizationRequest{
			Name: name, Comment: *comment,
		})
	}
}

func authorizationReject(fs *flag.FlagSet) commandAction {
	reason := reasonFlag(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewCarrierAuthorizationServiceClient(conn).RejectCarrierAuthorization(ctx, &ewaybillv1.RejectCarrierAuthorizationRequest{
			Name: name, Reason: *reason,
		})
	}
}

func authorizationRevoke(fs *flag.FlagSet) commandAction {
	reason := reasonFlag(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewCarrierAuthorizationServiceClient(conn).RevokeCarrierAuthorization(ctx, &ewaybillv1.RevokeCarrierAuthorizationRequest{
			Name: name, Reason: *reason,
		})
	}
}

func keyCreate(fs *flag.FlagSet) commandAction {
	role := enumVar(fs, "role", "what the key may do", roleNames())
	merchant := fs.String("merchant", "", "for merchant and printer keys: merchants/ID or ID")
	displayName := fs.String("name", "", "a label for the key, e.g. warehouse 3 station 2")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewApiKeyServiceClient(conn).CreateApiKey(ctx, &ewaybillv1.CreateApiKeyRequest{
			ApiKey: &ewaybillv1.ApiKey{
				DisplayName: *displayName,
				Role:        ewaybillv1.Role(*role),
				Merchant:    merchantName(*merchant),
			},
		})
	}
}

func keyGet(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewApiKeyServiceClient(conn).GetApiKey(ctx, &ewaybillv1.GetApiKeyRequest{
			Name: name,
		})
	}
}

func keyList(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "only keys of this merchant, merchants/ID or ID")
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewApiKeyServiceClient(conn).ListApiKeys(ctx, &ewaybillv1.ListApiKeysRequest{
			Merchant: merchantName(*merchant), PageSize: *p.size, PageToken: *p.token,
		})
	}
}

func keyRevoke(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewApiKeyServiceClient(conn).RevokeApiKey(ctx, &ewaybillv1.RevokeApiKeyRequest{
			Name: name,
		})
	}
}
