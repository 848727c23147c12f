package numbering

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// formatRules are the field and rule pairs Validate documents.
var formatRules = map[string]bool{
	"scheme unknown": true, "prefix charset": true, "prefix length": true, "serial_length range": true,
	"suffix not_allowed": true, "suffix required": true, "suffix charset": true, "suffix length": true,
}

// FuzzFormat builds Formats from arbitrary configuration (carriers send
// prefix, serial length, scheme and suffix) and checks that Validate
// never panics and refuses with a documented field and rule and a UTF-8
// message; that Number and Parse refuse an invalid Format with the same
// error; and that a valid Format prints every serial in range at Length
// characters of A to Z and 0 to 9, which parse back to the serial, while
// whatever Parse accepts of an arbitrary string prints as that string.
// The seed corpus is in testdata/fuzz/FuzzFormat.
func FuzzFormat(f *testing.F) {
	f.Add("SF", 13, 2, "", uint64(123456789012), "SF01234567890128")
	f.Add("EA", 8, 4, "CN", uint64(47326760), "EA473267601CN")
	f.Add("", 1, 0, "", uint64(1<<64-1), "")
	f.Add("sf", 0, 9, "cn", uint64(0), "\xff")
	f.Add("ABC1234", 19, -1, "CHN", uint64(0), "ABC1234")
	f.Fuzz(func(t *testing.T, prefix string, serialLength, scheme int, suffix string, serial uint64, number string) {
		format := Format{Prefix: prefix, SerialLength: serialLength, Scheme: Scheme(scheme), Suffix: suffix}
		err := format.Validate()
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !formatRules[fe.Field+" "+fe.Rule] || fe.Message == "" || !utf8.ValidString(fe.Message) {
				t.Fatalf("Validate(%+v) = %#v, not a documented field and rule with a UTF-8 message", format, err)
			}
			if _, nerr := format.Number(serial); nerr == nil || nerr.Error() != err.Error() {
				t.Fatalf("Number with invalid %+v: %v, want %v", format, nerr, err)
			}
			if _, perr := format.Parse(number); perr == nil || perr.Error() != err.Error() {
				t.Fatalf("Parse with invalid %+v: %v, want %v", format, perr, err)
			}
			return
		}
		max := format.MaxSerial()
		if max < 9 || max >= 1<<63 {
			t.Fatalf("valid %+v has MaxSerial %d", format, max)
		}
		serial %= max + 1
		printed, err := format.Number(serial)
		if err != nil || len(printed) != format.Length() || strings.Trim(printed, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			t.Fatalf("Number(%d) under %+v = %q, %v", serial, format, printed, err)
		}
		if got, err := format.Parse(printed); err != nil || got != serial {
			t.Fatalf("Parse(%q) = %d, %v; want %d", printed, got, err, serial)
		}
		if got, err := format.Parse(number); err == nil {
			if again, _ := format.Number(got); again != number {
				t.Fatalf("Parse(%q) = %d, which prints as %q", number, got, again)
			}
		}
	})
}

// The remainders a scheme cannot tell apart: both print the same check
// digit (see TestCheckDigitBlindSpots and the Scheme documentation).
var blindSpots = map[Scheme][2]int{
	SchemeMod11:  {0, 1}, // 11 − r: r = 0 gives 11 mod 11 = 0, and r = 1 gives 10, written 0
	SchemeUPUS10: {0, 6}, // 11 − r: r = 0 gives 11, written 5, and r = 6 gives 5
}

// remainder is the weighted digit sum of a serial's digits (as printed,
// zero-padded) modulo 11 under mod11 or S10, computed here from the
// definitions rather than by the package's code.
func remainder(s Scheme, digits string) int {
	sum := 0
	for i := range digits {
		d := int(digits[i] - '0')
		switch s {
		case SchemeMod11: // 2, 3, …, 7, 2, … from the rightmost digit
			sum += d * (2 + (len(digits)-1-i)%6)
		case SchemeUPUS10: // 8 6 4 2 3 5 9 7 from the left
			sum += d * [8]int{8, 6, 4, 2, 3, 5, 9, 7}[i]
		}
	}
	return sum % 11
}

