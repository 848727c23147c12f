package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// demoKeysFile keeps the demo's keys (mode 0600) so a restarted demo can
// print them again; the store only has their hashes.
const demoKeysFile = "demo-keys.env"

// demoInfo is what the demo prints.
type demoInfo struct {
	AdminKey, MerchantKey, PrinterKey, Merchant string
	HTTP, GRPC                                  string
}

// runDemo seeds a fresh data dir through the public API, as an admin
// would, then prints the keys and commands to try. On a data dir that is
// not fresh it only prints what an earlier demo seeded.
func runDemo(ctx context.Context, cfg serveConfig, adminKey, grpcAddr, httpAddr string, stdout io.Writer, log *slog.Logger) error {
	path := filepath.Join(cfg.dataDir, demoKeysFile)
	var info demoInfo
	if adminKey == "" {
		loaded, err := loadDemoInfo(path)
		if err != nil {
			log.Warn("--demo seeds only an empty data dir; this one has data and no demo keys file", "path", path)
			return nil
		}
		info = loaded
	} else {
		seeded, err := seedDemo(ctx, grpcAddr, adminKey)
		if err != nil {
			return err
		}
		info = seeded
		if err := saveDemoInfo(path, info); err != nil {
			return err
		}
	}
	info.HTTP, info.GRPC = httpAddr, grpcAddr
	return demoBanner.Execute(stdout, info)
}

func seedDemo(ctx context.Context, grpcAddr, adminKey string) (demoInfo, error) {
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return demoInfo{}, err
	}
	defer conn.Close()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+adminKey)
	carrierAPI := ewaybillv1.NewCarrierServiceClient(conn)
	merchantAPI := ewaybillv1.NewMerchantServiceClient(conn)
	authAPI := ewaybillv1.NewCarrierAuthorizationServiceClient(conn)
	keyAPI := ewaybillv1.NewApiKeyServiceClient(conn)

	for _, c := range demoCarriers() {
		if _, err := carrierAPI.CreateCarrier(ctx, &ewaybillv1.CreateCarrierRequest{Carrier: c}); err != nil {
			return demoInfo{}, fmt.Errorf("create carrier %s: %w", c.GetCode(), err)
		}
	}
	created, err := merchantAPI.CreateMerchant(ctx, &ewaybillv1.CreateMerchantRequest{Qualification: &ewaybillv1.Qualification{
		LegalName:           "演示商贸有限公司 (Demo Trading Co.)",
		Type:                ewaybillv1.MerchantType_MERCHANT_TYPE_ENTERPRISE,
		CreditCode:          "91350100M000100Y43",
		LegalRepresentative: &ewaybillv1.Person{Name: "张三", IdNumber: "11010519491231002X"},
		Contact:             &ewaybillv1.Contact{Name: "李四", Mobile: "13800138000"},
		LicenceDocumentRef:  "demo://licence/91350100M000100Y43.pdf",
	}})
	if err != nil {
		return demoInfo{}, fmt.Errorf("create merchant: %w", err)
	}
	merchant := created.GetMerchant().GetName()
	if _, err := merchantAPI.ApproveMerchant(ctx, &ewaybillv1.ApproveMerchantRequest{Name: merchant, Comment: "demo"}); err != nil {
		return demoInfo{}, fmt.Errorf("approve merchant: %w", err)
	}
	for _, a := range []*ewaybillv1.CarrierAuthorization{
		{Carrier: "carriers/SF", SettlementAccount: "0210000001"},
		{Carrier: "carriers/ZTO", BranchCode: "ZTO-310001", BranchName: "上海浦东网点"},
		{Carrier: "carriers/EMS", SettlementAccount: "EMS-0001"},
	} {
		resp, err := authAPI.CreateCarrierAuthorization(ctx, &ewaybillv1.CreateCarrierAuthorizationRequest{Parent: merchant, CarrierAuthorization: a})
		if err != nil {
			return demoInfo{}, fmt.Errorf("authorize %s: %w", a.GetCarrier(), err)
		}
		if _, err := authAPI.ApproveCarrierAuthorization(ctx, &ewaybillv1.ApproveCarrierAuthorizationRequest{
			Name: resp.GetCarrierAuthorization().GetName(), Comment: "demo"}); err != nil {
			return demoInfo{}, fmt.Errorf("approve authorization for %s: %w", a.GetCarrier(), err)
		}
	}
	info := demoInfo{AdminKey: adminKey, Merchant: merchant}
	for role, dst := range map[ewaybillv1.Role]*string{
		ewaybillv1.Role_ROLE_MERCHANT: &info.MerchantKey,
		ewaybillv1.Role_ROLE_PRINTER:  &info.PrinterKey,
	} {
		resp, err := keyAPI.CreateApiKey(ctx, &ewaybillv1.CreateApiKeyRequest{ApiKey: &ewaybillv1.ApiKey{
			DisplayName: "demo " + strings.ToLower(strings.TrimPrefix(role.String(), "ROLE_")), Role: role, Merchant: merchant}})
		if err != nil {
			return demoInfo{}, fmt.Errorf("create %s key: %w", role, err)
		}
		*dst = resp.GetSecret()
	}
	return info, nil
}

