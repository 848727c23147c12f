package printing

import (
	"io"
	"testing"
)

// The renderers' costs per label, for benchstat comparisons. Compose is
// included: a render always lays out first.

func BenchmarkComposeAndZPL(b *testing.B) {
	for b.Loop() {
		if err := RenderZPL(io.Discard, []*Layout{compose(b, sample(), Size76x130)}, 203); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkComposeAndPNG203(b *testing.B) {
	for b.Loop() {
		if _, err := RenderPNG(compose(b, sample(), Size76x130), 203, Mono); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkComposeAndPDF(b *testing.B) {
	for b.Loop() {
		RenderPDF([]*Layout{compose(b, sample(), Size76x130)})
	}
}

func BenchmarkPDF200(b *testing.B) {
	layouts := make([]*Layout, 200)
	for i := range layouts {
		layouts[i] = compose(b, sample(), Size76x130)
	}
	for b.Loop() {
		RenderPDF(layouts)
	}
}
