package pdf

import (
	"bytes"
	"compress/zlib"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/ewaybill/ewaybill/printing/internal/recycle"
)

// WriteTo writes the complete PDF to w: one page tree with the pages in the
// order they were added, and each font the document uses embedded once, as a
// subset shared by all pages. The same drawing calls give the same bytes.
func (d *Document) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(d.Bytes())
	return int64(n), err
}

// Bytes returns the complete PDF that WriteTo writes.
func (d *Document) Bytes() []byte {
	w := writers.Get()
	defer writers.Put(w)
	return w.document(d)
}

// writers recycles the scratch space of writing a document: the font
// programs and CMaps before compression, and the compressed streams.
var writers = recycle.New(func() *writer { return new(writer) })

// Object numbers. The catalog, page tree and the resource dictionary all
// pages share come first, then five objects per font, then two per page.
const (
	catalogObj   = 1
	pagesObj     = 2
	resourcesObj = 3
	firstFontObj = 4

	objsPerFont = 5 // Type0 font, CIDFont, FontDescriptor, FontFile2, ToUnicode
	objsPerPage = 2 // page, content stream
)

// Streams are compressed by zlib writers recycled across documents. A
// Flate compressor carries about 1 MB of tables; making one per label PDF
// would let garbage collection, not writing, dominate the cost of
// printing. The stocks hold no document data: a writer is reset to
// io.Discard before it goes back.
var (
	// Content streams and CMaps are text that LZ77 matching shrinks to a
	// third or less. BestSpeed takes about a quarter less time than the
	// default level for about 5% more bytes.
	textCompressors = compressorStock(zlib.BestSpeed)
	// Font programs are mostly glyph outlines, binary data in which
	// matching finds little: Huffman coding alone takes a third to 40%
	// less time than BestSpeed, for programs 13-22% larger (a one-label
	// PDF grows from 28 to 32 KB). Compressing them was about half the
	// time a one-label PDF took.
	fontCompressors = compressorStock(zlib.HuffmanOnly)
)

func compressorStock(level int) *recycle.Stock[*zlib.Writer] {
	return recycle.New(func() *zlib.Writer {
		z, _ := zlib.NewWriterLevel(io.Discard, level)
		return z
	})
}

// writer assembles a PDF in memory ("File structure").
type writer struct {
	b       []byte // the document
	offsets []int  // byte offset of object i+1, for the cross-reference table
	zbuf    bytes.Buffer
	scratch []byte
}

