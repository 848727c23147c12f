package paging

import (
	"testing"

	"github.com/ewaybill/ewaybill/fault"
)

func TestPage(t *testing.T) {
	cases := []struct {
		name      string
		size      int32
		token     string
		wantLimit int
		wantAfter string
		badField  string
	}{
		{"defaults", 0, "", DefaultSize, "", ""},
		{"explicit size", 7, "", 7, "", ""},
		{"max size", MaxSize, "", MaxSize, "", ""},
		{"round trip token", 10, Token("merchants/abc"), 10, "merchants/abc", ""},
		{"negative size", -1, "", 0, "", "page_size"},
		{"too large", MaxSize + 1, "", 0, "", "page_size"},
		{"not base64", 10, "%%%", 0, "", "page_token"},
		{"foreign token", 10, "YWJj", 0, "", "page_token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Page[int](c.size, c.token, nil)
			if c.badField != "" {
				fe, ok := fault.As(err)
				if !ok || fe.Kind != fault.KindInvalid || fe.Violations[0].Field != c.badField {
					t.Fatalf("want invalid %s, got %v", c.badField, err)
				}
				return
			}
			if err != nil || p.Limit != c.wantLimit || p.After != c.wantAfter {
				t.Fatalf("got %+v, %v; want limit %d after %q", p, err, c.wantLimit, c.wantAfter)
			}
		})
	}
	if Token("") != "" {
		t.Fatal("empty cursor must give an empty token")
	}
}
