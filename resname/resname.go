// Package resname parses and builds resource names such as
// "merchants/{merchant}/carrierAuthorizations/{authorization}".
package resname

import (
	"strings"

	"github.com/ewaybill/ewaybill/fault"
)

// Parse splits name against a pattern of alternating collection ids and
// "*" placeholders, e.g. Parse("name", n, "merchants", "*") → [id]. A
// mismatch is an INVALID_ARGUMENT on field naming the expected shape.
func Parse(field, name string, pattern ...string) ([]string, error) {
	parts := strings.Split(name, "/")
	if len(parts) != len(pattern) {
		return nil, shapeError(field, pattern)
	}
	var ids []string
	for i, want := range pattern {
		if want == "*" {
			if !validID(parts[i]) {
				return nil, shapeError(field, pattern)
			}
			ids = append(ids, parts[i])
		} else if parts[i] != want {
			return nil, shapeError(field, pattern)
		}
	}
	return ids, nil
}

// Build joins collection ids and ids: Build("merchants", id).
func Build(parts ...string) string { return strings.Join(parts, "/") }

func shapeError(field string, pattern []string) error {
	shape := make([]string, len(pattern))
	for i, p := range pattern {
		if p == "*" {
			shape[i] = "{" + strings.TrimSuffix(pattern[i-1], "s") + "}"
		} else {
			shape[i] = p
		}
	}
	if field == "" {
		field = "name"
	}
	return fault.Invalid(field, "resource_name", "%s must look like %q", field, strings.Join(shape, "/"))
}

// validID accepts the ids ewaybill issues (UUIDs, carrier codes) and the
// "-" wildcard, and nothing that could confuse a key prefix scan.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
