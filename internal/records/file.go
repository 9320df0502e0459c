package records

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FileNumberFormat writes and reads file numbers (Aktenzeichen). The layout
// has three placeholders: {code} the plan code, {seq} the running number
// (zero-padded to the width given as {seq:4}), {year} the four-digit year or
// {yy} its last two digits. The default is "{code}-{seq:4}/{year}", giving
// 60.10.02-0017/2026. Authorities differ; the layout is configuration.
type FileNumberFormat struct {
	Layout string
	re     *regexp.Regexp
	width  int
	parts  []string // placeholder names in order of appearance
}

// DefaultFileNumberLayout is the layout used when none is configured.
const DefaultFileNumberLayout = "{code}-{seq:4}/{year}"

// ErrBadFileNumber is returned (wrapped) for a number that does not fit the
// configured layout.
var ErrBadFileNumber = errors.New("invalid file number")

var placeholderRE = regexp.MustCompile(`\{(code|seq(?::([1-9]))?|year|yy)\}`)

// NewFileNumberFormat compiles a layout. It must contain {code}, {seq} and
// one of {year} or {yy} exactly once each, and literal separators between
// them so that a number can be read back.
func NewFileNumberFormat(layout string) (FileNumberFormat, error) {
	if layout == "" {
		layout = DefaultFileNumberLayout
	}
	f := FileNumberFormat{Layout: layout, width: 1}
	var re strings.Builder
	re.WriteString("^")
	last := 0
	seen := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(layout, -1) {
		lit := layout[last:m[0]]
		if last > 0 && lit == "" {
			return FileNumberFormat{}, fmt.Errorf("file number layout %q: placeholders need a separator between them", layout)
		}
		re.WriteString(regexp.QuoteMeta(lit))
		name := layout[m[2]:m[3]]
		if strings.HasPrefix(name, "seq") {
			if m[4] >= 0 {
				f.width, _ = strconv.Atoi(layout[m[4]:m[5]])
			}
			name = "seq"
		}
		key := name
		if name == "yy" {
			key = "year"
		}
		if seen[key] {
			return FileNumberFormat{}, fmt.Errorf("file number layout %q: %s appears twice", layout, key)
		}
		seen[key] = true
		f.parts = append(f.parts, name)
		switch name {
		case "code":
			re.WriteString(`(\d{1,4}(?:\.\d{1,4})*)`)
		case "seq":
			re.WriteString(`(\d+)`)
		case "year":
			re.WriteString(`(\d{4})`)
		case "yy":
			re.WriteString(`(\d{2})`)
		}
		last = m[1]
	}
	re.WriteString(regexp.QuoteMeta(layout[last:]))
	re.WriteString("$")
	if !seen["code"] || !seen["seq"] || !seen["year"] {
		return FileNumberFormat{}, fmt.Errorf("file number layout %q: needs {code}, {seq} and {year} or {yy}", layout)
	}
	f.re = regexp.MustCompile(re.String())
	return f, nil
}

// Format writes the number of the seq-th file of a year under a plan code.
func (f FileNumberFormat) Format(code string, seq int64, year int) string {
	return placeholderRE.ReplaceAllStringFunc(f.Layout, func(p string) string {
		switch {
		case p == "{code}":
			return code
		case strings.HasPrefix(p, "{seq"):
			return fmt.Sprintf("%0*d", f.width, seq)
		case p == "{year}":
			return fmt.Sprintf("%04d", year)
		default: // {yy}
			return fmt.Sprintf("%02d", year%100)
		}
	})
}

