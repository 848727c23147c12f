package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
)

// nodeIDFile keeps a node's id in its data dir, so a restarted node goes
// on issuing from the number segments it leased before (quota's
// segments), rather than leaving them idle until another node takes them
// over.
const nodeIDFile = "node-id"

// maxNodeIDLength bounds --node-id; it is stored with every segment.
const maxNodeIDLength = 64

// resolveNodeID returns --node-id when given, else the id kept in the data
// dir, made on the first start. Nodes over one database need distinct ids
// for speed only: two nodes with one id share segments and retry each
// other's conflicts, but never issue a number twice.
func resolveNodeID(flagValue, dataDir string) (string, error) {
	if flagValue != "" {
		return flagValue, checkNodeID("--node-id", flagValue)
	}
	path := filepath.Join(dataDir, nodeIDFile)
	raw, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(raw))
		return id, checkNodeID(path, id)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read the node id: %w", err)
	}
	id := uuid.NewString()
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keep the node id: %w", err)
	}
	return id, nil
}

func checkNodeID(source, id string) error {
	if id == "" || len(id) > maxNodeIDLength || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("%s: a node id is 1 to %d printable characters without spaces, got %q", source, maxNodeIDLength, id)
	}
	return nil
}
