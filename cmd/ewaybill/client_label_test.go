package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// TestClientLabelCommands renders a demo waybill's label from the command
// line: a preview to a file, then a recorded print, as a print station.
func TestClientLabelCommands(t *testing.T) {
	ts := startTestServer(t)
	merchantKey := []string{"--key", ts.demo.MerchantKey}
	printerKey := []string{"--key", ts.demo.PrinterKey}
	alloc, _ := ok(ts, &ewaybillv1.AllocateWaybillResponse{}, append([]string{"waybill", "allocate", "--carrier", "SF", "--order-code", "L-1",
		"--sender-name", "李四", "--sender-mobile", "13800138000", "--sender-province", "上海市", "--sender-city", "上海市",
		"--sender-district", "浦东新区", "--sender-address", "张江路 88 号 3 号楼",
		"--receiver-name", "王五", "--receiver-mobile", "13912345678", "--receiver-province", "广东省", "--receiver-city", "深圳市",
		"--receiver-district", "南山区", "--receiver-address", "科技园南区 6 栋 1201 室", "--item", "T恤*2", "--weight-grams", "500"}, merchantKey...)...)
	number := alloc.GetWaybill().GetNumber()
	dir := t.TempDir()

	preview, _ := ok(ts, &ewaybillv1.RenderLabelsResponse{}, append([]string{"label", "render", "--numbers", number, "--format", "pdf",
		"-o", filepath.Join(dir, "label.pdf")}, printerKey...)...)
	if l := preview.GetLabels()[0]; l.GetCopy() != 0 || l.GetRouting().GetSortCode() != "SF-755-NS-01" || preview.GetPrintJob() != nil {
		t.Fatalf("preview: %v", preview)
	}
	if len(preview.GetDocuments()[0].GetContent()) != 0 {
		t.Fatal("the document went to stdout as well as to the file")
	}
	if pdf, err := os.ReadFile(filepath.Join(dir, "label.pdf")); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("label.pdf: %v %q", err, pdf[:min(len(pdf), 8)])
	}

	printed, _ := ok(ts, &ewaybillv1.RenderLabelsResponse{}, append([]string{"label", "render", "--numbers", number, "--format", "png",
		"--dpi", "300", "--print", "-o", filepath.Join(dir, "label.png")}, printerKey...)...)
	if l := printed.GetLabels()[0]; l.GetCopy() != 1 || printed.GetPrintJob().GetName() == "" {
		t.Fatalf("print: %v", printed)
	}
	if png, err := os.ReadFile(filepath.Join(dir, "label.png")); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("label.png: %v", err)
	}
	jobs, _ := ok(ts, &ewaybillv1.ListPrintJobsResponse{}, append([]string{"label", "jobs"}, printerKey...)...)
	if len(jobs.GetPrintJobs()) != 1 || jobs.GetPrintJobs()[0].GetDpi() != 300 {
		t.Fatalf("jobs: %v", jobs)
	}
	ts.fails(exitUsage, []string{"-o is required"}, append([]string{"label", "render", "--numbers", number, "--format", "pdf"}, printerKey...)...)
	ts.fails(exitUsage, []string{"allowed: pdf, png, zpl"}, append([]string{"label", "render", "--numbers", number, "--format", "tiff", "-o", "x"}, printerKey...)...)
}
