package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

func testPlan(t *testing.T) records.FilePlan {
	t.Helper()
	p, err := records.NewFilePlan([]records.PlanNode{
		{Code: "60", Title: "Bauverwaltung", RetentionYears: 10, Unit: "60"},
		{Code: "60.10", Title: "Bauaufsicht"},
		{Code: "60.10.02", Title: "Baugenehmigungen", RetentionYears: 30},
		{Code: "60.10.03", Title: "Abbruch", Unit: "60.3"},
		{Code: "20", Title: "Finanzverwaltung", RetentionYears: 10, Unit: "20"},
		{Code: "20.1", Title: "Rechnungen"},
	})
	require.NoError(t, err)
	return p
}

func fileFormat(t *testing.T) records.FileNumberFormat {
	t.Helper()
	f, err := records.NewFileNumberFormat("")
	require.NoError(t, err)
	return f
}

func testFilePlan(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()

	empty, err := s.FilePlan(ctx)
	require.NoError(t, err)
	require.Empty(t, empty.Nodes)

	p := testPlan(t)
	require.NoError(t, s.ReplaceFilePlan(ctx, p))
	got, err := s.FilePlan(ctx)
	require.NoError(t, err)
	require.Equal(t, p, got)

	// Replace: a title changes, a node goes, a node comes.
	nodes := append([]records.PlanNode{}, p.Nodes...)
	for i := range nodes {
		if nodes[i].Code == "60.10" {
			nodes[i].Title = "Bauaufsicht und Denkmalschutz"
		}
	}
	var kept []records.PlanNode
	for _, n := range nodes {
		if n.Code != "60.10.03" {
			kept = append(kept, n)
		}
	}
	kept = append(kept, records.PlanNode{Code: "60.10.04", Title: "Denkmalschutz"})
	p2, err := records.NewFilePlan(kept)
	require.NoError(t, err)
	require.NoError(t, s.ReplaceFilePlan(ctx, p2))
	got, err = s.FilePlan(ctx)
	require.NoError(t, err)
	require.Equal(t, p2, got)

	// A node with files cannot go; nothing changes.
	_, _, err = s.CreateFile(ctx, records.NewFile{PlanCode: "60.10.04", Title: "Villa Rosa", CreatedBy: "anna"}, fileFormat(t))
	require.NoError(t, err)
	var without []records.PlanNode
	for _, n := range p2.Nodes {
		if n.Code != "60.10.04" {
			n.Title += " (neu)"
			without = append(without, n)
		}
	}
	p3, err := records.NewFilePlan(without)
	require.NoError(t, err)
	require.ErrorIs(t, s.ReplaceFilePlan(ctx, p3), ErrInvalid)
	got, err = s.FilePlan(ctx)
	require.NoError(t, err)
	require.Equal(t, p2, got, "a refused import changes nothing")

	// An invalid plan is refused before the database.
	require.ErrorIs(t, s.ReplaceFilePlan(ctx, records.FilePlan{Nodes: []records.PlanNode{{Code: "x", Title: "y"}}}), ErrInvalid)

	// The sample plan imports (and replaces the test plan: only 60.10.04 has files).
	sample, err := records.ParsePlanYAML(records.SampleFilePlanYAML())
	require.NoError(t, err)
	if _, ok := sample.Node("60.10.04"); !ok {
		require.ErrorIs(t, s.ReplaceFilePlan(ctx, sample), ErrInvalid)
		sample.Nodes = append(sample.Nodes, records.PlanNode{Code: "60.10.04", Title: "Denkmalschutz", RetentionYears: 10, Unit: "60"})
		sample, err = records.NewFilePlan(sample.Nodes)
		require.NoError(t, err)
	}
	require.NoError(t, s.ReplaceFilePlan(ctx, sample))
	got, err = s.FilePlan(ctx)
	require.NoError(t, err)
	require.Equal(t, sample, got)
}

