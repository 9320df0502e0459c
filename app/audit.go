package app

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/client"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// actorWorker is the actor of what the worker does on its own account.
const actorWorker = "system:worker"

// VerificationKeys are the public keys checkpoints may be signed with: the
// signing key's (its file may hold the private or only the public key, so
// an auditor can verify with the public key alone) and audit.public_keys.
func VerificationKeys(cfg config.AuditConfig) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, p := range append([]string{cfg.SigningKey}, cfg.PublicKeys...) {
		if p == "" {
			continue
		}
		k, err := audit.LoadPublicKey(p)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// Checkpointer signs the end of the audit chain when it has grown and
// keeps the checkpoint in the database, in a file and on NATS.
type Checkpointer struct {
	Store store.AuditTrail
	Key   ed25519.PrivateKey
	File  string              // "" for none
	JS    jetstream.JetStream // nil for none
	Log   *slog.Logger
	last  int64
}

// Checkpoint signs the current head unless it was signed already. Every
// place is tried; the first failure is returned.
func (c *Checkpointer) Checkpoint(ctx context.Context) (audit.Checkpoint, bool, error) {
	head, err := c.Store.AuditHead(ctx)
	if err != nil {
		return audit.Checkpoint{}, false, err
	}
	if head.Seq == 0 || head.Seq == c.last {
		return audit.Checkpoint{}, false, nil
	}
	cp := audit.Sign(c.Key, head, time.Now())
	var errs []error
	if err := c.Store.AddCheckpoint(ctx, cp); err != nil {
		errs = append(errs, err)
	}
	if c.File != "" {
		if err := audit.AppendCheckpointFile(c.File, cp); err != nil {
			errs = append(errs, err)
		}
	}
	if c.JS != nil {
		raw, err := json.Marshal(cp)
		if err == nil {
			_, err = c.JS.Publish(ctx, intake.AuditCheckpointSubject, raw,
				jetstream.WithMsgID(fmt.Sprintf("checkpoint-%d-%s", cp.Seq, cp.KeyID)))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("publish checkpoint: %w", err))
		}
	}
	if len(errs) > 0 {
		return cp, false, errors.Join(errs...)
	}
	c.last = head.Seq
	return cp, true, nil
}

// Run checkpoints every interval until ctx ends, and once more then.
func (c *Checkpointer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			c.logResult(c.Checkpoint(fctx))
			cancel()
			return
		case <-t.C:
			c.logResult(c.Checkpoint(ctx))
		}
	}
}

func (c *Checkpointer) logResult(cp audit.Checkpoint, made bool, err error) {
	switch {
	case err != nil:
		c.Log.Error("audit checkpoint", "seq", cp.Seq, "err", err)
	case made:
		c.Log.Debug("audit checkpoint", "seq", cp.Seq, "key_id", cp.KeyID)
	}
}

// OutsideCheckpoints reads the checkpoints kept outside the database: the
// checkpoint file and, when js is set, the AUDIT stream.
func OutsideCheckpoints(ctx context.Context, file string, js jetstream.JetStream) ([]audit.Checkpoint, []string, error) {
	var out []audit.Checkpoint
	var sources []string
	if file != "" {
		cps, err := audit.ReadCheckpointFile(file)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, cps...)
		sources = append(sources, fmt.Sprintf("Datei %s (%d)", file, len(cps)))
	}
	if js != nil {
		cps, err := streamCheckpoints(ctx, js)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, cps...)
		sources = append(sources, fmt.Sprintf("NATS-Stream %s (%d)", intake.AuditStream, len(cps)))
	}
	return out, sources, nil
}

func streamCheckpoints(ctx context.Context, js jetstream.JetStream) ([]audit.Checkpoint, error) {
	st, err := js.Stream(ctx, intake.AuditStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint stream: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("checkpoint stream: %w", err)
	}
	if info.State.Msgs == 0 {
		return nil, nil
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, fmt.Errorf("checkpoint stream: %w", err)
	}
	var out []audit.Checkpoint
	for {
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			return nil, fmt.Errorf("checkpoint stream: %w", err)
		}
		var cp audit.Checkpoint
		if err := json.Unmarshal(msg.Data(), &cp); err != nil {
			return nil, fmt.Errorf("checkpoint stream: message %s: %w", msg.Subject(), err)
		}
		out = append(out, cp)
		md, err := msg.Metadata()
		if err != nil {
			return nil, fmt.Errorf("checkpoint stream: %w", err)
		}
		if md.NumPending == 0 {
			return out, nil
		}
	}
}

