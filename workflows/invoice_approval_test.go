package workflows_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/activities"
	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/devstack"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// The approval runs with its real activities on a real SQLite store and a
// real embedded NATS (bookings and notices), in the SDK's test
// environment with time skipping.

const invDoc = "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"

func approvalOrg(absences ...records.Absence) records.Organisation {
	return records.Organisation{
		Units: []records.Unit{
			{Code: "20", Name: "Kämmerei", Lead: "k.brandt", Members: []string{"k.brandt"}},
			{Code: "20.1", Name: "Rechnungseingang", Lead: "m.wolf", Members: []string{"m.wolf", "a.schneider", "b.krause"}, Parent: "20"},
			{Code: "20.3", Name: "Stadtkasse", Lead: "kasse.k", Members: []string{"kasse.k", "kasse.l"}, Parent: "20"},
			{Code: "60", Name: "Bauverwaltung", Lead: "b.hartmann", Members: []string{"b.hartmann"}},
			{Code: "63", Name: "Bauordnung", Lead: "g.richter", Members: []string{"g.richter", "e.koch", "t.berger"}, Parent: "60"},
			{Code: "10", Name: "Hauptamt", Lead: "h.albrecht", Members: []string{"h.albrecht"}},
		},
		Deputies: []records.Deputy{
			{User: "g.richter", Deputy: "b.hartmann", Rank: 1},
			{User: "e.koch", Deputy: "t.berger", Rank: 1},
			{User: "k.brandt", Deputy: "h.albrecht", Rank: 1},
		},
		Absences: absences,
	}
}

type approvalHarness struct {
	checks  []func()
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	st      store.Store
	js      jetstream.JetStream
	inv     records.Invoice
	updates int
	export  string
	tasks   []workflows.ClerkTaskInput // correction tasks started
}

var approvalStart = time.Date(2026, 12, 1, 8, 0, 0, 0, records.RegisterLocation)

// newApprovalHarness stores an accepted e-invoice over amount with the
// payment terms text, in an organisation, and registers the workflow.
func newApprovalHarness(t *testing.T, org records.Organisation, amount, terms string) *approvalHarness {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.ReplaceOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Register(ctx, records.NewEntry{SHA256: invDoc, Size: 1, MediaType: "application/xml", Source: records.SourceEInvoice,
		ReceivedAt: approvalStart, WorkflowID: workflows.InboundWorkflowID(invDoc)}); err != nil {
		t.Fatal(err)
	}
	inv, _, err := st.AddInvoice(ctx, records.Invoice{
		DocumentSHA256: invDoc, XMLSHA256: invDoc, ReportSHA256: invDoc, WorkflowID: workflows.InboundWorkflowID(invDoc),
		Syntax: "UBL-Invoice", Scenario: "XR-UBL-Invoice", Number: "RE-2026-1", IssueDate: "2026-11-30", TypeCode: "380", Currency: "EUR",
		SellerName: "Tiefbau Möller GmbH", SellerVATID: "DE123456789", BuyerName: "Gemeinde", BuyerReference: "04011000-12345-03",
		NetTotal: amount, TaxTotal: "0.00", GrossTotal: amount, Payable: amount, PaymentTerms: terms, IBANs: []string{"DE02120300000000202051"},
		Accepted: true, Status: records.InvoiceAccepted,
		DuplicateKey: records.InvoiceDuplicateKey("DE123456789", "", "RE-2026-1", "2026-11-30", amount),
	})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := devstack.StartNATS(devstack.NATSOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := intake.EnsureStreams(ctx, js, intake.TopologyConfig{}); err != nil {
		t.Fatal(err)
	}
	cfg, err := approval.ParseConfig(approval.ExampleConfig())
	if err != nil {
		t.Fatal(err)
	}
	export := t.TempDir()
	acts := &activities.Approval{Store: st, Config: cfg, Outbound: activities.JetStreamOutbound{JS: js}, ExportDir: export}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(approvalStart)
	env.RegisterWorkflowWithOptions(workflows.InvoiceApproval, workflow.RegisterOptions{Name: workflows.InvoiceApprovalName})
	h := &approvalHarness{t: t, env: env, st: st, js: js, inv: inv, export: export}
	// The correction task's own behaviour is ClerkTask's tests' business;
	// here it only has to start (a real one would escalate for ever under
	// time skipping).
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.ClerkTaskInput) (workflows.ClerkTaskResult, error) {
		h.tasks = append(h.tasks, in)
		return workflows.ClerkTaskResult{Status: records.TaskDone}, nil
	}, workflow.RegisterOptions{Name: workflows.ClerkTaskName})
	for name, fn := range map[string]any{
		workflows.ActivityLoadApproval:   acts.LoadApproval,
		workflows.ActivityEnterStage:     acts.EnterStage,
		workflows.ActivityRecordDecision: acts.RecordDecision,
		workflows.ActivityNotifyApproval: acts.NotifyApproval,
		workflows.ActivityExportBooking:  acts.ExportBooking,
		workflows.ActivityCloseApproval:  acts.CloseApproval,
	} {
		env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	return h
}

