package printing

import (
	"errors"
	"math"
	"math/bits"
	"strings"
	"sync/atomic"
)

// A QR encoder for level M, made for labels. The general encoder we used
// before (github.com/boombuler/barcode/qr) spent most of a label's layout
// time choosing the mask: it ran goroutines to walk the modules and read
// them bit by bit. This one draws exactly the symbols that encoder drew
// in Auto mode, mask choice included, so labels do not change;
// barcode_test.go checks that against it. (One deliberate difference:
// that encoder took digit groups such as "+12" for numbers, and encoded
// values like "+123" wrongly; here only digits are numeric.) Symbol
// structure follows ISO/IEC 18004.

// qrBlocks is one version's error correction at level M: codewords of
// ECC per block, then the number of blocks and their data codewords in
// each of the two groups.
type qrBlocks struct{ ecc, n1, data1, n2, data2 int }

func (b qrBlocks) dataBytes() int { return b.n1*b.data1 + b.n2*b.data2 }

// qrLevelM holds versions 1 to 40 at level M (ISO/IEC 18004 table 9).
var qrLevelM = [40]qrBlocks{
	{10, 1, 16, 0, 0}, {16, 1, 28, 0, 0}, {26, 1, 44, 0, 0}, {18, 2, 32, 0, 0}, {24, 2, 43, 0, 0},
	{16, 4, 27, 0, 0}, {18, 4, 31, 0, 0}, {22, 2, 38, 2, 39}, {22, 3, 36, 2, 37}, {26, 4, 43, 1, 44},
	{30, 1, 50, 4, 51}, {22, 6, 36, 2, 37}, {22, 8, 37, 1, 38}, {24, 4, 40, 5, 41}, {24, 5, 41, 5, 42},
	{28, 7, 45, 3, 46}, {28, 10, 46, 1, 47}, {26, 9, 43, 4, 44}, {26, 3, 44, 11, 45}, {26, 3, 41, 13, 42},
	{26, 17, 42, 0, 0}, {28, 17, 46, 0, 0}, {28, 4, 47, 14, 48}, {28, 6, 45, 14, 46}, {28, 8, 47, 13, 48},
	{28, 19, 46, 4, 47}, {28, 22, 45, 3, 46}, {28, 3, 45, 23, 46}, {28, 21, 45, 7, 46}, {28, 19, 47, 10, 48},
	{28, 2, 46, 29, 47}, {28, 10, 46, 23, 47}, {28, 14, 46, 21, 47}, {28, 14, 46, 23, 47}, {28, 12, 47, 26, 48},
	{28, 6, 47, 34, 48}, {28, 29, 46, 14, 47}, {28, 13, 46, 32, 47}, {28, 40, 47, 7, 48}, {28, 18, 47, 31, 48},
}

// qrMode is a data encoding mode, valued as its 4-bit mode indicator.
type qrMode int

const (
	qrNumeric      qrMode = 1
	qrAlphanumeric qrMode = 2
	qrByte         qrMode = 4
)

const qrAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// qrModeFor picks the densest mode that holds all of v.
func qrModeFor(v string) qrMode {
	mode := qrNumeric
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
		case strings.IndexByte(qrAlphabet, c) >= 0:
			mode = qrAlphanumeric
		default:
			return qrByte
		}
	}
	return mode
}

// countBits is the width of the character count for mode in version.
func (m qrMode) countBits(version int) int {
	i := 0
	switch {
	case version >= 27:
		i = 2
	case version >= 10:
		i = 1
	}
	switch m {
	case qrNumeric:
		return [3]int{10, 12, 14}[i]
	case qrAlphanumeric:
		return [3]int{9, 11, 13}[i]
	}
	return [3]int{8, 16, 16}[i]
}

// payloadBits is the length of v's data in mode, without header.
func (m qrMode) payloadBits(n int) int {
	switch m {
	case qrNumeric:
		return n/3*10 + [3]int{0, 4, 7}[n%3]
	case qrAlphanumeric:
		return n/2*11 + n%2*6
	}
	return n * 8
}

var errQRTooLong = errors.New("too much data for a QR code")

// qrVersion is the smallest version whose level M capacity holds v.
func qrVersion(v string) (int, qrMode, error) {
	mode := qrModeFor(v)
	bits := 4 + mode.payloadBits(len(v))
	for i, b := range qrLevelM {
		if b.dataBytes()*8 >= bits+mode.countBits(i+1) {
			return i + 1, mode, nil
		}
	}
	return 0, 0, errQRTooLong
}