func testFileNumbers(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	require.NoError(t, s.ReplaceFilePlan(ctx, testPlan(t)))
	f := fileFormat(t)
	at := berlin(2026, 3, 2, 10, 0)

	first, created, err := s.CreateFile(ctx, records.NewFile{PlanCode: "60.10.02", Title: "Neubau Schulstraße 4", CreatedAt: at, CreatedBy: "anna"}, f)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "60.10.02-0001/2026", first.Number)
	require.Equal(t, int64(1), first.Seq)
	require.Equal(t, 2026, first.Year)
	require.Equal(t, "60", first.Unit, "unit inherited from the plan")
	require.Equal(t, 30, first.RetentionYears, "retention from the node")
	require.Equal(t, records.FileOpen, first.Status)
	requireTime(t, at, first.CreatedAt, "created at")

	second, _, err := s.CreateFile(ctx, records.NewFile{PlanCode: "60.10.02", Title: "Anbau", CreatedAt: at, CreatedBy: "anna", Unit: "63"}, f)
	require.NoError(t, err)
	require.Equal(t, "60.10.02-0002/2026", second.Number)
	require.Equal(t, "63", second.Unit, "an explicit unit wins")

	other, _, err := s.CreateFile(ctx, records.NewFile{PlanCode: "60.10.03", Title: "Abriss Scheune", CreatedAt: at, CreatedBy: "anna"}, f)
	require.NoError(t, err)
	require.Equal(t, "60.10.03-0001/2026", other.Number, "numbers run per plan code")
	require.Equal(t, "60.3", other.Unit)
	require.Equal(t, 10, other.RetentionYears, "retention inherited from the top")

	// New Year's Eve in Berlin is already the next year.
	next, _, err := s.CreateFile(ctx, records.NewFile{PlanCode: "60.10.02", Title: "Garage", CreatedAt: time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), CreatedBy: "anna"}, f)
	require.NoError(t, err)
	require.Equal(t, "60.10.02-0001/2027", next.Number, "a new year starts at 1")

	_, _, err = s.CreateFile(ctx, records.NewFile{PlanCode: "99.1", Title: "x", CreatedBy: "anna"}, f)
	require.ErrorIs(t, err, ErrNotFound)
	_, _, err = s.CreateFile(ctx, records.NewFile{PlanCode: "60.10.02", Title: " ", CreatedBy: "anna"}, f)
	require.ErrorIs(t, err, ErrInvalid)

	// Idempotent on Key.
	nf := records.NewFile{PlanCode: "20.1", Title: "Rechnung Stadtwerke", CreatedAt: at, CreatedBy: "system", Key: "inbound-abc"}
	k1, created, err := s.CreateFile(ctx, nf, f)
	require.NoError(t, err)
	require.True(t, created)
	k2, created, err := s.CreateFile(ctx, nf, f)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, k1, k2)
	k3, _, err := s.CreateFile(ctx, records.NewFile{PlanCode: "20.1", Title: "Andere", CreatedAt: at, CreatedBy: "system"}, f)
	require.NoError(t, err)
	require.Equal(t, "20.1-0002/2026", k3.Number, "the repeat took no number")

	// Lookups and listing.
	got, err := s.File(ctx, first.ID)
	require.NoError(t, err)
	require.Equal(t, first, got)
	got, err = s.FileByNumber(ctx, "60.10.02-0002/2026")
	require.NoError(t, err)
	require.Equal(t, second, got)
	_, err = s.File(ctx, 999999)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.FileByNumber(ctx, "60.10.02-0099/2026")
	require.ErrorIs(t, err, ErrNotFound)

	numbers := func(ff FileFilter) []string {
		fs, err := s.Files(ctx, ff)
		require.NoError(t, err)
		out := []string{}
		for _, f := range fs {
			out = append(out, f.Number)
		}
		return out
	}
	require.Equal(t, []string{"60.10.02-0001/2026", "60.10.02-0001/2027", "60.10.02-0002/2026", "60.10.03-0001/2026"}, numbers(FileFilter{PlanCode: "60"}))
	require.Equal(t, []string{"60.10.03-0001/2026"}, numbers(FileFilter{PlanCode: "60.10.03"}))
	require.Equal(t, []string{"60.10.02-0002/2026"}, numbers(FileFilter{Unit: "63"}))
	require.Len(t, numbers(FileFilter{}), 6)
	require.Len(t, numbers(FileFilter{Limit: 2, Offset: 5}), 1)
	_, err = s.Files(ctx, FileFilter{PlanCode: "60%"})
	require.ErrorIs(t, err, ErrInvalid)
}

