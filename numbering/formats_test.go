package numbering

// Formats shaped like the ones in DOMAIN.md. They are test fixtures, not
// claims about how these carriers compute their check digits.
var (
	sfLike    = Format{Prefix: "SF", SerialLength: 13, Scheme: SchemeMod10}
	jdLike    = Format{Prefix: "JD", SerialLength: 13, Scheme: SchemeMod7}
	ytLike    = Format{Prefix: "YT", SerialLength: 13, Scheme: SchemeMod11}
	ztoLike   = Format{SerialLength: 12, Scheme: SchemeNone}
	emsS10    = Format{Prefix: "EA", SerialLength: 8, Scheme: SchemeUPUS10, Suffix: "CN"}
	oneDigit  = Format{SerialLength: 1, Scheme: SchemeMod10}
	widestFmt = Format{Prefix: "ABC123", SerialLength: 18, Scheme: SchemeMod11}
)

// fuzzFormats are the formats the fuzz tests pick from by index.
var fuzzFormats = []Format{sfLike, jdLike, ytLike, ztoLike, emsS10, oneDigit, widestFmt}
