package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// TestMappingProfileLifecycle creates, reads, lists, updates and deletes a
// profile over gRPC: versions count updates, an update replaces every
// field, and a deleted profile is gone.
func TestMappingProfileLifecycle(t *testing.T) {
	clock := newFakeClock()
	e := startEnvWith(t, t.TempDir(), serverConfig(clock))
	m := e.approvedMerchant(creditCodes[0])
	ctx := as(m.key)

	created := e.createProfile(m, shopProfile("淘宝店铺"))
	if !strings.HasPrefix(created.GetName(), m.name+"/mappingProfiles/") || created.GetVersion() != 1 ||
		created.GetDisplayName() != "淘宝店铺" || !created.GetCreateTime().AsTime().Equal(clock.Now()) ||
		!proto.Equal(created.GetCreateTime(), created.GetUpdateTime()) {
		t.Fatalf("created: %v", created)
	}
	if want := shopProfile("").GetFields(); !fieldsEqual(created.GetFields(), want) {
		t.Fatalf("created fields:\n%v\nwant\n%v", created.GetFields(), want)
	}
	got, err := e.mappings.GetMappingProfile(ctx, &ewaybillv1.GetMappingProfileRequest{Name: created.GetName()})
	if err != nil || !proto.Equal(got.GetMappingProfile(), created) {
		t.Fatalf("get: %v, %v; want %v", got, err, created)
	}
	// An admin reads and lists every merchant's profiles.
	if got, err := e.mappings.GetMappingProfile(admin(), &ewaybillv1.GetMappingProfileRequest{Name: created.GetName()}); err != nil || !proto.Equal(got.GetMappingProfile(), created) {
		t.Fatalf("admin get: %v, %v", got, err)
	}

	clock.Advance(1)
	second := e.createProfile(m, shopProfile("京东店铺"))
	var listed []string
	req := &ewaybillv1.ListMappingProfilesRequest{Parent: m.name, PageSize: 1}
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		resp, err := e.mappings.ListMappingProfiles(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range resp.GetMappingProfiles() {
			listed = append(listed, p.GetName())
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	if want := []string{created.GetName(), second.GetName()}; !slices.Equal(listed, want) {
		t.Fatalf("list by pages of 1: %v, want %v", listed, want)
	}
	// A merchant key may leave the parent empty for its own.
	if own, err := e.mappings.ListMappingProfiles(ctx, &ewaybillv1.ListMappingProfilesRequest{}); err != nil || len(own.GetMappingProfiles()) != 2 {
		t.Fatalf("list with empty parent: %v, %v", own, err)
	}

	// An update replaces the display name and every field: what the new
	// version leaves out is gone.
	clock.Advance(1)
	next := &ewaybillv1.MappingProfile{Name: created.GetName(), DisplayName: "淘宝店铺 v2", Version: 99,
		Fields: slices.DeleteFunc(shopProfile("").GetFields(), func(f *ewaybillv1.FieldMapping) bool {
			return f.GetTarget() == "remark" || f.GetTarget() == "receiver.district"
		})}
	updated, err := e.mappings.UpdateMappingProfile(ctx, &ewaybillv1.UpdateMappingProfileRequest{MappingProfile: next})
	if err != nil {
		t.Fatal(err)
	}
	u := updated.GetMappingProfile()
	if u.GetVersion() != 2 || u.GetDisplayName() != "淘宝店铺 v2" || !fieldsEqual(u.GetFields(), next.GetFields()) ||
		!proto.Equal(u.GetCreateTime(), created.GetCreateTime()) || !u.GetUpdateTime().AsTime().Equal(clock.Now()) {
		t.Fatalf("updated: %v", u)
	}
	if got, _ := e.mappings.GetMappingProfile(ctx, &ewaybillv1.GetMappingProfileRequest{Name: created.GetName()}); !proto.Equal(got.GetMappingProfile(), u) {
		t.Fatalf("stored after update: %v, want %v", got.GetMappingProfile(), u)
	}
	again, err := e.mappings.UpdateMappingProfile(ctx, &ewaybillv1.UpdateMappingProfileRequest{MappingProfile: next})
	if err != nil || again.GetMappingProfile().GetVersion() != 3 {
		t.Fatalf("second update: %v, %v", again, err)
	}

	if _, err := e.mappings.DeleteMappingProfile(ctx, &ewaybillv1.DeleteMappingProfileRequest{Name: created.GetName()}); err != nil {
		t.Fatal(err)
	}
	_, err = e.mappings.GetMappingProfile(ctx, &ewaybillv1.GetMappingProfileRequest{Name: created.GetName()})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	_, err = e.mappings.DeleteMappingProfile(ctx, &ewaybillv1.DeleteMappingProfileRequest{Name: created.GetName()})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	_, err = e.mappings.UpdateMappingProfile(ctx, &ewaybillv1.UpdateMappingProfileRequest{MappingProfile: next})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	if left, err := e.mappings.ListMappingProfiles(ctx, &ewaybillv1.ListMappingProfilesRequest{Parent: m.name}); err != nil ||
		len(left.GetMappingProfiles()) != 1 || left.GetMappingProfiles()[0].GetName() != second.GetName() {
		t.Fatalf("list after delete: %v, %v", left, err)
	}
}

// TestMappingProfileRefused: a profile that cannot work is refused when
// saved, on create and on update, naming each problem by the profile field
// it is in; a refused update leaves the stored version alone.
func TestMappingProfileRefused(t *testing.T) {
	e := newEnv(t)
	m := e.approvedMerchant(creditCodes[0])
	stored := e.createProfile(m, shopProfile("店铺"))

	// without drops the mappings of targets from shopProfile.
	without := func(targets ...string) []*ewaybillv1.FieldMapping {
		return slices.DeleteFunc(shopProfile("").GetFields(), func(f *ewaybillv1.FieldMapping) bool {
			return slices.Contains(targets, f.GetTarget())
		})
	}
	kg := ewaybillv1.UnitConversion_UNIT_CONVERSION_KG_TO_G
	cases := []struct {
		name    string
		display string
		fields  []*ewaybillv1.FieldMapping
		want    []string
	}{
		{"field mapped twice, impossible paths, required field unmapped", "店铺",
			append(without("sender.address"),
				&ewaybillv1.FieldMapping{Target: "order_code", Sources: []string{"order_no"}},
				&ewaybillv1.FieldMapping{Target: "package_id", Sources: []string{"a..b"}},
				&ewaybillv1.FieldMapping{Target: "receiver.postcode", Sources: []string{"lines[].x"}}),
			[]string{
				"mapping_profile.fields[17].target duplicate",
				"mapping_profile.fields[18].sources[0] path",
				"mapping_profile.fields[19].sources[0] array",
				"mapping_profile.fields required",
			}},
		{"no contact for the receiver and no name", "",
			without("receiver.mobile", "receiver.name"),
			[]string{
				"mapping_profile.display_name required",
				"mapping_profile.fields required",
				"mapping_profile.fields required",
			}},
		{"transforms that do not fit their target", "店铺",
			append(without("parcel.weight_grams", "receiver.city"),
				&ewaybillv1.FieldMapping{Target: "parcel.weight_grams", Sources: []string{"w1", "w2"}, Unit: kg},
				&ewaybillv1.FieldMapping{Target: "receiver.city", Sources: []string{"city"}, Unit: kg},
				&ewaybillv1.FieldMapping{Target: "insured_value_fen", DefaultValue: proto.String("1.234"),
					Unit: ewaybillv1.UnitConversion_UNIT_CONVERSION_YUAN_TO_FEN},
				&ewaybillv1.FieldMapping{Target: "receiver.phone", Sources: []string{"phone"}},
				&ewaybillv1.FieldMapping{Target: "package_id", Sources: []string{"pkg"}, FixedValue: proto.String("1")}),
			[]string{
				"mapping_profile.fields[16].sources join",
				"mapping_profile.fields[17].unit unit",
				"mapping_profile.fields[18].default_value decimals",
				"mapping_profile.fields[19].target unknown_target",
				"mapping_profile.fields[20].fixed_value fixed",
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.mappings.CreateMappingProfile(as(m.key), &ewaybillv1.CreateMappingProfileRequest{
				Parent: m.name, MappingProfile: &ewaybillv1.MappingProfile{DisplayName: c.display, Fields: c.fields}})
			st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			if got := fieldRules(st); !slices.Equal(got, c.want) {
				t.Fatalf("create violations:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			_, err = e.mappings.UpdateMappingProfile(as(m.key), &ewaybillv1.UpdateMappingProfileRequest{
				MappingProfile: &ewaybillv1.MappingProfile{Name: stored.GetName(), DisplayName: c.display, Fields: c.fields}})
			st = wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
			if got := fieldRules(st); !slices.Equal(got, c.want) {
				t.Fatalf("update violations:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
	list, err := e.mappings.ListMappingProfiles(as(m.key), &ewaybillv1.ListMappingProfilesRequest{Parent: m.name})
	if err != nil || len(list.GetMappingProfiles()) != 1 || !proto.Equal(list.GetMappingProfiles()[0], stored) {
		t.Fatalf("refusals changed the stored profiles: %v, %v", list, err)
	}

	// The messages say what to do about each problem.
	_, err = e.mappings.CreateMappingProfile(as(m.key), &ewaybillv1.CreateMappingProfileRequest{
		Parent: m.name, MappingProfile: &ewaybillv1.MappingProfile{DisplayName: "x", Fields: without("sender.address")}})
	st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	if d := descriptions(st)["mapping_profile.fields"]; !strings.Contains(d, "sender.address is required") {
		t.Fatalf("unmapped sender.address explained as %q", d)
	}
}

// TestMappingProfileIsolation: a merchant's profiles do not exist for
// another merchant, and printer keys manage none.
func TestMappingProfileIsolation(t *testing.T) {
	e := newEnv(t)
	a := e.approvedMerchant(creditCodes[0])
	b := e.approvedMerchant(creditCodes[1])
	printer := e.createKey(admin(), ewaybillv1.Role_ROLE_PRINTER, a.name)
	theirs := e.createProfile(a, shopProfile("A 的店铺"))
	raw := rawStruct(t, shopOrder("T1"))

	type call func(key string) error
	calls := map[string]call{
		"get": func(key string) error {
			_, err := e.mappings.GetMappingProfile(as(key), &ewaybillv1.GetMappingProfileRequest{Name: theirs.GetName()})
			return err
		},
		"update": func(key string) error {
			p := shopProfile("taken over")
			p.Name = theirs.GetName()
			_, err := e.mappings.UpdateMappingProfile(as(key), &ewaybillv1.UpdateMappingProfileRequest{MappingProfile: p})
			return err
		},
		"delete": func(key string) error {
			_, err := e.mappings.DeleteMappingProfile(as(key), &ewaybillv1.DeleteMappingProfileRequest{Name: theirs.GetName()})
			return err
		},
		"list": func(key string) error {
			_, err := e.mappings.ListMappingProfiles(as(key), &ewaybillv1.ListMappingProfilesRequest{Parent: a.name})
			return err
		},
		"create": func(key string) error {
			_, err := e.mappings.CreateMappingProfile(as(key), &ewaybillv1.CreateMappingProfileRequest{Parent: a.name, MappingProfile: shopProfile("planted")})
			return err
		},
		"validate with A's parent": func(key string) error {
			_, err := e.mappings.ValidateOrders(as(key), &ewaybillv1.ValidateOrdersRequest{
				Parent: a.name, InlineProfile: shopProfile("x"), Orders: []*structpb.Struct{raw}})
			return err
		},
	}
	for name, c := range calls {
		t.Run("merchant B "+name, func(t *testing.T) {
			wantError(t, c(b.key), codes.NotFound, "RESOURCE_NOT_FOUND")
		})
		t.Run("printer "+name, func(t *testing.T) {
			wantError(t, c(printer), codes.PermissionDenied, "ROLE_NOT_PERMITTED")
		})
	}
	// B's own parent with A's profile: still not found.
	_, err := e.mappings.ValidateOrders(as(b.key), &ewaybillv1.ValidateOrdersRequest{
		Parent: b.name, MappingProfile: theirs.GetName(), Orders: []*structpb.Struct{raw}})
	wantError(t, err, codes.NotFound, "RESOURCE_NOT_FOUND")
	// B lists only its own (none).
	if own, err := e.mappings.ListMappingProfiles(as(b.key), &ewaybillv1.ListMappingProfilesRequest{}); err != nil || len(own.GetMappingProfiles()) != 0 {
		t.Fatalf("B's own list: %v, %v", own, err)
	}
	// Nothing B or the printer tried changed A's profile.
	got, err := e.mappings.GetMappingProfile(as(a.key), &ewaybillv1.GetMappingProfileRequest{Name: theirs.GetName()})
	if err != nil || !proto.Equal(got.GetMappingProfile(), theirs) {
		t.Fatalf("A's profile after the attempts: %v, %v", got, err)
	}
	if list, _ := e.mappings.ListMappingProfiles(admin(), &ewaybillv1.ListMappingProfilesRequest{Parent: a.name}); len(list.GetMappingProfiles()) != 1 {
		t.Fatalf("A's profiles: %v", list)
	}
	// The admin manages profiles for a merchant by naming it.
	made, err := e.mappings.CreateMappingProfile(admin(), &ewaybillv1.CreateMappingProfileRequest{Parent: b.name, MappingProfile: shopProfile("B 的店铺")})
	if err != nil || !strings.HasPrefix(made.GetMappingProfile().GetName(), b.name+"/mappingProfiles/") {
		t.Fatalf("admin creates for B: %v, %v", made, err)
	}
	_, err = e.mappings.CreateMappingProfile(admin(), &ewaybillv1.CreateMappingProfileRequest{MappingProfile: shopProfile("nobody's")})
	st := wantError(t, err, codes.InvalidArgument, "INVALID_REQUEST")
	if _, ok := violations(st)["parent"]; !ok {
		t.Fatalf("admin create without parent: %v", violations(st))
	}
}

// TestMappingProfileREST runs the lifecycle through the gateway, with the
// same refusals as over gRPC.
func TestMappingProfileREST(t *testing.T) {
	e := newEnv(t)
	m := e.approvedMerchant(creditCodes[0])
	other := e.approvedMerchant(creditCodes[1])
	profile := map[string]any{
		"displayName": "有赞店铺",
		"fields": []any{
			map[string]any{"target": "order_code", "sources": []any{"tid"}, "trim": true},
			map[string]any{"target": "sender.name", "fixedValue": "演示商贸"},
			map[string]any{"target": "sender.mobile", "fixedValue": "13912345678"},
			map[string]any{"target": "sender.province", "fixedValue": "浙江省"},
			map[string]any{"target": "sender.city", "fixedValue": "杭州市"},
			map[string]any{"target": "sender.address", "fixedValue": "文一西路 969 号"},
			map[string]any{"target": "receiver.name", "sources": []any{"buyer.contact.name"}, "trim": true},
			map[string]any{"target": "receiver.mobile", "sources": []any{"buyer.contact.mobile"}},
			map[string]any{"target": "receiver.province", "sources": []any{"buyer.addr.prov"}},
			map[string]any{"target": "receiver.city", "sources": []any{"buyer.addr.city"}},
			map[string]any{"target": "receiver.address", "sources": []any{"buyer.addr.city", "buyer.addr.street"}, "joinSeparator": ""},
			map[string]any{"target": "items[].name", "sources": []any{"lines[].title"}},
			map[string]any{"target": "parcel.weight_grams", "sources": []any{"weight_kg"}, "unit": "UNIT_CONVERSION_KG_TO_G"},
		},
	}
	base := "/v1/" + m.name + "/mappingProfiles"
	code, out := e.rest("POST", base, m.key, profile)
	created, _ := out["mappingProfile"].(map[string]any)
	name, _ := created["name"].(string)
	if code != http.StatusOK || !strings.HasPrefix(name, m.name+"/mappingProfiles/") || created["version"] != "1" ||
		created["displayName"] != "有赞店铺" || len(created["fields"].([]any)) != 13 {
		t.Fatalf("REST create: %d %v", code, out)
	}
	if f := created["fields"].([]any)[12].(map[string]any); f["unit"] != "UNIT_CONVERSION_KG_TO_G" || f["target"] != "parcel.weight_grams" {
		t.Fatalf("REST create: weight mapping %v", f)
	}

	code, out = e.rest("GET", "/v1/"+name, m.key, nil)
	if code != http.StatusOK || out["mappingProfile"].(map[string]any)["name"] != name {
		t.Fatalf("REST get: %d %v", code, out)
	}
	code, out = e.rest("GET", base, m.key, nil)
	if list, _ := out["mappingProfiles"].([]any); code != http.StatusOK || len(list) != 1 || list[0].(map[string]any)["name"] != name {
		t.Fatalf("REST list: %d %v", code, out)
	}

	// PUT replaces the profile; the name comes from the path.
	profile["displayName"] = "有赞店铺 v2"
	profile["fields"] = append(profile["fields"].([]any), map[string]any{"target": "remark", "defaultValue": "轻放"})
	code, out = e.rest("PUT", "/v1/"+name, m.key, profile)
	updated, _ := out["mappingProfile"].(map[string]any)
	if code != http.StatusOK || updated["name"] != name || updated["version"] != "2" || updated["displayName"] != "有赞店铺 v2" ||
		len(updated["fields"].([]any)) != 14 {
		t.Fatalf("REST update: %d %v", code, out)
	}

	refused := map[string]any{"displayName": "坏", "fields": []any{
		map[string]any{"target": "order_code", "sources": []any{"tid"}},
		map[string]any{"target": "order_code", "sources": []any{"no"}},
		map[string]any{"target": "receiver.mobile", "sources": []any{"lines[].x"}},
	}}
	for _, c := range []struct{ method, path string }{{"POST", base}, {"PUT", "/v1/" + name}} {
		code, out = e.rest(c.method, c.path, m.key, refused)
		if code != http.StatusBadRequest || restReason(out) != "INVALID_REQUEST" || !restHasViolation(out, "mapping_profile.fields[1].target") ||
			!restHasViolation(out, "mapping_profile.fields[2].sources[0]") || !restHasViolation(out, "mapping_profile.fields") {
			t.Fatalf("REST %s refused profile: %d %v", c.method, code, out)
		}
	}
	for _, c := range []struct{ method, path string }{{"GET", "/v1/" + name}, {"DELETE", "/v1/" + name}, {"GET", base}} {
		code, out = e.rest(c.method, c.path, other.key, nil)
		if code != http.StatusNotFound || restReason(out) != "RESOURCE_NOT_FOUND" {
			t.Fatalf("REST %s %s by another merchant: %d %v", c.method, c.path, code, out)
		}
	}

	code, out = e.rest("DELETE", "/v1/"+name, m.key, nil)
	if code != http.StatusOK {
		t.Fatalf("REST delete: %d %v", code, out)
	}
	code, out = e.rest("GET", "/v1/"+name, m.key, nil)
	if code != http.StatusNotFound || restReason(out) != "RESOURCE_NOT_FOUND" {
		t.Fatalf("REST get after delete: %d %v", code, out)
	}
}

// fieldsEqual compares field mappings.
func fieldsEqual(a, b []*ewaybillv1.FieldMapping) bool {
	return slices.EqualFunc(a, b, func(x, y *ewaybillv1.FieldMapping) bool { return proto.Equal(x, y) })
}
