package identity

// Rules reported in RuleError.Rule. They are part of the API: callers may
// switch on them, so they never change once published.
const (
	// RuleRequired means the value is empty.
	RuleRequired = "required"
	// RuleLength means the value has the wrong number of characters.
	RuleLength = "length"
	// RuleCharset means the value contains a character that is not allowed.
	RuleCharset = "charset"
	// RuleCheckCharacter means the check character does not match the rest
	// of the value, which usually reveals a typing error.
	RuleCheckCharacter = "check_character"
	// RuleFormat means the characters are allowed but not in that order.
	RuleFormat = "format"
	// RuleBirthDate means the birth date inside a resident ID number is not a
	// real, past calendar date.
	RuleBirthDate = "birth_date"
)

// RuleError reports why a value failed a check.
type RuleError struct {
	// Rule is a stable snake_case identifier such as "length".
	Rule string
	// Message says what is wrong and what a valid value looks like.
	Message string
}

// Error returns the message.
func (e *RuleError) Error() string { return e.Message }

// RuleName returns Rule, so callers that collect field violations can read
// the rule without knowing this package.
func (e *RuleError) RuleName() string { return e.Rule }
