package labeltest

import (
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// DecodeCode128 finds and decodes a Code 128 barcode in img, which may hold
// text, rules and a QR code around it, and returns its text. It fails when no
// Code 128 barcode can be read.
func DecodeCode128(img image.Image) (string, error) {
	bmp, err := bitmap(img)
	if err != nil {
		return "", err
	}
	res, err := oned.NewCode128Reader().Decode(bmp, tryHarder())
	if err == nil {
		return res.GetText(), nil
	}
	if text, ok := scanCode128Rows(bmp); ok {
		return text, nil
	}
	return "", fmt.Errorf("labeltest: no readable Code 128 barcode in the %dx%d image: %w", bmp.GetWidth(), bmp.GetHeight(), err)
}

// DecodeQR finds and decodes a QR code in img and returns its text. It fails
// when no QR code can be read.
func DecodeQR(img image.Image) (string, error) {
	bmp, err := bitmap(img)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, tryHarder())
	if err != nil {
		return "", fmt.Errorf("labeltest: no readable QR code in the %dx%d image: %w", bmp.GetWidth(), bmp.GetHeight(), err)
	}
	return res.GetText(), nil
}

func bitmap(img image.Image) (*gozxing.BinaryBitmap, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, fmt.Errorf("labeltest: no image to decode")
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil, fmt.Errorf("labeltest: reading image: %w", err)
	}
	return bmp, nil
}

// tryHarder returns fresh hints each call because readers may keep or
// change the map they are given.
func tryHarder() map[gozxing.DecodeHintType]any {
	return map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
}

// minQuietPx is the white run, in pixels, that must precede a place where the
// row scan tries a Code 128 start. Code 128 asks for a quiet zone of ten
// modules, 20 px and more at the 2–4 px modules labels use; text has narrower
// gaps, so this skips starting inside a word without missing the barcode.
const minQuietPx = 10

// scanCode128Rows reads Code 128 row by row when the whole-image reader
// cannot. That reader takes the first start-pattern look-alike on a row and
// gives the row up when what follows it does not decode, so text beside the
// barcode can hide it on every row. Here each row is tried again from every
// black run that follows a quiet zone, with the pixels before it blanked. A
// read counts once two rows agree, so a chance match in text is not enough.
func scanCode128Rows(bmp *gozxing.BinaryBitmap) (string, bool) {
	reader, ok := oned.NewCode128Reader().(oned.RowDecoder)
	if !ok {
		return "", false
	}
	hints := tryHarder()
	width := bmp.GetWidth()
	seen := map[string]bool{}
	var row *gozxing.BitArray
	for y := range bmp.GetHeight() {
		var err error
		if row, err = bmp.GetBlackRow(y, row); err != nil {
			continue
		}
		white := minQuietPx // the image edge counts as quiet
		for x := 0; x < width; x++ {
			if !row.Get(x) {
				white++
				continue
			}
			if white >= minQuietPx {
				if res, err := reader.DecodeRow(y, rowFrom(row, x), hints); err == nil {
					text := res.GetText()
					if seen[text] {
						return text, true
					}
					seen[text] = true
					break // one vote per row
				}
			}
			white = 0
		}
	}
	return "", false
}

// rowFrom returns a copy of row with every pixel left of x made white.
func rowFrom(row *gozxing.BitArray, x int) *gozxing.BitArray {
	out := gozxing.NewBitArray(row.GetSize())
	for i := row.GetNextSet(x); i < row.GetSize(); i = row.GetNextSet(i + 1) {
		out.Set(i)
	}
	return out
}
