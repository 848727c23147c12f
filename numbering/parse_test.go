package numbering

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		number string
		want   uint64
		field  string
		rule   string
		msgHas string
	}{
		{name: "S10 known example", format: emsS10, number: "EA473267601CN", want: 47326760},
		{name: "SF-like", format: sfLike, number: "SF01234567890128", want: 123456789012},
		{name: "mod7", format: jdLike, number: "JD12345678901231", want: 1234567890123},
		{name: "mod11", format: ytLike, number: "YT00000123456785", want: 12345678},
		{name: "no check digit", format: ztoLike, number: "000000000042", want: 42},
		{name: "18 digits", format: widestFmt, number: "ABC1239999999999999999998", want: 999_999_999_999_999_999},

		{name: "empty", format: sfLike, number: "", field: "number", rule: "required", msgHas: `prefix "SF", 13 serial digits, a mod10 check digit`},
		{name: "other carrier's prefix", format: sfLike, number: "JD01234567890128", field: "number", rule: "prefix", msgHas: `"SF"`},
		{name: "lowercase prefix", format: sfLike, number: "sf01234567890128", field: "number", rule: "prefix"},
		{name: "check digit missing", format: sfLike, number: "SF0123456789012", field: "number", rule: "length", msgHas: "16 characters"},
		{name: "one digit too many", format: sfLike, number: "SF012345678901288", field: "number", rule: "length", msgHas: "got 17"},
		{name: "S10 without country", format: emsS10, number: "EA473267601", field: "number", rule: "length", msgHas: `suffix "CN"`},
		{name: "letter O for zero", format: sfLike, number: "SF0123456789O128", field: "number", rule: "digits", msgHas: "position 13"},
		{name: "space after prefix", format: sfLike, number: "SF 123456789012 ", field: "number", rule: "digits", msgHas: "position 3"},
		{name: "full-width digit", format: sfLike, number: "SF012345678901２8", field: "number", rule: "digits", msgHas: "position 15"},
		{name: "S10 letter in serial", format: emsS10, number: "EA4732676O1CN", field: "number", rule: "digits", msgHas: "position 10"},
		{name: "wrong check digit", format: sfLike, number: "SF01234567890127", field: "number", rule: "check_digit", msgHas: "should be 8"},
		{name: "S10 wrong check digit", format: emsS10, number: "EA473267602CN", field: "number", rule: "check_digit", msgHas: "should be 1"},
		{name: "S10 lowercase country", format: emsS10, number: "EA473267601cn", field: "number", rule: "suffix", msgHas: `"CN"`},
		{name: "S10 other country", format: emsS10, number: "EA473267601US", field: "number", rule: "suffix"},
		{name: "invalid format", format: Format{Prefix: "SF", SerialLength: 13, Suffix: "CN"}, number: "SF0123456789012", field: "suffix", rule: "not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.format.Parse(tt.number)
			wantFieldError(t, err, tt.field, tt.rule, tt.msgHas)
			if got != tt.want {
				t.Errorf("Parse(%q) = %d, want %d", tt.number, got, tt.want)
			}
		})
	}
}

// TestParseCatchesSingleDigitErrors mistypes every digit of the serial and the
// check digit in turn, to every other digit. Luhn catches all of them; mod11
// and S10 catch all of them for serials outside their blind spots (see
// TestCheckDigitBlindSpots), which the serials here are.
func TestParseCatchesSingleDigitErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		serial uint64
	}{
		{name: "mod10", format: sfLike, serial: 7992739871},
		{name: "mod10 all zeros", format: sfLike, serial: 0},
		{name: "mod11 r=6", format: ytLike, serial: 12345678},
		{name: "mod11 r=9", format: ytLike, serial: 9999999999999},
		{name: "S10 r=10", format: emsS10, serial: 47326760},
		{name: "S10 r=5", format: emsS10, serial: 98765432},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			number, err := tt.format.Number(tt.serial)
			if err != nil {
				t.Fatal(err)
			}
			first := len(tt.format.Prefix)
			last := len(number) - len(tt.format.Suffix)
			for pos := first; pos < last; pos++ {
				for d := byte('0'); d <= '9'; d++ {
					if number[pos] == d {
						continue
					}
					typo := number[:pos] + string(d) + number[pos+1:]
					_, err := tt.format.Parse(typo)
					var fe *FieldError
					if !errors.As(err, &fe) || fe.Rule != "check_digit" {
						t.Errorf("Parse(%q), a typo of %q: error %v, want check_digit", typo, number, err)
					}
				}
			}
		})
	}
}

// FuzzParse checks that Parse never panics, that it reports only problems
// with the number for a valid format, and that whatever it accepts is
// exactly what Number prints for the serial it returns.
func FuzzParse(f *testing.F) {
	f.Add("EA473267601CN", uint8(4))
	f.Add("SF01234567890128", uint8(0))
	f.Add("JD12345678901231", uint8(1))
	f.Add("YT00000123456785", uint8(2))
	f.Add("000000000042", uint8(3))
	f.Add("08", uint8(5))
	f.Add("ABC1239999999999999999998", uint8(6))
	f.Add("SF012345678901２8", uint8(0))
	f.Add("\xffA473267601CN", uint8(4))
	rules := map[string]bool{"required": true, "prefix": true, "length": true, "suffix": true, "digits": true, "check_digit": true}
	f.Fuzz(func(t *testing.T, number string, index uint8) {
		format := fuzzFormats[int(index)%len(fuzzFormats)]
		serial, err := format.Parse(number)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "number" || !rules[fe.Rule] {
				t.Fatalf("Parse(%q) error %#v is not a number rule", number, err)
			}
			return
		}
		printed, err := format.Number(serial)
		if err != nil || printed != number {
			t.Fatalf("Parse(%q) = %d, but Number(%d) = %q, %v", number, serial, serial, printed, err)
		}
	})
}

// FuzzRoundTrip checks that every serial up to MaxSerial prints at Length
// characters and parses back to itself, and that larger serials are refused.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint64(47326760), uint8(4))
	f.Add(uint64(0), uint8(0))
	f.Add(uint64(9_999_999_999_999), uint8(2))
	f.Add(uint64(1_000_000_000_000), uint8(3))
	f.Add(uint64(1<<64-1), uint8(6))
	f.Fuzz(func(t *testing.T, serial uint64, index uint8) {
		format := fuzzFormats[int(index)%len(fuzzFormats)]
		number, err := format.Number(serial)
		if serial > format.MaxSerial() {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "serial" || fe.Rule != "range" {
				t.Fatalf("Number(%d) over MaxSerial %d: error %#v, want serial/range", serial, format.MaxSerial(), err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Number(%d): %v", serial, err)
		}
		if len(number) != format.Length() {
			t.Fatalf("Number(%d) = %q has %d characters, want %d", serial, number, len(number), format.Length())
		}
		got, err := format.Parse(number)
		if err != nil || got != serial {
			t.Fatalf("Parse(Number(%d) = %q) = %d, %v", serial, number, got, err)
		}
	})
}