// qrEncode returns the QR code for v at level M: modules[y][x] is dark.
func qrEncode(v string) ([][]bool, error) {
	version, mode, err := qrVersion(v)
	if err != nil {
		return nil, err
	}
	blocks := qrLevelM[version-1]
	data := qrData(v, mode, version, blocks.dataBytes())
	m := newQRMatrix(version)
	m.placeData(qrInterleave(data, blocks))
	return m.bestMask(), nil
}

// bitWriter appends bits to a byte slice, most significant first.
type bitWriter struct {
	b []byte
	n int // bits written
}

func (w *bitWriter) write(v, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>i&1 != 0 {
			w.b[w.n/8] |= 0x80 >> (w.n % 8)
		}
		w.n++
	}
}

// qrData is the data codewords: mode, count, payload, terminator and
// padding up to capacity bytes.
func qrData(v string, mode qrMode, version, capacity int) []byte {
	w := bitWriter{b: make([]byte, 0, capacity)}
	w.write(int(mode), 4)
	w.write(len(v), mode.countBits(version))
	switch mode {
	case qrNumeric:
		for i := 0; i < len(v); i += 3 {
			chunk := v[i:min(i+3, len(v))]
			n := 0
			for j := 0; j < len(chunk); j++ {
				n = n*10 + int(chunk[j]-'0')
			}
			w.write(n, [4]int{0, 4, 7, 10}[len(chunk)])
		}
	case qrAlphanumeric:
		for i := 0; i+1 < len(v); i += 2 {
			w.write(strings.IndexByte(qrAlphabet, v[i])*45+strings.IndexByte(qrAlphabet, v[i+1]), 11)
		}
		if len(v)%2 == 1 {
			w.write(strings.IndexByte(qrAlphabet, v[len(v)-1]), 6)
		}
	default:
		for i := 0; i < len(v); i++ {
			w.write(int(v[i]), 8)
		}
	}
	w.write(0, min(4, capacity*8-w.n)) // terminator, as far as there is room
	w.write(0, (8-w.n%8)%8)
	for pad := 0; len(w.b) < capacity; pad++ {
		w.b = append(w.b, [2]byte{236, 17}[pad%2])
	}
	return w.b
}

// qrInterleave splits data into blocks, adds each block's error
// correction and interleaves them: data codewords column by column, then
// ECC codewords likewise.
func qrInterleave(data []byte, b qrBlocks) []byte {
	n := b.n1 + b.n2
	out := make([]byte, 0, len(data)+n*b.ecc)
	type block struct{ data, ecc []byte }
	blocks := make([]block, n)
	ecc := make([]byte, n*b.ecc)
	at := 0
	for i := range blocks {
		size := b.data1
		if i >= b.n1 {
			size = b.data2
		}
		blocks[i] = block{data[at : at+size], ecc[i*b.ecc : (i+1)*b.ecc]}
		reedSolomon(blocks[i].data, blocks[i].ecc)
		at += size
	}
	for i := range max(b.data1, b.data2) {
		for _, bl := range blocks {
			if i < len(bl.data) {
				out = append(out, bl.data[i])
			}
		}
	}
	for i := range b.ecc {
		for _, bl := range blocks {
			out = append(out, bl.ecc[i])
		}
	}
	return out
}

// GF(256) with the QR polynomial x⁸+x⁴+x³+x²+1 (0x11D).
var gfExp, gfLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := range 255 {
		exp[i], exp[i+255] = byte(x), byte(x)
		log[x] = byte(i)
		if x <<= 1; x >= 256 {
			x ^= 0x11D
		}
	}
	return exp, log
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

// rsGenerators caches the generator polynomial of each ECC length
// (coefficients after the leading 1, highest degree first).
var rsGenerators [31][]byte

func init() {
	for _, b := range qrLevelM {
		if rsGenerators[b.ecc] != nil {
			continue
		}
		g := []byte{1} // ∏ (x - αⁱ), i < ecc
		for i := range b.ecc {
			next := make([]byte, len(g)+1)
			for j, c := range g {
				next[j] ^= c
				next[j+1] ^= gfMul(c, gfExp[i])
			}
			g = next
		}
		rsGenerators[b.ecc] = g[1:]
	}
}

