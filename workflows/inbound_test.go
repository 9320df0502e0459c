package workflows

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// The activities' own behaviour is tested against the real store, blob
// store and NATS in package app; here the workflow's decisions are checked
// with the SDK's test environment.

func testInput() InboundInput {
	return InboundInput{
		SHA256: "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd",
		Size:   42, MediaType: "application/pdf", OriginalName: "brief.pdf", Source: records.SourceMailroom,
		ReceivedAt: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), Object: "obj",
	}
}

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(InboundDocument, workflow.RegisterOptions{Name: InboundDocumentName})
	registerRoutingDefaults(env)
	return env
}

// register adds an activity; a test may replace one newEnv registered.
func register(env *testsuite.TestWorkflowEnvironment, name string, fn any) {
	env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name, DisableAlreadyRegisteredCheck: true})
}

func TestInboundRegistersAndClassifies(t *testing.T) {
	env := newEnv(t)
	in := testInput()
	var gotEntry records.NewEntry
	register(env, ActivityStoreOriginal, func(_ context.Context, s StoreOriginalInput) (blob.Ref, error) {
		return blob.Ref{SHA256: s.SHA256, Size: s.Size, MediaType: s.MediaType}, nil
	})
	register(env, ActivityRegister, func(_ context.Context, r RegisterInput) (RegisterOutput, error) {
		gotEntry = r.Entry
		return RegisterOutput{EntryID: 7, RegisterNumber: "2026-000007", Created: true}, nil
	})
	register(env, ActivityDetectKind, func(_ context.Context, d DetectKindInput) (DetectKindOutput, error) {
		return DetectKindOutput{Kind: records.KindPDFText, Detail: "PDF 1 page"}, nil
	})
	register(env, ActivityMarkFailed, func(context.Context, MarkFailedInput) error {
		t.Error("MarkFailed called on the happy path")
		return nil
	})
	register(env, ActivityArchivePDF, func(_ context.Context, a ArchivePDFInput) (ArchiveOutput, error) {
		return ArchiveOutput{PDF: a.Original, Text: blob.Ref{SHA256: "t"}, Pages: 1}, nil
	})
	env.ExecuteWorkflow(InboundDocumentName, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res InboundResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.RegisterNumber != "2026-000007" || res.Kind != records.KindPDFText || res.Failed != "" {
		t.Fatalf("result %+v", res)
	}
	if res.Archive == nil {
		t.Fatal("a born-digital PDF got no archival rendition")
	}
	if !gotEntry.ReceivedAt.Equal(in.ReceivedAt) || gotEntry.SHA256 != in.SHA256 || gotEntry.Source != in.Source {
		t.Fatalf("register got %+v", gotEntry)
	}
	var st InboundStatus
	q, err := env.QueryWorkflow(QueryInboundStatus)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Get(&st); err != nil || st.Step != "done" {
		t.Fatalf("status %+v, %v", st, err)
	}
}

func TestInboundMarksUnreadableDocuments(t *testing.T) {
	env := newEnv(t)
	register(env, ActivityStoreOriginal, func(_ context.Context, s StoreOriginalInput) (blob.Ref, error) {
		return blob.Ref{SHA256: s.SHA256, Size: s.Size}, nil
	})
	register(env, ActivityRegister, func(context.Context, RegisterInput) (RegisterOutput, error) {
		return RegisterOutput{EntryID: 1, RegisterNumber: "2026-000001"}, nil
	})
	attempts := 0
	register(env, ActivityDetectKind, func(context.Context, DetectKindInput) (DetectKindOutput, error) {
		attempts++
		return DetectKindOutput{}, temporal.NewNonRetryableApplicationError("pdf is encrypted", ErrTypeUnreadable, nil)
	})
	var marked MarkFailedInput
	register(env, ActivityMarkFailed, func(_ context.Context, m MarkFailedInput) error {
		marked = m
		return nil
	})
	env.ExecuteWorkflow(InboundDocumentName, testInput())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 {
		t.Errorf("unreadable document retried: %d attempts", attempts)
	}
	if marked.Step != "detect" || marked.Reason != "pdf is encrypted" {
		t.Fatalf("MarkFailed got %+v", marked)
	}
}

func TestInboundRetriesTransientFailures(t *testing.T) {
	env := newEnv(t)
	register(env, ActivityStoreOriginal, func(_ context.Context, s StoreOriginalInput) (blob.Ref, error) {
		return blob.Ref{SHA256: s.SHA256, Size: s.Size}, nil
	})
	calls := 0
	register(env, ActivityRegister, func(context.Context, RegisterInput) (RegisterOutput, error) {
		calls++
		if calls < 3 {
			return RegisterOutput{}, errors.New("database is restarting")
		}
		return RegisterOutput{EntryID: 1, RegisterNumber: "2026-000001"}, nil
	})
	register(env, ActivityDetectKind, func(context.Context, DetectKindInput) (DetectKindOutput, error) {
		return DetectKindOutput{Kind: records.KindPDFScan}, nil
	})
	register(env, ActivityMarkFailed, func(context.Context, MarkFailedInput) error { return nil })
	registerArchive(env, nil)
	env.ExecuteWorkflow(InboundDocumentName, testInput())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Fatalf("Register called %d times, want 3", calls)
	}
}

