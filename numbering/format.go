package numbering

import (
	"fmt"
	"strconv"
)

// maxSerialLength keeps every serial below 2^63, so serials fit signed 64-bit
// database columns as well as uint64; real carriers use at most 15 digits.
const maxSerialLength = 18

// Format describes how one carrier prints waybill numbers. The zero value is
// not valid; call Validate after loading a Format from configuration.
type Format struct {
	// Prefix is printed before the serial, such as "SF": up to 6 uppercase
	// letters and digits, or for SchemeUPUS10 exactly 2 uppercase letters.
	Prefix string
	// SerialLength is the number of serial digits, zero-padded: 1 to 18,
	// or exactly 8 for SchemeUPUS10.
	SerialLength int
	// Scheme is the check-digit algorithm appended after the serial.
	Scheme Scheme
	// Suffix is the 2-letter uppercase country code of an S10 number, such
	// as "CN"; it must be empty for every other scheme.
	Suffix string
}

// MaxSerial returns the largest serial the format can print, 10^SerialLength
// − 1, or 0 if SerialLength is outside 1 to 18.
func (f Format) MaxSerial() uint64 {
	if f.SerialLength < 1 || f.SerialLength > maxSerialLength {
		return 0
	}
	m := uint64(1)
	for range f.SerialLength {
		m *= 10
	}
	return m - 1
}

// Length returns the number of characters in a printed number: prefix,
// serial, check digit if any, and suffix.
func (f Format) Length() int {
	n := len(f.Prefix) + f.SerialLength + len(f.Suffix)
	if f.Scheme != SchemeNone {
		n++
	}
	return n
}

// describe spells out the parts of a printed number for error messages, so
// that a caller can see which part they got wrong.
func (f Format) describe() string {
	s := strconv.Itoa(f.SerialLength) + " serial digits"
	if f.Prefix != "" {
		s = fmt.Sprintf("prefix %q, %s", f.Prefix, s)
	}
	if f.Scheme != SchemeNone {
		s += ", a " + f.Scheme.String() + " check digit"
	}
	if f.Suffix != "" {
		s += fmt.Sprintf(", suffix %q", f.Suffix)
	}
	return s
}
