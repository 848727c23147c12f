package numbering

// FieldError reports the first problem found in a Format, a serial or a
// printed number.
type FieldError struct {
	// Field names what is wrong: "prefix", "serial_length", "scheme",
	// "suffix", "serial" or "number".
	Field string
	// Rule is a stable snake_case identifier such as "length" or
	// "check_digit".
	Rule string
	// Message says what is wrong and what is allowed.
	Message string
}

// Error returns the message.
func (e *FieldError) Error() string { return e.Message }
