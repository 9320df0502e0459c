package store

import (
	"context"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// EAkte is the persistence of the file plan, units, files, processes,
// filings, extraction and routing results, the triage queue, the task
// listing and the full-text index. Store embeds it; both backends pass the
// same conformance suite.
type EAkte interface {
	// ReplaceFilePlan imports a plan: nodes are inserted or updated by code;
	// a node missing from the new plan is removed, unless files were opened
	// under it (then the import fails with ErrInvalid and changes nothing).
	ReplaceFilePlan(ctx context.Context, p records.FilePlan) error
	// FilePlan returns the plan (empty when none was imported).
	FilePlan(ctx context.Context) (records.FilePlan, error)

	// ReplaceOrganisation replaces units, deputies and absences at once.
	ReplaceOrganisation(ctx context.Context, o records.Organisation) error
	// Organisation returns units (by code), deputies and absences.
	Organisation(ctx context.Context) (records.Organisation, error)
	// AddAbsence records an absence and returns it with its ID.
	AddAbsence(ctx context.Context, a records.Absence) (records.Absence, error)
	// RemoveAbsence deletes an absence; ErrNotFound if there is none.
	RemoveAbsence(ctx context.Context, id int64) error

	// CreateFile opens a file under an existing plan node: the running
	// number is the next per plan code and year (gap-free, also under
	// concurrent callers), the number is formatted with f, retention and
	// (when NewFile.Unit is empty) the unit come from the plan. Idempotent
	// on NewFile.Key. ErrNotFound when the plan code does not exist.
	CreateFile(ctx context.Context, nf records.NewFile, f records.FileNumberFormat) (file records.File, created bool, err error)
	// File returns a file by id, FileByNumber by its number; ErrNotFound.
	File(ctx context.Context, id int64) (records.File, error)
	FileByNumber(ctx context.Context, number string) (records.File, error)
	// Files lists files by number; CountFiles counts the matches of f
	// (Limit and Offset are ignored).
	Files(ctx context.Context, f FileFilter) ([]records.File, error)
	CountFiles(ctx context.Context, f FileFilter) (int, error)
	// CloseFile closes a file (zdA) at `at`. Closing a closed file returns
	// ErrFileClosed (wrapped).
	CloseFile(ctx context.Context, number string, at time.Time, by string) (records.File, error)
	// CreateProcess opens a process (Vorgang) in an open file;
	// records.ErrFileClosed for a closed one.
	CreateProcess(ctx context.Context, fileID int64, title, by string, at time.Time) (records.Process, error)
	// Processes lists a file's processes by Seq.
	Processes(ctx context.Context, fileID int64) ([]records.Process, error)
	// FileDocument files a document. Idempotent on (DocumentSHA256, FileID):
	// a second call returns the stored filing with created=false. The file
	// must be open (records.ErrFileClosed); ProcessID, when set, must belong
	// to the file; Version is assigned (1, or the superseded version + 1).
	FileDocument(ctx context.Context, fl records.Filing) (stored records.Filing, created bool, err error)
	// Filings lists the documents of a file by filing time; FilingsOf the
	// files a document is filed in.
	Filings(ctx context.Context, fileID int64) ([]records.Filing, error)
	FilingsOf(ctx context.Context, documentSHA256 string) ([]records.Filing, error)

	// PutDocumentMeta stores extraction and routing results (upsert by
	// document; fields of the argument replace the stored ones).
	PutDocumentMeta(ctx context.Context, m records.DocumentMeta) error
	// DocumentMeta returns them, or ErrNotFound.
	DocumentMeta(ctx context.Context, documentSHA256 string) (records.DocumentMeta, error)

	// AddTriage puts a document into the triage queue. Idempotent on
	// WorkflowID: the open item is returned with created=false.
	AddTriage(ctx context.Context, t records.TriageItem) (stored records.TriageItem, created bool, err error)
	// TriageItems lists items oldest first; only open ones unless all.
	// CountTriage counts them.
	TriageItems(ctx context.Context, all bool, limit, offset int) ([]records.TriageItem, error)
	CountTriage(ctx context.Context, all bool) (int, error)
	// TriageItem returns an item by id, TriageByWorkflow by workflow id.
	TriageItem(ctx context.Context, id int64) (records.TriageItem, error)
	TriageByWorkflow(ctx context.Context, workflowID string) (records.TriageItem, error)
	// DecideTriage marks the item decided. Idempotent: deciding a decided
	// item again changes nothing and returns it.
	DecideTriage(ctx context.Context, workflowID string, decision []byte, by string, at time.Time) (records.TriageItem, error)

	// PutTask upserts the listing row of a task; a write whose Version is
	// lower than the stored one is ignored (returns applied=false), and so
	// is a repeat with the same Version (a retried activity).
	PutTask(ctx context.Context, t records.Task) (applied bool, err error)
	// Task returns a task by its workflow id; Tasks lists them oldest
	// first; CountTasks counts the matches of f (Limit and Offset are
	// ignored), so that a listing's page and total come from the database
	// and not from reading every row.
	Task(ctx context.Context, id string) (records.Task, error)
	Tasks(ctx context.Context, f TaskFilter) ([]records.Task, error)
	CountTasks(ctx context.Context, f TaskFilter) (int, error)

	// IndexDocument adds or replaces a document in the full-text index.
	IndexDocument(ctx context.Context, d records.SearchDoc) error
	// IndexDocuments does the same for many documents in one transaction
	// (bulk loads, reindexing).
	IndexDocuments(ctx context.Context, docs []records.SearchDoc) error
	// Search runs a full-text query with filters, limited to what the
	// viewer may see, best match first (within SearchRankWindow).
	Search(ctx context.Context, q SearchQuery) (SearchResult, error)
}

// FileFilter narrows Files. Zero fields do not filter.
type FileFilter struct {
	PlanCode string // this code and everything below it
	Unit     string
	// Units, when not empty, keeps the files of any of these units: what
	// a caller whose grant is the own units may read. Files of no unit
	// are not among them.
	Units  []string
	Status records.FileStatus
	Limit  int
	Offset int
}

// TaskFilter narrows Tasks. Zero fields do not filter.
type TaskFilter struct {
	Units    []string // any of these units' inboxes
	Assignee string
	Status   []records.TaskStatus // any of these
	Limit    int
	Offset   int
}

// Viewer is who asks a search: readers of everything (registrar, auditor)
// or members of some units, who see documents routed to their units only.
type Viewer struct {
	All   bool
	Units []string
}

// SearchQuery is a full-text query with filters. Text uses the backend's
// web-search syntax: words are ANDed, "quoted phrases", -excluded words, OR.
type SearchQuery struct {
	Text       string
	Type       string
	Unit       string
	FileNumber string
	Sender     string // substring, case-insensitive
	From, To   string // YYYY-MM-DD, inclusive, on SearchDoc.Date
	Viewer     Viewer
	Limit      int
	Offset     int
}

// SearchHit is one result.
type SearchHit struct {
	records.SearchDoc
	Snippet string  `json:"snippet"` // a short excerpt around the matches, matches in [brackets]
	Rank    float64 `json:"rank"`    // higher is better
}

// SearchResult is a page of hits and the number of all matches.
type SearchResult struct {
	Hits []SearchHit `json:"hits"`
	// Total is the number of all matches, counted up to MaxSearchTotal:
	// counting every one of 60,000 matches of a common word would cost
	// more than the search. Capped says that Total is not exact: more than
	// Total matched, or, for a phrase over many candidates, Total is an
	// estimate from the share of the ranked candidates that hold the phrase.
	Total  int  `json:"total"`
	Capped bool `json:"capped,omitempty"`
}

// Search bounds its work so that a common word costs about as much as a
// rare one (bench search: p95 under 100 ms at 100,000 documents).
const (
	// MaxSearchTotal is where Search stops counting matches.
	MaxSearchTotal = 10000
	// SearchRankWindow is how many matches are ranked: when more match,
	// the most recently indexed SearchRankWindow (for letters, roughly the
	// newest) are ranked and the rest is not. A query that matches that
	// much is not selective; the newest relevant documents are the useful
	// answer, and a further word narrows it.
	SearchRankWindow = 1000
)
