package labeltest

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// RasterizePDF renders every page of pdf at dpi dots per inch with poppler's
// pdftoppm and returns one image per page, first page first.
func RasterizePDF(pdf []byte, dpi int) ([]image.Image, error) {
	if dpi <= 0 {
		return nil, fmt.Errorf("labeltest: RasterizePDF: dpi must be positive, got %d", dpi)
	}
	dir, file, err := writeTemp(pdf)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	if _, err := run(dir, nil, "pdftoppm", "-r", strconv.Itoa(dpi), "-png", file, filepath.Join(dir, "page")); err != nil {
		return nil, err
	}
	return readNumberedPNGs(dir, "page", "pdftoppm")
}

// PDFText extracts the text of pdf, as UTF-8, with poppler's pdftotext.
func PDFText(pdf []byte) (string, error) {
	dir, file, err := writeTemp(pdf)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)

	out, err := run(dir, nil, "pdftotext", "-enc", "UTF-8", file, "-")
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// PDFPages returns the number of pages poppler's pdfinfo reports for pdf.
func PDFPages(pdf []byte) (int, error) {
	dir, file, err := writeTemp(pdf)
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)

	out, err := run(dir, nil, "pdfinfo", file)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(out)) {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return 0, fmt.Errorf("labeltest: pdfinfo page count %q: %w", strings.TrimSpace(v), err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("labeltest: pdfinfo printed no Pages: line:\n%s", out)
}

// writeTemp puts pdf in a new temporary directory, where the poppler tools
// can read it and write beside it; the caller removes the directory.
func writeTemp(pdf []byte) (dir, file string, err error) {
	dir, err = os.MkdirTemp("", "labeltest-pdf-")
	if err != nil {
		return "", "", fmt.Errorf("labeltest: %w", err)
	}
	file = filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("labeltest: %w", err)
	}
	return dir, file, nil
}
