package labeltest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
)

// numberedPNG matches the files pdftoppm and zplrender/render.cjs write:
// PREFIX-N.png, where N counts from 1 and may be zero-padded.
var numberedPNG = regexp.MustCompile(`^([a-z]+)-([0-9]+)\.png$`)

// readNumberedPNGs decodes the PREFIX-N.png files that tool wrote into dir,
// in numeric order (page-10 after page-9, which lexical order gets wrong).
func readNumberedPNGs(dir, prefix, tool string) ([]image.Image, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("labeltest: reading %s output: %w", tool, err)
	}
	type numbered struct {
		n    int
		name string
	}
	var files []numbered
	for _, e := range entries {
		m := numberedPNG.FindStringSubmatch(e.Name())
		if m == nil || m[1] != prefix {
			continue
		}
		n, err := strconv.Atoi(m[2])
		if err != nil {
			return nil, fmt.Errorf("labeltest: %s wrote %s: %w", tool, e.Name(), err)
		}
		files = append(files, numbered{n, e.Name()})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("labeltest: %s wrote no images", tool)
	}
	slices.SortFunc(files, func(a, b numbered) int { return a.n - b.n })

	imgs := make([]image.Image, len(files))
	for i, f := range files {
		if f.n != i+1 {
			return nil, fmt.Errorf("labeltest: %s output has no %s %d (found %s)", tool, prefix, i+1, f.name)
		}
		data, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			return nil, fmt.Errorf("labeltest: %w", err)
		}
		if imgs[i], err = png.Decode(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("labeltest: decoding %s from %s: %w", f.name, tool, err)
		}
	}
	return imgs, nil
}
