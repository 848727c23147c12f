package identity

// MaskAddress keeps the first part of a street address (below the
// district) and hides the rest, where the building, unit and room are, as
// GB/T 41833-2022 asks of labels: at most 12 characters and never more
// than half are shown.
func MaskAddress(a string) string {
	r := []rune(a)
	if len(r) == 0 {
		return ""
	}
	keep := min(len(r)/2, 12)
	return string(r[:keep]) + "****"
}
