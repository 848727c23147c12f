// Package updatemask reads the update_mask of an AIP-134 Update call.
package updatemask

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// Paths returns the proto field paths of mask that ask for a change. REST
// callers name fields in JSON case ("displayName"), and the gateway derives
// a mask from a PATCH body, so a resource sent back as it was read also
// names its identifier and output-only fields, which an update ignores:
// name, create_time, update_time and the outputOnly paths given.
func Paths(mask *fieldmaskpb.FieldMask, outputOnly ...string) []string {
	var paths []string
	for _, path := range mask.GetPaths() {
		switch path = snakeCase(path); path {
		case "", "name", "create_time", "update_time":
			continue
		}
		if slices.Contains(outputOnly, path) {
			continue
		}
		paths = append(paths, path)
	}
	return paths
}

// snakeCase turns a JSON field name ("displayName") into the proto field
// name ("display_name").
func snakeCase(path string) string {
	var b strings.Builder
	for _, r := range path {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
