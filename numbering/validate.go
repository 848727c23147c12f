package numbering

import "fmt"

// maxPrefixLength covers every domestic prefix seen in the field (SF, JD,
// JT, YT) with room to spare, while keeping prefixes short enough that the
// serial, not the prefix, distinguishes numbers.
const maxPrefixLength = 6

// Validate returns a *FieldError describing the first problem with f, checking
// the scheme, then the prefix, the serial length and the suffix, or nil if f
// can print numbers.
func (f Format) Validate() error {
	if !f.Scheme.valid() {
		return &FieldError{Field: "scheme", Rule: "unknown", Message: fmt.Sprintf(`check-digit scheme %s is not one of "none", "mod7", "mod10", "mod11" or "upu_s10"`, f.Scheme)}
	}
	if f.Scheme == SchemeUPUS10 {
		return f.validateS10()
	}
	if err := checkChars("prefix", f.Prefix, true); err != nil {
		return err
	}
	if len(f.Prefix) > maxPrefixLength {
		return &FieldError{Field: "prefix", Rule: "length", Message: fmt.Sprintf("prefix may have at most %d characters; got %d", maxPrefixLength, len(f.Prefix))}
	}
	if f.SerialLength < 1 || f.SerialLength > maxSerialLength {
		return &FieldError{Field: "serial_length", Rule: "range", Message: fmt.Sprintf("serial length must be 1 to %d digits; got %d", maxSerialLength, f.SerialLength)}
	}
	if f.Suffix != "" {
		return &FieldError{Field: "suffix", Rule: "not_allowed", Message: fmt.Sprintf("suffix is only used by upu_s10 numbers; leave it empty for scheme %s", f.Scheme)}
	}
	return nil
}

// validateS10 checks the fixed shape of UPU S10: two service letters, eight
// digits and a two-letter country code.
func (f Format) validateS10() error {
	if err := checkChars("prefix", f.Prefix, false); err != nil {
		return err
	}
	if len(f.Prefix) != 2 {
		return &FieldError{Field: "prefix", Rule: "length", Message: fmt.Sprintf("upu_s10 numbers need a prefix of exactly 2 uppercase letters, the service indicator such as EA; got %d characters", len(f.Prefix))}
	}
	if f.SerialLength != 8 {
		return &FieldError{Field: "serial_length", Rule: "range", Message: fmt.Sprintf("upu_s10 numbers need a serial length of 8; got %d", f.SerialLength)}
	}
	if f.Suffix == "" {
		return &FieldError{Field: "suffix", Rule: "required", Message: "upu_s10 numbers need a suffix of 2 uppercase letters, the country code such as CN"}
	}
	if err := checkChars("suffix", f.Suffix, false); err != nil {
		return err
	}
	if len(f.Suffix) != 2 {
		return &FieldError{Field: "suffix", Rule: "length", Message: fmt.Sprintf("upu_s10 numbers need a suffix of exactly 2 uppercase letters, the country code such as CN; got %d characters", len(f.Suffix))}
	}
	return nil
}

// checkChars rejects anything but A to Z, and 0 to 9 when digits is set.
// Passing it guarantees one byte per character, so len counts characters.
func checkChars(field, value string, digits bool) error {
	pos := 0
	for _, r := range value {
		pos++
		if r >= 'A' && r <= 'Z' || digits && r >= '0' && r <= '9' {
			continue
		}
		allowed := "uppercase letters A to Z"
		if digits {
			allowed += " and digits 0 to 9"
		}
		return &FieldError{Field: field, Rule: "charset", Message: fmt.Sprintf("%s may contain only %s; the character at position %d is not allowed", field, allowed, pos)}
	}
	return nil
}