// FuzzSingleDigitTypo mistypes one digit of a printed number (a serial
// digit or the check digit) as another digit and checks Parse against
// what each scheme promises: mod10 (Luhn) catches every such typo; mod7
// every one but a digit off by 7 (0↔7, 1↔8, 2↔9), since 7 divides the
// change; mod11 and S10 every one but those that move the weighted
// remainder between their two blind spots; every scheme catches a
// mistyped check digit; and without a check digit the typo is read as
// another serial. A caught typo is a check_digit error. The seed corpus
// is in testdata/fuzz/FuzzSingleDigitTypo.
func FuzzSingleDigitTypo(f *testing.F) {
	// (serial, format, position among the digits, typed digit as an
	// index into the other nine); the blind-spot typos are those of
	// TestCheckDigitBlindSpots.
	f.Add(uint64(7992739871), uint8(0), uint8(5), uint8(3))
	f.Add(uint64(1230), uint8(1), uint8(12), uint8(6))          // mod7: 1230 → 1237
	f.Add(uint64(1234567890123), uint8(2), uint8(12), uint8(7)) // mod11: …123 → …128
	f.Add(uint64(12345678), uint8(4), uint8(7), uint8(4))       // S10: 12345678 → 12345674
	f.Add(uint64(12345678), uint8(4), uint8(8), uint8(0))       // S10: the check digit
	f.Add(uint64(42), uint8(3), uint8(0), uint8(0))
	f.Add(uint64(0), uint8(5), uint8(1), uint8(8))
	f.Fuzz(func(t *testing.T, serial uint64, index, pos, digit uint8) {
		format := fuzzFormats[int(index)%len(fuzzFormats)]
		serial %= format.MaxSerial() + 1
		number, err := format.Number(serial)
		if err != nil {
			t.Fatal(err)
		}
		first := len(format.Prefix)
		digits := len(number) - len(format.Suffix) - first
		at := first + int(pos)%digits
		typed := '0' + digit%9
		if typed >= number[at] {
			typed++ // any digit but the one printed
		}
		typo := number[:at] + string(rune(typed)) + number[at+1:]
		got, err := format.Parse(typo)

		serialDigits := typo[first : first+format.SerialLength]
		onCheckDigit := at == first+format.SerialLength
		var missed bool // whether the scheme lets this typo through
		switch s := format.Scheme; {
		case s == SchemeNone:
			missed = true
		case onCheckDigit || s == SchemeMod10:
			missed = false
		case s == SchemeMod7:
			missed = typed == number[at]+7 || number[at] == typed+7
		default:
			r := [2]int{remainder(s, number[first:first+format.SerialLength]), remainder(s, serialDigits)}
			missed = r == blindSpots[s] || r == [2]int{blindSpots[s][1], blindSpots[s][0]}
		}
		if missed {
			want, _ := strconv.ParseUint(serialDigits, 10, 64)
			if err != nil || got != want {
				t.Fatalf("%v: Parse(%q), a typo of %q the scheme cannot catch = %d, %v; want %d", format.Scheme, typo, number, got, err, want)
			}
			return
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "number" || fe.Rule != "check_digit" {
			t.Fatalf("%v: Parse(%q), a typo of %q = %d, %v; want a check_digit error", format.Scheme, typo, number, got, err)
		}
	})
}

// FuzzScheme checks that ParseScheme accepts exactly the five names, each
// the String and MarshalText of its scheme, and refuses anything else as
// scheme/unknown with a UTF-8 message; and that for any Scheme value
// MarshalText succeeds exactly for the declared ones. The seed corpus is
// in testdata/fuzz/FuzzScheme.
func FuzzScheme(f *testing.F) {
	for _, name := range []string{"none", "mod7", "mod10", "mod11", "upu_s10", "", "MOD10", " mod7", "mod10\x00", "\xff"} {
		f.Add(name, 0)
	}
	f.Add("Scheme(9)", 9)
	f.Add("", -1)
	f.Fuzz(func(t *testing.T, name string, n int) {
		s, err := ParseScheme(name)
		var u Scheme
		uerr := u.UnmarshalText([]byte(name))
		if err == nil {
			text, merr := s.MarshalText()
			if s.String() != name || merr != nil || string(text) != name || uerr != nil || u != s {
				t.Fatalf("ParseScheme(%q) = %v, which reads back as %q / %q, %v; UnmarshalText: %v, %v", name, s, s.String(), text, merr, u, uerr)
			}
		} else {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "scheme" || fe.Rule != "unknown" || !utf8.ValidString(fe.Message) || uerr == nil {
				t.Fatalf("ParseScheme(%q) error %#v; UnmarshalText: %v", name, err, uerr)
			}
		}

		declared := n >= 0 && n <= int(SchemeUPUS10)
		text, err := Scheme(n).MarshalText()
		if (err == nil) != declared {
			t.Fatalf("Scheme(%d).MarshalText() = %q, %v", n, text, err)
		}
		if back, perr := ParseScheme(Scheme(n).String()); (perr == nil) != declared || declared && back != Scheme(n) {
			t.Fatalf("ParseScheme(Scheme(%d).String() = %q) = %v, %v", n, Scheme(n).String(), back, perr)
		}
	})
}