func testFileNumbersConcurrent(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	require.NoError(t, s.ReplaceFilePlan(ctx, testPlan(t)))
	f := fileFormat(t)
	at := berlin(2026, 5, 4, 9, 0)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, _, err := s.CreateFile(ctx, records.NewFile{PlanCode: "60.10.02", Title: fmt.Sprintf("Akte %d-%d", w, i),
					CreatedAt: at, CreatedBy: "anna", Key: fmt.Sprintf("k-%d-%d", w, i%20)}, f)
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	files, err := s.Files(ctx, FileFilter{PlanCode: "60.10.02", Limit: MaxLimit})
	require.NoError(t, err)
	// i%20 repeats five keys per worker: 8 × 20 distinct files.
	require.Len(t, files, workers*20)
	var seqs []int
	for _, fl := range files {
		seqs = append(seqs, int(fl.Seq))
		require.Equal(t, f.Format("60.10.02", fl.Seq, 2026), fl.Number)
	}
	sort.Ints(seqs)
	for i, q := range seqs {
		require.Equal(t, i+1, q, "gap-free, no duplicates")
	}

	// Without keys: 8 × 25 = 200 distinct files, 1..200.
	wg = sync.WaitGroup{}
	errs = make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, _, err := s.CreateFile(ctx, records.NewFile{PlanCode: "60.10.03", Title: "Akte", CreatedAt: at, CreatedBy: "anna"}, f)
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	files, err = s.Files(ctx, FileFilter{PlanCode: "60.10.03", Limit: MaxLimit})
	require.NoError(t, err)
	require.Len(t, files, workers*each)
	seqs = seqs[:0]
	for _, fl := range files {
		seqs = append(seqs, int(fl.Seq))
	}
	sort.Ints(seqs)
	for i, q := range seqs {
		require.Equal(t, i+1, q, "gap-free, no duplicates")
	}
}

func openTestFile(t *testing.T, s Store, title string) records.File {
	t.Helper()
	ctx := t.Context()
	if p, err := s.FilePlan(ctx); err == nil && len(p.Nodes) == 0 {
		require.NoError(t, s.ReplaceFilePlan(ctx, testPlan(t)))
	}
	f, _, err := s.CreateFile(ctx, records.NewFile{PlanCode: "60.10.02", Title: title, CreatedAt: berlin(2026, 2, 2, 9, 0), CreatedBy: "anna"}, fileFormat(t))
	require.NoError(t, err)
	return f
}

