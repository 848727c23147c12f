package labeltest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// requireEnv makes Require fail rather than skip; CI sets it so that a
// missing tool cannot turn the label tests into silent skips.
const requireEnv = "EWAYBILL_REQUIRE_LABEL_TOOLS"

// Require checks that the programs behind tools are installed: "pdf" stands
// for pdftoppm, pdftotext and pdfinfo (poppler-utils), "zpl" for node and the
// npm package installed in internal/labeltest/zplrender. When one is missing
// it skips the test with a message that says how to install it, or fails the
// test with that message when EWAYBILL_REQUIRE_LABEL_TOOLS=1, as in CI. Call
// it at the top of tests that use RasterizePDF, PDFText, PDFPages or
// RenderZPL.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		problem, err := missing(tool)
		if err != nil {
			t.Fatalf("labeltest.Require: %v", err)
			return
		}
		if problem == "" {
			continue
		}
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("labeltest: %s (%s=1, so this fails instead of skipping)", problem, requireEnv)
			return
		}
		t.Skip("labeltest: " + problem)
		return
	}
}

// missing says what is missing for tool and how to install it, or "" when
// nothing is.
func missing(tool string) (string, error) {
	switch tool {
	case "pdf":
		for _, prog := range []string{"pdftoppm", "pdftotext", "pdfinfo"} {
			if _, err := exec.LookPath(prog); err != nil {
				return fmt.Sprintf("%s not found in PATH; install poppler-utils (apt-get install poppler-utils) to run this test", prog), nil
			}
		}
		return "", nil
	case "zpl":
		const install = "npm ci --prefix internal/labeltest/zplrender"
		if _, err := exec.LookPath("node"); err != nil {
			return fmt.Sprintf("node not found in PATH; install Node.js and run %s to run this test", install), nil
		}
		dir, err := zplrenderDir()
		if err != nil {
			return err.Error(), nil
		}
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "zpl-renderer-js", "package.json")); err != nil {
			return fmt.Sprintf("zpl-renderer-js is not installed in %s; run %s (from the repository root) to run this test", dir, install), nil
		}
		return "", nil
	default:
		return "", fmt.Errorf("unknown tool %q (want \"pdf\" or \"zpl\")", tool)
	}
}
