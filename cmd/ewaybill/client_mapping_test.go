package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// The files of testdata/mapping: a shop's profile and two of its orders,
// the second of which has a landline in its mobile field and a price with
// three decimals.
var (
	profileFile = filepath.Join("testdata", "mapping", "profile.json")
	ordersFile  = filepath.Join("testdata", "mapping", "orders.json")
)

// validationReport is what mapping validate prints for ordersFile.
const validationReport = `order 1 (T1): ok
order 2 (T2): 2 problem(s)
  order.items[1].declared_value_fen ← lines[1].price [decimals] the value of lines[1].price for order.items[1].declared_value_fen has more than two decimals; an amount in yuan is exact to the fen (0.01) (value "9.901")
  order.receiver.mobile ← buyer.contact.mobile [charset] mobile number must be 11 digits without spaces, hyphens or a +86 prefix; the character at position 5 is not a digit (value "****-******88")
warnings (likely mis-mappings, judged over all 2 samples):
  order.receiver.mobile ← buyer.contact.mobile [looks_like_landline] 1 of 2 sample orders give order.receiver.mobile values that look like landlines (an area code with a hyphen, a leading 0, or a 7- or 8-digit local number) rather than 11-digit mobiles; buyer.contact.mobile is likely a landline field: map it to receiver.landline, and map the mobile field to receiver.mobile (value "****-******88")
1 of 2 orders would be accepted
`

func TestClientMappingCommands(t *testing.T) {
	t.Setenv("EWAYBILL_KEY", "")
	ts := startTestServer(t)
	key := []string{"--key", ts.demo.MerchantKey}

	created, _ := ok(ts, &ewaybillv1.CreateMappingProfileResponse{}, append([]string{"mapping", "create", "--file", profileFile}, key...)...)
	p := created.GetMappingProfile()
	name := p.GetName()
	if !strings.HasPrefix(name, ts.demo.Merchant+"/mappingProfiles/") || p.GetVersion() != 1 || p.GetDisplayName() != "淘宝店铺" || len(p.GetFields()) != 17 ||
		p.GetFields()[15].GetUnit() != ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G {
		t.Fatalf("mapping create: %v", p)
	}
	got, _ := ok(ts, &ewaybillv1.GetMappingProfileResponse{}, append([]string{"mapping", "get", name}, key...)...)
	if got.GetMappingProfile().GetName() != name {
		t.Errorf("mapping get: %v", got)
	}
	// An admin names the merchant.
	listed, _ := ok(ts, &ewaybillv1.ListMappingProfilesResponse{}, "mapping", "list", "--merchant", ts.demo.Merchant, "--key", testAdminKey)
	if ps := listed.GetMappingProfiles(); len(ps) != 1 || ps[0].GetName() != name {
		t.Errorf("mapping list: %v", ps)
	}

	// The report: one line per order, its problems with the raw path and
	// the rule, the warnings, and the count; exit 1 as one would be refused.
	for _, args := range [][]string{
		{"mapping", "validate", ordersFile, "--profile", name},
		{"mapping", "validate", "--profile-file", profileFile, ordersFile},
	} {
		r := ts.run(append(args, key...)...)
		if r.code != exitRPC || r.stdout != validationReport || r.stderr != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", args, r.code, r.stderr, r.stdout, validationReport)
		}
	}

	// Orders one per line that all pass: exit 0.
	good := filepath.Join(t.TempDir(), "good.jsonl")
	lines := `{"tid": "G1", "buyer": {"contact": {"name": "王小明", "mobile": "13800138000"}, "addr": {"prov": "广东省", "city": "深圳市", "street": "科技园南路 1 号"}}, "lines": [{"title": "T恤"}], "weight_kg": 0.5}
{"tid": "G2", "buyer": {"contact": {"name": "赵六", "mobile": "13700137000"}, "addr": {"prov": "北京", "city": "北京市", "dist": "海淀区", "street": "中关村大街 1 号"}}, "lines": [{"title": "书", "qty": 3, "price": 45}], "weight_kg": 2}
`
	if err := os.WriteFile(good, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	r := ts.run(append([]string{"mapping", "validate", good, "--profile", name, "--carrier", "SF"}, key...)...)
	if want := "order 1 (G1): ok\norder 2 (G2): ok\n2 of 2 orders would be accepted\n"; r.code != exitOK || r.stdout != want || r.stderr != "" {
		t.Errorf("validate good orders: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
	}

	updateFile := filepath.Join(t.TempDir(), "profile-v2.json")
	raw, err := os.ReadFile(profileFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(updateFile, []byte(strings.Replace(string(raw), "淘宝店铺", "淘宝店铺 v2", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	updated, _ := ok(ts, &ewaybillv1.UpdateMappingProfileResponse{}, append([]string{"mapping", "update", name, "--file", updateFile}, key...)...)
	if u := updated.GetMappingProfile(); u.GetVersion() != 2 || u.GetDisplayName() != "淘宝店铺 v2" || u.GetName() != name {
		t.Errorf("mapping update: %v", u)
	}

	// A profile that cannot work is refused field by field, under the
	// request field it travels in.
	broken := filepath.Join(t.TempDir(), "broken.json")
	if err := os.WriteFile(broken, []byte(`{"displayName": "坏", "fields": [{"target": "order_code", "sources": ["tid"]}, {"target": "order_code", "sources": ["a..b"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ts.fails(exitRPC, []string{"reason: INVALID_REQUEST", "  mapping_profile.fields[1].target: ", "  mapping_profile.fields[1].sources[0]: "},
		append([]string{"mapping", "create", "--file", broken}, key...)...)
	ts.fails(exitRPC, []string{"reason: INVALID_REQUEST", "  inline_profile.fields[1].target: ", "  inline_profile.fields: "},
		append([]string{"mapping", "validate", ordersFile, "--profile-file", broken}, key...)...)

	notOrders := filepath.Join(t.TempDir(), "numbers.json")
	if err := os.WriteFile(notOrders, []byte(`[1, 2]`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"mapping", "validate", ordersFile}, "error: give --profile or --profile-file"},
		{[]string{"mapping", "validate", ordersFile, "--profile", name, "--profile-file", profileFile}, "error: give --profile or --profile-file"},
		{[]string{"mapping", "validate", filepath.Join(t.TempDir(), "missing.json"), "--profile", name}, "error: read "},
		{[]string{"mapping", "validate", notOrders, "--profile", name}, "want a JSON array of order objects, or one object per line"},
		{[]string{"mapping", "create"}, "error: --file is required"},
		{[]string{"mapping", "create", "--file", ordersFile}, "is not a mapping profile"},
		{[]string{"mapping", "get", "nope"}, `error: NAME must look like merchants/{merchant}/mappingProfiles/{id}, not "nope"`},
	} {
		ts.fails(exitUsage, []string{c.want}, append(c.args, key...)...)
	}

	ok(ts, &ewaybillv1.DeleteMappingProfileResponse{}, append([]string{"mapping", "delete", name}, key...)...)
	ts.fails(exitRPC, []string{"error: NotFound:", "reason: RESOURCE_NOT_FOUND"}, append([]string{"mapping", "get", name}, key...)...)
	ts.fails(exitRPC, []string{"error: NotFound:"}, append([]string{"mapping", "validate", ordersFile, "--profile", name}, key...)...)
}
