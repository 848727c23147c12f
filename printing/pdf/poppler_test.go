package pdf

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// poppler returns the path of a poppler-utils tool. Without it the test is
// skipped, unless EWAYBILL_REQUIRE_LABEL_TOOLS=1 says it must run.
func poppler(t *testing.T, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("EWAYBILL_REQUIRE_LABEL_TOOLS") == "1" {
			t.Fatalf("%s not found: install poppler-utils (.ci/run does)", tool)
		}
		t.Skipf("%s not found: install poppler-utils (.ci/run does)", tool)
	}
	return path
}

// runPoppler runs a poppler tool and fails on any complaint it prints, since
// poppler repairs what it can of a broken file and only warns.
func runPoppler(t *testing.T, tool string, args ...string) string {
	t.Helper()
	cmd := exec.Command(poppler(t, tool), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// writeSample writes the sample document to a temporary file.
func writeSample(t *testing.T) string {
	t.Helper()
	latin, cjk := testFonts(t)
	path := filepath.Join(t.TempDir(), "label.pdf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	d := sampleDocument(latin, cjk)
	n, err := d.WriteTo(f)
	if err != nil || n != int64(len(d.Bytes())) {
		t.Fatalf("WriteTo = %d, %v; want %d bytes", n, err, len(d.Bytes()))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPopplerText(t *testing.T) {
	path := writeSample(t)
	out := runPoppler(t, "pdftotext", "-enc", "UTF-8", path, "-")
	pages := strings.Split(strings.TrimSuffix(out, "\f"), "\f")
	if len(pages) != len(sampleText) {
		t.Fatalf("pdftotext found %d pages, want %d:\n%s", len(pages), len(sampleText), out)
	}
	for i, page := range pages {
		var got []string
		for _, line := range strings.Split(page, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				got = append(got, line)
			}
		}
		if strings.Join(got, "\n") != strings.Join(sampleText[i], "\n") {
			t.Errorf("page %d text:\n%s\nwant:\n%s", i+1, strings.Join(got, "\n"), strings.Join(sampleText[i], "\n"))
		}
	}
}

func TestPopplerInfo(t *testing.T) {
	path := writeSample(t)
	out := runPoppler(t, "pdfinfo", path)
	if m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(out); m == nil || m[1] != "2" {
		t.Errorf("pdfinfo pages: %v, want 2\n%s", m, out)
	}
	// 76 x 130 mm is 215.43 x 368.50 pt.
	m := regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo gives no page size:\n%s", out)
	}
	w, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	if !near(w, 215.43, 0.01) || !near(h, 368.50, 0.01) {
		t.Errorf("page size %v x %v pt, want 215.43 x 368.50", w, h)
	}
}

func TestPopplerFonts(t *testing.T) {
	path := writeSample(t)
	out := runPoppler(t, "pdffonts", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("pdffonts lists %d fonts, want 2:\n%s", len(lines)-2, out)
	}
	name := regexp.MustCompile(`^[A-Z]{6}\+(GoRegular|DroidSansFallback)-Identity-H$`)
	for _, line := range lines[2:] {
		f := strings.Fields(line)
		// name, type (two words), encoding, emb, sub, uni, object, generation
		if len(f) != 9 || !name.MatchString(f[0]) || f[1]+" "+f[2] != "CID TrueType" || f[3] != "Identity-H" || f[4] != "yes" || f[5] != "yes" || f[6] != "yes" {
			t.Errorf("pdffonts line %q, want a subset CID TrueType font, embedded, with ToUnicode", line)
		}
	}
}

func TestPopplerRaster(t *testing.T) {
	dir := t.TempDir()
	d := NewDocument()
	p := d.AddPage(76, 130)
	p.FillRect(10, 20, 30, 15, Black)
	p.FillRect(20, 25, 5, 5, White) // a hole in the black
	pdfPath := filepath.Join(dir, "rect.pdf")
	if err := os.WriteFile(pdfPath, d.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	runPoppler(t, "pdftoppm", "-r", "203", "-png", "-singlefile", pdfPath, filepath.Join(dir, "rect"))
	f, err := os.Open(filepath.Join(dir, "rect.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	const dpmm = 203 / 25.4
	if b := img.Bounds(); b.Dx() != 607 && b.Dx() != 608 {
		t.Errorf("76 mm at 203 dpi rasterised %d pixels wide, want 607 or 608", b.Dx())
	}
	for _, tt := range []struct {
		name  string
		x, y  float64 // mm
		black bool
	}{
		{"inside, top-left", 11, 21, true},
		{"inside, bottom-right", 39, 34, true},
		{"inside, right of the hole", 30, 27.5, true},
		{"the white hole", 22.5, 27.5, false},
		{"above", 25, 19, false},
		{"left", 9, 27.5, false},
		{"below", 25, 36, false},
		{"page corner", 1, 1, false},
	} {
		r, g, b, _ := img.At(int(tt.x*dpmm), int(tt.y*dpmm)).RGBA()
		if black := r+g+b < 3*0x4000; black != tt.black {
			t.Errorf("%s (%v, %v mm): pixel black = %v, want %v", tt.name, tt.x, tt.y, black, tt.black)
		}
	}
}

func near(a, b, tolerance float64) bool {
	return a-b <= tolerance && b-a <= tolerance
}