func (w *writer) document(d *Document) []byte {
	firstPageObj := firstFontObj + objsPerFont*len(d.fonts)
	objects := firstPageObj - 1 + objsPerPage*len(d.pages)
	w.offsets = slices.Grow(w.offsets[:0], objects)[:objects]
	// Sized not to grow: compressed streams take at most what they
	// take uncompressed and about half for page contents.
	size := 4096
	for _, p := range d.pages {
		size += 200 + len(p.content)/2
	}
	for _, u := range d.fonts {
		size += 2048 + u.font.subsetSize(u) + 40*len(u.gids)
	}
	w.b = make([]byte, 0, size)
	defer func() { w.b = nil }() // the caller's now

	// The comment of high bytes marks the file as binary ("File header").
	w.b = append(w.b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"...)

	w.begin(catalogObj)
	w.b = append(w.b, "<< /Type /Catalog /Pages "...)
	w.b = appendRef(w.b, pagesObj)
	w.b = append(w.b, " >>"...)
	w.end()

	w.begin(pagesObj)
	w.b = append(w.b, "<< /Type /Pages /Count "...)
	w.b = strconv.AppendInt(w.b, int64(len(d.pages)), 10)
	w.b = append(w.b, " /Kids ["...)
	for i := range d.pages {
		if i > 0 {
			w.b = append(w.b, ' ')
		}
		w.b = appendRef(w.b, firstPageObj+objsPerPage*i)
	}
	w.b = append(w.b, "] >>"...)
	w.end()

	w.begin(resourcesObj)
	w.b = append(w.b, "<< /Font <<"...)
	for i, u := range d.fonts {
		w.b = append(w.b, " /"...)
		w.b = append(w.b, u.res...)
		w.b = append(w.b, ' ')
		w.b = appendRef(w.b, firstFontObj+objsPerFont*i)
	}
	w.b = append(w.b, " >> >>"...)
	w.end()

	for i, u := range d.fonts {
		w.font(firstFontObj+objsPerFont*i, u)
	}

	for i, p := range d.pages {
		obj := firstPageObj + objsPerPage*i
		w.begin(obj)
		w.b = append(w.b, "<< /Type /Page /Parent "...)
		w.b = appendRef(w.b, pagesObj)
		w.b = append(w.b, " /MediaBox [0 0 "...)
		w.b = appendNum(w.b, p.width)
		w.b = append(w.b, ' ')
		w.b = appendNum(w.b, p.height)
		w.b = append(w.b, "] /Resources "...)
		w.b = appendRef(w.b, resourcesObj)
		w.b = append(w.b, " /Contents "...)
		w.b = appendRef(w.b, obj+1)
		w.b = append(w.b, " >>"...)
		w.end()
		w.stream(obj+1, p.content, "", textCompressors)
	}

	// Cross-reference table: fixed 20-byte entries, object 0 heading the
	// free list ("Cross-reference table").
	xref := len(w.b)
	w.b = append(w.b, "xref\n0 "...)
	w.b = strconv.AppendInt(w.b, int64(len(w.offsets)+1), 10)
	w.b = append(w.b, "\n0000000000 65535 f \n"...)
	for _, off := range w.offsets {
		w.b = appendPadded(w.b, off, 10)
		w.b = append(w.b, " 00000 n \n"...)
	}
	w.b = append(w.b, "trailer\n<< /Size "...)
	w.b = strconv.AppendInt(w.b, int64(len(w.offsets)+1), 10)
	w.b = append(w.b, " /Root "...)
	w.b = appendRef(w.b, catalogObj)
	w.b = append(w.b, " >>\nstartxref\n"...)
	w.b = strconv.AppendInt(w.b, int64(xref), 10)
	w.b = append(w.b, "\n%%EOF\n"...)
	return w.b
}

// font writes the five objects of a Type 0 font from obj on: the composite
// font with Identity-H encoding (2-byte codes are CIDs), its CIDFontType2
// descendant, font descriptor, the subset font program and a ToUnicode CMap.
func (w *writer) font(obj int, u *fontUse) {
	type0, cidFont, descriptor, file, toUnicode := obj, obj+1, obj+2, obj+3, obj+4
	f := u.font
	w.scratch = f.appendSubset(w.scratch[:0], u)
	program := w.scratch
	// A subset's name is its font's prefixed with a tag of six uppercase
	// letters and "+" ("Font subsets"); the tag is a hash of the glyph set so
	// that different subsets of one font get different names.
	name := subsetTag(u) + "+" + f.name
	d := &f.desc

	w.begin(type0)
	w.b = append(w.b, "<< /Type /Font /Subtype /Type0 /BaseFont "...)
	// "Type 0 font dictionaries": CIDFont name, hyphen, CMap name.
	w.b = appendName(w.b, name+"-Identity-H")
	w.b = append(w.b, " /Encoding /Identity-H /DescendantFonts ["...)
	w.b = appendRef(w.b, cidFont)
	w.b = append(w.b, "] /ToUnicode "...)
	w.b = appendRef(w.b, toUnicode)
	w.b = append(w.b, " >>"...)
	w.end()

	w.begin(cidFont)
	w.b = append(w.b, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont "...)
	w.b = appendName(w.b, name)
	w.b = append(w.b, " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor "...)
	w.b = appendRef(w.b, descriptor)
	// CIDs were numbered to be the subset's glyph IDs, so CIDs run 0..n-1
	// and one run in W gives every width, in 1/1000 em.
	w.b = append(w.b, " /CIDToGIDMap /Identity /W [0 ["...)
	for i, g := range u.gids {
		if i > 0 {
			w.b = append(w.b, ' ')
		}
		adv, _ := f.hMetric(g)
		w.b = appendNum(w.b, float64(adv)*1000/f.unitsPerEm)
	}
	w.b = append(w.b, "]] >>"...)
	w.end()

	w.begin(descriptor)
	w.b = append(w.b, "<< /Type /FontDescriptor /FontName "...)
	w.b = appendName(w.b, name)
	w.b = append(w.b, " /Flags "...)
	w.b = strconv.AppendInt(w.b, int64(d.flags), 10)
	w.b = append(w.b, " /FontBBox ["...)
	for i, v := range d.bbox {
		if i > 0 {
			w.b = append(w.b, ' ')
		}
		w.b = appendNum(w.b, v)
	}
	for _, e := range []struct {
		key string
		v   float64
	}{{"] /ItalicAngle ", d.italicAngle}, {" /Ascent ", d.ascent}, {" /Descent ", d.descent}, {" /CapHeight ", d.capHeight}, {" /StemV ", d.stemV}} {
		w.b = append(w.b, e.key...)
		w.b = appendNum(w.b, e.v)
	}
	w.b = append(w.b, " /FontFile2 "...)
	w.b = appendRef(w.b, file)
	w.b = append(w.b, " >>"...)
	w.end()

	w.stream(file, program, "/Length1 "+strconv.Itoa(len(program))+" ", fontCompressors)
	w.scratch = appendToUnicode(w.scratch[:0], u) // program is written: reuse its space
	w.stream(toUnicode, w.scratch, "", textCompressors)
}

// subsetTag returns six uppercase letters derived from the font name and the
// glyphs in the subset.
func subsetTag(u *fontUse) string {
	h := fnv.New64a()
	h.Write([]byte(u.font.name))
	for _, g := range u.gids {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	v := h.Sum64()
	var tag [6]byte
	for i := range tag {
		tag[i] = 'A' + byte(v%26)
		v /= 26
	}
	return string(tag[:])
}

// appendToUnicode appends a ToUnicode CMap mapping each CID to the character
// it was drawn for, so that text can be extracted ("ToUnicode CMaps").
func appendToUnicode(b []byte, u *fontUse) []byte {
	b = append(b, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"+
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"+
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"+
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"...)
	var cids []int
	for c, r := range u.runes {
		if r != 0 {
			cids = append(cids, c)
		}
	}
	// A bfchar section holds at most 100 mappings.
	for len(cids) > 0 {
		chunk := cids[:min(100, len(cids))]
		cids = cids[len(chunk):]
		b = strconv.AppendInt(b, int64(len(chunk)), 10)
		b = append(b, " beginbfchar\n"...)
		for _, c := range chunk {
			b = append(b, '<')
			b = appendHex16(b, uint16(c))
			b = append(b, "> <"...)
			// The destination is UTF-16BE: a surrogate pair beyond the BMP.
			if r := u.runes[c]; r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				b = appendHex16(b, uint16(hi))
				b = appendHex16(b, uint16(lo))
			} else {
				b = appendHex16(b, uint16(r))
			}
			b = append(b, ">\n"...)
		}
		b = append(b, "endbfchar\n"...)
	}
	return append(b, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"...)
}

// begin starts indirect object obj, recording its offset.
func (w *writer) begin(obj int) {
	w.offsets[obj-1] = len(w.b)
	w.b = strconv.AppendInt(w.b, int64(obj), 10)
	w.b = append(w.b, " 0 obj\n"...)
}

func (w *writer) end() {
	w.b = append(w.b, "\nendobj\n"...)
}

// stream writes data as the Flate-compressed stream object obj, extra being
// further dictionary entries (with a trailing space), compressed by a
// writer from compressors.
func (w *writer) stream(obj int, data []byte, extra string, compressors *recycle.Stock[*zlib.Writer]) {
	z := compressors.Get()
	w.zbuf.Reset()
	z.Reset(&w.zbuf)
	z.Write(data) // writes to a bytes.Buffer cannot fail
	z.Close()
	z.Reset(io.Discard) // let go of this document's buffer
	compressors.Put(z)
	w.begin(obj)
	w.b = append(w.b, "<< "...)
	w.b = append(w.b, extra...)
	w.b = append(w.b, "/Filter /FlateDecode /Length "...)
	w.b = strconv.AppendInt(w.b, int64(w.zbuf.Len()), 10)
	w.b = append(w.b, " >>\nstream\n"...)
	w.b = append(w.b, w.zbuf.Bytes()...)
	w.b = append(w.b, "\nendstream"...)
	w.end()
}

func appendRef(b []byte, obj int) []byte {
	b = strconv.AppendInt(b, int64(obj), 10)
	return append(b, " 0 R"...)
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(b []byte, v, width int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func appendHex16(b []byte, v uint16) []byte {
	return append(b, hexDigits[v>>12], hexDigits[v>>8&15], hexDigits[v>>4&15], hexDigits[v&15])
}

// appendName appends s as a PDF name object: bytes outside the printable
// ASCII regular characters are written as #xx ("Name objects").
func appendName(b []byte, s string) []byte {
	b = append(b, '/')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("#%()/<>[]{}", c) >= 0 {
			b = append(b, '#', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}
