package invoicepdf

import (
	"bytes"
	"fmt"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
)

// OriginalPDFName is the attachment name under which ArchiveHybrid keeps
// a hybrid invoice's own PDF when it has to replace it.
const OriginalPDFName = "original.pdf"

// ArchiveHybrid returns the archival copy of a hybrid invoice (ZUGFeRD,
// Factur-X, XRechnung in PDF): pdf as it is when pdfa.Check finds it to be
// PDF/A-3 already (converted false); otherwise a new PDF/A-3b rendered
// from the XML, which is the legal original, with the XML embedded under
// xmlName as Source and the sender's PDF embedded unchanged as
// OriginalPDFName (Alternative: the seller's own rendering), so nothing
// the sender delivered is lost (converted true).
//
// Converting the sender's PDF itself (Ghostscript) is not attempted: it
// drops the embedded XML and can change what the pages show, while a
// rendition of the XML is exact by construction.
func ArchiveHybrid(pdf []byte, xml []byte, xmlName string) (out []byte, converted bool, err error) {
	if len(pdf) == 0 || len(xml) == 0 {
		return nil, false, fmt.Errorf("archive hybrid invoice: empty pdf or xml: %w", ErrInvalidInput)
	}
	if rep, err := pdfa.Check(bytes.NewReader(pdf), int64(len(pdf))); err == nil && rep.OK() && rep.Part == 3 {
		return pdf, false, nil
	}
	inv, err := einvoice.Parse(bytes.NewReader(xml))
	if err != nil {
		return nil, false, fmt.Errorf("archive hybrid invoice: %w", err)
	}
	opt := Options{XMLName: xmlName}
	pd, err := document(inv, xml, opt)
	if err != nil {
		return nil, false, fmt.Errorf("archive hybrid invoice: %w", err)
	}
	pd.Attachments = append(pd.Attachments, pdfa.Attachment{
		Name:         OriginalPDFName,
		MediaType:    "application/pdf",
		Relationship: "Alternative",
		Description:  "Vom Rechnungssteller gelieferte PDF-Darstellung (nicht PDF/A)",
		Data:         pdf,
		Modified:     pd.Created.Truncate(time.Second),
	})
	if pd.Attachments[0].Name == OriginalPDFName {
		return nil, false, fmt.Errorf("archive hybrid invoice: xml name %q is reserved: %w", xmlName, ErrInvalidInput)
	}
	var buf bytes.Buffer
	if err := pdfa.Write(&buf, pd); err != nil {
		return nil, false, fmt.Errorf("archive hybrid invoice: %w", err)
	}
	return buf.Bytes(), true, nil
}
