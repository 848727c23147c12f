package numbering

import "testing"

func TestNumber(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		serial uint64
		want   string
		field  string
		rule   string
	}{
		{name: "S10 known example", format: emsS10, serial: 47326760, want: "EA473267601CN"},
		{name: "S10 check 10 written 0", format: emsS10, serial: 8, want: "EA000000080CN"},
		{name: "S10 check 11 written 5", format: emsS10, serial: 0, want: "EA000000005CN"},
		{name: "Luhn textbook example", format: Format{SerialLength: 10, Scheme: SchemeMod10}, serial: 7992739871, want: "79927398713"},
		{name: "SF-like zero-padded", format: sfLike, serial: 123456789012, want: "SF01234567890128"},
		{name: "SF-like zero", format: sfLike, serial: 0, want: "SF00000000000000"},
		{name: "mod7", format: jdLike, serial: 1234567890123, want: "JD12345678901231"},
		{name: "mod11", format: ytLike, serial: 12345678, want: "YT00000123456785"},
		{name: "no check digit", format: ztoLike, serial: 42, want: "000000000042"},
		{name: "largest serial", format: ztoLike, serial: 999_999_999_999, want: "999999999999"},
		{name: "18 digits, r=729 mod 11=3", format: widestFmt, serial: 999_999_999_999_999_999, want: "ABC1239999999999999999998"},

		{name: "serial too large", format: ztoLike, serial: 1_000_000_000_000, field: "serial", rule: "range"},
		{name: "S10 serial too large", format: emsS10, serial: 100_000_000, field: "serial", rule: "range"},
		{name: "invalid format", format: Format{Prefix: "sf", SerialLength: 13}, serial: 1, field: "prefix", rule: "charset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.format.Number(tt.serial)
			wantFieldError(t, err, tt.field, tt.rule, "")
			if got != tt.want {
				t.Errorf("Number(%d) = %q, want %q", tt.serial, got, tt.want)
			}
		})
	}
}

func BenchmarkNumber(b *testing.B) {
	for _, bc := range []struct {
		name   string
		format Format
	}{
		{name: "mod10_13_digits", format: sfLike},
		{name: "upu_s10", format: emsS10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			serial := uint64(0)
			for b.Loop() {
				if _, err := bc.format.Number(serial); err != nil {
					b.Fatal(err)
				}
				serial = (serial + 7919) % bc.format.MaxSerial()
			}
		})
	}
}
