package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/internal/pgtest"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
	"github.com/ewaybill/ewaybill/storage/pgstore"
	"github.com/ewaybill/ewaybill/storage/storetest"
)

// runCheckWith runs `ewaybill check` with args and the environment env.
func runCheckWith(env map[string]string, args ...string) cli {
	var stdout, stderr bytes.Buffer
	code := runCheck(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return cli{code, stdout.String(), stderr.String()}
}

// checkedServer is a stopped demo server whose merchant allocated one SF
// waybill, so every kind of record the checker counts exists.
func checkedServer(t *testing.T) *testServer {
	t.Helper()
	ts := startTestServer(t)
	ok(ts, &ewaybillv1.AllocateWaybillResponse{}, "waybill", "allocate", "--carrier", "SF", "--order-code", "C-1",
		"--sender-name", "李四", "--sender-mobile", "13800138000", "--sender-province", "上海市", "--sender-city", "上海市", "--sender-address", "张江路 88 号",
		"--receiver-name", "王五", "--receiver-mobile", "13912345678", "--receiver-province", "广东省", "--receiver-city", "深圳市", "--receiver-address", "科技园南区 6 栋",
		"--item", "T恤*1", "--weight-grams", "500", "--key", ts.demo.MerchantKey)
	ts.stop()
	return ts
}

func TestCheckHealthyStore(t *testing.T) {
	ts := checkedServer(t)
	want := "checked " + filepath.Join(ts.dataDir, boltstore.FileName) + "\n" +
		"  carriers          3\n" +
		"  number ranges     3\n" +
		"  waybills          1\n" +
		"  quotas            3\n" +
		"  ledger entries    4\n" +
		"  idempotency keys  1\n" +
		"ok: every invariant holds\n"
	r := runCheckWith(nil, "--data-dir", ts.dataDir)
	if r.code != checkOK || r.stdout != want || r.stderr != "" {
		t.Errorf("check: exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
	// The data dir may come from the environment, as for serve.
	r = runCheckWith(map[string]string{"EWAYBILL_DATA_DIR": ts.dataDir})
	if r.code != checkOK || r.stdout != want {
		t.Errorf("check with EWAYBILL_DATA_DIR: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestCheckCorruptedStore(t *testing.T) {
	ts := checkedServer(t)
	// Lose a unit behind the ledger's back, as a buggy write or a hand
	// edit of the file would.
	store, err := boltstore.Open(ts.dataDir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	merchantID := strings.TrimPrefix(ts.demo.Merchant, "merchants/")
	err = store.Update(context.Background(), func(tx storage.Tx) error {
		q, err := tx.Quotas().Get(merchantID, "SF")
		if err != nil {
			return err
		}
		q.Available--
		return tx.Quotas().Put(merchantID, "SF", q)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	r := runCheckWith(nil, "--data-dir", ts.dataDir)
	quota := ts.demo.Merchant + "/quotas/SF"
	for _, want := range []string{
		"  waybills          1\n",
		"FAILED: 2 problems\n",
		"  - " + quota + ": available (sum of its ledger) should be 999, but is 998\n",
		"  - " + quota + ": granted (available + live) should be 999, but is 1000\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != checkViolated || strings.Contains(r.stdout, "ok:") {
		t.Errorf("check of a corrupted store: exit %d, want %d\n%s", r.code, checkViolated, r.stdout)
	}
}

func TestCheckCannotRun(t *testing.T) {
	running := startTestServer(t) // holds the data dir, as serve does
	empty := t.TempDir()
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"server running", []string{"--data-dir", running.dataDir, "--lock-timeout", "50ms"}, checkNotRun,
			[]string{"data dir is in use by another process", "is locked (waited 50ms)", "A running ewaybill serve holds the data dir", "Stop the server"}},
		{"no database", []string{"--data-dir", empty}, checkNotRun,
			[]string{"ewaybill check: no ewaybill database at " + filepath.Join(empty, boltstore.FileName) + "; pass the --data-dir the server runs with\n"}},
		{"argument", []string{"--data-dir", empty, "extra"}, checkNotRun, []string{`ewaybill check: unexpected argument "extra"`, "usage: ewaybill check"}},
		{"unknown flag", []string{"--fix"}, checkNotRun, []string{"flag provided but not defined: -fix", "usage: ewaybill check"}},
		{"help", []string{"-h"}, checkOK, []string{"usage: ewaybill check", "Exit status: 0 every invariant holds, 1 one is broken"}},
	} {
		r := runCheckWith(nil, c.args...)
		if r.code != c.code || r.stdout != "" {
			t.Errorf("%s: exit %d stdout %q, want exit %d", c.name, r.code, r.stdout, c.code)
		}
		for _, want := range c.stderr {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", c.name, want, r.stderr)
			}
		}
	}
}

// check --store checks a PostgreSQL database, needing no PII key, and
// finds a quota whose balance its ledger does not explain.
func TestCheckPostgres(t *testing.T) {
	url := pgtest.DB(t)
	store, err := pgstore.Open(context.Background(), url, pgstore.Options{PII: storetest.Keys(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r := runCheckWith(map[string]string{"EWAYBILL_STORE": url})
	if want := "checked " + url + "\n"; r.code != checkOK || !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "ok: every invariant holds") {
		t.Errorf("check of an empty database: exit %d\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	err = store.Update(context.Background(), func(tx storage.Tx) error {
		return tx.Quotas().Put("m1", "SF", &ewaybillv1.Quota{Name: "merchants/m1/quotas/SF", Granted: 5, Available: 5})
	})
	if err != nil {
		t.Fatal(err)
	}
	r = runCheckWith(nil, "--store", url)
	if r.code != checkViolated || !strings.Contains(r.stdout, "FAILED") || !strings.Contains(r.stdout, "merchants/m1/quotas/SF") {
		t.Errorf("check of a quota without its ledger: exit %d\nstdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = runCheckWith(nil, "--store", "mysql://somewhere/db")
	if r.code != checkNotRun || !strings.Contains(r.stderr, "postgres://") {
		t.Errorf("check of a non-PostgreSQL URL: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestDisplayStoreHidesThePassword(t *testing.T) {
	got := displayStore("postgres://ewaybill:s3cret@db.internal:5432/ewaybill?sslmode=require")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "db.internal") {
		t.Errorf("displayed as %q", got)
	}
}
