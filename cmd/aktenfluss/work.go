package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// update sends a human decision to a running workflow and waits for its
// outcome. A refusal by the validator (wrong person, already decided) comes
// back as the error, in the words the workflow chose.
func update(ctx context.Context, cf clientFlags, workflowID, name string, arg, result any) error {
	cfg, err := cf.load(true)
	if err != nil {
		return err
	}
	c, err := app.DialTemporal(ctx, cfg.Temporal, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer c.Close()
	err = app.UpdateWorkflow(ctx, c, workflowID, name, arg, result)
	if e := (*api.Error)(nil); errors.As(err, &e) {
		return errors.New(e.Message)
	}
	return err
}

// cmdTriage lists the triage queue and records a registrar's decision.
func cmdTriage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"triage: list or decide?"}
	}
	fs := flagSet("triage "+args[0], stderr)
	cf := addClientFlags(fs)
	all := fs.Bool("all", false, "list: also decided items")
	as := fs.String("as", "", "decide: the registrar (login name)")
	file := fs.String("file", "", "decide: file into this existing file (Aktenzeichen)")
	open := fs.String("open", "", "decide: open a new file under this plan code")
	title := fs.String("title", "", "decide: title of the new file (with --open)")
	assign := fs.String("assign", "", "decide: put a task into this unit's inbox")
	approve := fs.String("approve", "", "decide: start the invoice approval by this unit")
	comment := fs.String("comment", "", "decide: a note for the history")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	_, s, err := openStore(ctx, cf)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	switch args[0] {
	case "list":
		items, err := s.TriageItems(ctx, *all, store.MaxLimit, 0)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, nonNil(items))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEINGANG\tDOKUMENT\tBETREFF\tGRUND\tSTATUS")
		for _, it := range items {
			subject := ""
			if m, err := s.DocumentMeta(ctx, it.DocumentSHA256); err == nil {
				subject = m.Subject
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.CreatedAt.In(records.RegisterLocation).Format("02.01.2006 15:04"),
				short(it.DocumentSHA256), orDash(subject), it.Reason, it.Status)
		}
		return tw.Flush()
	case "decide":
		if fs.NArg() != 1 || *as == "" {
			return usageError{"triage decide ID --as USER [--file AZ | --open CODE [--title T]] [--assign UNIT] [--approve UNIT] [--comment C]"}
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return usageError{"triage decide: the id is a number (triage list)"}
		}
		item, err := s.TriageItem(ctx, id)
		if err != nil {
			return fmt.Errorf("triage item %d: %w", id, err)
		}
		d := workflows.TriageDecision{User: *as, Comment: *comment}
		if *file != "" {
			d.Actions = append(d.Actions, workflows.RouteAction{Kind: workflows.RouteFile, FileNumber: *file})
		}
		if *open != "" {
			d.Actions = append(d.Actions, workflows.RouteAction{Kind: workflows.RouteOpenFile, PlanCode: *open, Title: *title})
		}
		if *assign != "" {
			d.Actions = append(d.Actions, workflows.RouteAction{Kind: workflows.RouteAssign, Unit: *assign})
		}
		if *approve != "" {
			d.Actions = append(d.Actions, workflows.RouteAction{Kind: workflows.RouteApprove, Unit: *approve})
		}
		if err := update(ctx, cf, item.WorkflowID, workflows.UpdateTriageDecide, d, nil); err != nil {
			return fmt.Errorf("Entscheidung abgelehnt: %w", err)
		}
		fmt.Fprintf(stdout, "Entschieden: Dokument %s (%s)\n", short(item.DocumentSHA256), describeActions(d.Actions))
		return nil
	}
	return usageError{fmt.Sprintf("triage: unknown subcommand %q", args[0])}
}

func describeActions(as []workflows.RouteAction) string {
	var parts []string
	for _, a := range as {
		switch a.Kind {
		case workflows.RouteFile:
			parts = append(parts, "zur Akte "+a.FileNumber)
		case workflows.RouteOpenFile:
			parts = append(parts, "neue Akte unter "+a.PlanCode)
		case workflows.RouteAssign:
			parts = append(parts, "Aufgabe an "+a.Unit)
		case workflows.RouteApprove:
			parts = append(parts, "Rechnungsfreigabe durch "+a.Unit)
		}
	}
	return strings.Join(parts, ", ")
}

// documentRouting returns how a document was routed, for `documents show`.
func documentRouting(ctx context.Context, s store.Store, sha string) (map[string]any, error) {
	m, err := s.DocumentMeta(ctx, sha)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]any{"type": m.Type, "sender": m.Sender, "letter_date": m.LetterDate, "subject": m.Subject,
		"file_number": m.FileNumber, "unit": m.Unit, "rule": m.RoutingRule, "reason": m.RoutingReason, "routed_by": m.RoutedBy}
	var ex map[string]any
	if len(m.Extracted) > 0 && json.Unmarshal(m.Extracted, &ex) == nil {
		out["extracted"] = ex
	}
	return out, nil
}