func TestInboundFailsWhenOriginalIsGone(t *testing.T) {
	env := newEnv(t)
	register(env, ActivityStoreOriginal, func(context.Context, StoreOriginalInput) (blob.Ref, error) {
		return blob.Ref{}, temporal.NewNonRetryableApplicationError("gone", ErrTypeMissingObject, nil)
	})
	register(env, ActivityRegister, func(context.Context, RegisterInput) (RegisterOutput, error) {
		t.Error("registered a document whose bytes are missing")
		return RegisterOutput{}, nil
	})
	var quarantined QuarantineInput
	register(env, ActivityQuarantine, func(_ context.Context, q QuarantineInput) error {
		quarantined = q
		return nil
	})
	env.ExecuteWorkflow(InboundDocumentName, testInput())
	if quarantined.Reason != ErrTypeMissingObject || quarantined.Document.SHA256 != testInput().SHA256 {
		t.Errorf("quarantined %+v", quarantined)
	}
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != ErrTypeMissingObject {
		t.Fatalf("workflow error %v, want %s", err, ErrTypeMissingObject)
	}
}

// registerArchive registers OCRPage and BuildArchive; failPage, when set,
// decides an error per page.
func registerArchive(env *testsuite.TestWorkflowEnvironment, failPage func(int) error) *[]BuildArchiveInput {
	var builds []BuildArchiveInput
	register(env, ActivityOCRPage, func(_ context.Context, in OCRPageInput) (OCRPageOutput, error) {
		if failPage != nil {
			if err := failPage(in.Page); err != nil {
				return OCRPageOutput{}, err
			}
		}
		return OCRPageOutput{Page: in.Page, Result: blob.Ref{SHA256: fmt.Sprintf("page-%d", in.Page)}, Words: 10}, nil
	})
	register(env, ActivityBuildArchive, func(_ context.Context, in BuildArchiveInput) (ArchiveOutput, error) {
		builds = append(builds, in)
		return ArchiveOutput{PDF: blob.Ref{SHA256: "pdf"}, Text: blob.Ref{SHA256: "txt"}, Pages: len(in.Pages)}, nil
	})
	return &builds
}

func scanEnv(t *testing.T, pages int) *testsuite.TestWorkflowEnvironment {
	env := newEnv(t)
	register(env, ActivityStoreOriginal, func(_ context.Context, s StoreOriginalInput) (blob.Ref, error) {
		return blob.Ref{SHA256: s.SHA256, Size: s.Size, MediaType: s.MediaType}, nil
	})
	register(env, ActivityRegister, func(context.Context, RegisterInput) (RegisterOutput, error) {
		return RegisterOutput{EntryID: 1, RegisterNumber: "2026-000001"}, nil
	})
	register(env, ActivityDetectKind, func(context.Context, DetectKindInput) (DetectKindOutput, error) {
		return DetectKindOutput{Kind: records.KindPDFScan, Pages: pages}, nil
	})
	return env
}

func TestInboundOCRsEveryPageThenBuildsTheArchive(t *testing.T) {
	env := scanEnv(t, 4)
	register(env, ActivityMarkFailed, func(context.Context, MarkFailedInput) error {
		t.Error("MarkFailed on the happy path")
		return nil
	})
	builds := registerArchive(env, nil)
	in := testInput()
	in.ScanProtocol = &records.ScanProtocol{Operator: "poststelle-1"}
	env.ExecuteWorkflow(InboundDocumentName, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(*builds) != 1 {
		t.Fatalf("BuildArchive ran %d times", len(*builds))
	}
	b := (*builds)[0]
	for i, p := range b.Pages {
		if p.SHA256 != fmt.Sprintf("page-%d", i) {
			t.Fatalf("page results out of order: %v", b.Pages)
		}
	}
	if len(b.Pages) != 4 || !b.ReceivedAt.Equal(in.ReceivedAt) || b.ScanProtocol.Operator != "poststelle-1" {
		t.Fatalf("BuildArchive input %+v", b)
	}
	var res InboundResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Archive == nil || res.Archive.Pages != 4 {
		t.Fatalf("result %+v, %v", res, err)
	}
}

func TestInboundMarksAnEmptyTextLayerAsFailed(t *testing.T) {
	env := scanEnv(t, 2)
	var marked MarkFailedInput
	register(env, ActivityMarkFailed, func(_ context.Context, m MarkFailedInput) error {
		marked = m
		return nil
	})
	builds := registerArchive(env, func(page int) error {
		if page == 1 {
			return temporal.NewNonRetryableApplicationError("Seite 2: sichtbarer Text, aber leere Textebene", ErrTypeEmptyTextLayer, nil)
		}
		return nil
	})
	env.ExecuteWorkflow(InboundDocumentName, testInput())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(*builds) != 0 {
		t.Error("built an archive with an empty text layer")
	}
	if marked.Step != "archive" || marked.Reason == "" {
		t.Fatalf("MarkFailed got %+v", marked)
	}
}
