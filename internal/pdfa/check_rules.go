package pdfa

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

type checker struct {
	xt             *model.XRefTable
	trailerEncrypt bool
	rules          *ruleSet
	part           int
	conformance    string
	oiN            int          // components of the output intent profile, 0 if none
	afRefs         map[int]bool // objects listed in some /AF array
	filespecs      []types.Dict // file specifications with /EF
	filespecNrs    []int        // their object numbers, 0 if direct
}

// obj resolves an indirect reference; anything else is returned as is.
func (c *checker) obj(o types.Object) types.Object {
	r, err := c.xt.Dereference(o)
	if err != nil {
		return nil
	}
	return r
}

func (c *checker) dict(o types.Object) types.Dict {
	switch v := c.obj(o).(type) {
	case types.Dict:
		return v
	case types.StreamDict:
		return v.Dict
	}
	return nil
}

func (c *checker) stream(o types.Object) *types.StreamDict {
	if sd, ok := c.obj(o).(types.StreamDict); ok {
		return &sd
	}
	return nil
}

func (c *checker) array(o types.Object) types.Array {
	a, _ := c.obj(o).(types.Array)
	return a
}

func (c *checker) name(o types.Object) string {
	n, _ := c.obj(o).(types.Name)
	return string(n)
}

func (c *checker) text(o types.Object) (string, bool) {
	s, err := model.Text(c.obj(o))
	return s, err == nil
}

// streamData returns a stream's decoded bytes, at most maxCheckDecode.
func (c *checker) streamData(sd *types.StreamDict) ([]byte, error) {
	if len(sd.FilterPipeline) == 0 {
		if sd.Content != nil {
			return sd.Content, nil
		}
		return sd.Raw, nil
	}
	if err := sd.DecodeWithLimit(maxCheckDecode); err != nil {
		return nil, err
	}
	return sd.Content, nil
}

func (c *checker) run() {
	xt := c.xt
	if len(xt.ID) < 2 {
		c.rules.fail(ruleTrailerID, "trailer has no /ID array of two strings")
	} else {
		for _, o := range xt.ID[:2] {
			switch o.(type) {
			case types.StringLiteral, types.HexLiteral:
			default:
				c.rules.fail(ruleTrailerID, "trailer /ID entry is %T, not a string", o)
			}
		}
	}
	if xt.Encrypt != nil || xt.E != nil || c.trailerEncrypt {
		c.rules.fail(ruleNoEncryption, "trailer has /Encrypt")
	}

	cat := xt.RootDict
	if cat == nil && xt.Root != nil {
		cat = c.dict(*xt.Root)
	}
	if cat == nil {
		c.rules.fail(ruleMetadata, "no document catalog")
		return
	}
	c.checkOutputIntents(cat)
	c.checkMetadata(cat)
	c.checkCatalog(cat)
	c.walkObjects()
	c.checkEmbeddedFiles()
}

func (c *checker) checkOutputIntents(cat types.Dict) {
	ois := c.array(cat["OutputIntents"])
	var profiles []types.IndirectRef
	for _, o := range ois {
		oi := c.dict(o)
		if c.name(oi["S"]) != "GTS_PDFA1" {
			continue
		}
		ref, ok := oi["DestOutputProfile"].(types.IndirectRef)
		if !ok {
			c.rules.fail(ruleOutputIntent, "GTS_PDFA1 output intent without an embedded DestOutputProfile")
			continue
		}
		if !slices.Contains(profiles, ref) {
			profiles = append(profiles, ref)
		}
	}
	switch {
	case len(ois) == 0:
		c.rules.fail(ruleOutputIntent, "catalog has no /OutputIntents")
	case len(profiles) == 0:
		c.rules.fail(ruleOutputIntent, "no output intent with /S /GTS_PDFA1 and a DestOutputProfile")
	case len(profiles) > 1:
		// ISO 19005-2, 6.2.3: all output intents must share one profile.
		c.rules.fail(ruleOutputIntent, "%d different destination profiles", len(profiles))
	}
	if len(profiles) == 0 {
		c.rules.fail(ruleICCProfile, "no destination profile to check")
		return
	}
	sd := c.stream(profiles[0])
	if sd == nil {
		c.rules.fail(ruleICCProfile, "DestOutputProfile is not a stream")
		return
	}
	data, err := c.streamData(sd)
	if err != nil {
		c.rules.fail(ruleICCProfile, "cannot decode profile: %v", shortErr(err))
		return
	}
	h, err := parseICCHeader(data)
	if err != nil {
		c.rules.fail(ruleICCProfile, "%v", err)
		return
	}
	if h.class != "mntr" && h.class != "prtr" {
		c.rules.fail(ruleICCProfile, "profile class %q is neither mntr nor prtr", h.class)
	}
	if h.major >= 5 {
		c.rules.fail(ruleICCProfile, "ICC version %d.%d (PDF/A-2 allows up to v4)", h.major, h.minor)
	}
	c.oiN = h.components
	if n := sd.IntEntry("N"); n == nil || *n != h.components {
		c.rules.fail(ruleICCProfile, "/N does not match the profile's colour space %q", h.space)
	}
}

