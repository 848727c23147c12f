package numbering

import "testing"

// The expected digits were worked out by hand from the scheme definitions and
// cross-checked with an independent implementation.
func TestCheckDigit(t *testing.T) {
	tests := []struct {
		name   string
		scheme Scheme
		serial uint64
		want   byte
	}{
		{name: "mod7 of 1234567", scheme: SchemeMod7, serial: 1234567, want: 5},
		{name: "mod7 of 1234567890123", scheme: SchemeMod7, serial: 1234567890123, want: 1},
		{name: "mod7 of a multiple of 7", scheme: SchemeMod7, serial: 49, want: 0},
		{name: "Luhn textbook example", scheme: SchemeMod10, serial: 7992739871, want: 3},
		{name: "Luhn doubles the rightmost digit", scheme: SchemeMod10, serial: 1, want: 8},
		{name: "Luhn of 123456789012", scheme: SchemeMod10, serial: 123456789012, want: 8},
		{name: "Luhn of zero", scheme: SchemeMod10, serial: 0, want: 0},
		{name: "mod11 of 12345678, r=6", scheme: SchemeMod11, serial: 12345678, want: 5},
		{name: "mod11 of 123456, r=0", scheme: SchemeMod11, serial: 123456, want: 0},
		{name: "mod11 r=1 gives 10, written 0", scheme: SchemeMod11, serial: 1234567890123, want: 0},
		{name: "mod11 weight 3 on the tens digit", scheme: SchemeMod11, serial: 10, want: 8},
		{name: "mod11 weights repeat after 7", scheme: SchemeMod11, serial: 100000000000, want: 4},
		{name: "S10 example EA473267601CN", scheme: SchemeUPUS10, serial: 47326760, want: 1},
		{name: "S10 of 12345678", scheme: SchemeUPUS10, serial: 12345678, want: 5},
		{name: "S10 of 98765432", scheme: SchemeUPUS10, serial: 98765432, want: 6},
		{name: "S10 11 written 5", scheme: SchemeUPUS10, serial: 0, want: 5},
		{name: "S10 10 written 0", scheme: SchemeUPUS10, serial: 8, want: 0},
		{name: "S10 weight 7 on the last digit", scheme: SchemeUPUS10, serial: 1, want: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.scheme.checkDigit(tt.serial); got != tt.want {
				t.Errorf("%v check digit of %d = %d, want %d", tt.scheme, tt.serial, got, tt.want)
			}
		})
	}
}

// TestCheckDigitBlindSpots records pairs of serials one digit apart that share
// a check digit, so that nobody relies on mod7, mod11 or S10 to catch every
// single-digit error.
func TestCheckDigitBlindSpots(t *testing.T) {
	tests := []struct {
		name   string
		scheme Scheme
		a, b   uint64
	}{
		{name: "mod7 cannot tell 0 from 7", scheme: SchemeMod7, a: 1230, b: 1237},
		{name: "mod11 writes r=0 and r=1 alike", scheme: SchemeMod11, a: 1234567890123, b: 1234567890128},
		{name: "S10 writes r=0 and r=6 alike", scheme: SchemeUPUS10, a: 12345678, b: 12345674},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ca, cb := tt.scheme.checkDigit(tt.a), tt.scheme.checkDigit(tt.b); ca != cb {
				t.Errorf("check digits %d and %d differ; the blind spot is gone", ca, cb)
			}
		})
	}
}