func demoCarriers() []*ewaybillv1.Carrier {
	direct, franchise := ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED, ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE
	return []*ewaybillv1.Carrier{
		{Code: "SF", DisplayName: "顺丰速运", Kind: direct, RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID,
			NumberFormat: &ewaybillv1.NumberFormat{Prefix: "SF", SerialLength: 12, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD11}},
		{Code: "ZTO", DisplayName: "中通快递", Kind: franchise, RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED,
			NumberFormat: &ewaybillv1.NumberFormat{SerialLength: 13, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD10}},
		{Code: "EMS", DisplayName: "中国邮政 EMS", Kind: direct, RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID,
			NumberFormat: &ewaybillv1.NumberFormat{Prefix: "EA", SerialLength: 8, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_UPU_S10, Suffix: "CN"}},
	}
}

// envFields names each saved field once, for saving and loading alike.
func (d *demoInfo) envFields() []struct {
	key   string
	value *string
} {
	return []struct {
		key   string
		value *string
	}{
		{"EWAYBILL_ADMIN_KEY", &d.AdminKey}, {"EWAYBILL_MERCHANT_KEY", &d.MerchantKey},
		{"EWAYBILL_PRINTER_KEY", &d.PrinterKey}, {"EWAYBILL_MERCHANT", &d.Merchant},
	}
}

func saveDemoInfo(path string, info demoInfo) error {
	var b strings.Builder
	for _, f := range info.envFields() {
		fmt.Fprintf(&b, "%s=%s\n", f.key, *f.value)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

func loadDemoInfo(path string) (demoInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return demoInfo{}, err
	}
	defer f.Close()
	var info demoInfo
	fields := map[string]*string{}
	for _, field := range info.envFields() {
		fields[field.key] = field.value
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && fields[k] != nil {
			*fields[k] = v
		}
	}
	if info.AdminKey == "" || info.Merchant == "" {
		return demoInfo{}, fmt.Errorf("%s is incomplete", path)
	}
	return info, sc.Err()
}

var demoBanner = template.Must(template.New("demo").Parse(`
ewaybill demo is ready: carriers SF, ZTO and EMS; merchant {{.Merchant}} (approved, bound to all three).
Keys (also in the data dir's demo-keys.env, mode 0600):

  export ADMIN_KEY={{.AdminKey}}
  export MERCHANT_KEY={{.MerchantKey}}
  export PRINTER_KEY={{.PrinterKey}}
  export MERCHANT={{.Merchant}}

Try:
  curl -s http://{{.HTTP}}/v1/carriers -H "Authorization: Bearer $MERCHANT_KEY"
  curl -s http://{{.HTTP}}/v1/$MERCHANT -H "Authorization: Bearer $MERCHANT_KEY"
  curl -s http://{{.HTTP}}/v1/$MERCHANT/carrierAuthorizations -H "Authorization: Bearer $MERCHANT_KEY"
  curl -s http://{{.HTTP}}/v1/merchants -H "Authorization: Bearer $ADMIN_KEY"
  grpcurl -plaintext -H "authorization: Bearer $MERCHANT_KEY" {{.GRPC}} ewaybill.v1.CarrierService/ListCarriers
  ewaybill merchants get $MERCHANT --key $MERCHANT_KEY --addr {{.GRPC}}

`))
