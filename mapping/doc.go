// Package mapping turns a merchant's own JSON order into ewaybill's canonical
// Order by a mapping profile, and judges whether the profile is likely wrong.
//
// A profile lists, per canonical field (its target, such as
// "receiver.mobile" or "items[].name"), where the value comes from in the raw
// order and which declared transforms apply. A source is a dotted path of
// object keys ("buyer.contact.mobile"); "[]" after a key walks the array found
// there ("lines[].title") and may be used only for items[] targets, once per
// source, and every items[] source walks the same array, whose length decides
// how many items the order has.
//
// The transforms are: join several sources into one text value (sources
// that are absent are skipped), trim surrounding white space, a default
// value when every source is absent, a fixed value instead of any source,
// and unit conversions for numbers (kilograms to grams and centimetres to
// millimetres, both rounded to the nearest unit, and yuan to fen, exact or
// refused). A fixed or default value stands for a raw value, so a unit
// conversion applies to it too. Numbers are converted with exact decimal
// arithmetic on their text, so 19.99 yuan is 1999 fen, never 1998.
//
// The package maps; it does not judge business rules. A mobile number that
// is not a mobile number is mapped as it is, and the orders package refuses
// it later, naming the canonical field; Result.Sources then tells which raw
// path it came from. What this package reports are the problems of mapping
// itself: a value of the wrong JSON type, a number that does not parse or
// does not fit the canonical unit, and (in CheckProfile) a profile that
// cannot work. Warnings looks over many mapped samples for patterns that
// suggest a mapping points at the wrong field or unit.
package mapping