// reedSolomon writes the error correction codewords of data into ecc:
// the remainder of data·x^len(ecc) divided by the generator.
func reedSolomon(data, ecc []byte) {
	gen := rsGenerators[len(ecc)]
	clear(ecc)
	for _, d := range data {
		f := d ^ ecc[0]
		copy(ecc, ecc[1:])
		ecc[len(ecc)-1] = 0
		if f == 0 {
			continue
		}
		lf := int(gfLog[f])
		for j, g := range gen {
			if g != 0 {
				ecc[j] ^= gfExp[lf+int(gfLog[g])]
			}
		}
	}
}

// qrMatrix is a symbol under construction, kept both row by row and
// column by column: the penalty rules read both ways.
type qrMatrix struct {
	version, dim int
	dark         qrLines
	reserved     qrLines // function patterns and format information
}

// qrLines is a square of modules as rows and as columns.
type qrLines struct{ rows, cols []qrLine }

func newQRLines(dim int) qrLines {
	return qrLines{make([]qrLine, dim), make([]qrLine, dim)}
}

func (l qrLines) set(x, y int, v bool) {
	l.rows[y].set(x, v)
	l.cols[x].set(y, v)
}

// qrSide is a version's width in modules.
func qrSide(version int) int { return 17 + 4*version }

// qrBlanks caches each version's symbol with its function patterns
// drawn and its format areas reserved: every code of the version starts
// from a copy of it.
var qrBlanks [len(qrLevelM)]atomic.Pointer[qrMatrix]

// newQRMatrix returns a symbol of version with nothing but its function
// patterns. Its reserved lines are shared and must not be changed.
func newQRMatrix(version int) *qrMatrix {
	blank := qrBlanks[version-1].Load()
	if blank == nil {
		blank = blankQRMatrix(version)
		qrBlanks[version-1].Store(blank) // goroutines that race store alike
	}
	m := *blank
	m.dark = newQRLines(m.dim)
	copy(m.dark.rows, blank.dark.rows)
	copy(m.dark.cols, blank.dark.cols)
	return &m
}

func blankQRMatrix(version int) *qrMatrix {
	dim := qrSide(version)
	m := &qrMatrix{version: version, dim: dim, dark: newQRLines(dim), reserved: newQRLines(dim)}
	m.finder(0, 0)
	m.finder(0, dim-7)
	m.finder(dim-7, 0)
	m.alignment()
	for i := range dim {
		if !m.reserved.rows[6].bit(i) {
			m.set(i, 6, i%2 == 0)
		}
		if !m.reserved.rows[i].bit(6) {
			m.set(6, i, i%2 == 0)
		}
	}
	m.set(8, dim-8, true) // the dark module
	m.versionInfo()
	m.format(0, m.set) // reserves the format areas; bestMask writes each mask's
	return m
}

func (m *qrMatrix) set(x, y int, dark bool) {
	m.dark.set(x, y, dark)
	m.reserved.set(x, y, true)
}

// finder draws a finder pattern with its separator, clipped to the symbol.
func (m *qrMatrix) finder(x0, y0 int) {
	for dy := -1; dy <= 7; dy++ {
		for dx := -1; dx <= 7; dx++ {
			x, y := x0+dx, y0+dy
			if x < 0 || y < 0 || x >= m.dim || y >= m.dim {
				continue
			}
			ring := max(abs(dx-3), abs(dy-3)) // 0 centre … 3 edge, 4 separator
			m.set(x, y, ring != 2 && ring != 4)
		}
	}
}

