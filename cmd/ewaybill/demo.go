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
	"github.com/ewaybill/ewaybill/internal/seed"
	"github.com/ewaybill/ewaybill/server"
)

// demoKeysFile keeps the demo's keys (mode 0600) so a restarted demo can
// print them again; the store only has their hashes.
const demoKeysFile = "demo-keys.env"

// demoInfo is what the demo prints.
type demoInfo struct {
	AdminKey, MerchantKey, PrinterKey, Merchant string
	HTTP, GRPC, DataDir                         string
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
		conn, err := grpc.NewClient(grpcAddr, server.ClientOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))...)
		if err != nil {
			return err
		}
		defer conn.Close()
		seeded, err := seedDemo(ctx, conn, adminKey)
		if err != nil {
			return err
		}
		info = seeded
		if err := saveDemoInfo(path, info); err != nil {
			return err
		}
	}
	info.HTTP, info.GRPC, info.DataDir = httpAddr, grpcAddr, cfg.dataDir
	return demoBanner.Execute(stdout, info)
}

// seedDemo seeds through conn as the admin: carriers with a number range
// each, an approved merchant bound to all of them (each binding credits the
// starter grant) and the merchant's keys.
func seedDemo(ctx context.Context, conn grpc.ClientConnInterface, adminKey string) (demoInfo, error) {
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+adminKey)
	carrierAPI := ewaybillv1.NewCarrierServiceClient(conn)
	poolAPI := ewaybillv1.NewPoolServiceClient(conn)
	labelAPI := ewaybillv1.NewLabelServiceClient(conn)

	for _, c := range demoCarriers() {
		if _, err := carrierAPI.CreateCarrier(ctx, &ewaybillv1.CreateCarrierRequest{Carrier: c.carrier}); err != nil {
			return demoInfo{}, fmt.Errorf("create carrier %s: %w", c.carrier.GetCode(), err)
		}
		if _, err := poolAPI.ImportNumberRange(ctx, &ewaybillv1.ImportNumberRangeRequest{
			Parent: "carriers/" + c.carrier.GetCode(), FirstSerial: c.first, LastSerial: c.last}); err != nil {
			return demoInfo{}, fmt.Errorf("import a number range for %s: %w", c.carrier.GetCode(), err)
		}
		if _, err := labelAPI.UpdateRoutingTable(ctx, &ewaybillv1.UpdateRoutingTableRequest{RoutingTable: demoRouting(c.carrier.GetCode())}); err != nil {
			return demoInfo{}, fmt.Errorf("routing table for %s: %w", c.carrier.GetCode(), err)
		}
	}
	merchant, err := seed.ApprovedMerchant(ctx, conn, "demo", &ewaybillv1.Qualification{
		LegalName:           "演示商贸有限公司 (Demo Trading Co.)",
		Type:                ewaybillv1.MerchantType_MERCHANT_TYPE_ENTERPRISE,
		CreditCode:          "91350100M000100Y43",
		LegalRepresentative: &ewaybillv1.Person{Name: "张三", IdNumber: "11010519491231002X"},
		Contact:             &ewaybillv1.Contact{Name: "李四", Mobile: "13800138000"},
		LicenceDocumentRef:  "demo://licence/91350100M000100Y43.pdf",
	},
		&ewaybillv1.CarrierAuthorization{Carrier: "carriers/SF", SettlementAccount: "0210000001"},
		&ewaybillv1.CarrierAuthorization{Carrier: "carriers/ZTO", BranchCode: "ZTO-310001", BranchName: "上海浦东网点"},
		&ewaybillv1.CarrierAuthorization{Carrier: "carriers/EMS", SettlementAccount: "EMS-0001"})
	if err != nil {
		return demoInfo{}, err
	}
	keys, err := seed.Keys(ctx, conn, merchant, "demo", ewaybillv1.Role_ROLE_MERCHANT, ewaybillv1.Role_ROLE_PRINTER)
	if err != nil {
		return demoInfo{}, err
	}
	info := demoInfo{AdminKey: adminKey, Merchant: merchant,
		MerchantKey: keys[ewaybillv1.Role_ROLE_MERCHANT], PrinterKey: keys[ewaybillv1.Role_ROLE_PRINTER]}
	return info, nil
}

// demoCarrier is a demo carrier and the range of serials it granted.
type demoCarrier struct {
	carrier     *ewaybillv1.Carrier
	first, last int64
}

// demoCarriers are the demo's carriers, each with a million serials. The
// EMS range starts at 10,000,000 so that, like real S10 numbers, its
// 8-digit serials have no leading zeros.
func demoCarriers() []demoCarrier {
	direct, franchise := ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED, ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE
	return []demoCarrier{
		{&ewaybillv1.Carrier{Code: "SF", DisplayName: "顺丰速运", Kind: direct, RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID,
			NumberFormat: &ewaybillv1.NumberFormat{Prefix: "SF", SerialLength: 12, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD11}},
			1, 1_000_000},
		{&ewaybillv1.Carrier{Code: "ZTO", DisplayName: "中通快递", Kind: franchise, RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED,
			NumberFormat: &ewaybillv1.NumberFormat{SerialLength: 13, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD10}},
			1, 1_000_000},
		{&ewaybillv1.Carrier{Code: "EMS", DisplayName: "中国邮政 EMS", Kind: direct, RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID,
			NumberFormat: &ewaybillv1.NumberFormat{Prefix: "EA", SerialLength: 8, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_UPU_S10, Suffix: "CN"}},
			10_000_000, 10_999_999},
	}
}