// pending is an update sent at a time; what must become of it is checked
// after the run (h.check).
type pending struct {
	h *approvalHarness
	*outcome
}

func (p pending) mustCompleteLater(t *testing.T) {
	p.h.checks = append(p.h.checks, func() { t.Helper(); p.mustComplete(t) })
}

func (p pending) mustRejectLater(t *testing.T, want string) {
	p.h.checks = append(p.h.checks, func() {
		t.Helper()
		err := p.rejected
		if err == nil && p.done {
			err = p.err // refused by the handler after a race
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: refused with %v, want %q", p.name, err, want)
		}
	})
}

func (h *approvalHarness) check() {
	for _, c := range h.checks {
		c()
	}
}

func (h *approvalHarness) send(d time.Duration, name string, arg any) pending {
	o := &outcome{name: fmt.Sprintf("%s %+v", name, arg)}
	h.updates++
	id := fmt.Sprintf("u-%d", h.updates)
	h.env.RegisterDelayedCallback(func() {
		o.sent = true
		h.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept:   func() { o.accepted = true },
			OnReject:   func(err error) { o.rejected = err },
			OnComplete: func(_ any, err error) { o.done, o.err = true, err },
		}, arg)
	}, d)
	return pending{h, o}
}

func (h *approvalHarness) approve(d time.Duration, user string, stage approval.StageKind) pending {
	return h.send(d, workflows.UpdateApprove, workflows.ApproveRequest{User: user, Stage: stage, Comment: "ok"})
}

func (h *approvalHarness) state(d time.Duration) *workflows.ApprovalState {
	s := &workflows.ApprovalState{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryApprovalStatus)
		if err == nil {
			err = v.Get(s)
		}
		if err != nil {
			h.t.Error(err)
		}
	}, d)
	return s
}

func (h *approvalHarness) run(unit string) workflows.InvoiceApprovalResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.InvoiceApprovalName, workflows.InvoiceApprovalInput{InvoiceID: h.inv.ID, DocumentSHA256: invDoc, Unit: unit})
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("approval did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatal(err)
	}
	var res workflows.InvoiceApprovalResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

// bookings reads what was published on finance.bookings.>.
func (h *approvalHarness) bookings() []string {
	h.t.Helper()
	ctx := context.Background()
	s, err := h.js.Stream(ctx, intake.FinanceStream)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, m.Subject)
	}
	return out
}

const hour = time.Hour

func TestApprovalAllTheWay(t *testing.T) {
	h := newApprovalHarness(t, approvalOrg(), "4800.00", "#SKONTO#TAGE=14#PROZENT=2.00#\nZahlbar innerhalb von 30 Tagen")
	factual := h.state(hour)
	h.approve(2*hour, "e.koch", approval.StageFactual).mustCompleteLater(t)
	order := h.state(3 * hour)
	h.approve(4*hour, "g.richter", approval.StagePaymentOrder).mustCompleteLater(t)
	res := h.run("63")
	h.check()

	if factual.Stage != approval.StageFactual || !contains(factual.Assignees, "e.koch") || contains(factual.Assignees, "kasse.k") {
		t.Fatalf("factual stage %+v", factual)
	}
	if factual.Terms.Due != "2026-12-30" || factual.Terms.DiscountDate != "2026-12-14" || factual.Terms.DiscountAmount != "96.00" {
		t.Fatalf("terms %+v", factual.Terms)
	}
	if order.Stage != approval.StagePaymentOrder || contains(order.Assignees, "e.koch") || !contains(order.Assignees, "g.richter") {
		t.Fatalf("payment order stage %+v", order)
	}
	if res.Status != records.InvoiceBooked {
		t.Fatalf("result %+v", res)
	}
	// formal (auto), factual, arithmetic (auto: calculation rules passed), payment order
	var stages []string
	for _, d := range res.Decisions {
		stages = append(stages, string(d.Stage)+":"+d.User)
	}
	want := "formal:system:approval factual:e.koch arithmetic:system:approval payment_order:g.richter"
	if strings.Join(stages, " ") != want {
		t.Fatalf("decisions %v, want %s", stages, want)
	}
	ctx := context.Background()
	aps, err := h.st.Approvals(ctx, h.inv.ID)
	if err != nil || len(aps) != 4 {
		t.Fatalf("stored approvals %+v, %v", aps, err)
	}
	inv, err := h.st.Invoice(ctx, h.inv.ID)
	if err != nil || inv.Status != records.InvoiceBooked {
		t.Fatalf("invoice %+v, %v", inv.Status, err)
	}
	if got := h.bookings(); len(got) != 1 || got[0] != "finance.bookings.63" {
		t.Fatalf("bookings on NATS %v", got)
	}
	b, err := h.st.Booking(ctx, h.inv.ID)
	if err != nil || b.PublishedAt == nil || b.ExportedAt == nil || b.DiscountAmount != "96.00" || b.IBAN != "DE02120300000000202051" {
		t.Fatalf("booking %+v, %v", b, err)
	}
}

