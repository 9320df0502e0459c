package auditpdf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/pdfa/flow"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ErrInvalidInput reports a report that cannot be rendered as it is.
var ErrInvalidInput = errors.New("auditpdf: invalid input")

// JSONName is the attachment name of the machine-readable export.
const JSONName = "verlauf.json"

// Options tune a rendering.
type Options struct {
	// JSON is the machine-readable export of the report, embedded as
	// JSONName. Empty: the report encoded with encoding/json.
	JSON []byte
	// Creator is written to the document information (e.g. the service
	// name); empty: none.
	Creator string
}

// Render draws r as an A4 PDF/A-3b with the machine-readable export
// embedded. The PDF's creation date is r.Generated, which must be set.
func Render(r audit.Report, opt Options) ([]byte, error) {
	if r.Generated.IsZero() {
		return nil, fmt.Errorf("render audit report: no generation time: %w", ErrInvalidInput)
	}
	data := opt.JSON
	if len(data) == 0 {
		var err error
		if data, err = json.Marshal(r); err != nil {
			return nil, fmt.Errorf("render audit report: encode json: %w", err)
		}
	}
	f, err := flow.GoFonts()
	if err != nil {
		return nil, fmt.Errorf("render audit report: %w", err)
	}
	rd := &renderer{r: r, f: f, loc: records.RegisterLocation, d: flow.NewDoc(flow.A4())}
	rd.draw()
	subject := subjectLine(r.Subject)
	rd.d.Furnish(f.Furniture(),
		"Prüfprotokoll · "+subject,
		"Prüfprotokoll vom "+rd.dateTime(r.Generated)+" · maschinenlesbar: "+JSONName+" (eingebettet)")

	pd := pdfa.Document{
		Title:    "Prüfprotokoll " + subject,
		Author:   r.GeneratedBy,
		Subject:  "Verlauf und Prüfung der Protokollkette: " + subject,
		Keywords: []string{"Prüfprotokoll", "Audit-Trail", "Protokollkette"},
		Creator:  opt.Creator,
		Created:  r.Generated,
		Language: "de-DE",
		Pages:    rd.d.PDFPages(),
		Attachments: []pdfa.Attachment{{
			Name:      JSONName,
			MediaType: "application/json",
			// Data: the JSON is the same history in machine-readable form,
			// what ISO 19005-3 means by data the document's content is
			// built from, not a rendering of it.
			Relationship: "Data",
			Description:  "Verlauf maschinenlesbar (JSON)",
			Data:         data,
			Modified:     r.Generated,
		}},
	}
	var buf bytes.Buffer
	if err := pdfa.Write(&buf, pd); err != nil {
		return nil, fmt.Errorf("render audit report: %w", err)
	}
	return buf.Bytes(), nil
}

// subjectLine names the case: "Akte 63.01.02-0001/2026 – Titel",
// "Dokument 3fa41c0b9e2d…", "Rechnung RE-4711".
func subjectLine(s audit.Subject) string {
	var line string
	switch s.Kind {
	case "file":
		line = "Akte " + s.ID
	case "document":
		line = "Dokument " + shortHash(s.ID)
	case "invoice":
		line = "Rechnung " + s.ID
	default:
		line = strings.TrimSpace(s.Kind + " " + s.ID)
	}
	if s.Title != "" {
		line += " – " + s.Title
	}
	return line
}

// shortHash shortens a sha256 in hex to its first 12 digits; anything else
// is returned as it is.
func shortHash(id string) string {
	if len(id) != 64 || strings.Trim(id, "0123456789abcdefABCDEF") != "" {
		return id
	}
	return id[:12] + "…"
}

// objectTypes are the German names of the object types of the trail.
var objectTypes = map[string]string{
	"file":     "Akte",
	"document": "Dokument",
	"invoice":  "Rechnung",
	"task":     "Aufgabe",
	"scan":     "Scan",
	"mail":     "E-Mail",
}

func objectType(t string) string {
	if n, ok := objectTypes[t]; ok {
		return n
	}
	return t
}

// renderer holds one rendering's state.
type renderer struct {
	r   audit.Report
	f   flow.Fonts
	loc *time.Location // records.RegisterLocation: German local time, zone data compiled in
	d   *flow.Doc
}

