package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// readProfile reads a MappingProfile written as JSON (displayName, fields).
func readProfile(path string) (*ewaybillv1.MappingProfile, error) {
	if path == "" {
		return nil, usagef("--file is required: a JSON mapping profile with displayName and fields")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("read --file: %v", err)
	}
	p := &ewaybillv1.MappingProfile{}
	if err := protojson.Unmarshal(raw, p); err != nil {
		return nil, usagef("%s is not a mapping profile: %v", path, err)
	}
	return p, nil
}

// readRawOrders reads sample orders: a JSON array of objects, one object,
// or one object per line.
func readRawOrders(path string) ([]*structpb.Struct, error) {
	if path == "" {
		return nil, usagef("name the file of raw orders: a JSON array of orders, or one order per line")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("read %s: %v", path, err)
	}
	var objects []map[string]any
	trimmed := bytes.TrimSpace(raw)
	if bytes.HasPrefix(trimmed, []byte("[")) {
		err = json.Unmarshal(trimmed, &objects)
	} else {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		for {
			var o map[string]any
			if err = dec.Decode(&o); err == io.EOF {
				err = nil
				break
			} else if err != nil {
				break
			}
			objects = append(objects, o)
		}
	}
	if err != nil {
		return nil, usagef("%s: %v (want a JSON array of order objects, or one object per line)", path, err)
	}
	out := make([]*structpb.Struct, len(objects))
	for i, o := range objects {
		if out[i], err = structpb.NewStruct(o); err != nil {
			return nil, usagef("%s: order %d: %v", path, i+1, err)
		}
	}
	return out, nil
}

func mappingCreate(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID; a merchant key may leave it out for its own")
	file := fs.String("file", "", "JSON mapping profile: displayName and fields")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		p, err := readProfile(*file)
		if err != nil {
			return nil, err
		}
		return ewaybillv1.NewMappingServiceClient(conn).CreateMappingProfile(ctx, &ewaybillv1.CreateMappingProfileRequest{
			Parent: merchantName(*merchant), MappingProfile: p,
		})
	}
}

func mappingGet(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewMappingServiceClient(conn).GetMappingProfile(ctx, &ewaybillv1.GetMappingProfileRequest{Name: name})
	}
}

func mappingList(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID; a merchant key may leave it out for its own")
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewMappingServiceClient(conn).ListMappingProfiles(ctx, &ewaybillv1.ListMappingProfilesRequest{
			Parent: merchantName(*merchant), PageSize: *p.size, PageToken: *p.token,
		})
	}
}

func mappingUpdate(fs *flag.FlagSet) commandAction {
	file := fs.String("file", "", "JSON mapping profile: displayName and fields (replace the stored ones)")
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		p, err := readProfile(*file)
		if err != nil {
			return nil, err
		}
		p.Name = name
		return ewaybillv1.NewMappingServiceClient(conn).UpdateMappingProfile(ctx, &ewaybillv1.UpdateMappingProfileRequest{MappingProfile: p})
	}
}

func mappingDelete(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, name string) (proto.Message, error) {
		return ewaybillv1.NewMappingServiceClient(conn).DeleteMappingProfile(ctx, &ewaybillv1.DeleteMappingProfileRequest{Name: name})
	}
}

func mappingValidate(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID; a merchant key may leave it out for its own")
	profile := fs.String("profile", "", "a stored profile, merchants/ID/mappingProfiles/ID")
	profileFile := fs.String("profile-file", "", "or a JSON mapping profile to try before saving it")
	carrier := fs.String("carrier", "", "apply this carrier's rules too (carriers/CODE or CODE)")
	return func(ctx context.Context, conn grpc.ClientConnInterface, ordersFile string) (proto.Message, error) {
		req := &ewaybillv1.ValidateOrdersRequest{Parent: merchantName(*merchant), MappingProfile: *profile}
		if *carrier != "" {
			req.Carrier = carrierName(*carrier)
		}
		if (*profile == "") == (*profileFile == "") {
			return nil, usagef("give --profile or --profile-file")
		}
		if *profileFile != "" {
			p, err := readProfile(*profileFile)
			if err != nil {
				return nil, err
			}
			req.InlineProfile = p
		}
		raws, err := readRawOrders(ordersFile)
		if err != nil {
			return nil, err
		}
		req.Orders = raws
		return ewaybillv1.NewMappingServiceClient(conn).ValidateOrders(ctx, req)
	}
}

// writeValidationReport prints a dry run for people: one line per order,
// then its problems (canonical field ← raw path: rule, message, masked
// value), then the warnings. It reports whether every order passed.
func writeValidationReport(w io.Writer, r *ewaybillv1.ValidateOrdersResponse) bool {
	passed := 0
	for i, res := range r.GetResults() {
		code := res.GetOrder().GetOrderCode()
		if code == "" {
			code = "no order code"
		}
		if len(res.GetViolations()) == 0 {
			passed++
			fmt.Fprintf(w, "order %d (%s): ok\n", i+1, code)
			continue
		}
		fmt.Fprintf(w, "order %d (%s): %d problem(s)\n", i+1, code, len(res.GetViolations()))
		for _, v := range res.GetViolations() {
			fmt.Fprintf(w, "  %s\n", describeViolation(v))
		}
	}
	if len(r.GetWarnings()) > 0 {
		fmt.Fprintf(w, "warnings (likely mis-mappings, judged over all %d samples):\n", len(r.GetResults()))
		for _, v := range r.GetWarnings() {
			fmt.Fprintf(w, "  %s\n", describeViolation(v))
		}
	}
	fmt.Fprintf(w, "%d of %d orders would be accepted\n", passed, len(r.GetResults()))
	return passed == len(r.GetResults())
}

func describeViolation(v *ewaybillv1.MappingViolation) string {
	var b strings.Builder
	b.WriteString(v.GetField())
	if v.GetSource() != "" {
		fmt.Fprintf(&b, " ← %s", v.GetSource())
	}
	fmt.Fprintf(&b, " [%s] %s", v.GetRule(), v.GetMessage())
	if v.GetValue() != "" {
		fmt.Fprintf(&b, " (value %q)", v.GetValue())
	}
	return b.String()
}
