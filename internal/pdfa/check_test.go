package pdfa

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var objRe = regexp.MustCompile(`(?ms)^(\d+) 0 obj\n(.*?)\nendobj$`)

// findObj returns the number and body of the first object whose body
// contains marker.
func findObj(t *testing.T, pdf []byte, marker string) (int, string) {
	t.Helper()
	for _, m := range objRe.FindAllSubmatch(pdf, -1) {
		if bytes.Contains(m[2], []byte(marker)) {
			n, err := strconv.Atoi(string(m[1]))
			require.NoError(t, err)
			return n, string(m[2])
		}
	}
	t.Fatalf("no object contains %q", marker)
	return 0, ""
}

// update appends an incremental update that replaces (or adds) objects,
// the way an editing tool changes a signed or archived PDF. Every broken
// variant below is a valid PDF that differs from a good one in one point.
func update(t *testing.T, pdf []byte, objs map[int]string) []byte {
	t.Helper()
	trailer := regexp.MustCompile(`(?s)trailer\n(<<.*?>>)\nstartxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	require.NotNil(t, trailer, "trailer")
	prev := string(trailer[2])
	dict := string(trailer[1])
	size, err := strconv.Atoi(regexp.MustCompile(`/Size (\d+)`).FindStringSubmatch(dict)[1])
	require.NoError(t, err)

	out := slices.Clone(pdf)
	nums := make([]int, 0, len(objs))
	for n := range objs {
		nums = append(nums, n)
		size = max(size, n+1)
	}
	sort.Ints(nums)
	offsets := map[int]int{}
	for _, n := range nums {
		offsets[n] = len(out)
		out = fmt.Appendf(out, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	xref := len(out)
	out = append(out, "xref\n"...)
	for _, n := range nums {
		out = fmt.Appendf(out, "%d 1\n%010d 00000 n \n", n, offsets[n])
	}
	dict = regexp.MustCompile(`/Size \d+`).ReplaceAllString(dict, "/Size "+strconv.Itoa(size))
	dict = strings.TrimSuffix(dict, ">>") + "/Prev " + prev + " >>"
	return fmt.Appendf(out, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", dict, xref)
}

// replaceObj rewrites one object found by marker through f.
func replaceObj(t *testing.T, pdf []byte, marker string, f func(body string) string) []byte {
	t.Helper()
	n, body := findObj(t, pdf, marker)
	nb := f(body)
	require.NotEqual(t, body, nb, "mutation of object with %q changed nothing", marker)
	return update(t, pdf, map[int]string{n: nb})
}

func addObj(t *testing.T, pdf []byte, body string) []byte {
	t.Helper()
	size, err := strconv.Atoi(regexp.MustCompile(`/Size (\d+)`).FindAllStringSubmatch(string(pdf), -1)[0][1])
	require.NoError(t, err)
	return update(t, pdf, map[int]string{size: body})
}

func failedIDs(r Report) []string {
	var ids []string
	for _, x := range r.Failed() {
		ids = append(ids, x.ID)
	}
	return ids
}

func TestCheckBrokenVariants(t *testing.T) {
	_, good2 := writeTemp(t, testDocument(t))
	_, good3 := writeTemp(t, withAttachment(testDocument(t)))
	catalog := "/Type /Catalog"
	xmpOf := func(pdf []byte, f func(x string) string) []byte {
		return replaceObj(t, pdf, "/Type /Metadata", func(body string) string {
			x := body[strings.Index(body, "stream\n")+7 : strings.LastIndex(body, "\nendstream")]
			x = f(x)
			return fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream", len(x), x)
		})
	}

	tests := []struct {
		name      string
		pdf       func() []byte
		want      []string // exactly the failing rules (warnings aside)
		pdfacheck bool     // the shared checker must reject it too
	}{
		{"no trailer ID", func() []byte {
			return regexp.MustCompile(`/ID \[<[0-9a-f]+><[0-9a-f]+>\]`).ReplaceAllFunc(good2, func(m []byte) []byte {
				return bytes.Repeat([]byte(" "), len(m))
			})
		}, []string{ruleTrailerID}, true},
		{"encrypt dictionary in trailer", func() []byte {
			return bytes.Replace(good2, []byte("/Info 3 0 R"),
				[]byte("/Info 3 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>"), 1)
		}, nil, false},
		{"encrypt reference pdfcpu cannot follow", func() []byte {
			return bytes.Replace(good2, []byte("/Info 3 0 R"), []byte("/Info 3 0 R /Encrypt 3 0 R"), 1)
		}, nil, false},
		{"no output intent", func() []byte {
			return replaceObj(t, good2, catalog, func(b string) string {
				return regexp.MustCompile(` /OutputIntents \[<<.*?>>\]`).ReplaceAllString(b, "")
			})
		}, []string{ruleOutputIntent, ruleICCProfile, ruleDeviceColour}, true},
		{"profile with wrong /N", func() []byte {
			return replaceObj(t, good2, "/N 3 /Filter", func(b string) string { return strings.Replace(b, "/N 3", "/N 4", 1) })
		}, []string{ruleICCProfile}, true},
		{"font not embedded", func() []byte {
			return replaceObj(t, good2, "/Type /FontDescriptor", func(b string) string {
				return regexp.MustCompile(` /FontFile2 \d+ 0 R`).ReplaceAllString(b, "")
			})
		}, []string{ruleFontsEmbedded}, true},
		{"CIDFontType2 without CIDToGIDMap", func() []byte {
			return replaceObj(t, good2, "/CIDFontType2", func(b string) string {
				return regexp.MustCompile(` /CIDToGIDMap \d+ 0 R`).ReplaceAllString(b, "")
			})
		}, []string{ruleCIDToGID}, true},
		{"JavaScript in Names", func() []byte {
			return replaceObj(t, good2, catalog, func(b string) string {
				return strings.TrimSuffix(b, " >>") + " /Names << /JavaScript << /Names [(init) << /S /JavaScript /JS (app.alert\\(1\\)) >>] >> >> >>"
			})
		}, []string{ruleNoJavaScript, ruleNoActions}, true},
		{"launch open action", func() []byte {
			return replaceObj(t, good2, catalog, func(b string) string {
				return strings.TrimSuffix(b, " >>") + " /OpenAction << /S /Launch /F (cmd.exe) >> >>"
			})
		}, []string{ruleNoActions}, true},
		{"page additional actions", func() []byte {
			return replaceObj(t, good2, "/Type /Page /Parent", func(b string) string {
				return strings.TrimSuffix(b, " >>") + " /AA << /O << /S /Named /N /Print >> >> >>"
			})
		}, []string{ruleNoActions}, true},
		{"LZW stream", func() []byte {
			n, _ := findObj(t, good2, "/Filter /FlateDecode /Length")
			return update(t, good2, map[int]string{n: "<< /Filter /LZWDecode /Length 2 >>\nstream\n\x80\x0b\nendstream"})
		}, []string{ruleNoLZW}, true},
		{"external stream", func() []byte {
			return addObj(t, good2, "<< /F (data.bin) /Length 0 >>\nstream\n\nendstream")
		}, []string{ruleExternalStream}, true},
		{"interpolated image", func() []byte {
			return replaceObj(t, good2, "/Subtype /Image", func(b string) string {
				return strings.Replace(b, "/Subtype /Image", "/Subtype /Image /Interpolate true", 1)
			})
		}, []string{ruleImages}, true},
		{"PostScript XObject", func() []byte {
			return addObj(t, good2, "<< /Type /XObject /Subtype /PS /Length 0 >>\nstream\n\nendstream")
		}, []string{ruleNoPostScript}, true},
		{"non-standard blend mode", func() []byte {
			return addObj(t, good2, "<< /Type /ExtGState /BM /Dissolve >>")
		}, []string{ruleTransparency}, true},
		{"transfer function", func() []byte {
			return addObj(t, good2, "<< /Type /ExtGState /TR /Identity >>")
		}, []string{ruleTransfer}, true},
		{"hidden annotation", func() []byte {
			return replaceObj(t, good2, "/Type /Page /Parent", func(b string) string {
				return strings.TrimSuffix(b, " >>") + " /Annots [<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /F 2 /AP << >> >>] >>"
			})
		}, []string{ruleAnnotations}, false}, // pdfacheck looks at indirect annotations only
		{"XFA form", func() []byte {
			return replaceObj(t, good2, catalog, func(b string) string {
				return strings.TrimSuffix(b, " >>") + " /AcroForm << /Fields [] /XFA [] >> >>"
			})
		}, []string{ruleForms}, true},
		{"no XMP metadata", func() []byte {
			return replaceObj(t, good2, catalog, func(b string) string {
				return regexp.MustCompile(` /Metadata \d+ 0 R`).ReplaceAllString(b, "")
			})
		}, []string{ruleMetadata}, true},
		{"XMP without pdfaid", func() []byte {
			return xmpOf(good2, func(x string) string {
				return regexp.MustCompile(`<pdfaid:part>2</pdfaid:part>`).ReplaceAllString(x, "")
			})
		}, []string{ruleMetadata}, true},
		{"Info title differs from XMP", func() []byte {
			return replaceObj(t, good2, "/Producer (aktenfluss)", func(b string) string {
				return regexp.MustCompile(`/Title \((?:[^()\\]|\\.)*\)`).ReplaceAllString(b, "/Title (Something else)")
			})
		}, []string{ruleMetadata}, true},
		{"Info producer differs from XMP", func() []byte {
			return replaceObj(t, good2, "/Producer (aktenfluss)", func(b string) string {
				return strings.Replace(b, "/Producer (aktenfluss)", "/Producer (other)", 1)
			})
		}, []string{ruleMetadata}, true},
		{"Info date differs from XMP", func() []byte {
			return replaceObj(t, good2, "/Producer (aktenfluss)", func(b string) string {
				return strings.Replace(b, "D:20260314093000+01'00'", "D:20260314093000Z", 1)
			})
		}, []string{ruleMetadata}, true},
		{"undeclared XMP property", func() []byte {
			return xmpOf(good2, func(x string) string {
				return regexp.MustCompile(`(?s)<rdf:Description rdf:about="" xmlns:pdfaExtension.*?</rdf:Description>\n`).ReplaceAllString(x, "")
			})
		}, []string{ruleXMPExtension}, false},
		{"XMP not well-formed", func() []byte {
			return xmpOf(good2, func(x string) string { return strings.Replace(x, "</rdf:RDF>", "", 1) })
		}, []string{ruleMetadata}, true},
		{"binary comment missing", func() []byte {
			b := slices.Clone(good2)
			copy(b[9:14], "%abcd")
			return b
		}, []string{ruleHeader}, true},
		{"header version 2.0", func() []byte {
			b := slices.Clone(good2)
			copy(b[0:8], "%PDF-2.0")
			return b
		}, []string{ruleHeader}, true},
		{"data after EOF", func() []byte {
			return append(slices.Clone(good2), "garbage after the end\n"...)
		}, []string{ruleEOF}, true},
		{"PDF/A-3 attachment not in /AF", func() []byte {
			return replaceObj(t, good3, catalog, func(b string) string {
				return regexp.MustCompile(` /AF \[[0-9 R]+\]`).ReplaceAllString(b, "")
			})
		}, []string{ruleEmbeddedFiles}, false},
		{"PDF/A-3 attachment without AFRelationship", func() []byte {
			return replaceObj(t, good3, "/AFRelationship /Source", func(b string) string {
				return strings.Replace(b, " /AFRelationship /Source", "", 1)
			})
		}, []string{ruleEmbeddedFiles}, false},
		{"PDF/A-3 attachment without MIME type", func() []byte {
			return replaceObj(t, good3, "/Subtype /text#2Fxml", func(b string) string {
				return strings.Replace(b, " /Subtype /text#2Fxml", "", 1)
			})
		}, []string{ruleEmbeddedFiles}, false},
		{"attachment in a file claiming PDF/A-2", func() []byte {
			return xmpOf(good3, func(x string) string {
				return strings.Replace(x, "<pdfaid:part>3</pdfaid:part>", "<pdfaid:part>2</pdfaid:part>", 1)
			})
		}, []string{ruleEmbeddedFiles}, false},
		{"font without ToUnicode is only a warning", func() []byte {
			return replaceObj(t, good2, "/Subtype /Type0", func(b string) string {
				return regexp.MustCompile(` /ToUnicode \d+ 0 R`).ReplaceAllString(b, "")
			})
		}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf := tt.pdf()
			rep, err := Check(bytes.NewReader(pdf), int64(len(pdf)))
			require.NoError(t, err)
			got := failedIDs(rep)
			switch tt.name {
			case "encrypt dictionary in trailer", "encrypt reference pdfcpu cannot follow":
				r, _ := rep.Rule(ruleNoEncryption)
				require.False(t, r.Passed, "rules: %+v", rep.Rules)
				require.False(t, rep.OK())
			case "font without ToUnicode is only a warning":
				require.Empty(t, got)
				r, _ := rep.Rule(ruleToUnicode)
				require.False(t, r.Passed)
				require.True(t, r.Warning)
				require.True(t, rep.OK())
			default:
				require.Equal(t, tt.want, got, "details: %+v", rep.Failed())
			}
			if tt.pdfacheck {
				requirePdfacheckRejects(t, pdf)
			}
		})
	}
}

func requirePdfacheckRejects(t *testing.T, pdf []byte) {
	t.Helper()
	if _, err := os.Stat(pdfacheckPath); err != nil && os.Getenv("CI") != "true" {
		return
	}
	if _, err := exec.LookPath("qpdf"); err != nil && os.Getenv("CI") != "true" {
		return
	}
	path := filepath.Join(t.TempDir(), "broken.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o644))
	out, err := exec.Command("/usr/bin/python3", pdfacheckPath, path).CombinedOutput()
	require.Error(t, err, "pdfacheck should reject it too: %s", out)
}

// TestCheckQpdfEncrypted checks a really encrypted file (AES-256, empty
// user password), which pdfcpu can open.
func TestCheckQpdfEncrypted(t *testing.T) {
	needTool(t, "qpdf")
	path, _ := writeTemp(t, testDocument(t))
	enc := filepath.Join(t.TempDir(), "enc.pdf")
	out, err := exec.Command("qpdf", "--encrypt", "", "owner", "256", "--", path, enc).CombinedOutput()
	require.NoError(t, err, "%s", out)
	b, err := os.ReadFile(enc)
	require.NoError(t, err)
	rep, err := Check(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	require.Contains(t, failedIDs(rep), ruleNoEncryption)
}

func TestCheckBornDigital(t *testing.T) {
	b := bornDigitalPDF(t)
	rep, err := Check(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	require.Equal(t, 0, rep.Part)
	require.Equal(t, []string{ruleHeader, ruleTrailerID, ruleOutputIntent, ruleICCProfile, ruleFontsEmbedded, ruleMetadata}, failedIDs(rep))
}

func TestCheckUnreadable(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not a pdf", []byte("Sehr geehrte Damen und Herren, dies ist kein PDF.")},
		{"truncated header", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check(bytes.NewReader(tt.data), int64(len(tt.data)))
			require.ErrorIs(t, err, ErrUnreadable)
		})
	}
}

// TestCheckTruncatedDoesNotPanic feeds prefixes of a good file: each must
// give a report or an error, never a panic.
func TestCheckTruncatedDoesNotPanic(t *testing.T) {
	_, good := writeTemp(t, withAttachment(testDocument(t)))
	for _, n := range []int{20, 500, 3000, len(good) / 2, len(good) - 200, len(good) - 10} {
		b := good[:n]
		rep, err := Check(bytes.NewReader(b), int64(len(b)))
		if err == nil {
			require.False(t, rep.OK(), "prefix of %d bytes", n)
		}
	}
}

func TestParseDates(t *testing.T) {
	tests := []struct{ pdf, xmp string }{
		{"D:20260314093000+01'00'", "2026-03-14T09:30:00+01:00"},
		{"D:20260314083000Z", "2026-03-14T09:30:00+01:00"},
		{"D:20260314093000+01'00", "2026-03-14T08:30:00Z"},
		{"D:2026031409", "2026-03-14T09:00:00"},
		{"D:2026", "2026"},
		{"20260314093000-05'30'", "2026-03-14T15:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.pdf, func(t *testing.T) {
			a, err := parsePDFDate(tt.pdf)
			require.NoError(t, err)
			b, err := parseXMPDate(tt.xmp)
			require.NoError(t, err)
			require.True(t, a.Equal(b), "%v vs %v", a, b)
		})
	}
	for _, bad := range []string{"D:20", "D:202603141", "D:20260314+1", "yesterday"} {
		_, err := parsePDFDate(bad)
		require.Error(t, err, bad)
	}
}
