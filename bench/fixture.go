package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/ewaybill/ewaybill/apikeys"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/internal/seed"
	"github.com/ewaybill/ewaybill/server"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// carrierCode is the bench's carrier. Its 12-digit serials leave room for
// any preload; its pool recycles nothing, so every cancel voids a number.
const carrierCode = "BENCH"

// fixture is a server running in this process on a fresh data dir, seeded
// through its own API as an admin would, and the clients that load it.
type fixture struct {
	dir      string
	store    *boltstore.Store
	srv      *server.Server
	conn     *grpc.ClientConn
	logFile  *os.File
	merchant string
	// admin, merchant and printer are contexts carrying each role's key.
	admin, merchantCtx, printer context.Context
}

// startFixture opens a bbolt store (fsync on, as `ewaybill serve` runs it)
// in a new directory under parent, serves gRPC on a loopback TCP port and
// dials it with the options of the server's own clients. The server logs a
// line per request, as in production, to a file in the data dir.
func startFixture(ctx context.Context, parent string) (*fixture, error) {
	dir, err := os.MkdirTemp(parent, "ewaybill-bench-")
	if err != nil {
		return nil, err
	}
	f := &fixture{dir: dir}
	if f.logFile, err = os.Create(filepath.Join(dir, "server.log")); err != nil {
		f.close()
		return nil, err
	}
	if f.store, err = boltstore.Open(dir, boltstore.Options{}); err != nil {
		f.close()
		return nil, err
	}
	f.srv = server.New(server.Config{Store: f.store, Logger: slog.New(slog.NewTextHandler(f.logFile, nil)), StarterGrant: -1})
	adminKey := apikeys.NewSecret()
	if _, err := f.srv.Keys().Bootstrap(ctx, adminKey); err != nil {
		f.close()
		return nil, err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.close()
		return nil, err
	}
	go f.srv.GRPC().Serve(lis)
	f.conn, err = grpc.NewClient(lis.Addr().String(), server.ClientOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		f.close()
		return nil, err
	}
	f.admin = withKey(ctx, adminKey)
	if err := f.seed(); err != nil {
		f.close()
		return nil, fmt.Errorf("seed the bench data: %w", err)
	}
	return f, nil
}

// withKey returns ctx sending key, and no other key: the server takes the
// first bearer header, so a role's context must not inherit the admin's.
func withKey(ctx context.Context, key string) context.Context {
	return metadata.NewOutgoingContext(ctx, metadata.Pairs("authorization", "Bearer "+key))
}

// close stops the server and removes the data dir.
func (f *fixture) close() {
	if f.conn != nil {
		f.conn.Close()
	}
	if f.srv != nil {
		f.srv.GRPC().Stop()
	}
	if f.store != nil {
		f.store.Close()
	}
	if f.logFile != nil {
		f.logFile.Close()
	}
	os.RemoveAll(f.dir)
}

// seed creates the carrier with a pool of ten billion serials and a
// routing table, an approved merchant authorized for the carrier, and a
// merchant and a printer key.
func (f *fixture) seed() error {
	ctx := f.admin
	carrier := &ewaybillv1.Carrier{Code: carrierCode, DisplayName: "压测快递", Kind: ewaybillv1.CarrierKind_CARRIER_KIND_DIRECT_OPERATED,
		RecyclePolicy: ewaybillv1.RecyclePolicy_RECYCLE_POLICY_VOID,
		NumberFormat:  &ewaybillv1.NumberFormat{Prefix: "BT", SerialLength: 12, CheckDigitScheme: ewaybillv1.CheckDigitScheme_CHECK_DIGIT_SCHEME_MOD11}}
	if _, err := ewaybillv1.NewCarrierServiceClient(f.conn).CreateCarrier(ctx, &ewaybillv1.CreateCarrierRequest{Carrier: carrier}); err != nil {
		return fmt.Errorf("create carrier: %w", err)
	}
	if _, err := ewaybillv1.NewPoolServiceClient(f.conn).ImportNumberRange(ctx, &ewaybillv1.ImportNumberRangeRequest{
		Parent: "carriers/" + carrierCode, FirstSerial: 1, LastSerial: 10_000_000_000}); err != nil {
		return fmt.Errorf("import a number range: %w", err)
	}
	route := &ewaybillv1.RoutingTable{Name: "carriers/" + carrierCode + "/routingTable", Rules: []*ewaybillv1.RoutingRule{{
		Province: benchReceiver.GetProvince(), City: benchReceiver.GetCity(), District: benchReceiver.GetDistrict(),
		Codes: &ewaybillv1.RoutingCodes{SortCode: "755-NS-01", ShortDestination: "深圳南山", Hub: "深圳转运中心"}}}}
	if _, err := ewaybillv1.NewLabelServiceClient(f.conn).UpdateRoutingTable(ctx, &ewaybillv1.UpdateRoutingTableRequest{RoutingTable: route}); err != nil {
		return fmt.Errorf("routing table: %w", err)
	}
	merchant, err := seed.ApprovedMerchant(ctx, f.conn, "bench", seed.Qualification("压测商贸有限公司 (Bench Trading Co.)", "bench://licence.pdf"),
		&ewaybillv1.CarrierAuthorization{Carrier: "carriers/" + carrierCode, SettlementAccount: "BENCH-0001"})
	if err != nil {
		return err
	}
	if err := seed.Unthrottled(ctx, f.conn, merchant); err != nil {
		return err
	}
	keys, err := seed.Keys(ctx, f.conn, merchant, "bench", ewaybillv1.Role_ROLE_MERCHANT, ewaybillv1.Role_ROLE_PRINTER)
	if err != nil {
		return err
	}
	f.merchant = merchant
	// The workloads' contexts outlive the seeding's.
	base := context.WithoutCancel(ctx)
	f.merchantCtx = withKey(base, keys[ewaybillv1.Role_ROLE_MERCHANT])
	f.printer = withKey(base, keys[ewaybillv1.Role_ROLE_PRINTER])
	return nil
}

// topUp credits the merchant's quota with at least units, in the largest
// steps a top-up allows.
func (f *fixture) topUp(units int64) error {
	const maxTopUp = 10_000_000
	api := ewaybillv1.NewQuotaServiceClient(f.conn)
	for i := 0; units > 0; i++ {
		amount := min(units, maxTopUp)
		if _, err := api.TopUpQuota(f.admin, &ewaybillv1.TopUpQuotaRequest{
			Name: f.merchant + "/quotas/" + carrierCode, Amount: amount, Reason: "bench",
			RequestId: fmt.Sprintf("bench-%d", i)}); err != nil {
			return fmt.Errorf("top up the quota: %w", err)
		}
		units -= amount
	}
	return nil
}

// benchSender and benchReceiver are the parties of every bench order: real
// Chinese addresses of ordinary length, so validation, storage and labels
// do the work a real order makes them do.
var (
	benchSender = &ewaybillv1.Party{Name: "李四", Mobile: "13800138000", Province: "上海市", City: "上海市",
		District: "浦东新区", Address: "张江路 88 号 3 号楼"}
	benchReceiver = &ewaybillv1.Party{Name: "王五", Mobile: "13912345678", Province: "广东省", City: "深圳市",
		District: "南山区", Address: "科技园南区 6 栋 1201 室"}
)

// order is the bench order with the given code.
func order(code string) *ewaybillv1.Order {
	return &ewaybillv1.Order{OrderCode: code, Sender: benchSender, Receiver: benchReceiver,
		Parcel: &ewaybillv1.Parcel{WeightGrams: 500},
		Items:  []*ewaybillv1.Item{{Name: "T恤", Quantity: 2}}}
}
