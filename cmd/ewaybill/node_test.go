package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A node's id is made once and kept in its data dir; --node-id wins; a
// malformed id, given or kept, is refused with its source named.
func TestNodeIDIsKeptInTheDataDir(t *testing.T) {
	dir := t.TempDir()
	first, err := resolveNodeID("", dir)
	if err != nil || len(first) != 36 {
		t.Fatalf("first start: id %q, %v; want a new UUID", first, err)
	}
	if again, err := resolveNodeID("", dir); again != first || err != nil {
		t.Errorf("restart: id %q, %v; want the kept %q", again, err, first)
	}
	if given, err := resolveNodeID("node-b", dir); given != "node-b" || err != nil {
		t.Errorf("--node-id node-b: %q, %v", given, err)
	}
	if _, err := resolveNodeID("node b", dir); err == nil || !strings.Contains(err.Error(), "--node-id") {
		t.Errorf("--node-id with a space: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, nodeIDFile), []byte(strings.Repeat("x", maxNodeIDLength+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := resolveNodeID("", dir); err == nil || !strings.Contains(err.Error(), nodeIDFile) {
		t.Errorf("an overlong kept id: %v", err)
	}
}

func TestSegmentSizeFlag(t *testing.T) {
	cfg, err := parseServeFlags([]string{"--segment-size=250"}, io.Discard)
	if err != nil || cfg.segmentSize != 250 {
		t.Errorf("--segment-size=250: %d, %v", cfg.segmentSize, err)
	}
	for _, arg := range []string{"--segment-size=0", "--segment-size=1000001"} {
		if _, err := parseServeFlags([]string{arg}, io.Discard); err == nil || !strings.Contains(err.Error(), "--segment-size must be 1 to 1000000") {
			t.Errorf("%s: %v", arg, err)
		}
	}
}

// A bad --node-id fails the start while the flags are read, before the
// data dir is touched.
func TestNodeIDFlagIsCheckedWithTheFlags(t *testing.T) {
	_, err := parseServeFlags([]string{"--node-id", "node b"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--node-id: a node id is 1 to 64 printable characters") {
		t.Errorf("--node-id with a space: %v", err)
	}
}