type iccHeader struct {
	size         uint32
	major, minor int
	class, space string
	components   int
}

// parseICCHeader checks the parts of an ICC header that readers rely on:
// declared size, signature, class and data colour space.
func parseICCHeader(b []byte) (iccHeader, error) {
	if len(b) < 132 {
		return iccHeader{}, fmt.Errorf("ICC profile of %d bytes is shorter than its header", len(b))
	}
	h := iccHeader{
		size:  uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]),
		major: int(b[8]), minor: int(b[9] >> 4),
		class: string(b[12:16]), space: string(b[16:20]),
	}
	if string(b[36:40]) != "acsp" {
		return h, errors.New("ICC profile lacks the 'acsp' signature")
	}
	if h.size != uint32(len(b)) {
		return h, fmt.Errorf("ICC header declares %d bytes, stream has %d", h.size, len(b))
	}
	switch h.space {
	case "GRAY":
		h.components = 1
	case "RGB ":
		h.components = 3
	case "CMYK":
		h.components = 4
	default:
		return h, fmt.Errorf("ICC colour space %q not usable for an output intent", h.space)
	}
	tags := uint32(b[128])<<24 | uint32(b[129])<<16 | uint32(b[130])<<8 | uint32(b[131])
	if 132+12*uint64(tags) > uint64(len(b)) {
		return h, fmt.Errorf("ICC tag table of %d entries exceeds the profile", tags)
	}
	for i := range tags {
		e := b[132+12*i:]
		off := uint64(e[4])<<24 | uint64(e[5])<<16 | uint64(e[6])<<8 | uint64(e[7])
		n := uint64(e[8])<<24 | uint64(e[9])<<16 | uint64(e[10])<<8 | uint64(e[11])
		if off+n > uint64(len(b)) {
			return h, fmt.Errorf("ICC tag %q lies outside the profile", e[0:4])
		}
	}
	return h, nil
}

func (c *checker) checkMetadata(cat types.Dict) {
	sd := c.stream(cat["Metadata"])
	if sd == nil {
		c.rules.fail(ruleMetadata, "catalog has no /Metadata stream")
		return
	}
	if c.name(sd.Dict["Type"]) != "Metadata" || c.name(sd.Dict["Subtype"]) != "XML" {
		c.rules.fail(ruleMetadata, "metadata stream lacks /Type /Metadata /Subtype /XML")
	}
	data, err := c.streamData(sd)
	if err != nil {
		c.rules.fail(ruleMetadata, "cannot decode metadata stream: %v", shortErr(err))
		return
	}
	if i := bytes.Index(data, []byte("<?xpacket")); i >= 0 {
		if end := bytes.Index(data[i:], []byte("?>")); end > 0 && bytes.Contains(data[i:i+end], []byte("bytes=")) {
			c.rules.fail(ruleMetadata, "xpacket header uses the deprecated bytes attribute")
		}
	}
	x, err := parseXMP(bytes.TrimLeft(data, "\xef\xbb\xbf \t\r\n"))
	if err != nil {
		c.rules.fail(ruleMetadata, "XMP is not well-formed: %v", shortErr(err))
		return
	}
	partS, okP := x.value(nsPDFAID, "part")
	conf, okC := x.value(nsPDFAID, "conformance")
	if !okP || !okC {
		c.rules.fail(ruleMetadata, "XMP lacks pdfaid:part or pdfaid:conformance")
	} else {
		part, err := strconv.Atoi(partS)
		if err != nil || part < 1 || part > 4 {
			c.rules.fail(ruleMetadata, "pdfaid:part %q is not a PDF/A part", partS)
		}
		c.part, c.conformance = part, conf
		switch {
		case conf != "A" && conf != "B" && conf != "U":
			c.rules.fail(ruleMetadata, "pdfaid:conformance %q is not A, B or U", conf)
		case part == 1 && conf == "U":
			c.rules.fail(ruleMetadata, "PDF/A-1 has no level U")
		}
		if conf == "A" {
			if mi := c.dict(cat["MarkInfo"]); mi == nil || mi.BooleanEntry("Marked") == nil || !*mi.BooleanEntry("Marked") {
				c.rules.fail(ruleMetadata, "claims level A but the document is not tagged (MarkInfo /Marked)")
			}
		}
	}
	if u := x.undeclared(); len(u) > 0 {
		sort.Strings(u)
		c.rules.fail(ruleXMPExtension, "no extension schema for %s", strings.Join(u, ", "))
	}
	c.checkInfoAgainstXMP(x)
}

