package invoicepdf

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
)

func TestGermanFormats(t *testing.T) {
	d := einvoice.MustDecimal
	for _, tt := range []struct{ got, want string }{
		{amount(d("1234.56")), "1.234,56"},
		{amount(d("1234567.5")), "1.234.567,50"},
		{amount(d("100")), "100,00"},
		{amount(d("-0.05")), "-0,05"},
		{amount(d("0.12345")), "0,12345"}, // precision as written is kept
		{amount(d("999")), "999,00"},
		{amount(d("-1000")), "-1.000,00"},
		{quantity(d("2.5")), "2,5"},
		{quantity(d("10000")), "10.000"},
		{percent(ptr(d("19.00"))), "19 %"},
		{percent(ptr(d("7.5"))), "7,5 %"},
		{percent(ptr(d("0"))), "0 %"},
		{germanDate("2024-03-15"), "15.03.2024"},
		{germanDate("20240315"), "20240315"},
		{groupIBAN("DE02120300000000202051"), "DE02 1203 0000 0000 2020 51"},
		{groupIBAN("1234567"), "1234567"},
		{byteSize(150128), "150.128 Bytes"},
		{withCode(typeNames, "384"), "Korrekturrechnung (384)"},
		{withCode(typeNames, "999"), "999"},
		{withCode(paymentMeansNames, "59"), "SEPA-Lastschrift (59)"},
	} {
		require.Equal(t, tt.want, tt.got)
	}
}

func ptr(d einvoice.Decimal) *einvoice.Decimal { return &d }