func (rd *renderer) body() flow.Style { return rd.f.Body() }
func (rd *renderer) bold() flow.Style { return rd.f.BodyBold() }
func (rd *renderer) small() flow.Style {
	return flow.Style{Font: rd.f.Regular, Size: 7, Color: flow.Gray(0.4)}
}
func (rd *renderer) label() flow.Style { return rd.f.Label() }
func (rd *renderer) th() flow.Style    { return rd.f.TableHeader() }

// dateTime is t in German notation in Berlin time, to the minute.
func (rd *renderer) dateTime(t time.Time) string {
	return t.In(rd.loc).Format("02.01.2006 15:04") + " Uhr"
}

// stamp is the time of a history entry, to the second.
func (rd *renderer) stamp(t time.Time) string {
	return t.In(rd.loc).Format("02.01.2006 15:04:05")
}

func (rd *renderer) draw() {
	rd.title()
	rd.verification()
	rd.d.Paragraph(rd.label(), "Erstellt am "+rd.dateTime(rd.r.Generated)+" von "+orDash(rd.r.GeneratedBy), 8)
	rd.scope()
	rd.notes()
	rd.timeline()
}

func (rd *renderer) title() {
	rd.d.Print(flow.Style{Font: rd.f.Bold, Size: 17, Color: flow.Accent}, "Prüfprotokoll")
	rd.d.Paragraph(flow.Style{Font: rd.f.Regular, Size: 10.5}, subjectLine(rd.r.Subject), 0)
	rd.d.Down(8)
}

// verification states what the chain check found, in a box: the auditor
// must not be able to miss a broken chain.
func (rd *renderer) verification() {
	v := rd.r.Verification
	body := rd.body()
	ps := []flow.Para{rd.bold().Para("Prüfung der Protokollkette")}
	bar, shade := flow.Accent, flow.HeaderShade
	if v.OK {
		s := "Kette unverändert: " + count(v.Events, "Ereignis", "Ereignisse")
		if c := v.LastCheckpoint; c != nil {
			s += ", letzter signierter Checkpoint Ereignis " + strconv.FormatInt(c.Seq, 10) +
				" vom " + rd.dateTime(c.Time) + " (Schlüssel " + c.KeyID + ")"
		} else {
			s += ", kein signierter Checkpoint"
		}
		ps = append(ps, body.Para(s+"."))
	} else {
		bar, shade = flow.Warning, flow.RGB(0.99, 0.93, 0.93)
		red := flow.Style{Font: rd.f.Bold, Size: 9.5, Color: flow.Warning}
		s := "KETTE BESCHÄDIGT"
		if p := v.Problem; p != nil {
			s += " – erstes fehlerhaftes Ereignis " + strconv.FormatInt(p.Seq, 10) + ": " + p.Message
		}
		ps = append(ps, red.Para(s))
		ps = append(ps, body.Para("Bis dahin geprüft: "+count(v.Events, "Ereignis", "Ereignisse")+"."))
	}
	for _, w := range v.Warnings {
		ps = append(ps, body.Para("Hinweis: "+w))
	}
	if v.Erased > 0 {
		ps = append(ps, body.Para("Bei "+count(v.Erased, "Ereignis", "Ereignissen")+" wurden personenbezogene Daten gelöscht."))
	}
	if !v.CheckedAt.IsZero() {
		ps = append(ps, rd.small().Para("Geprüft am "+rd.dateTime(v.CheckedAt)))
	}
	rd.d.Box(ps, shade, bar)
}

