package pageimage

import (
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// pdfBoolParms are the DecodeParms keys PDF defines as booleans
// (ISO 32000-1, table 11); Stream.DecodeParms holds them as 0/1.
var pdfBoolParms = map[string]bool{"BlackIs1": true, "EncodedByteAlign": true, "EndOfLine": true, "EndOfBlock": true}

// ImageDict returns the image XObject dictionary for the page's Stream,
// for writers built on pdfcpu: Type, Subtype, Width, Height, ColorSpace,
// BitsPerComponent, Filter and DecodeParms with its booleans typed as
// such. The writer adds Length (and whatever PDF/A needs around it).
func (p Page) ImageDict() types.Dict {
	d := types.Dict{
		"Type":             types.Name("XObject"),
		"Subtype":          types.Name("Image"),
		"Width":            types.Integer(p.Width),
		"Height":           types.Integer(p.Height),
		"ColorSpace":       types.Name(p.Stream.ColorSpace),
		"BitsPerComponent": types.Integer(p.Stream.BitsPerComponent),
		"Filter":           types.Name(p.Stream.Filter),
	}
	if len(p.Stream.DecodeParms) > 0 {
		parms := types.Dict{}
		for k, v := range p.Stream.DecodeParms {
			if pdfBoolParms[k] {
				parms[k] = types.Boolean(v != 0)
			} else {
				parms[k] = types.Integer(v)
			}
		}
		d["DecodeParms"] = parms
	}
	return d
}
