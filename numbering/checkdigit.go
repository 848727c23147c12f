package numbering

// s10Weights apply to the eight serial digits from left to right.
var s10Weights = [8]uint64{8, 6, 4, 2, 3, 5, 9, 7}

// checkDigit returns the check digit of serial under s, which must not be
// SchemeNone. The serial is taken as its zero-padded digits; leading zeros
// add nothing to any of these sums, so the padding width is not needed.
func (s Scheme) checkDigit(serial uint64) byte {
	switch s {
	case SchemeMod7:
		return byte(serial % 7)
	case SchemeMod10:
		return luhn(serial)
	case SchemeMod11:
		return mod11(serial)
	case SchemeUPUS10:
		return s10(serial)
	}
	return 0
}

// luhn doubles every second digit starting with the rightmost serial digit,
// which will sit next to the check digit.
func luhn(serial uint64) byte {
	var sum uint64
	for double := true; serial > 0; double = !double {
		d := serial % 10
		serial /= 10
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte((10 - sum%10) % 10)
}

// mod11 weights digits 2 to 7 cyclically from the rightmost.
func mod11(serial uint64) byte {
	var sum uint64
	for w := uint64(2); serial > 0; w++ {
		if w > 7 {
			w = 2
		}
		sum += serial % 10 * w
		serial /= 10
	}
	c := (11 - sum%11) % 11
	if c == 10 {
		c = 0
	}
	return byte(c)
}

// s10 computes the UPU S10 check digit over exactly eight digits.
func s10(serial uint64) byte {
	var sum uint64
	for i := len(s10Weights) - 1; i >= 0; i-- {
		sum += serial % 10 * s10Weights[i]
		serial /= 10
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 0
	case 11:
		return 5
	default:
		return byte(c)
	}
}
