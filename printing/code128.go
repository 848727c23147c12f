package printing

import (
	"errors"
	"strings"
)

// A Code 128 encoder that chooses code sets as the general encoder we
// used before (github.com/boombuler/barcode/code128) chose them, so that
// bars do not move, without its bit lists and image interface: encoding
// was a tenth of a label's layout time. barcode_test.go checks the two
// agree.

// code128Widths is each symbol's bar and space widths in modules, bar
// first (ISO/IEC 15417 table 1); 106 is the stop pattern with its final
// bar.
var code128Widths = strings.Fields(`
	212222 222122 222221 121223 121322 131222 122213 122312 132212 221213
	221312 231212 112232 122132 122231 113222 123122 123221 223211 221132
	221231 213212 223112 312131 311222 321122 321221 312212 322112 322211
	212123 212321 232121 111323 131123 131321 112313 132113 132311 211313
	231113 231311 112133 112331 132131 113123 113321 133121 313121 211331
	231131 213113 213311 213131 311123 311321 331121 312113 312311 332111
	314111 221411 431111 111224 111422 121124 121421 141122 141221 112214
	112412 122114 122411 142112 142211 241211 221114 413111 241112 134111
	111242 121142 121241 114212 124112 124211 411212 421112 421211 212141
	214121 412121 111143 111341 131141 114113 114311 411113 411311 113141
	114131 311141 411131 211412 211214 211232 2331112`)

// Code sets, by the symbol that starts a symbol in them.
const (
	code128A = 103
	code128B = 104
	code128C = 105
)

// code128Switch is the symbol that switches to a code set (A, B, C)
// within a symbol.
var code128Switch = [3]int{101, 100, 99}

// The function characters, as the replaced encoder's callers wrote them.
const (
	fnc1 = '\u00f1'
	fnc2 = '\u00f2'
	fnc3 = '\u00f3'
	fnc4 = '\u00f4'
)

const (
	code128AB    = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"
	code128BOnly = "`abcdefghijklmnopqrstuvwxyz{|}~\u007F"
	code128AOnly = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F" +
		"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1A\x1B\x1C\x1D\x1E\x1F"
)

var errCode128 = errors.New("cannot be encoded as Code 128")

// code128Encode returns v's symbol as modules, bar true: the start
// symbol, data, check symbol and stop pattern.
func code128Encode(v string) ([]bool, error) {
	rs := []rune(v)
	if len(rs) == 0 || len(rs) > 80 {
		return nil, errors.New("Code 128 holds 1 to 80 characters")
	}
	symbols, err := code128Symbols(rs)
	if err != nil {
		return nil, err
	}
	sum := symbols[0]
	for i, s := range symbols[1:] {
		sum += (i + 1) * s
	}
	symbols = append(symbols, sum%103, 106)
	modules := make([]bool, 0, 11*len(symbols)+2)
	for _, s := range symbols {
		for i, w := range code128Widths[s] {
			for range w - '0' {
				modules = append(modules, i%2 == 0)
			}
		}
	}
	return modules, nil
}

// code128Symbols picks code sets and returns the start symbol and data
// symbols: set C for runs of four digits (two once in C), else set A
// for control characters, else set B.
func code128Symbols(rs []rune) ([]int, error) {
	symbols := make([]int, 0, len(rs)+2)
	set := 0
	use := func(s int) {
		switch {
		case set == 0:
			symbols = append(symbols, s)
		case set != s:
			symbols = append(symbols, code128Switch[s-code128A])
		}
		set = s
	}
	for i := 0; i < len(rs); i++ {
		switch {
		case digitsFollow(rs[i:], set):
			use(code128C)
			if rs[i] == fnc1 {
				symbols = append(symbols, 102)
				continue
			}
			symbols = append(symbols, int(rs[i]-'0')*10+int(rs[i+1]-'0'))
			i++
		case needsSetA(rs[i:], set):
			use(code128A)
			s, err := symbolIn(rs[i], 101, code128AOnly)
			if err != nil {
				return nil, err
			}
			symbols = append(symbols, s)
		default:
			use(code128B)
			s, err := symbolIn(rs[i], 100, code128BOnly)
			if err != nil {
				return nil, err
			}
			symbols = append(symbols, s)
		}
	}
	return symbols, nil
}

// code128Function is the symbol of a function character, fnc4 being
// fnc4Symbol in the current set; -1 for other characters.
func code128Function(r rune, fnc4Symbol int) int {
	switch r {
	case fnc1:
		return 102
	case fnc2:
		return 97
	case fnc3:
		return 96
	case fnc4:
		return fnc4Symbol
	}
	return -1
}

// digitsFollow reports whether set C pays: four digits follow (two when
// in set C already), FNC1 allowed in place of a digit pair.
func digitsFollow(rs []rune, set int) bool {
	need := 4
	if set == code128C {
		need = 2
	}
	for i := 0; i < need; i++ {
		if i >= len(rs) {
			return false
		}
		if i%2 == 0 && rs[i] == fnc1 {
			need++
			continue
		}
		if rs[i] < '0' || rs[i] > '9' {
			return false
		}
	}
	return true
}

// needsSetA reports whether the next character goes in set A: it is
// not in set B (or set A is current and has it), or, at the start, a
// control character comes before any character set B alone has.
func needsSetA(rs []rune, set int) bool {
	inSet := func(table string, r rune) bool {
		return strings.ContainsRune(table, r) || code128Function(r, 0) >= 0
	}
	if !inSet(code128AB+code128BOnly, rs[0]) || set == code128A {
		return inSet(code128AB+code128AOnly, rs[0])
	}
	if set == 0 {
		for _, r := range rs {
			if inSet(code128AB, r) {
				continue
			}
			return strings.ContainsRune(code128AOnly, r)
		}
	}
	return false
}

// symbolIn is r's symbol in code set A or B: fnc4 is the set's FNC 4
// value (101 in A, 100 in B) and only the characters the set alone has.
func symbolIn(r rune, fnc4 int, only string) (int, error) {
	s := code128Function(r, fnc4)
	if s < 0 {
		s = strings.IndexRune(code128AB+only, r)
	}
	if s < 0 {
		return 0, errCode128
	}
	return s, nil
}