// RecordConfig logs the configuration a worker starts with, once per
// content: the key is the content's hash, so an event appears exactly when
// a configuration changed (and the first time).
func RecordConfig(ctx context.Context, s store.AuditTrail, name, source string, raw []byte) error {
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	details, err := json.Marshal(map[string]any{"sha256": hash, "source": source, "size": len(raw)})
	if err != nil {
		return err
	}
	_, err = s.AppendEvent(ctx, audit.Event{
		Key: "config/" + name + "/" + hash, Time: time.Now(), Actor: actorWorker,
		Action: "config.changed", ObjectType: "config", ObjectID: name, Details: details,
	})
	if err != nil {
		return fmt.Errorf("audit configuration %s: %w", name, err)
	}
	return nil
}

// ---- the auditor's report -----------------------------------------------------

// ReportRequest asks for the history of one case.
type ReportRequest struct {
	Kind  string // "file", "document" or "invoice"
	ID    string // file number; document sha256 or register number; invoice id
	Actor string // who asks (it is recorded)
	Keys  []ed25519.PublicKey
	// Outside are the checkpoints kept outside the database.
	Outside []audit.Checkpoint
}

// BuildReport collects the history of a case: the trail's events about it
// and everything that belongs to it (a file's documents; a document's
// tasks, invoice and files; an invoice's document), the Temporal histories
// of the workflows involved (tc may be nil when Temporal is not reachable;
// the report then says so), and the verification of the whole chain.
func BuildReport(ctx context.Context, s store.Store, tc client.Client, req ReportRequest) (audit.Report, error) {
	r := audit.Report{Generated: time.Now().UTC(), GeneratedBy: req.Actor, Objects: []audit.Object{}, Workflows: []string{}, Entries: []audit.Entry{}}
	c := &collector{s: s, r: &r, seenObj: map[string]bool{}, seenWf: map[string]bool{}, events: map[[2]string][]store.AuditEvent{}}
	switch req.Kind {
	case "document":
		sha, err := DocumentSHA(ctx, s, req.ID)
		if err != nil {
			return r, err
		}
		r.Subject = audit.Subject{Kind: "document", ID: sha}
		if meta, err := s.DocumentMeta(ctx, sha); err == nil {
			r.Subject.Title = meta.Subject
		}
		if err := c.document(ctx, sha, true); err != nil {
			return r, err
		}
	case "file":
		f, err := s.FileByNumber(ctx, req.ID)
		if err != nil {
			return r, fmt.Errorf("Akte %s: %w", req.ID, err)
		}
		r.Subject = audit.Subject{Kind: "file", ID: f.Number, Title: f.Title}
		c.object("file", f.Number, f.Title)
		filings, err := s.Filings(ctx, f.ID)
		if err != nil {
			return r, err
		}
		for _, fl := range filings {
			if err := c.document(ctx, fl.DocumentSHA256, false); err != nil {
				return r, err
			}
		}
	case "invoice":
		id, err := strconv.ParseInt(req.ID, 10, 64)
		if err != nil {
			return r, fmt.Errorf("Rechnung %q: die Nummer ist eine Zahl (siehe `aktenfluss invoices list`)", req.ID)
		}
		inv, err := s.Invoice(ctx, id)
		if err != nil {
			return r, fmt.Errorf("Rechnung %d: %w", id, err)
		}
		r.Subject = audit.Subject{Kind: "invoice", ID: req.ID, Title: strings.TrimSpace(inv.Number + " " + inv.SellerName)}
		if err := c.document(ctx, inv.DocumentSHA256, true); err != nil {
			return r, err
		}
	default:
		return r, fmt.Errorf("unknown report kind %q (file, document or invoice)", req.Kind)
	}
	if err := c.trailEntries(ctx); err != nil {
		return r, err
	}
	c.workflowEntries(ctx, tc)
	slices.SortStableFunc(r.Entries, func(a, b audit.Entry) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Source, b.Source), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.EventID, b.EventID))
	})
	res, err := store.VerifyAudit(ctx, s, req.Keys, req.Outside)
	if err != nil {
		return r, fmt.Errorf("verify the audit trail: %w", err)
	}
	r.Verification = res
	return r, nil
}

// DocumentSHA accepts a sha256 or a register number (2026-000123).
func DocumentSHA(ctx context.Context, s store.Store, id string) (string, error) {
	if n, err := records.ParseRegisterNumber(id); err == nil {
		e, err := s.EntryByNumber(ctx, n)
		if err != nil {
			return "", fmt.Errorf("Dokument %s: %w", id, err)
		}
		return e.SHA256, nil
	}
	e, err := s.EntryBySHA256(ctx, strings.ToLower(id))
	if err != nil {
		return "", fmt.Errorf("Dokument %s: %w", id, err)
	}
	return e.SHA256, nil
}

type collector struct {
	s       store.Store
	r       *audit.Report
	objects [][2]string
	seenObj map[string]bool
	seenWf  map[string]bool
	// events are the trail events already read per object (a document's,
	// read to find its tasks), so trailEntries does not read them again.
	events map[[2]string][]store.AuditEvent
}

