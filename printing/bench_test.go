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

// The same costs split: layout alone, and each renderer on a layout
// composed once.

func BenchmarkCompose(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		compose(b, sample(), Size76x130)
	}
}

func BenchmarkZPL(b *testing.B) {
	l := []*Layout{compose(b, sample(), Size76x130)}
	b.ReportAllocs()
	for b.Loop() {
		if err := RenderZPL(io.Discard, l, 203); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPNG(b *testing.B) {
	l := compose(b, sample(), Size76x130)
	for _, c := range []struct {
		name   string
		dpi    int
		colour Colour
	}{{"203/mono", 203, Mono}, {"300/mono", 300, Mono}, {"203/grey", 203, Grey}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := RenderPNG(l, c.dpi, c.colour); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPDF(b *testing.B) {
	l := []*Layout{compose(b, sample(), Size76x130)}
	b.ReportAllocs()
	for b.Loop() {
		RenderPDF(l)
	}
}
