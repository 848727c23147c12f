package identity

import "strings"

// MaskName hides part of a personal name for display, counting runes so that
// Chinese names are handled by character: a one-character name becomes "*",
// a two-character name keeps its first character (张*), and a longer name
// keeps its first and last characters (欧**锋). At least one character is
// always hidden. It never panics and returns as many runes as it was given.
func MaskName(name string) string {
	rs := []rune(name)
	switch n := len(rs); n {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(rs[0]) + "*"
	default:
		return string(rs[0]) + strings.Repeat("*", n-2) + string(rs[n-1])
	}
}
