package pdfa

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// scanPropertyDescriptions documents the known scan protocol properties in
// the XMP extension schema; unknown keys get a generic description.
var scanPropertyDescriptions = map[string]string{
	"operator":       "Person who scanned the document",
	"station":        "Scan station or device",
	"profile":        "Scan profile (resolution, colour mode, compression)",
	"scanned_at":     "Time of scanning",
	"pages":          "Number of pages captured",
	"dpi":            "Scan resolution in dots per inch",
	"capture_sha256": "SHA-256 of the captured original",
	"checks":         "Quality checks performed after scanning",
}

// buildXMP renders the XMP packet. Values that the Info dictionary repeats
// are written as single-element containers without whitespace so that
// validators comparing Info and XMP by element text see identical strings.
func buildXMP(d Document, part int, level string) []byte {
	var b strings.Builder
	b.Grow(2048 + 300*len(d.ExtraXMP))
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n" +
		"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n" +
		"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n")

	b.WriteString("<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n")
	b.WriteString("<pdfaid:part>" + strconv.Itoa(part) + "</pdfaid:part>\n")
	b.WriteString("<pdfaid:conformance>" + level + "</pdfaid:conformance>\n")
	b.WriteString("</rdf:Description>\n")

	b.WriteString("<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n")
	b.WriteString("<dc:format>application/pdf</dc:format>\n")
	if d.Title != "" {
		b.WriteString("<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xmlEscape(d.Title) + "</rdf:li></rdf:Alt></dc:title>\n")
	}
	if d.Author != "" {
		b.WriteString("<dc:creator><rdf:Seq><rdf:li>" + xmlEscape(d.Author) + "</rdf:li></rdf:Seq></dc:creator>\n")
	}
	if d.Subject != "" {
		b.WriteString("<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xmlEscape(d.Subject) + "</rdf:li></rdf:Alt></dc:description>\n")
	}
	if len(d.Keywords) > 0 {
		b.WriteString("<dc:subject><rdf:Bag>")
		for _, k := range d.Keywords {
			b.WriteString("<rdf:li>" + xmlEscape(k) + "</rdf:li>")
		}
		b.WriteString("</rdf:Bag></dc:subject>\n")
	}
	if d.Language != "" {
		b.WriteString("<dc:language><rdf:Bag><rdf:li>" + xmlEscape(d.Language) + "</rdf:li></rdf:Bag></dc:language>\n")
	}
	b.WriteString("</rdf:Description>\n")

	b.WriteString("<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n")
	if d.Creator != "" {
		b.WriteString("<xmp:CreatorTool>" + xmlEscape(d.Creator) + "</xmp:CreatorTool>\n")
	}
	if !d.Created.IsZero() {
		b.WriteString("<xmp:CreateDate>" + xmpDate(d.Created) + "</xmp:CreateDate>\n")
	}
	if !d.Modified.IsZero() {
		b.WriteString("<xmp:ModifyDate>" + xmpDate(d.Modified) + "</xmp:ModifyDate>\n")
		b.WriteString("<xmp:MetadataDate>" + xmpDate(d.Modified) + "</xmp:MetadataDate>\n")
	}
	b.WriteString("</rdf:Description>\n")

	b.WriteString("<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n")
	b.WriteString("<pdf:Producer>" + xmlEscape(d.Producer) + "</pdf:Producer>\n")
	if len(d.Keywords) > 0 {
		b.WriteString("<pdf:Keywords>" + xmlEscape(joinKeywords(d.Keywords)) + "</pdf:Keywords>\n")
	}
	b.WriteString("</rdf:Description>\n")

	if len(d.ExtraXMP) > 0 {
		keys := make([]string, 0, len(d.ExtraXMP))
		for k := range d.ExtraXMP {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		// PDF/A (ISO 19005-2, 6.6.2.3) accepts properties outside the
		// predefined schemas only if an extension schema describes them.
		b.WriteString("<rdf:Description rdf:about=\"\"" +
			" xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\"" +
			" xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\"" +
			" xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\n" +
			"<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">\n" +
			"<pdfaSchema:schema>aktenfluss scan protocol (Transfervermerk)</pdfaSchema:schema>\n" +
			"<pdfaSchema:namespaceURI>" + XMPNamespace + "</pdfaSchema:namespaceURI>\n" +
			"<pdfaSchema:prefix>" + XMPPrefix + "</pdfaSchema:prefix>\n" +
			"<pdfaSchema:property><rdf:Seq>\n")
		for _, k := range keys {
			desc := scanPropertyDescriptions[k]
			if desc == "" {
				desc = "aktenfluss scan protocol property"
			}
			b.WriteString("<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>" + k +
				"</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>" +
				"<pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>" +
				xmlEscape(desc) + "</pdfaProperty:description></rdf:li>\n")
		}
		b.WriteString("</rdf:Seq></pdfaSchema:property>\n</rdf:li></rdf:Bag></pdfaExtension:schemas>\n</rdf:Description>\n")

		b.WriteString("<rdf:Description rdf:about=\"\" xmlns:" + XMPPrefix + "=\"" + XMPNamespace + "\">\n")
		for _, k := range keys {
			b.WriteString("<" + XMPPrefix + ":" + k + ">" + xmlEscape(d.ExtraXMP[k]) + "</" + XMPPrefix + ":" + k + ">\n")
		}
		b.WriteString("</rdf:Description>\n")
	}

	b.WriteString("</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>")
	return []byte(b.String())
}

func joinKeywords(k []string) string { return strings.Join(k, ", ") }

func xmpDate(t time.Time) string { return t.Format("2006-01-02T15:04:05Z07:00") }

// xmlEscape escapes markup characters. Write has already removed
// characters XML cannot carry (see cleanText).
func xmlEscape(s string) string {
	if !strings.ContainsAny(s, "&<>\"") {
		return s
	}
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;")
	return r.Replace(s)
}

// cleanText drops what neither XML 1.0 nor a PDF text string should carry:
// invalid UTF-8, C0 controls other than tab and newlines, U+FFFE/U+FFFF.
// Metadata goes through it once so that Info and XMP stay identical.
func cleanText(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
