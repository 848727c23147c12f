package identity

import "regexp"

// phoneInText finds digit runs long enough to be a phone number.
var phoneInText = regexp.MustCompile(`[0-9]{7,}`)

// unitPart finds where the building, unit and room part of a Chinese
// street address begins: a number or letter run (or a Chinese numeral)
// followed by a building, unit, floor or room word, or a "#" building.
var unitPart = regexp.MustCompile(`[0-9A-Za-z０-９一二三四五六七八九十百零〇\-－]+\s*(号楼|栋|幢|座|单元|楼|层|室|房|户|#)`)

// MaskAddress hides the unit and room part of a street address (below
// the district), as GB/T 41833-2022 asks of labels: the address is cut
// before its first building, unit, floor or room ("3栋", "2单元", "501室"),
// and never shows more than half of it or more than 12 characters. A
// phone number written into the address (a common mapping mistake) is
// masked like any phone number first, so the part shown never reveals
// one.
func MaskAddress(a string) string {
	a = phoneInText.ReplaceAllStringFunc(a, MaskPhone)
	r := []rune(a)
	if len(r) == 0 {
		return ""
	}
	keep := min(len(r)/2, 12)
	if loc := unitPart.FindStringIndex(a); loc != nil {
		keep = min(keep, len([]rune(a[:loc[0]])))
	}
	return string(r[:keep]) + "****"
}
