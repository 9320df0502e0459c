package extracteval

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/aktenfluss/aktenfluss/internal/extract"
)

// Field names, in the order the table lists them.
const (
	FieldType          = "doc type"
	FieldSender        = "sender name"
	FieldSenderAddress = "sender address"
	FieldDate          = "letter date"
	FieldReference     = "aktenzeichen"
	FieldOurReference  = "sender reference"
	FieldSubject       = "subject"
	FieldIBAN          = "IBAN"
	FieldAmount        = "amount"
	FieldInvoiceNumber = "invoice number"
)

var fieldOrder = []string{FieldType, FieldSender, FieldSenderAddress, FieldDate, FieldReference, FieldOurReference,
	FieldSubject, FieldIBAN, FieldAmount, FieldInvoiceNumber}

// FieldScore counts one field over the corpus. Recall is Hits/Present
// (documents whose truth value was found), precision Correct/Extracted
// (values returned that are right; a list field such as IBANs counts each
// value returned).
type FieldScore struct {
	Field     string   `json:"field"`
	Present   int      `json:"present"`
	Hits      int      `json:"hits"`
	Extracted int      `json:"extracted"`
	Correct   int      `json:"correct"`
	Misses    []string `json:"misses,omitempty"` // document ids where the truth was not found
	Wrong     []string `json:"wrong,omitempty"`  // document ids with a wrong value returned
}

// Recall is Hits/Present, 1 when nothing was present.
func (f FieldScore) Recall() float64 { return ratio(f.Hits, f.Present) }

// Precision is Correct/Extracted, 1 when nothing was extracted.
func (f FieldScore) Precision() float64 { return ratio(f.Correct, f.Extracted) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Report is the score of one run over the corpus.
type Report struct {
	Docs   int          `json:"docs"`
	Fields []FieldScore `json:"fields"`
	// FileMatches counts documents MatchFile tied to a file, with the
	// known files being every truth Aktenzeichen of the corpus;
	// FalseMatches lists documents it tied to another document's file.
	FileMatches  int      `json:"file_matches"`
	FalseMatches []string `json:"false_matches,omitempty"`
}

// Field returns the score of the named field.
func (r Report) Field(name string) FieldScore {
	for _, f := range r.Fields {
		if f.Field == name {
			return f
		}
	}
	return FieldScore{Field: name}
}

// Score compares results (indexed like docs) with the truth.
func Score(docs []Doc, results []extract.Result) Report {
	rep := Report{Docs: len(docs)}
	byName := map[string]*FieldScore{}
	for _, n := range fieldOrder {
		rep.Fields = append(rep.Fields, FieldScore{Field: n})
	}
	for i := range rep.Fields {
		byName[rep.Fields[i].Field] = &rep.Fields[i]
	}
	known := map[string]bool{}
	for _, d := range docs {
		if d.Fields.Aktenzeichen != "" {
			known[d.Fields.Aktenzeichen] = true
		}
	}
	for i, d := range docs {
		res := results[i]
		t := d.Fields
		single(byName[FieldType], d.ID, truthType(t.DocType), string(res.Type), exact)
		single(byName[FieldSender], d.ID, t.Sender, res.Sender.Name, sameName)
		single(byName[FieldSenderAddress], d.ID, t.SenderAddress, res.Sender.Address, sameName)
		single(byName[FieldDate], d.ID, t.Date, res.LetterDate, exact)
		var refs []string
		for _, r := range res.References {
			refs = append(refs, r.Value)
		}
		list(byName[FieldReference], d.ID, t.Aktenzeichen, refs, noSpaces)
		single(byName[FieldOurReference], d.ID, t.OurReference, res.SenderReference, noSpaces)
		single(byName[FieldSubject], d.ID, t.Subject, res.Subject, sameName)
		list(byName[FieldIBAN], d.ID, deref(t.IBAN), res.IBANs, noSpaces)
		amount := ""
		if t.Amount != nil {
			amount = fmt.Sprintf("%.2f", *t.Amount)
		}
		single(byName[FieldAmount], d.ID, amount, res.Amount, exact)
		single(byName[FieldInvoiceNumber], d.ID, deref(t.InvoiceNumber), res.InvoiceNumber, noSpaces)

		if n, ok := extract.MatchFile(res.References, func(s string) bool { return known[s] }); ok {
			rep.FileMatches++
			if n != t.Aktenzeichen {
				rep.FalseMatches = append(rep.FalseMatches, d.ID)
			}
		}
	}
	return rep
}

func truthType(t string) string {
	switch t {
	case "":
		return ""
	case "rechnung", "abschlag":
		return string(extract.TypeInvoice)
	case "mahnung":
		return string(extract.TypeReminder)
	case "bescheid":
		return string(extract.TypeNotice)
	}
	return string(extract.TypeLetter)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func single(f *FieldScore, id, truth, got string, eq func(a, b string) bool) {
	if truth != "" {
		f.Present++
		if got != "" && eq(truth, got) {
			f.Hits++
		} else {
			f.Misses = append(f.Misses, id)
		}
	}
	if got != "" {
		f.Extracted++
		if truth != "" && eq(truth, got) {
			f.Correct++
		} else {
			f.Wrong = append(f.Wrong, id)
		}
	}
}

func list(f *FieldScore, id, truth string, got []string, eq func(a, b string) bool) {
	found, wrong := false, false
	for _, g := range got {
		f.Extracted++
		if truth != "" && eq(truth, g) {
			f.Correct++
			found = true
		} else {
			wrong = true
		}
	}
	if wrong {
		f.Wrong = append(f.Wrong, id)
	}
	if truth != "" {
		f.Present++
		if found {
			f.Hits++
		} else {
			f.Misses = append(f.Misses, id)
		}
	}
}

func exact(a, b string) bool { return a == b }

func noSpaces(a, b string) bool {
	return strings.ReplaceAll(a, " ", "") == strings.ReplaceAll(b, " ", "")
}

// sameName compares up to spacing and the kind of dash.
func sameName(a, b string) bool { return normText(a) == normText(b) }

func normText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '–', '—', '‐', '‑':
			return '-'
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// WriteTable prints the per-field table.
func (r Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%-17s %8s %8s %10s %10s\n", "field", "present", "recall", "extracted", "precision")
	for _, f := range r.Fields {
		fmt.Fprintf(w, "%-17s %8d %7.1f%% %10d %9.1f%%\n", f.Field, f.Present, 100*f.Recall(), f.Extracted, 100*f.Precision())
	}
	fmt.Fprintf(w, "file match: %d of %d documents tied to a file, %d false\n", r.FileMatches, r.Docs, len(r.FalseMatches))
}