// demoRouting is a small routing table for a demo carrier: the demo's
// destinations and a few more, so that labels show sort codes (a real
// table comes from the carrier and covers every district).
func demoRouting(code string) *ewaybillv1.RoutingTable {
	t := &ewaybillv1.RoutingTable{Name: "carriers/" + code + "/routingTable"}
	for _, r := range []struct{ province, city, district, sort, short, hub string }{
		{"广东省", "", "", "020", "广东", "广州转运中心"},
		{"广东省", "深圳市", "", "755", "深圳", "深圳转运中心"},
		{"广东省", "深圳市", "南山区", "755-NS", "深圳南山", "深圳转运中心"},
		{"上海市", "", "", "021", "上海", "上海转运中心"},
		{"上海市", "上海市", "浦东新区", "021-PD", "上海浦东", "上海转运中心"},
		{"北京市", "", "", "010", "北京", "北京转运中心"},
		{"浙江省", "杭州市", "", "571", "杭州", "杭州转运中心"},
		{"浙江省", "杭州市", "西湖区", "571-XH", "杭州西湖", "杭州转运中心"},
	} {
		t.Rules = append(t.Rules, &ewaybillv1.RoutingRule{Province: r.province, City: r.city, District: r.district,
			Codes: &ewaybillv1.RoutingCodes{SortCode: code + "-" + r.sort + "-01", ShortDestination: r.short, Hub: r.hub}})
	}
	return t
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
ewaybill demo is ready: carriers SF, ZTO and EMS, each with a million numbers in its pool;
merchant {{.Merchant}} (approved and bound to all three; each binding credited the starter grant of quota).
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

Allocate a waybill number (SF) for an order:
  export ORDER='{"carrier": "carriers/SF", "order": {"orderCode": "DEMO-0001", "sender": {"name": "李四", "mobile": "13800138000", "province": "上海市", "city": "上海市", "district": "浦东新区", "address": "张江路 88 号 3 号楼"}, "receiver": {"name": "王五", "mobile": "13912345678", "province": "广东省", "city": "深圳市", "district": "南山区", "address": "科技园南区 6 栋 1201 室"}, "parcel": {"weightGrams": 500}, "items": [{"name": "T恤", "quantity": 2}]}}'
  curl -s http://{{.HTTP}}/v1/$MERCHANT/waybills:allocate -H "Authorization: Bearer $MERCHANT_KEY" -d "$ORDER"
The same request again is a replay: the same waybill, "replayed": true, nothing spent twice. Keep its number:
  export NUMBER=$(curl -s http://{{.HTTP}}/v1/$MERCHANT/waybills:allocate -H "Authorization: Bearer $MERCHANT_KEY" -d "$ORDER" | tee /dev/stderr | grep -o '"number": *"[^"]*"' | cut -d'"' -f4)
Print its label as a print station would (PDF here; png and zpl too), then open label.pdf:
  curl -s http://{{.HTTP}}/v1/$MERCHANT/labels:render -H "Authorization: Bearer $PRINTER_KEY" -d "{\"numbers\": [\"$NUMBER\"], \"format\": \"LABEL_FORMAT_PDF\", \"purpose\": \"LABEL_PURPOSE_PRINT\"}" | grep -o '"content": *"[^"]*"' | cut -d'"' -f4 | base64 -d > label.pdf
Cancel it by number (its unit is credited back), then see the quota and its ledger:
  curl -s http://{{.HTTP}}/v1/waybills/$NUMBER:cancel -H "Authorization: Bearer $MERCHANT_KEY" -d '{"reason": "customer changed the order"}'
  curl -s http://{{.HTTP}}/v1/$MERCHANT/quotas/SF -H "Authorization: Bearer $MERCHANT_KEY"
  curl -s http://{{.HTTP}}/v1/$MERCHANT/quotas/SF/ledgerEntries -H "Authorization: Bearer $MERCHANT_KEY"

The same with the CLI (go build -o ewaybill ./cmd/ewaybill; ewaybill help lists every command):
  export EWAYBILL_ADDR={{.GRPC}} EWAYBILL_KEY=$MERCHANT_KEY
  ewaybill waybill allocate --carrier SF --order-code DEMO-0002 --item "T恤*2" --weight-grams 500 \
    --sender-name 李四 --sender-mobile 13800138000 --sender-province 上海市 --sender-city 上海市 --sender-district 浦东新区 --sender-address "张江路 88 号 3 号楼" \
    --receiver-name 王五 --receiver-mobile 13912345678 --receiver-province 广东省 --receiver-city 深圳市 --receiver-district 南山区 --receiver-address "科技园南区 6 栋 1201 室"
  ewaybill waybill get $NUMBER
  ewaybill label render --numbers $NUMBER --format png --dpi 300 -o label.png --key $PRINTER_KEY
  ewaybill label render --numbers $NUMBER --format zpl -o label.zpl --print --reason "paper jam" --key $PRINTER_KEY
  ewaybill waybill cancel $NUMBER --reason "customer changed the order"
  ewaybill quota show --merchant $MERCHANT --carrier SF
  ewaybill quota ledger --merchant $MERCHANT --carrier SF
  ewaybill quota topup --merchant $MERCHANT --carrier SF --amount 500 --reason "monthly top-up" --key $ADMIN_KEY
  ewaybill pool status SF --key $ADMIN_KEY

After stopping the server, verify its books: ewaybill check --data-dir {{.DataDir}}

`))
