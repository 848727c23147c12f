package torture

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/internal/seed"
)

// The harness's carriers: one voids cancelled numbers, the other reuses
// never-printed ones with no quarantine, so a cancelled number is issued
// again within the same load and the reuse queue is crashed into too.
const (
	voidCarrier  = "TV"
	reuseCarrier = "TR"
)

// carrierCodes are the carriers in a fixed order, for seeded choices.
var carrierCodes = []string{voidCarrier, reuseCarrier}

// The void carrier's serials come in small ranges, so that allocation runs
// off the end of one and into the next under load (and crashes); more are
// imported between cycles when fewer than rangeRefillBelow are left.
const (
	rangeSize        = 1000
	rangesPerImport  = 40
	rangeRefillBelow = 15_000
	// reuseRangeLast is the reuse carrier's one large range.
	reuseRangeLast = 50_000_000
	// seedTopUp is credited to each quota at seeding, so the load never
	// runs out of units; the load's own top-ups are small.
	seedTopUp = 5_000_000
)

// clients are the API clients over one connection to one server process,
// with the contexts carrying the admin's and the merchant's keys.
type clients struct {
	waybills ewaybillv1.WaybillServiceClient
	quotas   ewaybillv1.QuotaServiceClient
	pools    ewaybillv1.PoolServiceClient
	admin    context.Context
	merchant context.Context
}

func newClients(conn grpc.ClientConnInterface, base context.Context, adminKey, merchantKey string) clients {
	return clients{
		waybills: ewaybillv1.NewWaybillServiceClient(conn),
		quotas:   ewaybillv1.NewQuotaServiceClient(conn),
		pools:    ewaybillv1.NewPoolServiceClient(conn),
		admin:    withKey(base, adminKey),
		merchant: withKey(base, merchantKey),
	}
}

// withKey returns ctx sending key and no other: the server takes the first
// bearer header.
func withKey(ctx context.Context, key string) context.Context {
	return metadata.NewOutgoingContext(ctx, metadata.Pairs("authorization", "Bearer "+key))
}

// fixture is what seeding set up: the merchant and its key, and the next
// serial the void carrier's ranges continue from.
type fixture struct {
	merchant    string
	merchantKey string
	nextSerial  int64
}

// seedServer sets up, through the API as an admin would, the carriers
// with their ranges, an approved merchant authorized for both, its key and
// a large top-up of each quota, and records the baseline figures in m.
func seedServer(ctx context.Context, conn grpc.ClientConnInterface, adminKey string) (*fixture, *Model, error) {
	admin := withKey(ctx, adminKey)
	carrierAPI := ewaybillv1.NewCarrierServiceClient(conn)
	poolAPI := ewaybillv1.NewPoolServiceClient(conn)
	direct, franchise := ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED, ewaybillv1.CarrierKind_CARRIER_KIND_FRANCHISE
	for _, c := range []*ewaybillv1.Carrier{
		{Code: voidCarrier, DisplayName: "耐摔快递", Kind: direct, RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID,
			NumberFormat: &ewaybillv1.NumberFormat{Prefix: "TV", SerialLength: 12, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD11}},
		{Code: reuseCarrier, DisplayName: "回收快递", Kind: franchise, RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_REUSE_UNPRINTED,
			NumberFormat: &ewaybillv1.NumberFormat{Prefix: "TR", SerialLength: 12, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD10}},
	} {
		if _, err := carrierAPI.CreateCarrier(admin, &ewaybillv1.CreateCarrierRequest{Carrier: c}); err != nil {
			return nil, nil, fmt.Errorf("create carrier %s: %w", c.GetCode(), err)
		}
	}
	fx := &fixture{nextSerial: 1}
	if err := fx.importRanges(admin, poolAPI, nil); err != nil {
		return nil, nil, err
	}
	if _, err := poolAPI.ImportNumberRange(admin, &ewaybillv1.ImportNumberRangeRequest{
		Parent: "carriers/" + reuseCarrier, FirstSerial: 1, LastSerial: reuseRangeLast}); err != nil {
		return nil, nil, fmt.Errorf("import the range of %s: %w", reuseCarrier, err)
	}
	// No quarantine: a cancelled number goes straight back into use, so
	// reuse happens under the load rather than a day later.
	if _, err := poolAPI.UpdatePool(admin, &ewaybillv1.UpdatePoolRequest{
		Pool:       &ewaybillv1.Pool{Name: "carriers/" + reuseCarrier + "/pool", ReuseQuarantine: durationpb.New(0)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"reuse_quarantine"}}}); err != nil {
		return nil, nil, fmt.Errorf("set the reuse quarantine of %s to zero: %w", reuseCarrier, err)
	}
	merchant, err := seed.ApprovedMerchant(admin, conn, "torture", seed.Qualification("耐摔测试商贸有限公司 (Torture Trading Co.)", "torture://licence.pdf"),
		&ewaybillv1.CarrierAuthorization{Carrier: "carriers/" + voidCarrier, SettlementAccount: "TV-0001"},
		&ewaybillv1.CarrierAuthorization{Carrier: "carriers/" + reuseCarrier, BranchCode: "TR-310001", BranchName: "上海浦东网点"})
	if err != nil {
		return nil, nil, err
	}
	if err := seed.Unthrottled(admin, conn, merchant); err != nil {
		return nil, nil, err
	}
	keys, err := seed.Keys(admin, conn, merchant, "torture", ewaybillv1.Role_ROLE_MERCHANT)
	if err != nil {
		return nil, nil, err
	}
	fx.merchant, fx.merchantKey = merchant, keys[ewaybillv1.Role_ROLE_MERCHANT]

	m := NewModel(merchant, map[string]Policy{voidCarrier: Void, reuseCarrier: Reuse})
	cl := newClients(conn, ctx, adminKey, fx.merchantKey)
	for _, code := range carrierCodes {
		t := m.NewTopUp(0, "seed-"+code, code, seedTopUp, true)
		resp, err := cl.quotas.TopUpQuota(cl.admin, topUpRequest(merchant, t.RequestID, code, t.Amount))
		if err != nil {
			return nil, nil, fmt.Errorf("seed top-up of %s: %w", code, err)
		}
		m.AckTopUp(t, resp.GetEntry(), resp.GetReplayed(), false)
	}
	for _, code := range carrierCodes {
		q, err := cl.quotas.GetQuota(cl.merchant, &ewaybillv1.GetQuotaRequest{Name: merchant + "/quotas/" + code})
		if err != nil {
			return nil, nil, fmt.Errorf("read the seeded quota of %s: %w", code, err)
		}
		p, err := cl.pools.GetPool(cl.admin, &ewaybillv1.GetPoolRequest{Name: "carriers/" + code + "/pool"})
		if err != nil {
			return nil, nil, fmt.Errorf("read the seeded pool of %s: %w", code, err)
		}
		qq := q.GetQuota()
		m.Base[code] = Baseline{Available: qq.GetAvailable(), Granted: qq.GetGranted(), IssuedTotal: qq.GetIssuedTotal(),
			LedgerSequence: qq.GetLedgerSequence(), PoolImported: p.GetPool().GetImported()}
	}
	if vs := m.loadViolations; len(vs) > 0 {
		return nil, nil, errors.New(vs[0].String())
	}
	return fx, m, nil
}

