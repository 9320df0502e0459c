package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"go.temporal.io/sdk/client"

	"github.com/aktenfluss/aktenfluss/activities"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/sniff"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

const einvoiceCorpus = "../../shared/corpus/einvoice/xrechnung-testsuite/src/test/business-cases/standard"

func corpusInvoice(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(einvoiceCorpus, name))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("e-invoice corpus missing in CI: %v", err)
		}
		t.Skipf("e-invoice corpus not present: %v", err)
	}
	return b
}

// hybridPDF wraps an invoice XML into a PDF/A-3b, the way ZUGFeRD and
// Factur-X deliver it.
func hybridPDF(t *testing.T, xml []byte, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := pdfa.Write(&buf, pdfa.Document{
		Title: "Rechnung", Language: "de-DE", Created: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		Pages: []pdfa.Page{{WidthPt: 595, HeightPt: 842}},
		Attachments: []pdfa.Attachment{{Name: name, MediaType: "text/xml", Relationship: "Alternative", Data: xml,
			Description: "Factur-X invoice", Modified: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// plainPDFWithAttachment adds an attachment to a PDF that is no PDF/A, as
// some invoicing programs do.
func plainPDFWithAttachment(t *testing.T, pdf []byte, name string, data []byte) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := api.AddAttachments(bytes.NewReader(pdf), &out, []string{path}, false, nil); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func waitInvoice(t *testing.T, st store.Store, sha string, status records.Status) records.Invoice {
	t.Helper()
	waitStatus(t, st, sha, status, 90*time.Second)
	inv, err := st.InvoiceByDocument(context.Background(), sha)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func readBlob(t *testing.T, blobDir, sha string) []byte {
	t.Helper()
	blobs, err := blob.NewFS(blobDir)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := blobs.Open(context.Background(), sha)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renditionMap(t *testing.T, st store.Store, sha string) map[records.RenditionKind]records.Rendition {
	t.Helper()
	list, err := st.Renditions(context.Background(), sha)
	if err != nil {
		t.Fatal(err)
	}
	m := map[records.RenditionKind]records.Rendition{}
	for _, r := range list {
		m[r.Kind] = r
	}
	return m
}

// waitEvent waits for an audit event of a document; the status changes
// in the same activity just before it.
func waitEvent(t *testing.T, st store.Store, sha, action string) {
	t.Helper()
	waitFor(t, "audit event "+action, 30*time.Second, func() (bool, error) {
		events, err := st.Events(context.Background(), "document", sha)
		for _, e := range events {
			if e.Action == action {
				return true, nil
			}
		}
		return false, err
	})
}

// TestEInvoiceThroughTheStack sends e-invoices through the embedded stack
// the way they arrive: an accepted XRechnung, the same invoice again as
// another file (flagged as a likely duplicate), a hybrid PDF, an invoice
// whose totals do not add up (rejected and handed back to its sender with
// its report, exactly once) and an XML with an external entity (refused
// into the quarantine).
func TestEInvoiceThroughTheStack(t *testing.T) {
	ubl := corpusInvoice(t, "01.01a-INVOICE_ubl.xml")
	cii := corpusInvoice(t, "01.01a-INVOICE_uncefact.xml")
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	pub, js := dev.publisher(t)
	st := openStore(t, dir)
	ctx := context.Background()
	// The demo organisation routes invoices to this Leitweg-ID to approval,
	// so the runs complete.
	seedDemo(t, st)

	// 1. An XRechnung (UBL) is accepted and filed.
	env := publish(t, pub, "rechnung.xml", ubl)
	first := waitInvoice(t, st, env.SHA256, records.StatusAccepted)
	want, err := einvoice.Parse(bytes.NewReader(ubl))
	if err != nil {
		t.Fatal(err)
	}
	if first.Number != want.Number || first.Payable != want.Totals.Payable.String() || first.BuyerReference != want.BuyerReference ||
		first.SellerName != want.Seller.Name || first.Status != records.InvoiceAccepted || !first.Accepted || first.DuplicateOf != nil {
		t.Fatalf("invoice record %+v", first)
	}
	if first.Scenario != "XR-UBL-Invoice" {
		t.Errorf("scenario %q", first.Scenario)
	}
	rend := renditionMap(t, st, env.SHA256)
	if got := readBlob(t, dev.info.BlobDir, rend[records.RenditionInvoiceXML].BlobSHA256); !bytes.Equal(got, ubl) {
		t.Error("the invoice XML rendition is not the delivered XML")
	}
	var rep einvoice.Report
	if err := json.Unmarshal(readBlob(t, dev.info.BlobDir, rend[records.RenditionInvoiceReport].BlobSHA256), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Accepted || rep.DocumentSHA256 != env.SHA256 || rep.Summary.InvoiceNumber == nil || *rep.Summary.InvoiceNumber != want.Number {
		t.Errorf("report %+v", rep)
	}
	view := readBlob(t, dev.info.BlobDir, rend[records.RenditionInvoiceView].BlobSHA256)
	if pdfRep, err := pdfa.Check(bytes.NewReader(view), int64(len(view))); err != nil || !pdfRep.OK() {
		t.Errorf("rendition PDF/A check: %v %+v", err, pdfRep.Failed())
	}
	if _, embedded, err := sniff.EmbeddedInvoice(bytes.NewReader(view), int64(len(view))); err != nil || !bytes.Equal(embedded, ubl) {
		t.Errorf("rendition does not carry the XML: %v", err)
	}
	waitEvent(t, st, env.SHA256, "einvoice.validated")

	// 2. The same invoice as another file: flagged, pointing at the first.
	again := bytes.Replace(ubl, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- resent -->"), 1)
	if bytes.Equal(again, ubl) {
		t.Fatal("test setup: resent copy equals the original")
	}
	env2 := publish(t, pub, "rechnung-nochmal.xml", again)
	dup := waitInvoice(t, st, env2.SHA256, records.StatusAccepted)
	if dup.DuplicateOf == nil || *dup.DuplicateOf != first.ID {
		t.Errorf("resent invoice not flagged as duplicate of %d: %+v", first.ID, dup.DuplicateOf)
	}
	waitEvent(t, st, env2.SHA256, "einvoice.duplicate-suspected")

	// 3. A hybrid PDF (Factur-X carrying the CII twin): the XML is the
	// legal original, the sender's PDF/A-3 is kept as the archival copy.
	hybrid := hybridPDF(t, cii, "factur-x.xml")
	env3 := publish(t, pub, "rechnung-hybrid.pdf", hybrid)
	hyb := waitInvoice(t, st, env3.SHA256, records.StatusAccepted)
	if hyb.Syntax != "CII" || hyb.Number != want.Number {
		t.Errorf("hybrid invoice record %+v", hyb)
	}
	if hyb.DuplicateOf == nil || *hyb.DuplicateOf != first.ID {
		t.Errorf("the CII twin of the same invoice should be flagged as duplicate of %d: %v", first.ID, hyb.DuplicateOf)
	}
	waitFor(t, "the archival copy of the hybrid PDF", 60*time.Second, func() (bool, error) {
		_, ok := renditionMap(t, st, env3.SHA256)[records.RenditionArchivalPDF]
		return ok, nil
	})
	r3 := renditionMap(t, st, env3.SHA256)
	if got := readBlob(t, dev.info.BlobDir, r3[records.RenditionInvoiceXML].BlobSHA256); !bytes.Equal(got, cii) {
		t.Error("the XML rendition of the hybrid PDF is not the embedded XML")
	}
	if r3[records.RenditionArchivalPDF].BlobSHA256 != env3.SHA256 {
		t.Error("a hybrid PDF that is PDF/A-3 already should be kept as delivered")
	}
	if e, _ := st.EntryBySHA256(ctx, env3.SHA256); e.Status != records.StatusAccepted {
		t.Errorf("hybrid status after archiving %s, want accepted", e.Status)
	}

	// 3b. A hybrid PDF that is no PDF/A: the archival copy is a PDF/A-3
	// rendered from the XML, carrying the XML and the sender's PDF.
	cii2 := corpusInvoice(t, "01.02a-INVOICE_uncefact.xml")
	plainHybrid := plainPDFWithAttachment(t, TextPDF("Rechnung 01.02a"), "factur-x.xml", cii2)
	env3b := publish(t, pub, "rechnung-alt.pdf", plainHybrid)
	waitInvoice(t, st, env3b.SHA256, records.StatusAccepted)
	waitFor(t, "the archival copy of the plain hybrid PDF", 60*time.Second, func() (bool, error) {
		_, ok := renditionMap(t, st, env3b.SHA256)[records.RenditionArchivalPDF]
		return ok, nil
	})
	archived := readBlob(t, dev.info.BlobDir, renditionMap(t, st, env3b.SHA256)[records.RenditionArchivalPDF].BlobSHA256)
	if rep, err := pdfa.Check(bytes.NewReader(archived), int64(len(archived))); err != nil || !rep.OK() || rep.Part != 3 {
		t.Errorf("archival copy of a plain hybrid PDF is no PDF/A-3: %v %+v", err, rep.Failed())
	}
	if _, x, err := sniff.EmbeddedInvoice(bytes.NewReader(archived), int64(len(archived))); err != nil || !bytes.Equal(x, cii2) {
		t.Errorf("archival copy lost the invoice XML: %v", err)
	}

	// 4. Totals that do not add up: rejected, returned with the report.
	bad := bytes.Replace(ubl, []byte("<cbc:PayableAmount currencyID=\"EUR\">"), []byte("<cbc:PayableAmount currencyID=\"EUR\">1"), 1)
	if bytes.Equal(bad, ubl) {
		t.Fatal("test setup: payable amount not found")
	}
	env4 := publish(t, pub, "rechnung-falsch.xml", bad)
	waitStatus(t, st, env4.SHA256, records.StatusRejected, 90*time.Second)
	var rejected records.Invoice
	waitFor(t, "the rejected invoice to be returned", 60*time.Second, func() (bool, error) {
		rejected, err = st.InvoiceByDocument(ctx, env4.SHA256)
		return err == nil && rejected.Status == records.InvoiceReturned, err
	})
	if rejected.Accepted || rejected.Errors == 0 {
		t.Errorf("rejected record %+v", rejected)
	}
	stream, err := js.Stream(ctx, intake.OutboundStream)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.GetLastMsgForSubject(ctx, activities.SubjectInvoiceReturned)
	if err != nil {
		t.Fatal(err)
	}
	var notice activities.ReturnNotice
	if err := json.Unmarshal(msg.Data, &notice); err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, f := range notice.Errors {
		rules[f.Rule] = true
	}
	if notice.InvoiceID != rejected.ID || !rules["BR-CO-16"] || notice.ReportSHA256 != rejected.ReportSHA256 || !strings.Contains(notice.ReasonGerman, "berichtigte") {
		t.Errorf("return notice %+v", notice)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(activities.SubjectInvoiceReturned))
	if err != nil {
		t.Fatal(err)
	}
	if n := info.State.Subjects[activities.SubjectInvoiceReturned]; n != 1 {
		t.Errorf("%d return notices, want exactly 1", n)
	}

	// 5. An XML with an external entity never reaches the parser's entity
	// handling: the document is registered, marked failed and quarantined
	// with the reason.
	xxe := []byte(`<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>` +
		`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&x;</ID></Invoice>`)
	env5 := publish(t, pub, "boese.xml", xxe)
	waitStatus(t, st, env5.SHA256, records.StatusFailed, 60*time.Second)
	items, err := st.Quarantined(ctx, store.QuarantineFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range items {
		found = found || (it.SHA256 == env5.SHA256 && it.Reason == "unreadable")
	}
	if !found {
		t.Errorf("XXE document not in quarantine: %+v", items)
	}
	if _, err := st.InvoiceByDocument(ctx, env5.SHA256); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unreadable XML must not become an invoice record: %v", err)
	}

	waitFor(t, "the workflows to complete", 60*time.Second, func() (bool, error) {
		tc, err := client.Dial(client.Options{HostPort: dev.info.Temporal})
		if err != nil {
			return false, err
		}
		defer tc.Close()
		for _, sha := range []string{env.SHA256, env3.SHA256, env4.SHA256} {
			d, err := tc.DescribeWorkflowExecution(ctx, workflows.InboundWorkflowID(sha), "")
			if err != nil || d.WorkflowExecutionInfo.CloseTime == nil {
				return false, err
			}
		}
		return true, nil
	})
}
