package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gopkg.in/yaml.v3"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// TestInvoiceFromIntakeToBooking publishes an XRechnung with `aktenfluss
// intake` into the embedded stack (real NATS, real Temporal) and takes it
// through the approval with `aktenfluss invoices approve`: sachlich
// richtig by a clerk of the Rechnungseingang, the payment order refused to
// that same clerk and given by the Kämmerei's lead; the booking record
// arrives once on finance.bookings.20_1 and in the export file.
func TestInvoiceFromIntakeToBooking(t *testing.T) {
	for _, k := range []string{"NATS_URL", "DATABASE_URL", "TEMPORAL_ADDRESS", "AKTENFLUSS_BLOB_DIR"} {
		t.Setenv(k, "")
	}
	xml, err := os.ReadFile("../../../shared/corpus/einvoice/xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("e-invoice corpus not present")
	}
	info := startDev(t)
	dir := info.DataDir
	files := t.TempDir()
	org, err := app.DemoOrganisation()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := yaml.Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	orgFile := filepath.Join(files, "org.yaml")
	invFile := filepath.Join(files, "rechnung.xml")
	for p, b := range map[string][]byte{orgFile: raw, invFile: xml} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mustCLI(t, "fileplan", "import", "--sample", "--data-dir", dir)
	mustCLI(t, "units", "import", orgFile, "--data-dir", dir)
	mustCLI(t, "intake", "--source", "einvoice", "--data-dir", dir, invFile)

	var list []records.Invoice
	eventually(t, "the invoice in a.schneider's approvals", func() bool {
		out, _, err := cli(t, "invoices", "list", "--waiting-for", "a.schneider", "--json", "--data-dir", dir)
		return err == nil && json.Unmarshal([]byte(out), &list) == nil && len(list) == 1
	})
	id := strconv.FormatInt(list[0].ID, 10)
	if _, _, err := cli(t, "invoices", "approve", id, "--as", "e.koch", "--data-dir", dir); err == nil {
		t.Fatal("a clerk of another unit certified sachlich richtig")
	}
	if _, _, err := cli(t, "invoices", "approve", id, "--as", "s.kaiser", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "Stadtkasse") {
		t.Fatalf("the treasury certified: %v", err)
	}
	mustCLI(t, "invoices", "approve", id, "--as", "a.schneider", "--comment", "Lieferung vollständig", "--data-dir", dir)
	eventually(t, "the invoice in k.brandt's approvals (Anordnung)", func() bool {
		out, _, err := cli(t, "invoices", "list", "--waiting-for", "k.brandt", "--json", "--data-dir", dir)
		return err == nil && json.Unmarshal([]byte(out), &list) == nil && len(list) == 1
	})
	if _, _, err := cli(t, "invoices", "approve", id, "--as", "a.schneider", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "nicht von der Person erteilt werden") {
		t.Fatalf("four eyes: %v", err)
	}
	mustCLI(t, "invoices", "approve", id, "--as", "k.brandt", "--data-dir", dir)

	nc, err := nats.Connect(info.NATS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var msgs []jetstream.RawStreamMsg
	eventually(t, "the booking on finance.bookings.20_1", func() bool {
		s, err := js.Stream(ctx, intake.FinanceStream)
		if err != nil {
			return false
		}
		si, err := s.Info(ctx)
		if err != nil || si.State.Msgs == 0 {
			return false
		}
		msgs = msgs[:0]
		for seq := si.State.FirstSeq; seq <= si.State.LastSeq; seq++ {
			m, err := s.GetMsg(ctx, seq)
			if err != nil {
				return false
			}
			msgs = append(msgs, *m)
		}
		return true
	})
	if len(msgs) != 1 || msgs[0].Subject != "finance.bookings.20_1" || msgs[0].Header.Get(jetstream.MsgIDHeader) != id {
		t.Fatalf("bookings %+v", msgs)
	}
	var b records.Booking
	if err := json.Unmarshal(msgs[0].Data, &b); err != nil {
		t.Fatal(err)
	}
	if b.Amount != list[0].Payable || b.Creditor == "" || len(b.Approvals) != 4 || b.Approvals[3].User != "k.brandt" {
		t.Fatalf("booking %+v", b)
	}
	var csv []byte
	eventually(t, "the export file", func() bool {
		csv, err = os.ReadFile(filepath.Join(dir, "exports", "bookings.csv"))
		return err == nil && strings.Count(string(csv), "\n") == 2
	})
	if !strings.HasPrefix(strings.Split(string(csv), "\n")[1], id+",20.1,") {
		t.Fatalf("export:\n%s", csv)
	}
	eventually(t, "status booked", func() bool {
		out, _, err := cli(t, "invoices", "show", id, "--data-dir", dir)
		return err == nil && strings.Contains(out, "booked") && strings.Contains(out, "a.schneider") && strings.Contains(out, "Lieferung vollständig")
	})
}
