package ocr

// Page is the OCR result of one image.
type Page struct {
	// Width and Height of the image OCR ran on, in its original
	// orientation (as given, not as turned upright).
	Width, Height int
	// Orientation is how the page content is rotated: the clockwise
	// rotation in degrees (0, 90, 180, 270) that makes it upright.
	Orientation int
	// Skew is the detected skew of the text lines in degrees, counter-
	// clockwise positive, relative to the upright text direction; the
	// length-weighted median of the line angles. Informational: Tesseract
	// copes with small skew itself.
	Skew float64
	// Words in reading order, with boxes in the pixel coordinates of the
	// original image (top-left origin).
	Words []Word
	// Text is the plain text in reading order: words joined by spaces,
	// lines by "\n", paragraphs and blocks by "\n\n". It is Tesseract's
	// plain-text output (as `tesseract img out txt`) without the trailing
	// newlines, built from the same recognition pass as Words.
	Text string
	// MeanConfidence is the mean word confidence (0–100) weighted by the
	// number of characters, as Tesseract's MeanTextConf; 0 without words.
	MeanConfidence float64
}

// Word is one recognised word.
type Word struct {
	Text string
	// X0, Y0, X1, Y1 bound the word in original image pixels, top-left
	// origin, half-open like image.Rectangle: the word covers
	// [X0, X1) × [Y0, Y1).
	X0, Y0, X1, Y1 int
	// Confidence of the word, 0–100.
	Confidence float64
	// Line is the running number of the word's text line on the page,
	// from 0, in reading order.
	Line int
	// Angle is the baseline angle of the word's line in degrees, counter-
	// clockwise positive, relative to the upright text direction; 0 if
	// unknown. The direction of the baseline in the original image is
	// Page.Orientation + Angle degrees counter-clockwise from the x axis.
	Angle float64
}
