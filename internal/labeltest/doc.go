// Package labeltest holds the tools that label tests use to prove what they
// rendered is usable: decoders that read the Code 128 barcode and the QR code
// back from pixels, and wrappers around the programs that turn PDF and ZPL
// output into images (poppler's pdftoppm, pdftotext and pdfinfo; zebrash, run
// in Node from zplrender/).
//
// Tests that use the external programs call Require first, so that a
// developer without them sees a skip that says how to install them, while CI
// (EWAYBILL_REQUIRE_LABEL_TOOLS=1) fails instead of silently skipping.
package labeltest
