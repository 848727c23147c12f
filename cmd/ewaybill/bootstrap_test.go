package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewaybill/ewaybill/apikeys"
	"github.com/ewaybill/ewaybill/storage"
	"github.com/ewaybill/ewaybill/storage/boltstore"
)

// racedStore stores another node's first admin key right after the first
// read, as a node sharing the database does when it starts at the same
// moment: between this node's check for keys and its bootstrap.
type racedStore struct {
	storage.Store
	once  sync.Once
	other string
}

func (s *racedStore) View(ctx context.Context, fn func(storage.Tx) error) error {
	err := s.Store.View(ctx, fn)
	s.once.Do(func() {
		if _, err := (&apikeys.Service{Store: s.Store, Now: time.Now}).Bootstrap(ctx, s.other); err != nil {
			panic(err)
		}
	})
	return err
}

// A node that loses the race to bootstrap a shared store keeps no
// admin.key of its own, whose key was never stored and would not work,
// and says whose key to use; the winner's key is the admin key.
func TestBootstrapAdminLosesTheRace(t *testing.T) {
	dataDir := t.TempDir()
	bolt, err := boltstore.Open(dataDir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	const winner = "the-other-node-admin-key-0123456789"
	keys := &apikeys.Service{Store: &racedStore{Store: bolt, other: winner}, Now: time.Now}
	var logs bytes.Buffer
	secret, err := bootstrapAdmin(context.Background(), keys, serveConfig{dataDir: dataDir}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil || secret != "" {
		t.Fatalf("bootstrapAdmin = %q, %v; want no key of its own and no error", secret, err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "admin.key")); !os.IsNotExist(err) {
		t.Errorf("admin.key left behind with a key that was never stored: %v", err)
	}
	if !strings.Contains(logs.String(), "another node sharing the store created the first admin key") {
		t.Errorf("log does not say another node bootstrapped:\n%s", logs.String())
	}
	if _, err := keys.Authenticate(context.Background(), winner); err != nil {
		t.Errorf("the winner's key: %v", err)
	}
}
