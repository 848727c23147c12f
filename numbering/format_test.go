package numbering

import (
	"errors"
	"strings"
	"testing"
)

// wantFieldError fails t unless err is a *FieldError with field and rule and,
// when msgHas is set, a message containing it. Empty field and rule mean nil.
func wantFieldError(t *testing.T, err error, field, rule, msgHas string) {
	t.Helper()
	if field == "" && rule == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %#v, want *FieldError %s/%s", err, field, rule)
	}
	if fe.Field != field || fe.Rule != rule {
		t.Fatalf("error = %s/%s (%s), want %s/%s", fe.Field, fe.Rule, fe.Message, field, rule)
	}
	if fe.Error() != fe.Message {
		t.Errorf("Error() = %q, want the message %q", fe.Error(), fe.Message)
	}
	if msgHas != "" && !strings.Contains(fe.Message, msgHas) {
		t.Errorf("message %q does not contain %q", fe.Message, msgHas)
	}
}

func TestFormatValidate(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		field  string
		rule   string
		msgHas string
	}{
		{name: "SF-like", format: sfLike},
		{name: "no prefix", format: ztoLike},
		{name: "S10", format: emsS10},
		{name: "six-character prefix, 18 digits", format: widestFmt},
		{name: "one digit", format: oneDigit},

		{name: "undeclared scheme", format: Format{SerialLength: 12, Scheme: Scheme(9)}, field: "scheme", rule: "unknown", msgHas: "Scheme(9)"},
		{name: "negative scheme", format: Format{SerialLength: 12, Scheme: Scheme(-1)}, field: "scheme", rule: "unknown"},
		{name: "lowercase prefix", format: Format{Prefix: "sf", SerialLength: 13}, field: "prefix", rule: "charset", msgHas: "position 1"},
		{name: "hyphen in prefix", format: Format{Prefix: "SF-", SerialLength: 13}, field: "prefix", rule: "charset", msgHas: "position 3"},
		{name: "Chinese prefix", format: Format{Prefix: "顺丰", SerialLength: 13}, field: "prefix", rule: "charset", msgHas: "position 1"},
		{name: "seven-character prefix", format: Format{Prefix: "ABCDEFG", SerialLength: 13}, field: "prefix", rule: "length", msgHas: "at most 6 characters; got 7"},
		{name: "zero serial length", format: Format{Prefix: "SF"}, field: "serial_length", rule: "range", msgHas: "1 to 18 digits; got 0"},
		{name: "19-digit serial", format: Format{SerialLength: 19}, field: "serial_length", rule: "range", msgHas: "got 19"},
		{name: "negative serial length", format: Format{SerialLength: -1}, field: "serial_length", rule: "range"},
		{name: "suffix without S10", format: Format{Prefix: "SF", SerialLength: 13, Scheme: SchemeMod10, Suffix: "CN"}, field: "suffix", rule: "not_allowed", msgHas: "scheme mod10"},
		{name: "S10 one-letter prefix", format: Format{Prefix: "E", SerialLength: 8, Scheme: SchemeUPUS10, Suffix: "CN"}, field: "prefix", rule: "length", msgHas: "got 1"},
		{name: "S10 no prefix", format: Format{SerialLength: 8, Scheme: SchemeUPUS10, Suffix: "CN"}, field: "prefix", rule: "length", msgHas: "got 0"},
		{name: "S10 three-letter prefix", format: Format{Prefix: "EAB", SerialLength: 8, Scheme: SchemeUPUS10, Suffix: "CN"}, field: "prefix", rule: "length"},
		{name: "S10 digit in prefix", format: Format{Prefix: "E1", SerialLength: 8, Scheme: SchemeUPUS10, Suffix: "CN"}, field: "prefix", rule: "charset", msgHas: "position 2"},
		{name: "S10 nine digits", format: Format{Prefix: "EA", SerialLength: 9, Scheme: SchemeUPUS10, Suffix: "CN"}, field: "serial_length", rule: "range", msgHas: "serial length of 8; got 9"},
		{name: "S10 no suffix", format: Format{Prefix: "EA", SerialLength: 8, Scheme: SchemeUPUS10}, field: "suffix", rule: "required", msgHas: "country code"},
		{name: "S10 lowercase suffix", format: Format{Prefix: "EA", SerialLength: 8, Scheme: SchemeUPUS10, Suffix: "cn"}, field: "suffix", rule: "charset"},
		{name: "S10 three-letter suffix", format: Format{Prefix: "EA", SerialLength: 8, Scheme: SchemeUPUS10, Suffix: "CHN"}, field: "suffix", rule: "length", msgHas: "got 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFieldError(t, tt.format.Validate(), tt.field, tt.rule, tt.msgHas)
		})
	}
}

func TestFormatMaxSerialAndLength(t *testing.T) {
	tests := []struct {
		name       string
		format     Format
		wantMax    uint64
		wantLength int
	}{
		{name: "one digit with check", format: oneDigit, wantMax: 9, wantLength: 2},
		{name: "S10", format: emsS10, wantMax: 99_999_999, wantLength: 13},
		{name: "SF-like", format: sfLike, wantMax: 9_999_999_999_999, wantLength: 16},
		{name: "no check digit", format: ztoLike, wantMax: 999_999_999_999, wantLength: 12},
		{name: "prefix without check digit", format: Format{Prefix: "JD", SerialLength: 13}, wantMax: 9_999_999_999_999, wantLength: 15},
		{name: "18 digits", format: widestFmt, wantMax: 999_999_999_999_999_999, wantLength: 25},
		{name: "zero length has no serials", format: Format{}, wantMax: 0, wantLength: 0},
		{name: "19 digits has no serials", format: Format{SerialLength: 19}, wantMax: 0, wantLength: 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.format.MaxSerial(); got != tt.wantMax {
				t.Errorf("MaxSerial() = %d, want %d", got, tt.wantMax)
			}
			if got := tt.format.Length(); got != tt.wantLength {
				t.Errorf("Length() = %d, want %d", got, tt.wantLength)
			}
		})
	}
}
