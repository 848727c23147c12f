package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/internal/pgtest"
	"github.com/ewaybill/ewaybill/sealing"
)

// serve --store runs the service over PostgreSQL: a merchant allocates,
// the books check out with check --store, and a second start (another
// node, with its own data dir) finds the database and the allocation.
func TestServeOverPostgres(t *testing.T) {
	url := pgtest.DB(t)
	keyFile := filepath.Join(t.TempDir(), "pii.key")
	if _, err := sealing.CreateFile(keyFile, "test\n"); err != nil {
		t.Fatal(err)
	}
	err := runServe(context.Background(), []string{"--data-dir", t.TempDir(), "--store", url, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"},
		io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--pii-key-file") {
		t.Fatalf("serve --store without PII keys: %v", err)
	}

	allocate := func(p *servedProcess, merchantKey string) *ewaybillv1.AllocateWaybillResponse {
		t.Helper()
		dial := func(string) (*grpc.ClientConn, error) {
			return grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		}
		var stdout, stderr bytes.Buffer
		code := runClientWith(context.Background(), []string{"waybill", "allocate", "--carrier", "SF", "--order-code", "PG-1",
			"--sender-name", "李四", "--sender-mobile", "13800138000", "--sender-province", "上海市", "--sender-city", "上海市", "--sender-address", "张江路 88 号",
			"--receiver-name", "王五", "--receiver-mobile", "13912345678", "--receiver-province", "广东省", "--receiver-city", "深圳市", "--receiver-address", "科技园南区 6 栋",
			"--item", "T恤*1", "--weight-grams", "500", "--key", merchantKey}, &stdout, &stderr, dial)
		resp := &ewaybillv1.AllocateWaybillResponse{}
		if code != exitOK || protojson.Unmarshal(stdout.Bytes(), resp) != nil {
			t.Fatalf("allocate: exit %d\nstdout %s\nstderr %s", code, stdout.String(), stderr.String())
		}
		return resp
	}

	first := startServed(t, t.TempDir(), "--store", url, "--pii-key-file", keyFile)
	conn, err := grpc.NewClient(first.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	demo, err := seedDemo(context.Background(), conn, testAdminKey)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	issued := allocate(first, demo.MerchantKey)
	if issued.GetReplayed() || issued.GetWaybill().GetNumber() == "" {
		t.Fatalf("first allocation: %v", issued)
	}
	if !strings.Contains(first.log.String(), "store=") || strings.Contains(first.log.String(), "control=") {
		t.Errorf("the serving line should name the store and no control socket:\n%s", first.log.String())
	}
	if err := first.stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}

	r := runCheckWith(nil, "--store", url)
	if r.code != checkOK || !strings.Contains(r.stdout, "waybills          1\n") {
		t.Errorf("check --store: exit %d\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	second := startServed(t, t.TempDir(), "--store", url, "--pii-key-file", keyFile)
	replay := allocate(second, demo.MerchantKey)
	if !replay.GetReplayed() || replay.GetWaybill().GetNumber() != issued.GetWaybill().GetNumber() ||
		replay.GetWaybill().GetOrder().GetReceiver().GetMobile() != "13912345678" {
		t.Errorf("the same allocation on another node: %v, want the replay of %s with its receiver unsealed", replay, issued.GetWaybill().GetNumber())
	}
}
