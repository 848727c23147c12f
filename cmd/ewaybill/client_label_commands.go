package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

func labelFormatNames() enumNames { return namesOf(ewaybillv1.LabelFormat_value, "LABEL_FORMAT_", nil) }
func labelSizeNames() enumNames   { return namesOf(ewaybillv1.LabelSize_value, "LABEL_SIZE_", nil) }
func labelColorNames() enumNames {
	return namesOf(ewaybillv1.LabelColor_value, "LABEL_COLOR_", map[string]string{"monochrome": "mono", "grayscale": "gray"})
}
func labelFieldNames() enumNames { return namesOf(ewaybillv1.LabelField_value, "LABEL_FIELD_", nil) }

func labelRender(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID; merchant and printer keys may leave it out for their own")
	numbers := fs.String("numbers", "", "waybill numbers, comma-separated, at most 200; rendered in this order")
	format := enumVar(fs, "format", "document format", labelFormatNames())
	size := enumVar(fs, "size", "label stock (default 76x130)", labelSizeNames())
	dpi := int32Var(fs, "dpi", "203 (default) or 300, for png and zpl")
	color := enumVar(fs, "color", "png pixels: mono (default) or gray", labelColorNames())
	print := fs.Bool("print", false, "record a print (counts each waybill's prints, ISSUED becomes PRINTED); without it the labels are previews")
	reason := fs.String("reason", "", "why labels are printed again, kept on the print job")
	requestID := fs.String("request-id", "", "with --print: a retry with the same id returns the same job and counts nothing twice")
	out := fs.String("o", "", "file to write: the PDF or ZPL document, or the PNG (NAME-1.png, NAME-2.png … for several labels)")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		if *out == "" {
			return nil, usagef("-o is required: the file to write the labels to")
		}
		if *numbers == "" {
			return nil, usagef("--numbers is required: waybill numbers, comma-separated")
		}
		purpose := ewaybillv1.LabelPurpose_LABEL_PURPOSE_PREVIEW
		if *print {
			purpose = ewaybillv1.LabelPurpose_LABEL_PURPOSE_PRINT
		}
		resp, err := ewaybillv1.NewLabelServiceClient(conn).RenderLabels(ctx, &ewaybillv1.RenderLabelsRequest{
			Parent: merchantName(*merchant), Numbers: strings.Split(*numbers, ","),
			Format: ewaybillv1.LabelFormat(*format), Size: ewaybillv1.LabelSize(*size), Dpi: *dpi,
			Color: ewaybillv1.LabelColor(*color), Purpose: purpose, ReprintReason: *reason, RequestId: *requestID,
		})
		if err != nil {
			return nil, err
		}
		if err := writeDocuments(*out, resp.GetDocuments()); err != nil {
			return nil, err
		}
		// The summary goes to stdout; the documents are in the files.
		for _, d := range resp.GetDocuments() {
			d.Content = nil
		}
		return resp, nil
	}
}

// writeDocuments writes one document to path, or several as path's name
// with -1, -2 … before the extension.
func writeDocuments(path string, docs []*ewaybillv1.LabelDocument) error {
	for i, d := range docs {
		name := path
		if len(docs) > 1 {
			ext := filepath.Ext(path)
			name = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), i+1, ext)
		}
		if err := os.WriteFile(name, d.GetContent(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

func labelJobs(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID; merchant and printer keys may leave it out for their own")
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		return ewaybillv1.NewLabelServiceClient(conn).ListPrintJobs(ctx, &ewaybillv1.ListPrintJobsRequest{
			Parent: merchantName(*merchant), PageSize: *p.size, PageToken: *p.token,
		})
	}
}

func labelRoutingGet(*flag.FlagSet) commandAction {
	return func(ctx context.Context, conn grpc.ClientConnInterface, carrier string) (proto.Message, error) {
		return ewaybillv1.NewLabelServiceClient(conn).GetRoutingTable(ctx, &ewaybillv1.GetRoutingTableRequest{Name: carrier + "/routingTable"})
	}
}

func labelRoutingSet(fs *flag.FlagSet) commandAction {
	file := fs.String("file", "", `JSON routing table: {"rules": [{"province": "浙江省", "city": "杭州市", "district": "西湖区", "codes": {"sortCode": "571-XH-07", "shortDestination": "杭州西湖", "hub": "杭州转运中心"}}]}`)
	return func(ctx context.Context, conn grpc.ClientConnInterface, carrier string) (proto.Message, error) {
		if *file == "" {
			return nil, usagef("--file is required: a JSON routing table with rules")
		}
		raw, err := os.ReadFile(*file)
		if err != nil {
			return nil, usagef("read --file: %v", err)
		}
		t := &ewaybillv1.RoutingTable{}
		if err := protojson.Unmarshal(raw, t); err != nil {
			return nil, usagef("%s is not a routing table: %v", *file, err)
		}
		t.Name = carrier + "/routingTable"
		return ewaybillv1.NewLabelServiceClient(conn).UpdateRoutingTable(ctx, &ewaybillv1.UpdateRoutingTableRequest{RoutingTable: t})
	}
}

func labelTemplateGet(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		if *merchant == "" {
			return nil, usagef("--merchant is required")
		}
		return ewaybillv1.NewLabelServiceClient(conn).GetLabelTemplate(ctx, &ewaybillv1.GetLabelTemplateRequest{Name: merchantName(*merchant) + "/labelTemplate"})
	}
}

func labelTemplateSet(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "the merchant, merchants/ID or ID")
	reveal := fs.String("reveal", "", "personal data to print unmasked, comma-separated ("+strings.Join(labelFieldNames().list(), ", ")+"); empty masks everything")
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		if *merchant == "" {
			return nil, usagef("--merchant is required")
		}
		var fields []ewaybillv1.LabelField
		for _, name := range strings.Split(*reveal, ",") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			n, err := labelFieldNames().parse(name)
			if err != nil {
				return nil, usagef("--reveal %s: %v", name, err)
			}
			fields = append(fields, ewaybillv1.LabelField(n))
		}
		return ewaybillv1.NewLabelServiceClient(conn).UpdateLabelTemplate(ctx, &ewaybillv1.UpdateLabelTemplateRequest{
			LabelTemplate: &ewaybillv1.LabelTemplate{Name: merchantName(*merchant) + "/labelTemplate", RevealedFields: fields},
			UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"revealed_fields"}},
		})
	}
}

func auditList(fs *flag.FlagSet) commandAction {
	merchant := fs.String("merchant", "", "only events about this merchant, merchants/ID or ID")
	p := pageFlags(fs)
	return func(ctx context.Context, conn grpc.ClientConnInterface, _ string) (proto.Message, error) {
		m := ""
		if *merchant != "" {
			m = merchantName(*merchant)
		}
		return ewaybillv1.NewAuditServiceClient(conn).ListAuditEvents(ctx, &ewaybillv1.ListAuditEventsRequest{Merchant: m, PageSize: *p.size, PageToken: *p.token})
	}
}