// checkInfoAgainstXMP compares every Info entry with its XMP equivalent
// (ISO 19005-2, 6.6.3): a reader may show either, so they must agree.
func (c *checker) checkInfoAgainstXMP(x *xmpPacket) {
	if c.xt.Info == nil {
		return
	}
	info := c.dict(*c.xt.Info)
	if info == nil {
		return
	}
	pairs := []struct{ key, ns, local string }{
		{"Title", nsDC, "title"}, {"Author", nsDC, "creator"}, {"Subject", nsDC, "description"},
		{"Keywords", nsPDF, "Keywords"}, {"Creator", nsXMPBasic, "CreatorTool"},
		{"Producer", nsPDF, "Producer"}, {"CreationDate", nsXMPBasic, "CreateDate"},
		{"ModDate", nsXMPBasic, "ModifyDate"},
	}
	for _, p := range pairs {
		o, ok := info[p.key]
		if !ok {
			continue
		}
		iv, ok := c.text(o)
		if !ok {
			c.rules.fail(ruleMetadata, "Info /%s is not a text string", p.key)
			continue
		}
		xv, ok := x.value(p.ns, p.local)
		if !ok {
			c.rules.fail(ruleMetadata, "Info /%s present but XMP lacks its counterpart", p.key)
			continue
		}
		if strings.HasSuffix(p.key, "Date") {
			it, err1 := parsePDFDate(iv)
			xt, err2 := parseXMPDate(xv)
			if err1 != nil || err2 != nil || !it.Equal(xt) {
				c.rules.fail(ruleMetadata, "Info /%s %q differs from XMP %q", p.key, iv, xv)
			}
			continue
		}
		if strings.TrimSpace(iv) != xv {
			c.rules.fail(ruleMetadata, "Info /%s differs from XMP", p.key)
		}
	}
}

func (c *checker) checkCatalog(cat types.Dict) {
	if names := c.dict(cat["Names"]); names != nil {
		if _, ok := names["JavaScript"]; ok {
			c.rules.fail(ruleNoJavaScript, "document-level JavaScript (Names /JavaScript)")
		}
	}
	if af := c.dict(cat["AcroForm"]); af != nil {
		if _, ok := af["XFA"]; ok {
			c.rules.fail(ruleForms, "AcroForm contains XFA")
		}
		if b := af.BooleanEntry("NeedAppearances"); b != nil && *b {
			c.rules.fail(ruleForms, "AcroForm /NeedAppearances true")
		}
	}
	if _, ok := cat["NeedsRendering"]; ok {
		c.rules.fail(ruleForms, "catalog has /NeedsRendering")
	}
	c.collectAF(cat)
}

// forbiddenActions are the action types ISO 19005-2, 6.6.1 excludes.
var forbiddenActions = map[string]bool{
	"Launch": true, "Sound": true, "Movie": true, "ResetForm": true, "ImportData": true,
	"Hide": true, "SetOCGState": true, "Rendition": true, "Trans": true, "GoTo3DView": true,
	"JavaScript": true,
}

var standardBlendModes = map[string]bool{
	"Normal": true, "Compatible": true, "Multiply": true, "Screen": true, "Overlay": true,
	"Darken": true, "Lighten": true, "ColorDodge": true, "ColorBurn": true, "HardLight": true,
	"SoftLight": true, "Difference": true, "Exclusion": true, "Hue": true, "Saturation": true,
	"Color": true, "Luminosity": true,
}