// Parse reads a number written in this layout. For {yy} the year is taken
// to be in 2000–2099.
func (f FileNumberFormat) Parse(s string) (code string, seq int64, year int, err error) {
	if f.re == nil {
		return "", 0, 0, fmt.Errorf("%w: no layout", ErrBadFileNumber)
	}
	m := f.re.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", 0, 0, fmt.Errorf("%w: %q does not fit the layout %s", ErrBadFileNumber, s, f.Layout)
	}
	for i, p := range f.parts {
		v := m[i+1]
		switch p {
		case "code":
			code = v
		case "seq":
			seq, err = strconv.ParseInt(v, 10, 64)
			if err != nil || seq < 1 {
				return "", 0, 0, fmt.Errorf("%w: %q: running number must be positive", ErrBadFileNumber, s)
			}
		case "year":
			year, _ = strconv.Atoi(v)
		case "yy":
			yy, _ := strconv.Atoi(v)
			year = 2000 + yy
		}
	}
	return code, seq, year, nil
}

// FileStatus is open or closed (zdA).
type FileStatus string

const (
	FileOpen   FileStatus = "open"
	FileClosed FileStatus = "closed" // zdA: read-only, retention runs from ClosedAt
)

// File is a case file (Akte), identified by its file number.
type File struct {
	ID             int64      `json:"id"`
	Number         string     `json:"number"` // Aktenzeichen, e.g. 60.10.02-0017/2026
	PlanCode       string     `json:"plan_code"`
	Seq            int64      `json:"seq"`  // running number per plan code and year
	Year           int        `json:"year"` // the year the file was opened
	Title          string     `json:"title"`
	Unit           string     `json:"unit"` // responsible unit (Federführung)
	Status         FileStatus `json:"status"`
	RetentionYears int        `json:"retention_years"` // from the plan when the file was opened
	CreatedAt      time.Time  `json:"created_at"`
	CreatedBy      string     `json:"created_by"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	ClosedBy       string     `json:"closed_by,omitempty"`
}

// RetainUntil is the end of the retention period: the end of the year in
// which ClosedAt + RetentionYears falls, as registries count retention in
// whole calendar years after the closing year. Zero while the file is open.
func (f File) RetainUntil() time.Time {
	if f.ClosedAt == nil {
		return time.Time{}
	}
	y := f.ClosedAt.In(RegisterLocation).Year() + f.RetentionYears
	return time.Date(y, 12, 31, 0, 0, 0, 0, RegisterLocation)
}

// NewFile asks for a file to be opened under a plan code. The store assigns
// the running number and formats the file number.
type NewFile struct {
	PlanCode  string    `json:"plan_code"`
	Title     string    `json:"title"`
	Unit      string    `json:"unit,omitempty"` // "": the plan node's unit
	CreatedAt time.Time `json:"created_at"`     // decides the year; now when zero
	CreatedBy string    `json:"created_by"`
	// Key makes the call idempotent: a second call with the same non-empty
	// key returns the file the first one opened (a retried activity must not
	// open two files).
	Key string `json:"key,omitempty"`
}

// Process is a matter (Vorgang) inside a file.
type Process struct {
	ID        int64     `json:"id"`
	FileID    int64     `json:"file_id"`
	Seq       int       `json:"seq"` // 1, 2, … within the file
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// Filing places a document (by its original's SHA-256) in a file and,
// optionally, in one of its processes. A document is filed once; filing a
// new version of a document adds a filing that names the version it
// supersedes.
type Filing struct {
	ID             int64     `json:"id"`
	DocumentSHA256 string    `json:"document_sha256"`
	FileID         int64     `json:"file_id"`
	FileNumber     string    `json:"file_number,omitempty"` // filled when read
	ProcessID      int64     `json:"process_id,omitempty"`
	Title          string    `json:"title,omitempty"`      // e.g. the letter's subject
	Version        int       `json:"version"`              // 1 for the first version
	Supersedes     string    `json:"supersedes,omitempty"` // SHA-256 of the previous version
	FiledAt        time.Time `json:"filed_at"`
	FiledBy        string    `json:"filed_by"`         // user, or "system:routing"
	Reason         string    `json:"reason,omitempty"` // why it was filed here
}

// ErrFileClosed is returned (wrapped) when a closed file (zdA) would change.
var ErrFileClosed = errors.New("file is closed (zdA)")
