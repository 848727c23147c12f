package numbering

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Parse returns the serial of a printed number, the inverse of Number: every
// number Parse accepts is exactly what Number prints for the returned serial.
// It returns the Validate error for an invalid Format; otherwise a problem
// with number is a *FieldError with Field "number" and Rule "required",
// "prefix", "length", "suffix", "digits" or "check_digit", checked in that
// order. Matching is exact: lowercase letters, spaces and separators are
// rejected, not repaired.
func (f Format) Parse(number string) (serial uint64, err error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	if number == "" {
		return 0, numberError("required", "waybill number is required; it has "+f.describe())
	}
	if !strings.HasPrefix(number, f.Prefix) {
		return 0, numberError("prefix", fmt.Sprintf("waybill number must start with %q", f.Prefix))
	}
	if n := utf8.RuneCountInString(number); n != f.Length() {
		return 0, numberError("length", fmt.Sprintf("waybill number must be %d characters (%s); got %d", f.Length(), f.describe(), n))
	}
	if !strings.HasSuffix(number, f.Suffix) {
		return 0, numberError("suffix", fmt.Sprintf("waybill number must end with the country code %q", f.Suffix))
	}
	// Counting runes keeps positions right when a multi-byte character
	// stands where a digit should.
	body := number[len(f.Prefix) : len(number)-len(f.Suffix)]
	pos := len(f.Prefix)
	for _, r := range body {
		pos++
		if r < '0' || r > '9' {
			return 0, numberError("digits", fmt.Sprintf("waybill number must have digits between the prefix and the suffix (%s); the character at position %d is not a digit", f.describe(), pos))
		}
	}
	for i := range f.SerialLength {
		serial = serial*10 + uint64(body[i]-'0')
	}
	if f.Scheme != SchemeNone {
		if want := f.Scheme.checkDigit(serial); body[f.SerialLength]-'0' != want {
			return 0, numberError("check_digit", fmt.Sprintf("waybill number check digit should be %d under %s; check the number for a typing error", want, f.Scheme))
		}
	}
	return serial, nil
}

// numberError builds the error for a problem with the number itself.
func numberError(rule, msg string) *FieldError {
	return &FieldError{Field: "number", Rule: rule, Message: msg}
}