// objectEvents are the trail events of one object, read once per report.
func (c *collector) objectEvents(ctx context.Context, typ, id string) ([]store.AuditEvent, error) {
	o := [2]string{typ, id}
	if evs, ok := c.events[o]; ok {
		return evs, nil
	}
	evs, err := c.s.Events(ctx, typ, id)
	if err != nil {
		return nil, err
	}
	c.events[o] = evs
	return evs, nil
}

func (c *collector) object(typ, id, label string) {
	if c.seenObj[typ+" "+id] {
		return
	}
	c.seenObj[typ+" "+id] = true
	c.objects = append(c.objects, [2]string{typ, id})
	c.r.Objects = append(c.r.Objects, audit.Object{Type: typ, ID: id, Label: label})
}

func (c *collector) workflow(id string) {
	if !c.seenWf[id] {
		c.seenWf[id] = true
		c.r.Workflows = append(c.r.Workflows, id)
	}
}

// document adds a document with its invoice, its tasks (found in its
// events) and, when withFiles, the files it is filed in.
func (c *collector) document(ctx context.Context, sha string, withFiles bool) error {
	label := ""
	if e, err := c.s.EntryBySHA256(ctx, sha); err == nil {
		label = e.Number.String() + " " + e.OriginalName
	}
	c.object("document", sha, label)
	c.workflow(workflows.InboundWorkflowID(sha))
	if inv, err := c.s.InvoiceByDocument(ctx, sha); err == nil {
		c.object("invoice", strconv.FormatInt(inv.ID, 10), strings.TrimSpace(inv.Number+" "+inv.SellerName))
		c.workflow(workflows.InvoiceApprovalID(inv.ID))
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if withFiles {
		filings, err := c.s.FilingsOf(ctx, sha)
		if err != nil {
			return err
		}
		for _, fl := range filings {
			c.object("file", fl.FileNumber, "")
		}
	}
	evs, err := c.objectEvents(ctx, "document", sha)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		var d struct {
			TaskID string `json:"task_id"`
		}
		if strings.HasPrefix(ev.Action, "task.") && json.Unmarshal(ev.Details, &d) == nil && d.TaskID != "" {
			c.workflow(d.TaskID) // a task's id is its ClerkTask workflow's
		}
	}
	return nil
}

// trailEntries adds the events of every object. An act logged on several
// objects at once (a task on the task and its document, a decision on the
// invoice and its document) becomes one entry naming all of them.
func (c *collector) trailEntries(ctx context.Context) error {
	byAct := map[string]int{}
	seen := map[int64]bool{}
	for _, o := range c.objects {
		evs, err := c.objectEvents(ctx, o[0], o[1])
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if seen[ev.Seq] {
				continue
			}
			seen[ev.Seq] = true
			obj := o[0] + " " + o[1]
			act := ev.Action + "|" + ev.Time.String() + "|" + ev.Actor + "|" + string(ev.Details)
			if i, ok := byAct[act]; ok {
				c.r.Entries[i].Object += ", " + obj
				continue
			}
			byAct[act] = len(c.r.Entries)
			c.r.Entries = append(c.r.Entries, audit.Entry{
				Time: ev.Time, Source: audit.SourceTrail, Seq: ev.Seq, Actor: ev.Actor, Action: ev.Action,
				Object: obj, Summary: audit.Summary(ev.Action, ev.Details), Details: ev.Details,
				Personal: ev.Personal, Erased: ev.Erased(), Hash: hex.EncodeToString(ev.Hash),
			})
		}
	}
	return nil
}

func (c *collector) workflowEntries(ctx context.Context, tc client.Client) {
	if tc == nil {
		if len(c.r.Workflows) > 0 {
			c.r.Notes = append(c.r.Notes, "Temporal war nicht erreichbar: die Workflow-Verläufe fehlen in diesem Bericht.")
		}
		return
	}
	for _, id := range c.r.Workflows {
		entries, err := WorkflowEntries(ctx, tc, id)
		switch {
		case errors.Is(err, ErrNoHistory):
			if strings.HasPrefix(id, workflows.InvoiceApprovalIDPrefix) && !c.seenObj["invoice "+strings.TrimPrefix(id, workflows.InvoiceApprovalIDPrefix)] {
				continue
			}
			c.r.Notes = append(c.r.Notes, fmt.Sprintf("Workflow %s: kein Verlauf (mehr) vorhanden – nie gestartet oder nach Ablauf der Aufbewahrung bei Temporal gelöscht.", id))
		case err != nil:
			c.r.Notes = append(c.r.Notes, fmt.Sprintf("Workflow %s: Verlauf nicht lesbar: %v", id, err))
		default:
			c.r.Entries = append(c.r.Entries, entries...)
		}
	}
}
