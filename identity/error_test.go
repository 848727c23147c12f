package identity

import (
	"errors"
	"strings"
	"testing"
)

// knownRules are the only values RuleError.Rule may take.
var knownRules = map[string]bool{
	RuleRequired:       true,
	RuleLength:         true,
	RuleCharset:        true,
	RuleCheckCharacter: true,
	RuleFormat:         true,
	RuleBirthDate:      true,
}

// ruleOf returns the rule of err, "" for nil, and a marker for errors of the
// wrong type, so that tables can compare one string.
func ruleOf(err error) string {
	if err == nil {
		return ""
	}
	var re *RuleError
	if !errors.As(err, &re) {
		return "<not a *RuleError>"
	}
	return re.Rule
}

// wantRule fails t unless err carries rule and, when msgHas is set, a message
// containing it. It also enforces the privacy promise: an input long enough to
// be personal data never appears in the message.
func wantRule(t *testing.T, input string, err error, rule, msgHas string) {
	t.Helper()
	if got := ruleOf(err); got != rule {
		t.Fatalf("rule = %q, want %q (error: %v)", got, rule, err)
	}
	if err == nil {
		return
	}
	if msgHas != "" && !strings.Contains(err.Error(), msgHas) {
		t.Errorf("message %q does not contain %q", err.Error(), msgHas)
	}
	if len(input) >= 6 && strings.Contains(err.Error(), input) {
		t.Errorf("message %q repeats the input", err.Error())
	}
}

func TestRuleErrorReturnsMessage(t *testing.T) {
	err := error(&RuleError{Rule: RuleLength, Message: "value must be 18 characters; got 17"})
	if got := err.Error(); got != "value must be 18 characters; got 17" {
		t.Errorf("Error() = %q", got)
	}
}
