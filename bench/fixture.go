package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"github.com/ewaybill/ewaybill/apikeys"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/internal/seed"
	"github.com/ewaybill/ewaybill/sealing"
	"github.com/ewaybill/ewaybill/server"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
	"github.com/ewaybill/ewaybill/storage/pgstore"
)

// carrierCode is the bench's carrier. Its 12-digit serials leave room for
// any preload; its pool recycles nothing, so every cancel voids a number.
const carrierCode = "BENCH"

// fixture is a server running in this process on a fresh data dir, or
// several over one PostgreSQL database, seeded through its own API as an
// admin would, and the clients that load it.
type fixture struct {
	dir string
	// pg is the PostgreSQL URL the nodes share ("" for one node on bbolt
	// in dir); pii seals their personal data, the same for every node.
	pg    string
	pii   *sealing.Keyring
	nodes []*node
	// conn spreads calls round-robin over every node.
	conn     *grpc.ClientConn
	merchant string
	// admin, merchant and printer are contexts carrying each role's key.
	admin, merchantCtx, printer context.Context
}

// node is one server of the fixture, with its own store (with
// PostgreSQL: its own connection pool and writer) and port.
type node struct {
	store   storage.Store
	srv     *server.Server
	addr    string
	logFile *os.File
}

// startFixture starts one node, on a bbolt store (fsync on, as `ewaybill
// serve` runs it) in a new directory under cfg.TempDir or, with
// cfg.Store, on that PostgreSQL database, which must be empty; it serves
// gRPC on a loopback TCP port, is dialled with the options of the
// server's own clients, and is seeded. The server logs a line per
// request, as in production, to a file in the directory.
func startFixture(ctx context.Context, cfg Config) (*fixture, error) {
	if cfg.Store != "" {
		// A read-only open needs an ewaybill schema there already; when
		// it fails, the writable open below migrates an empty database or
		// reports what else is wrong.
		if s, err := pgstore.Open(ctx, cfg.Store, pgstore.Options{ReadOnly: true}); err == nil {
			s.Close()
			return nil, errors.New("--store: the bench needs an empty database (it seeds its own carrier, merchant and keys, and checks the books of the whole database afterwards); give it one made for it, e.g. with createdb")
		}
	}
	dir, err := os.MkdirTemp(cfg.TempDir, "ewaybill-bench-")
	if err != nil {
		return nil, err
	}
	f := &fixture{dir: dir, pg: cfg.Store}
	if f.pg != "" {
		if f.pii, err = sealing.Parse([]byte(sealing.NewKeyLine()), "the bench's PII key", "line"); err != nil {
			f.close()
			return nil, err
		}
	}
	n, err := f.addNode(ctx)
	if err != nil {
		f.close()
		return nil, err
	}
	adminKey := apikeys.NewSecret()
	_, err = n.srv.Keys().Bootstrap(ctx, adminKey)
	if err == nil {
		err = f.dial()
	}
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

// addNode opens a store of its own, starts a server on it and serves it
// on a new loopback port; f.dial then spreads calls over it too.
func (f *fixture) addNode(ctx context.Context) (*node, error) {
	n := &node{}
	f.nodes = append(f.nodes, n)
	var err error
	if n.logFile, err = os.Create(filepath.Join(f.dir, fmt.Sprintf("server-%d.log", len(f.nodes)))); err != nil {
		return nil, err
	}
	// Each store is assigned only once open: a nil *Store in the
	// interface would not read as nil to close.
	if f.pg != "" {
		s, err := pgstore.Open(ctx, f.pg, pgstore.Options{PII: f.pii})
		if err != nil {
			return nil, err
		}
		n.store = s
	} else {
		s, err := boltstore.Open(f.dir, boltstore.Options{})
		if err != nil {
			return nil, err
		}
		n.store = s
	}
	// Each node its own id, as each serve process has, so that each
	// issues from number segments of its own.
	n.srv = server.New(server.Config{Store: n.store, Logger: slog.New(slog.NewTextHandler(n.logFile, nil)), StarterGrant: -1,
		NodeID: fmt.Sprintf("bench-node-%d", len(f.nodes))})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	n.addr = lis.Addr().String()
	go n.srv.GRPC().Serve(lis)
	return n, nil
}

// grow adds nodes until there are n and dials them all; with n nodes
// already, the connection stays as it is.
func (f *fixture) grow(ctx context.Context, n int) error {
	if len(f.nodes) >= n {
		return nil // the client reaches every node already
	}
	for len(f.nodes) < n {
		if _, err := f.addNode(ctx); err != nil {
			return err
		}
	}
	return f.dial()
}

// dial (re)connects the client to every node, round-robin: each call goes
// to the next node, as behind a load balancer.
func (f *fixture) dial() error {
	addrs := make([]resolver.Address, len(f.nodes))
	for i, n := range f.nodes {
		addrs[i] = resolver.Address{Addr: n.addr}
	}
	r := manual.NewBuilderWithScheme("bench")
	r.InitialState(resolver.State{Addresses: addrs})
	conn, err := grpc.NewClient(r.Scheme()+":///nodes", server.ClientOptions(grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithResolvers(r), grpc.WithDefaultServiceConfig(`{"loadBalancingConfig": [{"round_robin": {}}]}`))...)
	if err != nil {
		return err
	}
	if f.conn != nil {
		f.conn.Close()
	}
	f.conn = conn
	return nil
}

// withKey returns ctx sending key, and no other key: the server takes the
// first bearer header, so a role's context must not inherit the admin's.
func withKey(ctx context.Context, key string) context.Context {
	return metadata.NewOutgoingContext(ctx, metadata.Pairs("authorization", "Bearer "+key))
}

// stopServing stops every node's server, once their calls are answered.
func (f *fixture) stopServing() {
	for _, n := range f.nodes {
		if n.srv != nil {
			n.srv.GRPC().GracefulStop()
		}
	}
}

// close stops the servers, closes the stores and removes the directory.
func (f *fixture) close() {
	if f.conn != nil {
		f.conn.Close()
	}
	for _, n := range f.nodes {
		if n.srv != nil {
			n.srv.GRPC().Stop()
		}
		if n.store != nil {
			n.store.Close()
		}
		if n.logFile != nil {
			n.logFile.Close()
		}
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
