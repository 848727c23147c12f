package identity

// MaskResidentID hides a resident ID number for display, keeping the first
// four and last four characters (for the region and to tell numbers apart)
// and replacing the rest with '*'. For input of unexpected length each end
// shows at most a quarter of the characters, so short fragments stay mostly
// hidden. It counts runes, never panics, and returns as many runes as it
// was given; invalid UTF-8 bytes count as one rune each and, where kept, are
// shown as U+FFFD.
func MaskResidentID(id string) string {
	return maskEnds(id, 4)
}

// MaskCreditCode hides a unified social credit code for display in the same
// way as MaskResidentID: first four and last four characters kept, at most a
// quarter of the characters at each end.
func MaskCreditCode(code string) string {
	return maskEnds(code, 4)
}

// maskEnds keeps up to keep runes at each end, capped at a quarter of the
// length, and stars the rest.
func maskEnds(s string, keep int) string {
	rs := []rune(s)
	k := min(keep, len(rs)/4)
	for i := k; i < len(rs)-k; i++ {
		rs[i] = '*'
	}
	return string(rs)
}
