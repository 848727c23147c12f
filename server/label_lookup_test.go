package server_test

import (
	"net/http"
	"testing"

	"google.golang.org/grpc/codes"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/labels"
)

// TestLookupLabels: a print station's scan finds the waybill by number or
// every package of an order by order code, with the prints so far, and
// nothing of another merchant's; unknown codes are NOT_FOUND.
func TestLookupLabels(t *testing.T) {
	w := newLabelWorld(t) // waybills 0–2: orders L-1, L-2, L-3
	e := w.e
	second := order("L-2")
	second.PackageId = "2"
	box2 := e.allocate(as(w.m.key), "carriers/SF", second, "").GetWaybill()
	w.render(w.printer, &ewaybillv1.RenderLabelsRequest{Numbers: w.numbers(1), Format: formatZPL, Purpose: purposePrint})
	e.cancel(as(w.m.key), w.waybills[2].GetName(), "buyer cancelled")

	other := e.shop(creditCodes[1], "SF")
	theirs := e.allocate(as(other.key), "carriers/SF", order("L-1"), "").GetWaybill()

	type row struct {
		number string
		state  ewaybillv1.WaybillState
		prints int32
		pkg    string
	}
	issued, printed, cancelled := ewaybillv1.WaybillState_WAYBILL_STATE_ISSUED, ewaybillv1.WaybillState_WAYBILL_STATE_PRINTED, ewaybillv1.WaybillState_WAYBILL_STATE_CANCELLED
	cases := []struct {
		name string
		code string
		want []row
	}{
		{"number", w.waybills[0].GetNumber(), []row{{w.waybills[0].GetNumber(), issued, 0, "1"}}},
		{"number with the scanner's white space", " " + w.waybills[1].GetNumber() + "\t", []row{{w.waybills[1].GetNumber(), printed, 1, "1"}}},
		{"order code, every package oldest first", "L-2", []row{{w.waybills[1].GetNumber(), printed, 1, "1"}, {box2.GetNumber(), issued, 0, "2"}}},
		{"order code shared with another merchant", "L-1", []row{{w.waybills[0].GetNumber(), issued, 0, "1"}}},
		{"cancelled waybill, with its state", w.waybills[2].GetNumber(), []row{{w.waybills[2].GetNumber(), cancelled, 0, "1"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := e.labels.LookupLabels(w.printer, &ewaybillv1.LookupLabelsRequest{Parent: w.m.name, Code: c.code})
			if err != nil {
				t.Fatal(err)
			}
			got := resp.GetCandidates()
			if len(got) != len(c.want) {
				t.Fatalf("%d candidates, want %d: %v", len(got), len(c.want), got)
			}
			for i, g := range got {
				want := c.want[i]
				if g.GetNumber() != want.number || g.GetState() != want.state || g.GetPrintCount() != want.prints ||
					g.GetPackageId() != want.pkg || g.GetCarrier() != "carriers/SF" || g.GetOrderCode() == "" ||
					g.GetWaybill() == "" || g.GetWaybill()[:len(w.m.name)] != w.m.name {
					t.Fatalf("candidate %d = %v, want %+v", i, g, want)
				}
			}
		})
	}

	// Another merchant's number is not found, exactly like one never issued.
	for _, code := range []string{theirs.GetNumber(), "SF999999999999", "NO-SUCH-ORDER"} {
		_, err := e.labels.LookupLabels(w.printer, &ewaybillv1.LookupLabelsRequest{Parent: w.m.name, Code: code})
		st := wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
		if errorMetadata(st)["code"] != code {
			t.Fatalf("%s: metadata %v", code, errorMetadata(st))
		}
	}
	// Nor may a printer look into another merchant.
	_, err := e.labels.LookupLabels(w.printer, &ewaybillv1.LookupLabelsRequest{Parent: other.name, Code: theirs.GetNumber()})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")

	long := make([]byte, labels.MaxCodeLength+1)
	for i := range long {
		long[i] = '9'
	}
	for code, rule := range map[string]string{"": "required", "  ": "required", string(long): "length", "L-1\n2": "control_character"} {
		_, err := e.labels.LookupLabels(w.printer, &ewaybillv1.LookupLabelsRequest{Parent: w.m.name, Code: code})
		if got := violations(wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST"))["code"]; got != rule {
			t.Fatalf("code %q: rule %q, want %q", code, got, rule)
		}
	}
}

// TestLookupLabelsOverREST: the console's scan box calls it with a
// printer key, as GET .../labels:lookup?code=.
func TestLookupLabelsOverREST(t *testing.T) {
	w := newLabelWorld(t)
	printer := printerSecret(t, w)
	status, body := w.e.rest("GET", "/v1/"+w.m.name+"/labels:lookup?code=L-3", printer, nil)
	if status != http.StatusOK {
		t.Fatalf("%d %v", status, body)
	}
	list, _ := body["candidates"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["number"] != w.waybills[2].GetNumber() {
		t.Fatalf("candidates %v", body)
	}
	if status, body := w.e.rest("GET", "/v1/"+w.m.name+"/labels:lookup?code=L-3", "", nil); status != http.StatusUnauthorized {
		t.Fatalf("without a key: %d %v", status, body)
	}
}

// TestCurrentAPIKey: every key, a printer's included, reads itself as
// apiKeys/current (role and merchant), and only itself.
func TestCurrentAPIKey(t *testing.T) {
	w := newLabelWorld(t)
	e := w.e
	printer := printerSecret(t, w)
	for _, c := range []struct {
		name, key string
		role      ewaybillv1.Role
		merchant  string
	}{
		{"admin", testAdminKey, ewaybillv1.Role_ROLE_ADMIN, ""},
		{"merchant", w.m.key, ewaybillv1.Role_ROLE_MERCHANT, w.m.name},
		{"printer", printer, ewaybillv1.Role_ROLE_PRINTER, w.m.name},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, err := e.keys.GetApiKey(as(c.key), &ewaybillv1.GetApiKeyRequest{Name: "apiKeys/current"})
			if err != nil {
				t.Fatal(err)
			}
			k := resp.GetApiKey()
			if k.GetRole() != c.role || k.GetMerchant() != c.merchant || k.GetSecretHint() != "…"+c.key[len(c.key)-4:] {
				t.Fatalf("current key = %v", k)
			}
			status, body := e.rest("GET", "/v1/apiKeys/current", c.key, nil)
			if got, _ := body["apiKey"].(map[string]any); status != http.StatusOK || got["name"] != k.GetName() {
				t.Fatalf("REST: %d %v", status, body)
			}
		})
	}
	// A printer reads no other key, its merchant's included.
	mine, err := e.keys.GetApiKey(as(w.m.key), &ewaybillv1.GetApiKeyRequest{Name: "apiKeys/current"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.keys.GetApiKey(as(printer), &ewaybillv1.GetApiKeyRequest{Name: mine.GetApiKey().GetName()})
	wantError(t, err, codes.PermissionDenied, "ROLE_NOT_PERMITTED")
	if status, _ := e.rest("GET", "/v1/apiKeys/current", "", nil); status != http.StatusUnauthorized {
		t.Fatalf("without a key: %d", status)
	}
}