// alignment draws the alignment patterns, except where a finder is.
func (m *qrMatrix) alignment() {
	pos := qrAlignment(m.version, m.dim)
	for _, cx := range pos {
		for _, cy := range pos {
			if m.reserved.rows[cy].bit(cx) {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					m.set(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
}

// qrAlignment is the centres of the alignment patterns on each axis,
// computed as the encoder we replaced computed them.
func qrAlignment(version, dim int) []int {
	if version == 1 {
		return nil
	}
	first, last := 6, dim-7
	count := int(math.Ceil(float64(last-first)/28)) + 1
	pos := make([]int, count)
	pos[0], pos[count-1] = first, last
	if count > 2 {
		step := int(math.Ceil(float64(last-first) / float64(count-1)))
		if step%2 == 1 {
			frac := math.Round(float64(last-first) / float64(count-1))
			if int(frac)%2 == 0 {
				step--
			} else {
				step++
			}
		}
		for i := 1; i < count-1; i++ {
			pos[i] = last - step*(count-1-i)
		}
	}
	return pos
}

// versionInfo draws the 18-bit version information of versions 7 and up,
// a BCH(18,6) code, next to the top-right and bottom-left finders.
func (m *qrMatrix) versionInfo() {
	if m.version < 7 {
		return
	}
	bits := m.version<<12 | bchRemainder(m.version, 0x1F25, 12)
	for i := range 18 {
		a, b := m.dim-11+i%3, i/3
		dark := bits>>i&1 != 0
		m.set(a, b, dark)
		m.set(b, a, dark)
	}
}

// bchRemainder is v·x^bits modulo the generator poly.
func bchRemainder(v, poly, bits int) int {
	r := v << bits
	for i := 30; i >= bits; i-- {
		if r>>i&1 != 0 {
			r ^= poly << (i - bits)
		}
	}
	return r
}

// format draws the 15-bit format information for level M (00) and mask:
// a BCH(15,5) code masked with 0x5412, twice, with set: m.set to reserve
// the areas in the blank symbol, m.dark.set for each mask, since the
// reserved lines are shared by every symbol of the version.
func (m *qrMatrix) format(mask int, set func(x, y int, dark bool)) {
	bits := (mask<<10 | bchRemainder(mask, 0x537, 10)) ^ 0x5412
	bit := func(i int) bool { return bits>>(14-i)&1 != 0 } // i = 0 is the most significant
	d := m.dim
	for i := range 15 {
		// Around the top-left finder, skipping the timing pattern.
		switch {
		case i < 6:
			set(i, 8, bit(i))
		case i < 8:
			set(i+1, 8, bit(i))
		case i == 8:
			set(8, 7, bit(i))
		default:
			set(8, 14-i, bit(i))
		}
		// Split between the other two finders.
		if i < 7 {
			set(8, d-1-i, bit(i))
		} else {
			set(d-15+i, 8, bit(i))
		}
	}
}

// placeData fills the free modules with data bits in the zigzag order of
// two-module columns from the bottom right, skipping the vertical timing
// pattern; modules past the data stay light (remainder bits).
func (m *qrMatrix) placeData(data []byte) {
	bit := 0
	up := true
	for x := m.dim - 1; x > 0; x -= 2 {
		if x == 6 {
			x--
		}
		for i := range m.dim {
			y := i
			if up {
				y = m.dim - 1 - i
			}
			for _, cx := range [2]int{x, x - 1} {
				if m.reserved.rows[y].bit(cx) {
					continue
				}
				// The module is light in the blank symbol: set it
				// without a branch on the (random) data.
				var dark uint64
				if bit < len(data)*8 {
					dark = uint64(data[bit/8] >> (7 - bit%8) & 1)
				}
				m.dark.rows[y][cx/64] |= dark << (cx % 64)
				m.dark.cols[cx][y/64] |= dark << (y % 64)
				bit++
			}
		}
		up = !up
	}
}

// qrMasked reports whether mask inverts module (x, y).
func qrMasked(mask, x, y int) bool {
	switch mask {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (y/2+x/3)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	}
	return ((x+y)%2+x*y%3)%2 == 0
}

// qrMaskRows and qrMaskCols hold the rows and columns of each mask
// pattern: every pattern repeats every 12 rows and columns.
var qrMaskRows, qrMaskCols = func() (rows, cols [8][12]qrLine) {
	for mask := range rows {
		for i := range rows[mask] {
			for j := range qrMaxSide {
				rows[mask][i].set(j, qrMasked(mask, j, i))
				cols[mask][i].set(j, qrMasked(mask, i, j))
			}
		}
	}
	return rows, cols
}()

// bestMask applies each of the eight masks and returns the symbol with
// the lowest penalty (the first of equals), as rows of modules.
func (m *qrMatrix) bestMask() [][]bool {
	d := m.dim
	candidate, best := newQRLines(d), newQRLines(d)
	bestScore := -1
	for mask := range 8 {
		m.format(mask, m.dark.set)
		applyMask(candidate.rows, m.dark.rows, m.reserved.rows, &qrMaskRows[mask])
		applyMask(candidate.cols, m.dark.cols, m.reserved.cols, &qrMaskCols[mask])
		if score := qrPenalty(candidate.rows, candidate.cols); bestScore < 0 || score < bestScore {
			bestScore = score
			best, candidate = candidate, best
		}
	}
	modules := make([]bool, d*d)
	rows := make([][]bool, d)
	for y := range rows {
		rows[y] = modules[y*d : (y+1)*d : (y+1)*d]
		for x := range rows[y] {
			rows[y][x] = best.rows[y].bit(x)
		}
	}
	return rows
}

// applyMask sets out to dark with pattern applied to the modules that
// are in the symbol and not reserved.
func applyMask(out, dark, reserved []qrLine, pattern *[12]qrLine) {
	for i := range out {
		for w := range out[i] {
			free := upTo(len(out)-64*w) &^ reserved[i][w]
			out[i][w] = dark[i][w] ^ pattern[i%12][w]&free
		}
	}
}

// qrPenalty scores a masked symbol by the four rules of ISO/IEC 18004
// 7.8.3, as the replaced encoder scored them: runs of five or more alike
// (3 points, plus one per module past five), 2×2 blocks alike (3),
// finder-like 1:1:3:1:1 patterns with four light modules on one side in
// any 11 modules of a row or column (40), and the balance of dark and
// light. Each takes 64 positions of a line at a time.
func qrPenalty(rows, cols []qrLine) int {
	d := len(rows)
	score := 0
	for i := range d {
		score += linePenalty(&rows[i], d) + linePenalty(&cols[i], d)
	}
	for y := range d - 1 {
		a, b := &rows[y], &rows[y+1]
		for p := 0; p < d; p += 64 {
			a0, a1, b0, b1 := a.from(p), a.from(p+1), b.from(p), b.from(p+1)
			score += 3 * bits.OnesCount64(upTo(d-1-p)&^((a0^b0)|(a0^a1)|(b0^b1)))
		}
	}
	dark := 0
	for i := range rows {
		for _, w := range rows[i] {
			dark += bits.OnesCount64(w)
		}
	}
	percent := float64(dark) * 100 / float64(d*d)
	score += int(math.Min(math.Abs(math.Floor(percent/5)-10), math.Abs(math.Ceil(percent/5)-10)) * 10)
	return score
}

// linePenalty scores one row or column of n modules for rules 1 and 3.
func linePenalty(l *qrLine, n int) int {
	score := 0
	var prevFive uint64 // the previous 64 positions' windows of five alike
	for p := 0; p < n; p += 64 {
		var m [11]uint64 // bit j of m[i]: module p+j+i
		lo, hi := l.from(p), l.from(p+64)
		for i := range m {
			m[i] = lo>>i | hi<<(64-i)
		}
		// A run of k ≥ 5 alike scores k-2: one for each of its k-4
		// windows of five alike, and two more for the first window.
		five := upTo(n - 4 - p)
		for i := range 4 {
			five &^= m[i] ^ m[i+1]
		}
		score += bits.OnesCount64(five) + 2*bits.OnesCount64(five&^(five<<1|prevFive>>63))
		prevFive = five
		// 1011101 with four light modules after it, or before it.
		after := m[0] &^ m[1] & m[2] & m[3] & m[4] &^ m[5] & m[6] &^ (m[7] | m[8] | m[9] | m[10])
		before := m[4] &^ m[5] & m[6] & m[7] & m[8] &^ m[9] & m[10] &^ (m[0] | m[1] | m[2] | m[3])
		score += 40 * bits.OnesCount64((after|before)&upTo(n-10-p))
	}
	return score
}

// upTo is a word with its lowest n bits set (none for n ≤ 0).
func upTo(n int) uint64 {
	switch {
	case n <= 0:
		return 0
	case n >= 64:
		return ^uint64(0)
	}
	return 1<<n - 1
}

// qrMaxSide is the width of the largest symbol, version 40.
const qrMaxSide = 177

// qrLine is a row or column of modules, module i at bit i%64 of word
// i/64, dark set.
type qrLine [(qrMaxSide + 63) / 64]uint64

func (l *qrLine) bit(i int) bool { return l[i/64]>>(i%64)&1 != 0 }

func (l *qrLine) set(i int, v bool) {
	if v {
		l[i/64] |= 1 << (i % 64)
	} else {
		l[i/64] &^= 1 << (i % 64)
	}
}

// from returns the 64 modules from p on, module p at bit 0; modules
// past the line are light.
func (l *qrLine) from(p int) uint64 {
	w, off := p/64, p%64
	if w >= len(l) {
		return 0
	}
	v := l[w] >> off
	if off > 0 && w+1 < len(l) {
		v |= l[w+1] << (64 - off)
	}
	return v
}

func abs(v int) int { return max(v, -v) }