// walkObjects visits every object of the file once: stream-level rules on
// streams, dictionary rules on every dictionary including direct ones
// nested inside (actions are usually direct dictionaries).
func (c *checker) walkObjects() {
	nrs := make([]int, 0, len(c.xt.Table))
	for nr, e := range c.xt.Table {
		if nr > 0 && e != nil && !e.Free {
			nrs = append(nrs, nr)
		}
	}
	sort.Ints(nrs)
	for _, nr := range nrs {
		e := c.xt.Table[nr]
		gen := 0
		if e.Generation != nil {
			gen = *e.Generation
		}
		o, err := c.xt.Dereference(*types.NewIndirectRef(nr, gen))
		if err != nil || o == nil {
			continue
		}
		where := fmt.Sprintf("object %d", nr)
		switch v := o.(type) {
		case types.StreamDict:
			c.checkStream(v, where)
			c.visit(v.Dict, where, nr, 0)
		case types.ObjectStreamDict:
			c.checkStream(v.StreamDict, where)
		case types.XRefStreamDict:
			c.checkStream(v.StreamDict, where)
		case types.Dict:
			c.visit(v, where, nr, 0)
		case types.Array:
			c.visitArray(v, where, nr, 0)
		}
	}
}

func (c *checker) visitArray(a types.Array, where string, nr, depth int) {
	if depth > maxCheckWalkDepth {
		return
	}
	for _, o := range a {
		switch v := o.(type) {
		case types.Dict:
			c.visit(v, where, 0, depth+1)
		case types.Array:
			c.visitArray(v, where, nr, depth+1)
		}
	}
}

// visit applies the dictionary rules to d and to the direct dictionaries
// inside it. nr is d's object number when d is an indirect object.
func (c *checker) visit(d types.Dict, where string, nr, depth int) {
	if depth > maxCheckWalkDepth {
		return
	}
	typ, sub := c.name(d["Type"]), c.name(d["Subtype"])

	if s := c.name(d["S"]); s != "" && (typ == "" || typ == "Action") {
		if forbiddenActions[s] {
			c.rules.fail(ruleNoActions, "%s action in %s", s, where)
		}
		if s == "JavaScript" {
			c.rules.fail(ruleNoJavaScript, "JavaScript action in %s", where)
		}
		if s == "Named" {
			switch c.name(d["N"]) {
			case "NextPage", "PrevPage", "FirstPage", "LastPage":
			default:
				c.rules.fail(ruleNoActions, "named action %q in %s", c.name(d["N"]), where)
			}
		}
	}
	if _, ok := d["JS"]; ok {
		c.rules.fail(ruleNoJavaScript, "/JS entry in %s", where)
	}
	if _, ok := d["AA"]; ok {
		c.rules.fail(ruleNoActions, "additional actions (/AA) in %s", where)
	}

	switch {
	case typ == "Font" || (typ == "" && (sub == "Type0" || sub == "TrueType" || sub == "Type1") && d["BaseFont"] != nil):
		c.checkFont(d, where)
	case typ == "Page":
		if g := c.dict(d["Group"]); g != nil && c.name(g["S"]) == "Transparency" {
			if _, ok := g["CS"]; !ok && c.oiN == 0 {
				c.rules.fail(ruleTransparency, "transparency group on %s without /CS and without output intent", where)
			}
		}
	case typ == "ExtGState" || d["BM"] != nil || d["TR"] != nil || d["TR2"] != nil:
		c.checkExtGState(d, where)
	case typ == "Annot" || (typ == "" && d["Rect"] != nil && sub != ""):
		c.checkAnnot(d, typ, sub, where)
	}
	if typ == "Filespec" || d["EF"] != nil {
		c.filespecs = append(c.filespecs, d)
		c.filespecNrs = append(c.filespecNrs, nr)
	}
	if _, ok := d["AF"]; ok {
		c.collectAF(d)
	}

	for k, o := range d {
		if k == "Parent" || k == "P" {
			continue // back links lead to objects visited on their own
		}
		switch v := o.(type) {
		case types.Dict:
			c.visit(v, where, 0, depth+1)
		case types.Array:
			c.visitArray(v, where, 0, depth+1)
		}
	}
}

func (c *checker) collectAF(d types.Dict) {
	if c.afRefs == nil {
		c.afRefs = map[int]bool{}
	}
	for _, o := range c.array(d["AF"]) {
		if r, ok := o.(types.IndirectRef); ok {
			c.afRefs[r.ObjectNumber.Value()] = true
		}
	}
}