// importRanges imports the void carrier's next rangesPerImport ranges and
// adds them to m's baseline (m is nil while seeding, before the baseline is
// read).
func (fx *fixture) importRanges(admin context.Context, pools ewaybillv1.PoolServiceClient, m *Model) error {
	for range rangesPerImport {
		first := fx.nextSerial
		if _, err := pools.ImportNumberRange(admin, &ewaybillv1.ImportNumberRangeRequest{
			Parent: "carriers/" + voidCarrier, FirstSerial: first, LastSerial: first + rangeSize - 1}); err != nil {
			return fmt.Errorf("import serials %d-%d of %s: %w", first, first+rangeSize-1, voidCarrier, err)
		}
		fx.nextSerial += rangeSize
		if m != nil {
			m.addImported(voidCarrier, rangeSize)
		}
	}
	return nil
}

// refill imports more of the void carrier's ranges when few serials are
// left, between cycles, while nothing else runs.
func (fx *fixture) refill(cl clients, m *Model) error {
	p, err := cl.pools.GetPool(cl.admin, &ewaybillv1.GetPoolRequest{Name: "carriers/" + voidCarrier + "/pool"})
	if err != nil {
		return fmt.Errorf("read the pool of %s: %w", voidCarrier, err)
	}
	if p.GetPool().GetAvailable() >= rangeRefillBelow {
		return nil
	}
	return fx.importRanges(cl.admin, cl.pools, m)
}

// addImported raises a carrier's baseline by serials the harness imported.
func (m *Model) addImported(code string, n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.Base[code]
	b.PoolImported += n
	m.Base[code] = b
}

// The parties of every order: real addresses, so validation does the work
// a real order makes it do.
var (
	sender = &ewaybillv1.Party{Name: "李四", Mobile: "13800138000", Province: "上海市", City: "上海市",
		District: "浦东新区", Address: "张江路 88 号 3 号楼"}
	receiver = &ewaybillv1.Party{Name: "王五", Mobile: "13912345678", Province: "广东省", City: "深圳市",
		District: "南山区", Address: "科技园南区 6 栋 1201 室"}
	// badReceiver has a mobile no rule accepts: its order is refused.
	badReceiver = &ewaybillv1.Party{Name: "王五", Mobile: "12345", Province: "广东省", City: "深圳市",
		District: "南山区", Address: "科技园南区 6 栋 1201 室"}
)

// weightOf derives an order's weight from its code, so that a replay
// rebuilds the same payload and the verifier can tell a stored order was
// not mixed up with another.
func weightOf(orderCode string) int64 {
	h := fnv.New32a()
	h.Write([]byte(orderCode))
	return 100 + int64(h.Sum32()%4900)
}

// orderFor is the order with the given code.
func orderFor(code string, invalid bool) *ewaybillv1.Order {
	to := receiver
	if invalid {
		to = badReceiver
	}
	return &ewaybillv1.Order{OrderCode: code, Sender: sender, Receiver: to,
		Parcel: &ewaybillv1.Parcel{WeightGrams: weightOf(code)},
		Items:  []*ewaybillv1.Item{{Name: "T恤", Quantity: 1}}}
}
