package identity

import "regexp"

// phoneInText finds digit runs long enough to be a phone number.
var phoneInText = regexp.MustCompile(`[0-9]{7,}`)

// MaskAddress keeps the first part of a street address (below the
// district) and hides the rest, where the building, unit and room are, as
// GB/T 41833-2022 asks of labels: at most 12 characters and never more
// than half are shown. A phone number written into the address (a common
// mapping mistake) is masked like any phone number first, so the part
// shown never reveals one.
func MaskAddress(a string) string {
	r := []rune(phoneInText.ReplaceAllStringFunc(a, MaskPhone))
	if len(r) == 0 {
		return ""
	}
	keep := min(len(r)/2, 12)
	return string(r[:keep]) + "****"
}