func testProcessesAndClose(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	f := openTestFile(t, s, "Neubau")
	other := openTestFile(t, s, "Anbau")
	at := berlin(2026, 2, 3, 9, 0)

	p1, err := s.CreateProcess(ctx, f.ID, "Bauantrag", "anna", at)
	require.NoError(t, err)
	require.Equal(t, 1, p1.Seq)
	p2, err := s.CreateProcess(ctx, f.ID, "Nachforderung", "anna", at)
	require.NoError(t, err)
	require.Equal(t, 2, p2.Seq)
	po, err := s.CreateProcess(ctx, other.ID, "Bauantrag", "anna", at)
	require.NoError(t, err)
	require.Equal(t, 1, po.Seq, "numbered per file")
	ps, err := s.Processes(ctx, f.ID)
	require.NoError(t, err)
	require.Equal(t, []records.Process{p1, p2}, ps)
	_, err = s.CreateProcess(ctx, 999999, "x", "anna", at)
	require.ErrorIs(t, err, ErrNotFound)

	doc := sum("letter")
	_, _, err = s.FileDocument(ctx, records.Filing{DocumentSHA256: doc, FileID: f.ID, ProcessID: p1.ID, FiledBy: "anna"})
	require.NoError(t, err)

	closedAt := berlin(2026, 6, 30, 12, 0)
	closed, err := s.CloseFile(ctx, f.Number, closedAt, "lead")
	require.NoError(t, err)
	require.Equal(t, records.FileClosed, closed.Status)
	require.NotNil(t, closed.ClosedAt)
	requireTime(t, closedAt, *closed.ClosedAt, "closed at")
	require.Equal(t, "lead", closed.ClosedBy)
	got, err := s.File(ctx, f.ID)
	require.NoError(t, err)
	require.Equal(t, closed, got)

	_, err = s.CloseFile(ctx, f.Number, closedAt, "lead")
	require.ErrorIs(t, err, records.ErrFileClosed)
	_, err = s.CreateProcess(ctx, f.ID, "Spät", "anna", at)
	require.ErrorIs(t, err, records.ErrFileClosed)
	_, _, err = s.FileDocument(ctx, records.Filing{DocumentSHA256: sum("late"), FileID: f.ID, FiledBy: "anna"})
	require.ErrorIs(t, err, records.ErrFileClosed)
	// A retry of a filing made before the close still finds it.
	again, created, err := s.FileDocument(ctx, records.Filing{DocumentSHA256: doc, FileID: f.ID, ProcessID: p1.ID, FiledBy: "anna"})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, 1, again.Version)
	_, err = s.CloseFile(ctx, "60.10.02-0999/2026", closedAt, "lead")
	require.ErrorIs(t, err, ErrNotFound)

	open, err := s.Files(ctx, FileFilter{Status: records.FileOpen})
	require.NoError(t, err)
	require.Len(t, open, 1)
	require.Equal(t, other.ID, open[0].ID)
}

func testFilings(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	f := openTestFile(t, s, "Neubau")
	g := openTestFile(t, s, "Anbau")
	p, err := s.CreateProcess(ctx, f.ID, "Bauantrag", "anna", time.Time{})
	require.NoError(t, err)
	pg, err := s.CreateProcess(ctx, g.ID, "Bauantrag", "anna", time.Time{})
	require.NoError(t, err)

	v1, v2 := sum("antrag v1"), sum("antrag v2")
	at := berlin(2026, 2, 4, 9, 0)
	first, created, err := s.FileDocument(ctx, records.Filing{DocumentSHA256: v1, FileID: f.ID, ProcessID: p.ID, Title: "Bauantrag", FiledAt: at, FiledBy: "system:routing", Reason: "Aktenzeichen im Schreiben"})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, 1, first.Version)
	require.Equal(t, f.Number, first.FileNumber)
	require.Equal(t, p.ID, first.ProcessID)
	requireTime(t, at, first.FiledAt, "filed at")

	repeat, created, err := s.FileDocument(ctx, records.Filing{DocumentSHA256: v1, FileID: f.ID, Title: "anders", FiledBy: "x"})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first, repeat)

	second, created, err := s.FileDocument(ctx, records.Filing{DocumentSHA256: v2, FileID: f.ID, Supersedes: v1, FiledAt: at.Add(time.Hour), FiledBy: "anna"})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, 2, second.Version)
	require.Equal(t, v1, second.Supersedes)
	third, _, err := s.FileDocument(ctx, records.Filing{DocumentSHA256: sum("antrag v3"), FileID: f.ID, Supersedes: v2, FiledAt: at.Add(2 * time.Hour), FiledBy: "anna"})
	require.NoError(t, err)
	require.Equal(t, 3, third.Version)

	// The same document in a second file.
	inG, created, err := s.FileDocument(ctx, records.Filing{DocumentSHA256: v1, FileID: g.ID, FiledAt: at.Add(3 * time.Hour), FiledBy: "anna"})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, 1, inG.Version)

	list, err := s.Filings(ctx, f.ID)
	require.NoError(t, err)
	require.Equal(t, []records.Filing{first, second, third}, list)
	of, err := s.FilingsOf(ctx, v1)
	require.NoError(t, err)
	require.Equal(t, []records.Filing{first, inG}, of)

	// Refusals.
	_, _, err = s.FileDocument(ctx, records.Filing{DocumentSHA256: sum("x"), FileID: f.ID, ProcessID: pg.ID, FiledBy: "anna"})
	require.ErrorIs(t, err, ErrInvalid, "process of another file")
	_, _, err = s.FileDocument(ctx, records.Filing{DocumentSHA256: sum("y"), FileID: g.ID, Supersedes: v2, FiledBy: "anna"})
	require.ErrorIs(t, err, ErrInvalid, "superseded document not in this file")
	_, _, err = s.FileDocument(ctx, records.Filing{DocumentSHA256: "nothex", FileID: f.ID})
	require.ErrorIs(t, err, ErrInvalid)
	_, _, err = s.FileDocument(ctx, records.Filing{DocumentSHA256: sum("z"), FileID: 999999})
	require.ErrorIs(t, err, ErrNotFound)
}

