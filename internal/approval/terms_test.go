package approval

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

func TestPaymentTerms(t *testing.T) {
	const issue = "2026-03-01"
	tests := []struct {
		name           string
		issue, due     string
		text, payable  string
		want           Terms // Discounts compared by count (wantTiers) and first tier
		wantTiers      int
		wantWithDisc   string // PayableWithDiscount of the first tier
		wantFirstTier  *Discount
		wantDiscSource string
	}{
		{name: "BT-9 only", issue: issue, due: "2026-03-31", payable: "100.00",
			want: Terms{Due: "2026-03-31", Source: SourceDueDate}},
		{name: "BT-9 wins over the text", issue: issue, due: "2026-04-15", text: "Zahlbar innerhalb von 14 Tagen", payable: "100.00",
			want: Terms{Due: "2026-04-15", Source: SourceDueDate}},
		{name: "zahlbar innerhalb von 30 Tagen", issue: issue, text: "Zahlbar innerhalb von 30 Tagen.", payable: "100",
			want: Terms{Due: "2026-03-31", Source: SourceText}},
		{name: "zahlbar innerhalb 14 Tagen", issue: issue, text: "zahlbar innerhalb 14 Tagen ohne Abzug",
			want: Terms{Due: "2026-03-15", Source: SourceText}},
		{name: "30 Tage netto", issue: issue, text: "30 Tage netto",
			want: Terms{Due: "2026-03-31", Source: SourceText}},
		{name: "30 Tagen rein netto", issue: issue, text: "Zahlungsbedingungen: 30 Tagen rein netto",
			want: Terms{Due: "2026-03-31", Source: SourceText}},
		{name: "netto 21 Tage", issue: issue, text: "Netto 21 Tage",
			want: Terms{Due: "2026-03-22", Source: SourceText}},
		{name: "Zahlungsziel", issue: issue, text: "Zahlungsziel: 45 Tage",
			want: Terms{Due: "2026-04-15", Source: SourceText}},
		{name: "binnen", issue: issue, text: "Bitte überweisen Sie den Betrag binnen 10 Tagen.",
			want: Terms{Due: "2026-03-11", Source: SourceText}},
		{name: "bis zum date", issue: issue, text: "Zahlbar bis zum 15.12.2026 auf das unten genannte Konto.",
			want: Terms{Due: "2026-12-15", Source: SourceText}},
		{name: "spätestens am ISO date", issue: issue, text: "Zahlung spätestens am 2026-04-01",
			want: Terms{Due: "2026-04-01", Source: SourceText}},
		{name: "sofort fällig", issue: issue, text: "Sofort fällig, ohne Abzug.",
			want: Terms{Due: "2026-03-01", Source: SourceText}},
		{name: "English", issue: issue, text: "Payment within 30 days",
			want: Terms{Due: "2026-03-31", Source: SourceText}},
		{name: "across a month end", issue: "2026-01-31", text: "30 Tage netto",
			want: Terms{Due: "2026-03-02", Source: SourceText}},

		// XRechnung structured Skonto
		{name: "XRechnung one line", issue: issue, text: "#SKONTO#TAGE=14#PROZENT=2.00#\n", payable: "1190.00",
			want:      Terms{DiscountDate: "2026-03-15", DiscountPercent: "2.00", DiscountAmount: "23.80", Source: SourceNone, DiscountSource: DiscountXRechnung},
			wantTiers: 1, wantWithDisc: "1166.20"},
		{name: "XRechnung two lines, earliest first", issue: issue, text: "#SKONTO#TAGE=14#PROZENT=2.00#\n#SKONTO#TAGE=7#PROZENT=3.00#\n", payable: "1000",
			want:      Terms{DiscountDate: "2026-03-08", DiscountPercent: "3.00", DiscountAmount: "30.00", Source: SourceNone, DiscountSource: DiscountXRechnung},
			wantTiers: 2, wantWithDisc: "970.00"},
		{name: "XRechnung BASISBETRAG", issue: issue, text: "#SKONTO#TAGE=10#PROZENT=2.00#BASISBETRAG=1000.00#\n", payable: "1190.00",
			want:      Terms{DiscountDate: "2026-03-11", DiscountPercent: "2.00", DiscountAmount: "20.00", Source: SourceNone, DiscountSource: DiscountXRechnung},
			wantTiers: 1, wantWithDisc: "1170.00",
			wantFirstTier: &Discount{Date: "2026-03-11", Days: 10, Percent: "2.00", Base: "1000.00", Amount: "20.00", PayableWithDiscount: "1170.00"}},
		{name: "XRechnung with free-text net terms and BT-9", issue: issue, due: "2026-03-31", text: "Zahlbar innerhalb von 30 Tagen netto.\n#SKONTO#TAGE=10#PROZENT=2.00#\n", payable: "500",
			want:      Terms{Due: "2026-03-31", DiscountDate: "2026-03-11", DiscountPercent: "2.00", DiscountAmount: "10.00", Source: SourceDueDate, DiscountSource: DiscountXRechnung},
			wantTiers: 1, wantWithDisc: "490.00"},
		{name: "XRechnung with free-text net terms", issue: issue, text: "Zahlbar innerhalb von 30 Tagen netto.\n#SKONTO#TAGE=10#PROZENT=2.00#\n", payable: "500",
			want:      Terms{Due: "2026-03-31", DiscountDate: "2026-03-11", DiscountPercent: "2.00", DiscountAmount: "10.00", Source: SourceText, DiscountSource: DiscountXRechnung},
			wantTiers: 1, wantWithDisc: "490.00"},
		{name: "XRechnung Verzug is not a discount", issue: issue, text: "#VERZUG#TAGE=30#PROZENT=9.00#\n", payable: "500",
			want: Terms{Source: SourceNone}},

		// free-text Skonto
		{name: "free text: percent first", issue: issue, text: "2 % Skonto bei Zahlung innerhalb von 10 Tagen, 30 Tage netto", payable: "1000.00",
			want:      Terms{Due: "2026-03-31", DiscountDate: "2026-03-11", DiscountPercent: "2", DiscountAmount: "20.00", Source: SourceText, DiscountSource: DiscountText},
			wantTiers: 1, wantWithDisc: "980.00"},
		{name: "free text: days first", issue: issue, text: "Zahlbar innerhalb von 14 Tagen mit 3% Skonto oder innerhalb von 30 Tagen ohne Abzug.", payable: "200",
			want:      Terms{Due: "2026-03-31", DiscountDate: "2026-03-15", DiscountPercent: "3", DiscountAmount: "6.00", Source: SourceText, DiscountSource: DiscountText},
			wantTiers: 1, wantWithDisc: "194.00"},
		{name: "free text: net terms after the Skonto clause", issue: issue, text: "Bei Zahlung innerhalb von 14 Tagen gewähren wir 2 % Skonto, zahlbar innerhalb von 30 Tagen.", payable: "100",
			want:      Terms{Due: "2026-03-31", DiscountDate: "2026-03-15", DiscountPercent: "2", DiscountAmount: "2.00", Source: SourceText, DiscountSource: DiscountText},
			wantTiers: 1, wantWithDisc: "98.00"},
		{name: "free text: net terms first", issue: issue, text: "Zahlbar innerhalb 30 Tagen netto oder 2 % Skonto bei Zahlung innerhalb von 10 Tagen", payable: "100",
			want:      Terms{Due: "2026-03-31", DiscountDate: "2026-03-11", DiscountPercent: "2", DiscountAmount: "2.00", Source: SourceText, DiscountSource: DiscountText},
			wantTiers: 1, wantWithDisc: "98.00"},
		{name: "free text: Skonto keyword first, decimal comma", issue: issue, text: "Skonto: 2,5 % bei Zahlung innerhalb von 8 Tagen", payable: "99.99",
			want:      Terms{DiscountDate: "2026-03-09", DiscountPercent: "2.5", DiscountAmount: "2.50", Source: SourceNone, DiscountSource: DiscountText},
			wantTiers: 1, wantWithDisc: "97.49"},
		{name: "free text: Skonto until a date", issue: issue, text: "3 % Skonto bis zum 10.03.2026, danach netto bis 31.03.2026", payable: "1000",
			want:      Terms{Due: "2026-03-31", DiscountDate: "2026-03-10", DiscountPercent: "3", DiscountAmount: "30.00", Source: SourceText, DiscountSource: DiscountText},
			wantTiers: 1, wantWithDisc: "970.00"},
		{name: "free text: shorthand", issue: issue, text: "10 Tage 2 %, 30 Tage netto", payable: "50",
			want:      Terms{Due: "2026-03-31", DiscountDate: "2026-03-11", DiscountPercent: "2", DiscountAmount: "1.00", Source: SourceText, DiscountSource: DiscountText},
			wantTiers: 1, wantWithDisc: "49.00"},
		{name: "free text: two tiers", issue: issue, text: "Innerhalb von 7 Tagen 3 % Skonto, innerhalb von 14 Tagen 2 % Skonto, 30 Tage netto.", payable: "100",
			want:      Terms{Due: "2026-03-31", DiscountDate: "2026-03-08", DiscountPercent: "3", DiscountAmount: "3.00", Source: SourceText, DiscountSource: DiscountText},
			wantTiers: 2, wantWithDisc: "97.00"},

		// rounding half up to cents
		{name: "rounding: 2 % of 336.90 = 6.738", issue: issue, text: "#SKONTO#TAGE=14#PROZENT=2.00#\n", payable: "336.90",
			want: Terms{DiscountDate: "2026-03-15", DiscountPercent: "2.00", DiscountAmount: "6.74", Source: SourceNone, DiscountSource: DiscountXRechnung}, wantTiers: 1, wantWithDisc: "330.16"},
		{name: "rounding: 2 % of 12.25 = 0.245 rounds up", issue: issue, text: "#SKONTO#TAGE=14#PROZENT=2.00#\n", payable: "12.25",
			want: Terms{DiscountDate: "2026-03-15", DiscountPercent: "2.00", DiscountAmount: "0.25", Source: SourceNone, DiscountSource: DiscountXRechnung}, wantTiers: 1, wantWithDisc: "12.00"},
		{name: "rounding: 3 % of 0.50 = 0.015 rounds up", issue: issue, text: "#SKONTO#TAGE=14#PROZENT=3.00#\n", payable: "0.50",
			want: Terms{DiscountDate: "2026-03-15", DiscountPercent: "3.00", DiscountAmount: "0.02", Source: SourceNone, DiscountSource: DiscountXRechnung}, wantTiers: 1, wantWithDisc: "0.48"},
		{name: "rounding: 2 % of 0.24 = 0.0048 rounds down", issue: issue, text: "#SKONTO#TAGE=14#PROZENT=2.00#\n", payable: "0.24",
			want: Terms{DiscountDate: "2026-03-15", DiscountPercent: "2.00", DiscountAmount: "0.00", Source: SourceNone, DiscountSource: DiscountXRechnung}, wantTiers: 1, wantWithDisc: "0.24"},

		// nothing readable
		{name: "garbage", issue: issue, text: "siehe Rahmenvertrag vom letzten Jahr", payable: "100",
			want: Terms{Source: SourceNone}},
		{name: "empty", issue: issue, payable: "100", want: Terms{Source: SourceNone}},
		{name: "implausible Skonto percentage", issue: issue, text: "150 % Skonto innerhalb von 10 Tagen", payable: "100",
			want: Terms{Source: SourceNone}},
		{name: "no issue date: periods cannot be counted", text: "30 Tage netto", payable: "100",
			want: Terms{Source: SourceNone}},
		{name: "no payable: discount without amount", issue: issue, text: "#SKONTO#TAGE=14#PROZENT=2.00#\n",
			want: Terms{DiscountDate: "2026-03-15", DiscountPercent: "2.00", Source: SourceNone, DiscountSource: DiscountXRechnung}, wantTiers: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PaymentTerms(tt.issue, tt.due, tt.text, tt.payable)
			require.NoError(t, err)
			require.Len(t, got.Discounts, tt.wantTiers)
			if tt.wantTiers > 0 {
				require.Equal(t, tt.wantWithDisc, got.Discounts[0].PayableWithDiscount)
				if tt.wantFirstTier != nil {
					require.Equal(t, *tt.wantFirstTier, got.Discounts[0])
				}
			}
			got.Discounts = nil
			require.Equal(t, tt.want, got)
		})
	}
}

