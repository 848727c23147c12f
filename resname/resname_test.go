package resname

import (
	"strings"
	"testing"

	"github.com/ewaybill/ewaybill/fault"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		input   string
		pattern []string
		want    string
		shape   string
	}{
		{"merchant", "merchants/0193-ab", []string{"merchants", "*"}, "0193-ab", ""},
		{"nested", "merchants/m1/carrierAuthorizations/a1", []string{"merchants", "*", "carrierAuthorizations", "*"}, "m1,a1", ""},
		{"wildcard", "merchants/-", []string{"merchants", "*"}, "-", ""},
		{"wrong collection", "carriers/SF", []string{"merchants", "*"}, "", `"merchants/{merchant}"`},
		{"too short", "merchants", []string{"merchants", "*"}, "", `"merchants/{merchant}"`},
		{"empty id", "merchants/", []string{"merchants", "*"}, "", `"merchants/{merchant}"`},
		{"slash smuggling", "merchants/a/../b", []string{"merchants", "*"}, "", `"merchants/{merchant}"`},
		{"odd characters", "merchants/a b", []string{"merchants", "*"}, "", `"merchants/{merchant}"`},
		{"nested shape", "merchants/m1", []string{"merchants", "*", "carrierAuthorizations", "*"}, "", `"merchants/{merchant}/carrierAuthorizations/{carrierAuthorization}"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, err := Parse("name", c.input, c.pattern...)
			if c.shape != "" {
				fe, ok := fault.As(err)
				if !ok || fe.Violations[0].Field != "name" || fe.Violations[0].Rule != "resource_name" || !strings.Contains(fe.Message, c.shape) {
					t.Fatalf("want shape error %s, got %v", c.shape, err)
				}
				return
			}
			if err != nil || strings.Join(ids, ",") != c.want {
				t.Fatalf("got %v, %v; want %s", ids, err, c.want)
			}
		})
	}
}