// count is "1 Ereignis", "3 Ereignisse".
func count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// scope lists the objects and workflow runs the history covers.
func (rd *renderer) scope() {
	body, th := rd.body(), rd.th()
	if len(rd.r.Objects) > 0 {
		t := &flow.Table{X: flow.A4Margin, Rules: true, PadX: 3, PadY: 2, Cols: []flow.Column{
			{Width: 80}, {Width: 200}, {Width: flow.A4BodyWidth - 280},
		}, Header: []flow.Para{th.Para("Art"), th.Para("Kennung"), th.Para("Bezeichnung")}}
		rows := make([][][]flow.Para, len(rd.r.Objects))
		for i, o := range rd.r.Objects {
			rows[i] = flow.Row(body.Para(objectType(o.Type)), body.Para(o.ID), body.Para(o.Label))
		}
		rd.d.Heading(rd.f.Heading(), "Erfasste Objekte", t.HeaderHeight()+t.Height(rows[0]))
		rd.d.Run(t, rows)
	}
	if len(rd.r.Workflows) > 0 {
		t := &flow.Table{X: flow.A4Margin, PadX: 3, PadY: 1.5, Cols: []flow.Column{{Width: flow.A4BodyWidth}}}
		rows := make([][][]flow.Para, len(rd.r.Workflows))
		for i, w := range rd.r.Workflows {
			rows[i] = flow.Row(body.Para(w))
		}
		rd.d.Heading(rd.f.Heading(), "Einbezogene Workflows", t.Height(rows[0]))
		rd.d.Run(t, rows)
	}
}

func (rd *renderer) notes() {
	if len(rd.r.Notes) == 0 {
		return
	}
	t := &flow.Table{X: flow.A4Margin, PadX: 3, PadY: 2, Rules: true, Cols: []flow.Column{{Width: flow.A4BodyWidth}}}
	rows := make([][][]flow.Para, len(rd.r.Notes))
	for i, n := range rd.r.Notes {
		rows[i] = flow.Row(rd.body().Para(n))
	}
	rd.d.Heading(rd.f.Heading(), "Hinweise", t.Height(rows[0]))
	rd.d.Run(t, rows)
}

// timelineTable: Zeit, Quelle, Akteur, Vorgang, Objekt.
func (rd *renderer) timelineTable() *flow.Table {
	th := rd.th()
	// Zeit stacks date over time; Akteur fits a user name like
	// "sachbearbeiter.jürgens" on one line.
	cols := []flow.Column{{Width: 60}, {Width: 66}, {Width: 100}, {}, {Width: 84}}
	cols[3].Width = flow.A4BodyWidth - 60 - 66 - 100 - 84
	return &flow.Table{X: flow.A4Margin, Cols: cols, Rules: true, PadX: 3, PadY: 2.5, Header: []flow.Para{
		th.Para("Zeit"), th.Para("Quelle"), th.Para("Akteur"), th.Para("Vorgang"), th.Para("Objekt"),
	}}
}

func (rd *renderer) timeline() {
	t := rd.timelineTable()
	if len(rd.r.Entries) == 0 {
		rd.d.Heading(rd.f.Heading(), "Verlauf", rd.body().Lead())
		rd.d.Paragraph(rd.body(), "Keine Einträge", 2)
		return
	}
	rows := make([][][]flow.Para, len(rd.r.Entries))
	for i, e := range rd.r.Entries {
		rows[i] = rd.entryRow(e)
	}
	rd.d.Heading(rd.f.Heading(), "Verlauf", t.HeaderHeight()+t.Height(rows[0]))
	rd.d.Run(t, rows)
}

func (rd *renderer) entryRow(e audit.Entry) [][]flow.Para {
	body, small := rd.body(), rd.small()
	source := e.Source
	switch e.Source {
	case audit.SourceTrail:
		source = "Protokoll #" + strconv.FormatInt(e.Seq, 10)
	case audit.SourceWorkflow:
		source = "Workflow"
	}
	what := []flow.Para{body.Para(e.Summary), small.Para(e.Action)}
	if d := compact(e.Details); d != "" {
		what = append(what, small.Para(d))
	}
	switch {
	case e.Erased:
		what = append(what, small.Para("[personenbezogene Daten gelöscht]"))
	case len(e.Personal) > 0:
		what = append(what, small.Para("Personenbezogen: "+compact(e.Personal)))
	}
	return [][]flow.Para{
		{body.Para(rd.stamp(e.Time))},
		{body.Para(source)},
		{body.Para(e.Actor)},
		what,
		{body.Para(objectLabel(e.Object))},
	}
}

// objectLabel is an entry's "type id" with the type in German and a
// sha256 id shortened.
func objectLabel(o string) string {
	typ, id, ok := strings.Cut(o, " ")
	if !ok {
		return o
	}
	return objectType(typ) + " " + shortHash(id)
}

// compact is JSON without insignificant white space, or the raw text when
// it is not JSON; wrapping breaks it where it has to.
func compact(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}