func TestApprovalFourEyesAndRefusals(t *testing.T) {
	h := newApprovalHarness(t, approvalOrg(), "4800.00", "")
	h.approve(hour, "m.wolf", approval.StageFactual).mustRejectLater(t, "nicht zur Organisationseinheit")
	h.approve(hour, "kasse.k", approval.StageFactual).mustRejectLater(t, "Stadtkasse")
	h.approve(hour, "e.koch", approval.StagePaymentOrder).mustRejectLater(t, "wartet auf")
	h.approve(2*hour, "e.koch", approval.StageFactual).mustCompleteLater(t)
	h.approve(3*hour, "e.koch", approval.StageFactual).mustRejectLater(t, "wartet auf")
	h.approve(3*hour, "e.koch", approval.StagePaymentOrder).mustRejectLater(t, "nicht von der Person erteilt werden")
	h.approve(3*hour, "t.berger", approval.StagePaymentOrder).mustRejectLater(t, "Anordnungsrahmen")
	h.approve(4*hour, "g.richter", approval.StagePaymentOrder).mustCompleteLater(t)
	res := h.run("63")
	h.check()
	if res.Status != records.InvoiceBooked {
		t.Fatalf("result %+v", res)
	}
}

func TestApprovalRacingOrdersCountOnce(t *testing.T) {
	// e.koch certifies; then g.richter and b.hartmann race for the order
	// (b.hartmann only as g.richter's deputy, refused while he is present):
	// and two approvals by the same person at the same moment count once.
	h := newApprovalHarness(t, approvalOrg(), "4800.00", "")
	h.approve(hour, "e.koch", approval.StageFactual).mustCompleteLater(t)
	a := h.approve(2*hour, "g.richter", approval.StagePaymentOrder)
	b := h.approve(2*hour, "g.richter", approval.StagePaymentOrder)
	c := h.approve(90*time.Minute, "b.hartmann", approval.StagePaymentOrder)
	res := h.run("63")
	ok := 0
	for _, o := range []*outcome{a.outcome, b.outcome} {
		if o.done && o.err == nil && o.rejected == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("of two racing identical decisions %d counted: %+v %+v", ok, a, b)
	}
	if c.rejected == nil || !strings.Contains(c.rejected.Error(), "nur während einer Abwesenheit") {
		t.Fatalf("deputy while the principal is present: rejected %v, done %v, err %v", c.rejected, c.done, c.err)
	}
	n := 0
	for _, d := range res.Decisions {
		if d.Stage == approval.StagePaymentOrder {
			n++
		}
	}
	if n != 1 || res.Status != records.InvoiceBooked {
		t.Fatalf("decisions %+v", res.Decisions)
	}
}

func TestApprovalDeputyWhileAbsent(t *testing.T) {
	h := newApprovalHarness(t, approvalOrg(records.Absence{User: "g.richter", From: "2026-12-01", Until: "2026-12-05"}), "4800.00", "")
	h.approve(hour, "e.koch", approval.StageFactual).mustCompleteLater(t)
	h.approve(2*hour, "b.hartmann", approval.StagePaymentOrder).mustCompleteLater(t)
	res := h.run("63")
	h.check()
	last := res.Decisions[len(res.Decisions)-1]
	if last.User != "b.hartmann" || last.OnBehalfOf != "g.richter" {
		t.Fatalf("deputy's decision %+v", last)
	}
}

