// Package numbering describes how a carrier prints its waybill numbers: a
// fixed prefix, a zero-padded serial of fixed length, an optional check digit
// and, for UPU S10 numbers, a country suffix.
//
// A Format is configuration: carriers change formats and new carriers arrive,
// so no carrier's format is built into this package. A Format turns serials
// from a number range into printed numbers (Number) and back (Parse).
package numbering
