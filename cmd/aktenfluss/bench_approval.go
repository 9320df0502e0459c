package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// benchApproval starts `aktenfluss dev` as a child process with the demo
// organisation, delivers N distinct XRechnungen at once, and scripts the
// decisions: every tenth invoice is rejected back to its sender, every
// tenth (offset one) cancelled, the rest get sachlich richtig and the
// Anordnung. It waits until every invoice reached its end state and
// reports invoices/s through the whole chain and the child's peak RSS.
func benchApproval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("bench approval", stderr)
	n := fs.Int("n", 1000, "number of invoices in flight at once")
	invoice := fs.String("invoice", "../shared/corpus/einvoice/xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml", "XRechnung (UBL) to deliver N times with distinct numbers")
	deciders := fs.Int("deciders", 8, "decisions sent at once")
	timeout := fs.Duration("timeout", 20*time.Minute, "give up after")
	if err := parse(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	xml, err := os.ReadFile(*invoice)
	if err != nil {
		return err
	}
	const idTag = "<cbc:ID>123456XX</cbc:ID>"
	if !bytes.Contains(xml, []byte(idTag)) {
		return fmt.Errorf("%s: expected the KoSIT test invoice 01.01a (invoice number 123456XX)", *invoice)
	}
	dir, err := os.MkdirTemp("", "aktenfluss-bench-approval-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	info, child, stop, err := startDevChild(ctx, dir, "--temporal-ui", "off")
	if err != nil {
		return err
	}
	defer stop()
	cfg := config.Defaults()
	info.Apply(&cfg)
	d, err := app.Connect(ctx, cfg, newLogger(io.Discard, "error"), app.Needs{NATS: true, Store: true})
	if err != nil {
		return err
	}
	defer d.Close()
	numbers, err := records.NewFileNumberFormat("")
	if err != nil {
		return err
	}
	if _, err := app.SeedDemo(ctx, d.Store, numbers); err != nil {
		return err
	}
	tc, err := app.DialTemporal(ctx, cfg.Temporal, newLogger(io.Discard, "error"))
	if err != nil {
		return err
	}
	defer tc.Close()

	fmt.Fprintf(stdout, "bench approval: %d invoices, %d deciders, aktenfluss dev pid %d\n", *n, *deciders, child.Process.Pid)
	start := time.Now()
	pub := d.Publisher()
	for i := range *n {
		data := bytes.Replace(xml, []byte(idTag), fmt.Appendf(nil, "<cbc:ID>RE-BENCH-%05d</cbc:ID>", i), 1)
		if _, err := pub.Publish(ctx, intake.PublishRequest{Name: fmt.Sprintf("bench-%05d.xml", i), Reader: bytes.NewReader(data),
			Source: records.SourceEInvoice, ReceivedAt: time.Now()}); err != nil {
			return fmt.Errorf("publish %d: %w", i, err)
		}
	}
	published := time.Since(start)

	// Every invoice waiting for sachlich richtig: all n in flight at once.
	var waiting []records.Invoice
	for {
		if waiting, err = d.Store.InvoicesWaitingFor(ctx, "a.schneider", *n+10); err != nil {
			return err
		}
		if len(waiting) >= *n {
			break
		}
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return fmt.Errorf("%d of %d invoices reached approval: %w", len(waiting), *n, err)
		}
	}
	inFlight := time.Since(start)

	update := func(wf, name string, arg any) error {
		h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wf, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			return err
		}
		return h.Get(ctx, nil)
	}
	want := map[records.InvoiceStatus]int{}
	jobs := make(chan int)
	errc := make(chan error, *deciders)
	var wg sync.WaitGroup
	for range *deciders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				inv := waiting[i]
				wf := workflows.InvoiceApprovalID(inv.ID)
				var err error
				switch inv.ID % 10 {
				case 0:
					err = update(wf, workflows.UpdateReject, workflows.RejectRequest{User: "b.krause", Stage: approval.StageFactual, Reason: "nicht bestellt", ToSender: true})
				case 1:
					err = update(wf, workflows.UpdateCancel, workflows.CancelRequest{User: "m.wolf", Reason: "doppelt erfasst"})
				default:
					if err = update(wf, workflows.UpdateApprove, workflows.ApproveRequest{User: "a.schneider", Stage: approval.StageFactual}); err != nil {
						break
					}
					// The stage moves on just after the decision is stored.
					for {
						err = update(wf, workflows.UpdateApprove, workflows.ApproveRequest{User: "m.wolf", Stage: approval.StagePaymentOrder})
						if err == nil || !strings.Contains(err.Error(), "wartet auf") {
							break
						}
						if err = sleepCtx(ctx, 50*time.Millisecond); err != nil {
							break
						}
					}
				}
				if err != nil {
					errc <- fmt.Errorf("invoice %d: %w", inv.ID, err)
					return
				}
			}
		}()
	}
	for i, inv := range waiting[:*n] {
		switch inv.ID % 10 {
		case 0:
			want[records.InvoiceRejectedInApproval]++
		case 1:
			want[records.InvoiceCancelled]++
		default:
			want[records.InvoiceBooked]++
		}
		select {
		case jobs <- i:
		case err := <-errc:
			close(jobs)
			return err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	decided := time.Since(start)

	got := map[records.InvoiceStatus]int{}
	for {
		clear(got)
		for off := 0; ; off += store.MaxLimit {
			page, err := d.Store.Invoices(ctx, store.InvoiceFilter{Limit: store.MaxLimit, Offset: off})
			if err != nil {
				return err
			}
			for _, inv := range page {
				got[inv.Status]++
			}
			if len(page) < store.MaxLimit {
				break
			}
		}
		if got[records.InvoiceBooked] == want[records.InvoiceBooked] && got[records.InvoiceRejectedInApproval] == want[records.InvoiceRejectedInApproval] &&
			got[records.InvoiceCancelled] == want[records.InvoiceCancelled] {
			break
		}
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return fmt.Errorf("end states %v, want %v: %w", got, want, err)
		}
	}
	total := time.Since(start)
	rss, _ := vmHWM(child.Process.Pid)
	nBookings := 0
	for off := 0; ; off += store.MaxLimit {
		page, err := d.Store.Bookings(ctx, store.BookingFilter{Limit: store.MaxLimit, Offset: off})
		if err != nil {
			return err
		}
		nBookings += len(page)
		if len(page) < store.MaxLimit {
			break
		}
	}
	fmt.Fprintf(stdout, "published %d in %s; all %d waiting for sachlich richtig after %s\n", *n, published.Round(time.Millisecond), *n, inFlight.Round(time.Millisecond))
	fmt.Fprintf(stdout, "decisions sent by %s; every invoice at its end state after %s\n", decided.Round(time.Millisecond), total.Round(time.Millisecond))
	fmt.Fprintf(stdout, "end states: booked %d, rejected back to sender %d, cancelled %d (as scripted); booking records %d\n",
		got[records.InvoiceBooked], got[records.InvoiceRejectedInApproval], got[records.InvoiceCancelled], nBookings)
	fmt.Fprintf(stdout, "throughput: %.1f invoices/s through the whole chain (intake → check → approval → booking); peak RSS of aktenfluss dev %d MiB\n",
		float64(*n)/total.Seconds(), rss>>20)
	if nBookings != want[records.InvoiceBooked] {
		return errors.New("booking records do not match the booked invoices")
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