func TestApprovalSecondSignature(t *testing.T) {
	h := newApprovalHarness(t, approvalOrg(), "30000.00", "")
	h.approve(hour, "e.koch", approval.StageFactual).mustCompleteLater(t)
	h.approve(2*hour, "g.richter", approval.StagePaymentOrder).mustRejectLater(t, "Anordnungsrahmen")
	h.approve(2*hour, "k.brandt", approval.StagePaymentOrder).mustCompleteLater(t)
	second := h.state(3 * hour)
	h.approve(3*hour, "k.brandt", approval.StagePaymentOrder).mustRejectLater(t, "zweite Unterschrift")
	h.approve(4*hour, "h.albrecht", approval.StagePaymentOrder).mustCompleteLater(t)
	res := h.run("63")
	h.check()
	if second.Status != records.InvoiceInApproval || second.Stage != approval.StagePaymentOrder {
		t.Fatalf("after the first signature %+v", second)
	}
	if res.Status != records.InvoiceBooked {
		t.Fatalf("result %+v", res)
	}
}

func TestApprovalRejectAtEachStage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		steps    func(h *approvalHarness)
		toSender bool
	}{
		{"factual, to correction", func(h *approvalHarness) {
			h.send(hour, workflows.UpdateReject, workflows.RejectRequest{User: "e.koch", Stage: approval.StageFactual, Reason: "Leistung nicht erbracht"}).mustCompleteLater(h.t)
		}, false},
		{"factual without a reason", func(h *approvalHarness) {
			h.send(hour, workflows.UpdateReject, workflows.RejectRequest{User: "e.koch", Stage: approval.StageFactual}).mustRejectLater(h.t, "Begründung")
			h.send(2*hour, workflows.UpdateReject, workflows.RejectRequest{User: "e.koch", Stage: approval.StageFactual, Reason: "falsche Menge", ToSender: true}).mustCompleteLater(h.t)
		}, true},
		{"payment order, back to the sender", func(h *approvalHarness) {
			h.approve(hour, "e.koch", approval.StageFactual).mustCompleteLater(h.t)
			h.send(2*hour, workflows.UpdateReject, workflows.RejectRequest{User: "g.richter", Stage: approval.StagePaymentOrder, Reason: "kein Auftrag", ToSender: true}).mustCompleteLater(h.t)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newApprovalHarness(t, approvalOrg(), "4800.00", "")
			tc.steps(h)
			res := h.run("63")
			h.check()
			if res.Status != records.InvoiceRejectedInApproval || res.Reason == "" {
				t.Fatalf("result %+v", res)
			}
			inv, err := h.st.Invoice(context.Background(), h.inv.ID)
			if err != nil || inv.Status != records.InvoiceRejectedInApproval {
				t.Fatalf("invoice status %v, %v", inv.Status, err)
			}
			if got := h.bookings(); len(got) != 0 {
				t.Fatalf("a rejected invoice was booked: %v", got)
			}
			if tc.toSender != (len(h.tasks) == 0) || (!tc.toSender && (h.tasks[0].Kind != workflows.TaskKindInvoiceCorrection || h.tasks[0].Unit != "63")) {
				t.Fatalf("correction tasks %+v (to sender %v)", h.tasks, tc.toSender)
			}
		})
	}
}

func TestApprovalCancel(t *testing.T) {
	h := newApprovalHarness(t, approvalOrg(), "4800.00", "")
	h.send(hour, workflows.UpdateCancel, workflows.CancelRequest{User: "e.koch", Reason: "doppelt"}).mustRejectLater(t, "Stornieren darf nur")
	h.send(hour, workflows.UpdateCancel, workflows.CancelRequest{User: "g.richter"}).mustRejectLater(t, "Begründung")
	h.send(2*hour, workflows.UpdateCancel, workflows.CancelRequest{User: "g.richter", Reason: "vom Absender zurückgezogen"}).mustCompleteLater(t)
	res := h.run("63")
	h.check()
	if res.Status != records.InvoiceCancelled {
		t.Fatalf("result %+v", res)
	}
}

