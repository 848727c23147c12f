// Package identity checks the identity and contact numbers that merchants and
// recipients give us, and masks them for display.
//
// The checks follow the published standards: GB 32100-2015 for the unified
// social credit code and GB 11643-1999 for the resident identity number. A
// failed check returns a *RuleError whose Rule is a stable identifier for
// programs and whose Message is a sentence for people. Messages never repeat
// the checked value, because it is personal data and error messages end up in
// logs.
//
// The Mask functions follow GB/T 41833-2022 for express waybills: they hide at
// least one character of a name and at least six digits of a phone number.
package identity
