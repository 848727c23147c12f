package server_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ewaybill/ewaybill/fault"
	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// Every reason the domain can return is in the proto enum and documented in
// the README, and every enum value is one the domain knows.
func TestErrorReasonsDocumentedAndInContract(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range fault.Reasons {
		known[r] = true
		if _, ok := ewaybillv1.ErrorReason_value["ERROR_REASON_"+r]; !ok {
			t.Errorf("reason %s missing from ewaybill.v1.ErrorReason", r)
		}
		if !strings.Contains(string(readme), "| `"+r+"` |") {
			t.Errorf("reason %s missing from the README's error table", r)
		}
	}
	for name, n := range ewaybillv1.ErrorReason_value {
		if n != 0 && !known[strings.TrimPrefix(name, "ERROR_REASON_")] {
			t.Errorf("enum value %s is not in fault.Reasons", name)
		}
	}
}