func TestApprovalEscalationAndDiscountReminder(t *testing.T) {
	// Discount in 14 days (reminder 72 h before), escalation after a week
	// without a decision: the unit's lead is added to the assignees.
	h := newApprovalHarness(t, approvalOrg(), "4800.00", "#SKONTO#TAGE=14#PROZENT=2.00#\nZahlbar innerhalb von 30 Tagen")
	late := h.state(8 * 24 * hour)
	h.approve(12*24*hour, "e.koch", approval.StageFactual).mustCompleteLater(t)
	h.approve(12*24*hour+hour, "g.richter", approval.StagePaymentOrder).mustCompleteLater(t)
	res := h.run("63")
	h.check()
	if res.Status != records.InvoiceBooked {
		t.Fatalf("result %+v", res)
	}
	joined := strings.Join(late.Notices, "\n")
	if !strings.Contains(joined, "escalation") {
		t.Fatalf("no escalation after a week: %v", late.Notices)
	}
	evs, err := h.st.Events(context.Background(), "invoice", fmt.Sprint(h.inv.ID))
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	for _, e := range evs {
		if strings.HasPrefix(e.Action, "invoice.notice.") {
			notices = append(notices, e.Action)
		}
	}
	if strings.Join(notices, " ") != "invoice.notice.escalation invoice.notice.discount" {
		t.Fatalf("notices %v", notices)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// addInvoice stores another invoice record (for another document) and
// makes it the one the harness runs the approval on.
func (h *approvalHarness) addInvoice(doc string, mutate func(*records.Invoice)) {
	h.t.Helper()
	ctx := context.Background()
	if _, _, err := h.st.Register(ctx, records.NewEntry{SHA256: doc, Size: 1, MediaType: "application/pdf", Source: records.SourceMailroom,
		ReceivedAt: approvalStart, WorkflowID: workflows.InboundWorkflowID(doc)}); err != nil {
		h.t.Fatal(err)
	}
	inv := h.inv
	inv.ID, inv.DocumentSHA256, inv.WorkflowID, inv.DuplicateOf = 0, doc, workflows.InboundWorkflowID(doc), nil
	mutate(&inv)
	stored, _, err := h.st.AddInvoice(ctx, inv)
	if err != nil {
		h.t.Fatal(err)
	}
	h.inv = stored
}

func TestApprovalFormalCheckRefusesADuplicate(t *testing.T) {
	h := newApprovalHarness(t, approvalOrg(), "4800.00", "")
	first := h.inv.ID
	h.addInvoice("cd0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd", func(*records.Invoice) {})
	if h.inv.DuplicateOf == nil || *h.inv.DuplicateOf != first {
		t.Fatalf("second delivery not flagged: %+v", h.inv.DuplicateOf)
	}
	res := h.run("63")
	if res.Status != records.InvoiceRejectedInApproval || !strings.Contains(res.Reason, "Dublette") || len(res.Decisions) != 1 || res.Decisions[0].Approve {
		t.Fatalf("result %+v", res)
	}
	if len(h.tasks) != 1 || h.tasks[0].Kind != workflows.TaskKindInvoiceCorrection {
		t.Fatalf("correction tasks %+v", h.tasks)
	}
}

func TestApprovalArithmeticByAPersonAndItsRejection(t *testing.T) {
	// A paper invoice has no calculation rules to rely on: rechnerisch
	// richtig is a person's stage, and a person may reject it there.
	h := newApprovalHarness(t, approvalOrg(), "4800.00", "")
	h.addInvoice("de0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd", func(inv *records.Invoice) {
		inv.Syntax, inv.XMLSHA256, inv.ReportSHA256, inv.Number = records.SyntaxPaper, "", "", "P-1"
		inv.DuplicateKey = records.InvoiceDuplicateKey("", inv.SellerName, "P-1", inv.IssueDate, inv.Payable)
	})
	h.approve(hour, "e.koch", approval.StageFactual).mustCompleteLater(t)
	waiting := h.state(2 * hour)
	h.approve(3*hour, "g.richter", approval.StagePaymentOrder).mustRejectLater(t, "wartet auf")
	h.send(4*hour, workflows.UpdateReject, workflows.RejectRequest{User: "t.berger", Stage: approval.StageArithmetic, Reason: "Mehrwertsteuer falsch berechnet"}).mustCompleteLater(t)
	res := h.run("63")
	h.check()
	if waiting.Stage != approval.StageArithmetic {
		t.Fatalf("after sachlich richtig: %+v", waiting)
	}
	if res.Status != records.InvoiceRejectedInApproval || res.Reason != "Mehrwertsteuer falsch berechnet" {
		t.Fatalf("result %+v", res)
	}
}
