package numbering

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestSchemeNames(t *testing.T) {
	tests := []struct {
		name   string
		scheme Scheme
		text   string
	}{
		{name: "none", scheme: SchemeNone, text: "none"},
		{name: "mod7", scheme: SchemeMod7, text: "mod7"},
		{name: "mod10", scheme: SchemeMod10, text: "mod10"},
		{name: "mod11", scheme: SchemeMod11, text: "mod11"},
		{name: "upu_s10", scheme: SchemeUPUS10, text: "upu_s10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.scheme.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
			got, err := ParseScheme(tt.text)
			if err != nil || got != tt.scheme {
				t.Errorf("ParseScheme(%q) = %v, %v; want %v", tt.text, got, err, tt.scheme)
			}
		})
	}
}

func TestParseSchemeRejectsUnknownNames(t *testing.T) {
	for _, name := range []string{"", "MOD10", "luhn", "s10", "upu-s10", " mod7"} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseScheme(name)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "scheme" || fe.Rule != "unknown" {
				t.Fatalf("ParseScheme(%q) error = %#v, want scheme/unknown", name, err)
			}
		})
	}
}

func TestUndeclaredSchemeString(t *testing.T) {
	if got := Scheme(9).String(); got != "Scheme(9)" {
		t.Errorf("Scheme(9).String() = %q", got)
	}
	if got := Scheme(-1).String(); got != "Scheme(-1)" {
		t.Errorf("Scheme(-1).String() = %q", got)
	}
}

func TestSchemeJSON(t *testing.T) {
	type config struct{ Scheme Scheme }
	tests := []struct {
		name    string
		json    string
		want    Scheme
		wantErr bool
	}{
		{name: "mod10", json: `{"Scheme":"mod10"}`, want: SchemeMod10},
		{name: "upu_s10", json: `{"Scheme":"upu_s10"}`, want: SchemeUPUS10},
		{name: "unknown name", json: `{"Scheme":"luhn"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			err := json.Unmarshal([]byte(tt.json), &c)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Unmarshal(%s) accepted %v", tt.json, c.Scheme)
				}
				return
			}
			if err != nil || c.Scheme != tt.want {
				t.Fatalf("Unmarshal(%s) = %v, %v; want %v", tt.json, c.Scheme, err, tt.want)
			}
			out, err := json.Marshal(c)
			if err != nil || string(out) != tt.json {
				t.Errorf("Marshal = %s, %v; want %s", out, err, tt.json)
			}
		})
	}
	if _, err := json.Marshal(config{Scheme: Scheme(9)}); err == nil {
		t.Error("Marshal of an undeclared scheme succeeded")
	}
}