func (c *checker) checkStream(sd types.StreamDict, where string) {
	d := sd.Dict
	filters := []string{c.name(d["Filter"])}
	if a := c.array(d["Filter"]); a != nil {
		filters = filters[:0]
		for _, f := range a {
			filters = append(filters, c.name(f))
		}
	}
	for _, f := range filters {
		switch f {
		case "LZWDecode":
			c.rules.fail(ruleNoLZW, "LZWDecode in %s", where)
		case "Crypt":
			c.rules.fail(ruleNoLZW, "Crypt filter in %s", where)
		}
	}
	for _, k := range []string{"F", "FFilter", "FDecodeParms"} {
		if _, ok := d[k]; ok {
			c.rules.fail(ruleExternalStream, "/%s in stream %s", k, where)
		}
	}
	typ, sub := c.name(d["Type"]), c.name(d["Subtype"])
	if sub == "PS" || typ == "PS" {
		c.rules.fail(ruleNoPostScript, "PostScript XObject %s", where)
	}
	if sub == "Form" {
		if _, ok := d["PS"]; ok {
			c.rules.fail(ruleNoPostScript, "form XObject %s with /PS", where)
		}
		if _, ok := d["OPI"]; ok {
			c.rules.fail(ruleNoPostScript, "form XObject %s with /OPI", where)
		}
	}
	if sub == "Image" {
		if b := d.BooleanEntry("Interpolate"); b != nil && *b {
			c.rules.fail(ruleImages, "image %s has /Interpolate true", where)
		}
		for _, k := range []string{"Alternates", "OPI"} {
			if _, ok := d[k]; ok {
				c.rules.fail(ruleImages, "image %s has /%s", where, k)
			}
		}
		c.checkDeviceColour(d["ColorSpace"], "image "+where)
	}
}

// checkDeviceColour: device colour spaces are allowed only when the output
// intent can interpret them (ISO 19005-2, 6.2.4.3).
func (c *checker) checkDeviceColour(cs types.Object, where string) {
	name := c.name(cs)
	if a := c.array(cs); len(a) > 0 {
		name = c.name(a[0])
		if name == "Indexed" && len(a) > 1 {
			name = c.name(a[1])
		}
	}
	switch {
	case name == "DeviceRGB" && c.oiN != 3:
		c.rules.fail(ruleDeviceColour, "DeviceRGB in %s without an RGB output intent", where)
	case name == "DeviceCMYK" && c.oiN != 4:
		c.rules.fail(ruleDeviceColour, "DeviceCMYK in %s without a CMYK output intent", where)
	case name == "DeviceGray" && c.oiN == 0:
		c.rules.fail(ruleDeviceColour, "DeviceGray in %s without an output intent", where)
	}
}

func (c *checker) checkExtGState(d types.Dict, where string) {
	if _, ok := d["TR"]; ok {
		c.rules.fail(ruleTransfer, "transfer function /TR in %s", where)
	}
	if tr2, ok := d["TR2"]; ok && c.name(tr2) != "Default" {
		c.rules.fail(ruleTransfer, "/TR2 other than /Default in %s", where)
	}
	bm := []types.Object{d["BM"]}
	if a := c.array(d["BM"]); a != nil {
		bm = a
	}
	for _, o := range bm {
		if n := c.name(o); n != "" && !standardBlendModes[n] {
			c.rules.fail(ruleTransparency, "non-standard blend mode %q in %s", n, where)
		}
	}
}

var forbiddenAnnots = map[string]bool{"Sound": true, "Movie": true, "Screen": true, "3D": true, "RichMedia": true}

func (c *checker) checkAnnot(d types.Dict, typ, sub, where string) {
	if forbiddenAnnots[sub] {
		c.rules.fail(ruleAnnotations, "%s annotation in %s", sub, where)
	}
	if sub == "FileAttachment" && c.part == 2 {
		c.rules.fail(ruleAnnotations, "FileAttachment annotation in %s (PDF/A-2)", where)
	}
	if sub == "Popup" || sub == "" {
		return
	}
	f := 0
	if p := d.IntEntry("F"); p != nil {
		f = *p
	}
	// Print must be set; Invisible, Hidden, NoView and ToggleNoView unset.
	if f&4 == 0 || f&(1|2|32|256) != 0 {
		c.rules.fail(ruleAnnotations, "%s annotation in %s has flags %d (must print, must not hide)", sub, where, f)
	}
}

