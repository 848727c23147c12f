package numbering

import (
	"fmt"
	"strconv"
)

// Number returns the printed waybill number for serial: prefix, serial
// zero-padded to SerialLength digits, check digit if the scheme has one, and
// suffix. It returns the Validate error for an invalid Format, and a
// *FieldError with Field "serial" if serial exceeds MaxSerial.
func (f Format) Number(serial uint64) (string, error) {
	if err := f.Validate(); err != nil {
		return "", err
	}
	if max := f.MaxSerial(); serial > max {
		return "", &FieldError{Field: "serial", Rule: "range", Message: fmt.Sprintf("serial must be at most %d for a %d-digit serial; got %d", max, f.SerialLength, serial)}
	}
	// Building into one right-sized buffer keeps Number allocation-light;
	// it runs once per issued waybill at promotion peaks.
	buf := make([]byte, 0, f.Length())
	buf = append(buf, f.Prefix...)
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], serial, 10)
	for range f.SerialLength - len(d) {
		buf = append(buf, '0')
	}
	buf = append(buf, d...)
	if f.Scheme != SchemeNone {
		buf = append(buf, '0'+f.Scheme.checkDigit(serial))
	}
	buf = append(buf, f.Suffix...)
	return string(buf), nil
}