func testDocumentMeta(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	doc := sum("meta")
	_, err := s.DocumentMeta(ctx, doc)
	require.ErrorIs(t, err, ErrNotFound)

	at := berlin(2026, 3, 1, 8, 0)
	m := records.DocumentMeta{DocumentSHA256: doc, Type: "letter", Sender: "Jörg Schröder", LetterDate: "2026-02-27",
		Subject: "Bauantrag", Extracted: json.RawMessage(`{"b":1,"a":[2]}`), UpdatedAt: at}
	require.NoError(t, s.PutDocumentMeta(ctx, m))
	got, err := s.DocumentMeta(ctx, doc)
	require.NoError(t, err)
	requireTime(t, at, got.UpdatedAt, "updated at")
	got.UpdatedAt = m.UpdatedAt
	require.Equal(t, m, got)

	routed := at.Add(time.Hour)
	m.Routing = json.RawMessage(`{"unit":"63"}`)
	m.RoutingRule, m.RoutingReason, m.RoutedBy, m.RoutedAt, m.Unit = "bau", "Betreff", "system:routing", &routed, "63"
	m.Sender = ""
	m.UpdatedAt = routed
	require.NoError(t, s.PutDocumentMeta(ctx, m))
	got, err = s.DocumentMeta(ctx, doc)
	require.NoError(t, err)
	require.Equal(t, "", got.Sender, "fields of the argument replace the stored ones")
	require.Equal(t, "63", got.Unit)
	require.JSONEq(t, `{"unit":"63"}`, string(got.Routing))
	require.Equal(t, `{"b":1,"a":[2]}`, string(got.Extracted), "JSON kept as given")
	require.NotNil(t, got.RoutedAt)
	requireTime(t, routed, *got.RoutedAt, "routed at")

	require.ErrorIs(t, s.PutDocumentMeta(ctx, records.DocumentMeta{DocumentSHA256: doc, Extracted: json.RawMessage(`{`)}), ErrInvalid)
}

