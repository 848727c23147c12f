package identity

import (
	"fmt"
	"strings"
)

// landlineFormatHint closes every structural error, because the grammar is
// easier to grasp from examples than from a description.
const landlineFormatHint = "a landline number looks like 010-12345678, 0755-1234567-123 or 01012345678"

// CheckLandline reports whether s is a mainland China landline number in one
// of these forms, where every part is ASCII digits:
//
//	area "-" local [ "-" extension ]
//	area local [ "-" extension ]
//
// area is 0 followed by 2 or 3 digits, the first of which is not 0 (00 is
// the international prefix); local is 7 or 8 digits; extension is 1 to 6
// digits. In the second form area and local are written together as 10 to 12
// digits; since every such run splits into a valid area and local number, the
// split is not needed and not attempted. No other separator, no spaces and no
// +86 prefix are accepted.
func CheckLandline(s string) error {
	if s == "" {
		return &RuleError{Rule: RuleRequired, Message: "landline number is required; " + landlineFormatHint}
	}
	pos := 0
	for _, r := range s {
		pos++
		if (r < '0' || r > '9') && r != '-' {
			return &RuleError{Rule: RuleCharset, Message: fmt.Sprintf("landline number may contain only digits and hyphens; the character at position %d is neither", pos)}
		}
	}
	parts := strings.Split(s, "-")
	for _, p := range parts {
		if p == "" {
			return &RuleError{Rule: RuleFormat, Message: "landline number has a hyphen at the start or end or two hyphens in a row; " + landlineFormatHint}
		}
	}
	first := parts[0]
	if first[0] != '0' || (len(first) > 1 && first[1] == '0') {
		return &RuleError{Rule: RuleFormat, Message: "landline number must start with 0 and an area code that does not begin with 0; " + landlineFormatHint}
	}
	switch {
	case len(parts) > 3:
		return &RuleError{Rule: RuleFormat, Message: "landline number has more than three hyphen-separated parts; " + landlineFormatHint}
	case len(first) == 3 || len(first) == 4:
		return checkAreaLocalParts(parts[1:])
	case len(first) >= 10 && len(first) <= 12:
		if len(parts) == 3 {
			return &RuleError{Rule: RuleFormat, Message: "landline number written without a hyphen after the area code may have only one more part, the extension; " + landlineFormatHint}
		}
		return checkExtension(parts[1:])
	case len(parts) == 1:
		return &RuleError{Rule: RuleLength, Message: fmt.Sprintf("landline number without hyphens must be 10 to 12 digits (0, area code and local number); got %d", len(first))}
	default:
		return &RuleError{Rule: RuleFormat, Message: fmt.Sprintf("landline area code must be 0 and 2 or 3 digits; got %d digits before the first hyphen", len(first))}
	}
}

// checkAreaLocalParts checks what follows a separate area code: the local
// number and an optional extension.
func checkAreaLocalParts(rest []string) error {
	if len(rest) == 0 {
		return &RuleError{Rule: RuleFormat, Message: "landline number has an area code but no local number; " + landlineFormatHint}
	}
	if n := len(rest[0]); n < 7 || n > 8 {
		return &RuleError{Rule: RuleLength, Message: fmt.Sprintf("landline local number after the area code must be 7 or 8 digits; got %d", n)}
	}
	return checkExtension(rest[1:])
}

// checkExtension checks the optional extension, given as zero or one part.
func checkExtension(rest []string) error {
	if len(rest) == 0 {
		return nil
	}
	if n := len(rest[0]); n > 6 {
		return &RuleError{Rule: RuleLength, Message: fmt.Sprintf("landline extension must be 1 to 6 digits; got %d", n)}
	}
	return nil
}
