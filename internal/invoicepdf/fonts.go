package invoicepdf

import (
	"fmt"
	"sync"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/aktenfluss/aktenfluss/internal/pdfa"
)

// fonts are the typefaces of the rendition. They are the Go fonts
// (golang.org/x/image/font/gofont, BSD licence), compiled into the binary:
// a rendition must look the same on every worker, and a font looked up on
// the host (Debian's DejaVu, say) would make the archive copy depend on
// what happens to be installed. The Go fonts cover Latin-1 and WGL4, so
// umlauts, ß, €, „“ and – are all there.
type fonts struct {
	regular, bold *pdfa.Font
}

// loadFonts parses the embedded fonts once per process; the parsed fonts
// are immutable and shared by all renderings.
var loadFonts = sync.OnceValues(func() (fonts, error) {
	reg, err := pdfa.ParseTrueType(goregular.TTF)
	if err != nil {
		return fonts{}, fmt.Errorf("go regular font: %w", err)
	}
	bold, err := pdfa.ParseTrueType(gobold.TTF)
	if err != nil {
		return fonts{}, fmt.Errorf("go bold font: %w", err)
	}
	return fonts{regular: reg, bold: bold}, nil
})