func testTriage(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	at := berlin(2026, 3, 2, 8, 0)
	item := records.TriageItem{DocumentSHA256: sum("t1"), WorkflowID: "inbound-t1", Reason: "kein Aktenzeichen",
		Suggestion: json.RawMessage(`{"unit":"60"}`), CreatedAt: at}
	first, created, err := s.AddTriage(ctx, item)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, records.TriageOpen, first.Status)
	again, created, err := s.AddTriage(ctx, item)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first, again)

	second, _, err := s.AddTriage(ctx, records.TriageItem{DocumentSHA256: sum("t2"), WorkflowID: "inbound-t2", Reason: "unsicher", CreatedAt: at.Add(time.Minute)})
	require.NoError(t, err)

	list, err := s.TriageItems(ctx, false, 0, 0)
	require.NoError(t, err)
	require.Equal(t, []records.TriageItem{first, second}, list)

	decidedAt := at.Add(time.Hour)
	d, err := s.DecideTriage(ctx, "inbound-t1", []byte(`{"file":"60.10.02-0001/2026"}`), "registrar", decidedAt)
	require.NoError(t, err)
	require.Equal(t, records.TriageDecided, d.Status)
	require.Equal(t, "registrar", d.DecidedBy)
	require.NotNil(t, d.DecidedAt)
	requireTime(t, decidedAt, *d.DecidedAt, "decided at")
	d2, err := s.DecideTriage(ctx, "inbound-t1", []byte(`{"file":"other"}`), "someone", decidedAt.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, d, d2, "deciding again changes nothing")

	open, err := s.TriageItems(ctx, false, 0, 0)
	require.NoError(t, err)
	require.Equal(t, []records.TriageItem{second}, open)
	all, err := s.TriageItems(ctx, true, 0, 0)
	require.NoError(t, err)
	require.Equal(t, []records.TriageItem{d, second}, all)
	page, err := s.TriageItems(ctx, true, 1, 1)
	require.NoError(t, err)
	require.Equal(t, []records.TriageItem{second}, page)

	byID, err := s.TriageItem(ctx, first.ID)
	require.NoError(t, err)
	require.Equal(t, d, byID)
	byWF, err := s.TriageByWorkflow(ctx, "inbound-t1")
	require.NoError(t, err)
	require.Equal(t, d, byWF)
	_, err = s.TriageItem(ctx, 999999)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.TriageByWorkflow(ctx, "nope")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.DecideTriage(ctx, "nope", nil, "x", time.Time{})
	require.ErrorIs(t, err, ErrNotFound)
	_, _, err = s.AddTriage(ctx, records.TriageItem{DocumentSHA256: sum("t3")})
	require.ErrorIs(t, err, ErrInvalid)
}

