package sniff

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEmbeddedInvoice(t *testing.T) {
	realInvoice := string(readFile(t, corpus(t, "einvoice/xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_uncefact.xml")))
	cases := []struct {
		name     string
		pdf      []byte
		wantName string
		wantXML  string
		wantErr  error
	}{
		{"factur-x.xml in EmbeddedFiles, beside another attachment",
			withAttachments(t, onePagePDF(contentText), map[string]string{"factur-x.xml": realInvoice, "lieferschein.xml": "<x/>"}),
			"factur-x.xml", realInvoice, nil},
		{"ZUGFeRD name only in /AF", afOnlyPDF("ZUGFeRD-invoice.xml", true), "ZUGFeRD-invoice.xml", ciiXML, nil},
		{"file spec without embedded file", afOnlyPDF("factur-x.xml", false), "", "", ErrNoEInvoice},
		{"plain PDF", onePagePDF(contentText), "", "", ErrNoEInvoice},
		{"truncated PDF", onePagePDF(contentText)[:200], "", "", ErrBroken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name, xml, err := EmbeddedInvoice(bytes.NewReader(c.pdf), int64(len(c.pdf)))
			if c.wantErr != nil {
				require.True(t, errors.Is(err, c.wantErr), "err = %v, want %v", err, c.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.wantName, name)
			require.Equal(t, c.wantXML, string(xml))
		})
	}

	t.Run("size limit", func(t *testing.T) {
		pdf := withAttachments(t, onePagePDF(contentText), map[string]string{"xrechnung.xml": realInvoice})
		_, _, err := Options{MaxXMLBytes: 100}.EmbeddedInvoice(bytes.NewReader(pdf), int64(len(pdf)))
		require.ErrorIs(t, err, ErrTooLarge)
	})
}