func (c *checker) checkFont(d types.Dict, where string) {
	sub := c.name(d["Subtype"])
	if sub == "Type3" || sub == "CIDFontType0" || sub == "CIDFontType2" {
		// Type3 glyphs are content streams; CID fonts are checked through
		// their Type0 parent.
		return
	}
	base := c.name(d["BaseFont"])
	fd := c.dict(d["FontDescriptor"])
	if sub == "Type0" {
		desc := c.array(d["DescendantFonts"])
		if len(desc) == 0 {
			c.rules.fail(ruleFontsEmbedded, "Type0 font %s (%s) without descendant font", base, where)
			return
		}
		cid := c.dict(desc[0])
		fd = c.dict(cid["FontDescriptor"])
		if c.name(cid["Subtype"]) == "CIDFontType2" {
			if _, ok := cid["CIDToGIDMap"]; !ok {
				c.rules.fail(ruleCIDToGID, "CIDFontType2 %s (%s) without /CIDToGIDMap", base, where)
			}
		}
	}
	embedded := false
	for _, k := range []string{"FontFile", "FontFile2", "FontFile3"} {
		if _, ok := fd[k]; ok {
			embedded = true
		}
	}
	if !embedded {
		c.rules.fail(ruleFontsEmbedded, "font %s (%s) is not embedded", base, where)
	}
	if _, ok := d["ToUnicode"]; !ok {
		switch c.name(d["Encoding"]) {
		case "WinAnsiEncoding", "MacRomanEncoding", "StandardEncoding":
			// text is extractable through the named encoding
		default:
			c.rules.fail(ruleToUnicode, "font %s (%s) has no /ToUnicode", base, where)
		}
	}
}

// checkEmbeddedFiles: PDF/A-2 admits only PDF/A attachments; PDF/A-3
// admits any file but requires it to be associated (/AF), typed (MIME
// /Subtype) and dated (/Params /ModDate) with its relationship declared.
func (c *checker) checkEmbeddedFiles() {
	for i, fs := range c.filespecs {
		name, _ := c.text(fs["UF"])
		if name == "" {
			name, _ = c.text(fs["F"])
		}
		ef := c.dict(fs["EF"])
		if ef == nil {
			continue
		}
		var sd *types.StreamDict
		for _, k := range []string{"F", "UF"} {
			if sd = c.stream(ef[k]); sd != nil {
				break
			}
		}
		if sd == nil {
			c.rules.fail(ruleEmbeddedFiles, "attachment %q: /EF without a stream", name)
			continue
		}
		switch c.part {
		case 3:
			if c.name(fs["AFRelationship"]) == "" {
				c.rules.fail(ruleEmbeddedFiles, "attachment %q without /AFRelationship", name)
			}
			if _, ok := fs["UF"]; !ok {
				c.rules.fail(ruleEmbeddedFiles, "attachment %q without /UF", name)
			}
			if _, ok := fs["F"]; !ok {
				c.rules.fail(ruleEmbeddedFiles, "attachment %q without /F", name)
			}
			if c.name(sd.Dict["Subtype"]) == "" {
				c.rules.fail(ruleEmbeddedFiles, "attachment %q without MIME /Subtype", name)
			}
			if p := c.dict(sd.Dict["Params"]); p == nil || p["ModDate"] == nil {
				c.rules.fail(ruleEmbeddedFiles, "attachment %q without /Params /ModDate", name)
			}
			if nr := c.filespecNrs[i]; nr == 0 || !c.afRefs[nr] {
				c.rules.fail(ruleEmbeddedFiles, "attachment %q is not referenced from an /AF array", name)
			}
		default:
			data, err := c.streamData(sd)
			if err != nil || !isPDFA(data) {
				c.rules.fail(ruleEmbeddedFiles, "attachment %q is not a PDF/A file (PDF/A-%d allows only PDF/A attachments)", name, max(c.part, 2))
			}
		}
	}
}

// isPDFA is a cheap sniff for PDF/A attachments in PDF/A-2: a PDF whose XMP
// carries a pdfaid:part. It does not validate the attachment.
func isPDFA(b []byte) bool {
	return bytes.HasPrefix(b, []byte("%PDF-")) && bytes.Contains(b, []byte("pdfaid:part"))
}