func testTasks(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	at := berlin(2026, 3, 2, 8, 0)
	due := at.Add(48 * time.Hour)
	task := records.Task{ID: "clerk-1", DocumentSHA256: sum("d1"), Title: "Bauantrag Schulstraße", Kind: "document",
		Unit: "63", Status: records.TaskOpen, Due: &due, Version: 1, CreatedAt: at, UpdatedAt: at}
	applied, err := s.PutTask(ctx, task)
	require.NoError(t, err)
	require.True(t, applied)
	got, err := s.Task(ctx, "clerk-1")
	require.NoError(t, err)
	require.Equal(t, task.Title, got.Title)
	require.NotNil(t, got.Due)
	requireTime(t, due, *got.Due, "due")
	require.Nil(t, got.FollowUpOn)

	v3 := task
	v3.Version, v3.Status, v3.Assignee, v3.UpdatedAt = 3, records.TaskClaimed, "bernd", at.Add(time.Hour)
	applied, err = s.PutTask(ctx, v3)
	require.NoError(t, err)
	require.True(t, applied)
	stale := task
	stale.Version, stale.Status = 2, records.TaskDone
	applied, err = s.PutTask(ctx, stale)
	require.NoError(t, err)
	require.False(t, applied, "an older write is ignored")
	applied, err = s.PutTask(ctx, v3)
	require.NoError(t, err)
	require.False(t, applied, "a repeat is ignored")
	got, err = s.Task(ctx, "clerk-1")
	require.NoError(t, err)
	require.Equal(t, int64(3), got.Version)
	require.Equal(t, records.TaskClaimed, got.Status)
	require.Equal(t, "bernd", got.Assignee)
	requireTime(t, at, got.CreatedAt, "created at stays")

	for i, tk := range []records.Task{
		{ID: "clerk-2", Unit: "63", Status: records.TaskOpen},
		{ID: "clerk-3", Unit: "20", Status: records.TaskFollowUp, Assignee: "bernd"},
		{ID: "clerk-4", Unit: "20", Status: records.TaskDone, Assignee: "carla"},
	} {
		tk.Version, tk.CreatedAt, tk.UpdatedAt = 1, at.Add(time.Duration(i+1)*time.Minute), at
		_, err := s.PutTask(ctx, tk)
		require.NoError(t, err)
	}
	ids := func(f TaskFilter) []string {
		ts, err := s.Tasks(ctx, f)
		require.NoError(t, err)
		out := []string{}
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	require.Equal(t, []string{"clerk-1", "clerk-2", "clerk-3", "clerk-4"}, ids(TaskFilter{}))
	require.Equal(t, []string{"clerk-1", "clerk-2"}, ids(TaskFilter{Units: []string{"63"}}))
	require.Equal(t, []string{"clerk-1", "clerk-3"}, ids(TaskFilter{Assignee: "bernd"}))
	require.Equal(t, []string{"clerk-2", "clerk-3"}, ids(TaskFilter{Status: []records.TaskStatus{records.TaskOpen, records.TaskFollowUp}}))
	require.Equal(t, []string{"clerk-3"}, ids(TaskFilter{Units: []string{"20", "10"}, Status: []records.TaskStatus{records.TaskFollowUp}}))
	require.Equal(t, []string{"clerk-2"}, ids(TaskFilter{Limit: 1, Offset: 1}))
	_, err = s.Task(ctx, "nope")
	require.ErrorIs(t, err, ErrNotFound)
}

func testOrganisation(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	empty, err := s.Organisation(ctx)
	require.NoError(t, err)
	require.Empty(t, empty.Units)

	o := records.Organisation{
		Units: []records.Unit{
			{Code: "63", Name: "Bauordnungsamt", Lead: "lena", Members: []string{"lena", "anna", "bernd"}, Parent: "60"},
			{Code: "20", Name: "Kämmerei", Lead: "kai", Mailbox: "04011000-12345-03"},
		},
		Deputies: []records.Deputy{{User: "anna", Deputy: "carla", Rank: 2}, {User: "anna", Deputy: "bernd", Rank: 1}},
		Absences: []records.Absence{{User: "anna", From: "2026-07-01", Until: "2026-07-14", Reason: "Urlaub"}},
	}
	require.NoError(t, s.ReplaceOrganisation(ctx, o))
	got, err := s.Organisation(ctx)
	require.NoError(t, err)
	require.Equal(t, []records.Unit{o.Units[1], o.Units[0]}, got.Units, "units by code")
	require.Equal(t, []records.Deputy{o.Deputies[1], o.Deputies[0]}, got.Deputies)
	require.Len(t, got.Absences, 1)
	require.NotZero(t, got.Absences[0].ID)
	require.Equal(t, []string{"bernd", "carla"}, got.DeputiesOf("anna"))

	a, err := s.AddAbsence(ctx, records.Absence{User: "bernd", From: "2026-07-10", Until: "2026-07-10"})
	require.NoError(t, err)
	require.NotZero(t, a.ID)
	got, err = s.Organisation(ctx)
	require.NoError(t, err)
	require.Len(t, got.Absences, 2)
	require.True(t, got.Absent("bernd", berlin(2026, 7, 10, 12, 0)))
	require.Equal(t, "carla", func() string { w, _ := got.StandIn("anna", berlin(2026, 7, 10, 12, 0)); return w }())

	require.NoError(t, s.RemoveAbsence(ctx, a.ID))
	require.ErrorIs(t, s.RemoveAbsence(ctx, a.ID), ErrNotFound)
	_, err = s.AddAbsence(ctx, records.Absence{User: "bernd", From: "2026-07-10", Until: "2026-07-01"})
	require.ErrorIs(t, err, ErrInvalid)

	// Replace drops what is not in the new organisation.
	require.NoError(t, s.ReplaceOrganisation(ctx, records.Organisation{Units: o.Units[:1]}))
	got, err = s.Organisation(ctx)
	require.NoError(t, err)
	require.Len(t, got.Units, 1)
	require.Empty(t, got.Deputies)
	require.Empty(t, got.Absences)
	require.ErrorIs(t, s.ReplaceOrganisation(ctx, records.Organisation{Units: []records.Unit{{Code: "1", Name: "x"}}}), ErrInvalid)
}
