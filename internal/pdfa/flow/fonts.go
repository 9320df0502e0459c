package flow

import (
	"fmt"
	"sync"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/aktenfluss/aktenfluss/internal/pdfa"
)

// Fonts are the typefaces of the renditions. They are the Go fonts
// (golang.org/x/image/font/gofont, BSD licence), compiled into the binary:
// a rendition must look the same on every worker, and a font looked up on
// the host (Debian's DejaVu, say) would make the archive copy depend on
// what happens to be installed. The Go fonts cover Latin-1 and WGL4, so
// umlauts, ß, €, „“ and – are all there.
type Fonts struct {
	Regular, Bold *pdfa.Font
}

// GoFonts returns the Go regular and bold fonts, parsed once per process;
// the parsed fonts are immutable and shared by all renderings.
func GoFonts() (Fonts, error) { return loadGoFonts() }

var loadGoFonts = sync.OnceValues(func() (Fonts, error) {
	reg, err := pdfa.ParseTrueType(goregular.TTF)
	if err != nil {
		return Fonts{}, fmt.Errorf("go regular font: %w", err)
	}
	bold, err := pdfa.ParseTrueType(gobold.TTF)
	if err != nil {
		return Fonts{}, fmt.Errorf("go bold font: %w", err)
	}
	return Fonts{Regular: reg, Bold: bold}, nil
})

// Heading is the style of section headings.
func (f Fonts) Heading() Style { return Style{Font: f.Bold, Size: 11.5, Color: Accent} }

// Body is running text; BodyBold the same in bold; Label the grey caption
// before a value; TableHeader a table's column heads.
func (f Fonts) Body() Style        { return Style{Font: f.Regular, Size: 8.5} }
func (f Fonts) BodyBold() Style    { return Style{Font: f.Bold, Size: 8.5} }
func (f Fonts) Label() Style       { return Style{Font: f.Regular, Size: 8.5, Color: Gray(LabelGray)} }
func (f Fonts) TableHeader() Style { return Style{Font: f.Bold, Size: 8} }

// Furniture is the page header and footer Doc.Furnish draws.
func (f Fonts) Furniture() Style { return Style{Font: f.Regular, Size: 8, Color: Gray(0.3)} }
