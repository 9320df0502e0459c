package letter

import (
	"bytes"
	"image/jpeg"
	"testing"
)

func TestRenderDrawsTextOnAnA4Page(t *testing.T) {
	img, err := Render([]string{"Stadt Musterstadt", "Widerspruch gegen den Bescheid vom 3. März 2026"}, Options{SkewDeg: 0.8, Noise: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 2480 || b.Dy() != 3507 {
		t.Fatalf("page is %v, want A4 at 300 dpi", b)
	}
	dark := 0
	for _, v := range img.Pix {
		if v < 128 {
			dark++
		}
	}
	if dark < 2000 {
		t.Fatalf("only %d dark pixels: no text drawn", dark)
	}
	j, err := JPEG(img, 75)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(j)); err != nil {
		t.Fatal(err)
	}
}