// cmdTasks lists tasks and carries out a clerk's steps on one.
func cmdTasks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"tasks: list, show, claim, done, forward or followup?"}
	}
	fs := flagSet("tasks "+args[0], stderr)
	cf := addClientFlags(fs)
	unit := fs.String("unit", "", "list: this unit's inbox")
	assignee := fs.String("assignee", "", "list: tasks held by this user")
	status := fs.String("status", "", "list: open, claimed, follow-up, done, forwarded (comma-separated)")
	as := fs.String("as", "", "the clerk acting (login name)")
	to := fs.String("to", "", "forward: the unit that takes the task over")
	toUser := fs.String("user", "", "forward: a person in that unit (else its inbox)")
	on := fs.String("on", "", "followup: the date the task comes back (YYYY-MM-DD, 08:00 local time) or RFC 3339")
	comment := fs.String("comment", "", "a note for the history")
	limit := fs.Int("limit", 100, "list: number of tasks")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if args[0] == "list" {
		_, s, err := openStore(ctx, cf)
		if err != nil {
			return err
		}
		defer func() { _ = s.Close() }()
		f := store.TaskFilter{Assignee: *assignee, Limit: *limit}
		if *unit != "" {
			f.Units = []string{*unit}
		}
		for _, st := range strings.Split(*status, ",") {
			if st = strings.TrimSpace(st); st != "" {
				f.Status = append(f.Status, records.TaskStatus(st))
			}
		}
		list, err := s.Tasks(ctx, f)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, nonNil(list))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "AUFGABE\tEINHEIT\tBEARBEITER\tSTATUS\tAKTE\tTITEL\tFÄLLIG")
		for _, t := range list {
			due := "-"
			switch {
			case t.Status == records.TaskFollowUp && t.FollowUpOn != nil:
				due = "WV " + t.FollowUpOn.In(records.RegisterLocation).Format("02.01.2006")
			case t.Due != nil:
				due = t.Due.In(records.RegisterLocation).Format("02.01.2006 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Unit, orDash(t.Assignee), t.Status, orDash(t.FileNumber), t.Title, due)
		}
		return tw.Flush()
	}
	if fs.NArg() != 1 {
		return usageError{fmt.Sprintf("tasks %s: give one task id (tasks list)", args[0])}
	}
	id := fs.Arg(0)
	if args[0] == "show" {
		cfg, err := cf.load(true)
		if err != nil {
			return err
		}
		c, err := app.DialTemporal(ctx, cfg.Temporal, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		defer c.Close()
		v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryTaskStatus)
		if err != nil {
			return err
		}
		var st workflows.TaskState
		if err := v.Get(&st); err != nil {
			return err
		}
		return writeJSON(stdout, st)
	}
	if *as == "" {
		return usageError{fmt.Sprintf("tasks %s: --as USER is required", args[0])}
	}
	var st workflows.TaskState
	var err error
	switch args[0] {
	case "claim":
		err = update(ctx, cf, id, workflows.UpdateTaskClaim, workflows.ClaimTask{User: *as}, &st)
	case "done":
		err = update(ctx, cf, id, workflows.UpdateTaskDone, workflows.FinishTask{User: *as, Comment: *comment}, &st)
	case "forward":
		if *to == "" {
			return usageError{"tasks forward: --to UNIT is required"}
		}
		err = update(ctx, cf, id, workflows.UpdateTaskForward, workflows.ForwardTask{User: *as, Unit: *to, To: *toUser, Comment: *comment}, &st)
	case "followup":
		when, perr := api.ParseFollowUp(*on)
		if e := (*api.Error)(nil); errors.As(perr, &e) {
			return usageError{"tasks followup --on: " + e.Message}
		}
		err = update(ctx, cf, id, workflows.UpdateTaskFollowUp, workflows.FollowUpTask{User: *as, On: when, Comment: *comment}, &st)
	default:
		return usageError{fmt.Sprintf("tasks: unknown subcommand %q", args[0])}
	}
	if err != nil {
		return fmt.Errorf("abgelehnt: %w", err)
	}
	fmt.Fprintf(stdout, "Aufgabe %s: %s", id, st.Status)
	if st.Assignee != "" {
		fmt.Fprintf(stdout, " (%s)", st.Assignee)
	}
	if st.FollowUpOn != nil {
		fmt.Fprintf(stdout, ", Wiedervorlage am %s", st.FollowUpOn.In(records.RegisterLocation).Format("02.01.2006 15:04"))
	}
	if st.Successor != "" {
		fmt.Fprintf(stdout, ", weitergeleitet als %s", st.Successor)
	}
	fmt.Fprintln(stdout)
	return nil
}