func TestPaymentTermsErrors(t *testing.T) {
	for _, tt := range []struct{ issue, due, payable, want string }{
		{"01.03.2026", "", "100", "issue date"},
		{"2026-03-01", "31.03.2026", "100", "due date"},
		{"2026-03-01", "2026-02-30", "100", "due date"},
		{"2026-03-01", "", "1.234,56", "payable"},
	} {
		_, err := PaymentTerms(tt.issue, tt.due, "30 Tage netto", tt.payable)
		require.ErrorContains(t, err, tt.want)
	}
}

func TestReminders(t *testing.T) {
	berlin := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, records.RegisterLocation)
		require.NoError(t, err)
		return v
	}
	cfg := DeadlineConfig{RemindBeforeDiscount: 72 * time.Hour, RemindBeforeDue: 120 * time.Hour}
	terms, err := PaymentTerms("2026-03-01", "", "#SKONTO#TAGE=7#PROZENT=3.00#\n#SKONTO#TAGE=14#PROZENT=2.00#\nZahlbar innerhalb von 30 Tagen.", "100")
	require.NoError(t, err)
	got, err := Reminders(terms, cfg)
	require.NoError(t, err)
	require.Equal(t, []Reminder{
		{Kind: ReminderDiscount, Deadline: "2026-03-08", At: berlin("2026-03-05 00:00")},
		{Kind: ReminderDiscount, Deadline: "2026-03-15", At: berlin("2026-03-12 00:00")},
		// Whole days are calendar days: DST starts on 29 March.
		{Kind: ReminderDue, Deadline: "2026-03-31", At: berlin("2026-03-26 00:00")},
	}, got)

	// Durations that are not whole days count back exactly.
	got, err = Reminders(Terms{Due: "2026-03-31"}, DeadlineConfig{RemindBeforeDue: 36 * time.Hour})
	require.NoError(t, err)
	require.Equal(t, []Reminder{{Kind: ReminderDue, Deadline: "2026-03-31", At: berlin("2026-03-31 00:00").Add(-36 * time.Hour)}}, got)
	require.Equal(t, "2026-03-29 12:00", got[0].At.In(records.RegisterLocation).Format("2006-01-02 15:04"))

	// Sorted by instant: a late discount reminder comes after an early due one.
	got, err = Reminders(Terms{Due: "2026-05-01", DiscountDate: "2026-05-10"}, DeadlineConfig{RemindBeforeDiscount: 24 * time.Hour, RemindBeforeDue: 24 * time.Hour})
	require.NoError(t, err)
	require.Equal(t, []string{ReminderDue, ReminderDiscount}, []string{got[0].Kind, got[1].Kind})

	// Zero durations and missing dates give no reminders.
	got, err = Reminders(terms, DeadlineConfig{})
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = Reminders(Terms{Source: SourceNone}, cfg)
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = Reminders(Terms{Due: "2026-03-31"}, DeadlineConfig{RemindBeforeDiscount: time.Hour})
	require.NoError(t, err)
	require.Empty(t, got)

	_, err = Reminders(Terms{Due: "31.03.2026"}, cfg)
	require.ErrorContains(t, err, "deadline")
}
