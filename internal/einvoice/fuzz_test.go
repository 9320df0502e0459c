package einvoice

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// The fuzz targets check that no input makes Parse, Validate or Inspect
// panic or hang, that every refusal is classified, and that a parsed model
// survives its wire format (JSON). Seeds live in testdata/fuzz/<target>:
// small XRechnung test-suite invoices and the cases of hostile_test.go.
//
//	go test -run='^$' -fuzz=FuzzParseUBL -fuzztime=60s ./internal/einvoice/

// FuzzParse feeds whole documents of any syntax.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
	})
}

// Root elements the syntax targets wrap their input in, so mutations are
// spent on the mapping of one syntax rather than on finding its namespace.
const (
	ublRootOpen = `<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"` +
		` xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"` +
		` xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">`
	ublRootClose = `</ubl:Invoice>`
	ciiRootOpen  = `<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"` +
		` xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"` +
		` xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"` +
		` xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">`
	ciiRootClose = `</rsm:CrossIndustryInvoice>`
)

// FuzzParseUBL feeds the content of a UBL Invoice root element.
func FuzzParseUBL(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		checkParse(t, wrap(ublRootOpen, body, ublRootClose))
	})
}

// FuzzParseCII feeds the content of a CII CrossIndustryInvoice root element.
func FuzzParseCII(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		checkParse(t, wrap(ciiRootOpen, body, ciiRootClose))
	})
}

func wrap(open string, body []byte, close string) []byte {
	doc := make([]byte, 0, len(open)+len(body)+len(close))
	doc = append(doc, open...)
	doc = append(doc, body...)
	return append(doc, close...)
}

// parseErrors are the sentinels Parse documents; every error wraps one.
var parseErrors = []error{
	ErrUnsafeXML, ErrTooLarge, ErrTooDeep, ErrTooManyElements, ErrMalformedXML,
	ErrUnsupportedEncoding, ErrLegacyZUGFeRD, ErrUnknownSyntax, ErrBadDecimal,
}

func checkParse(t *testing.T, data []byte) {
	inv, err := Parse(bytes.NewReader(data))
	if err != nil {
		if inv != nil {
			t.Fatalf("error %v with a model", err)
		}
		for _, s := range parseErrors {
			if errors.Is(err, s) {
				return
			}
		}
		t.Fatalf("unclassified error: %v", err)
	}
	_ = Validate(inv)
	_ = Inspect(inv)
	for _, a := range inv.Attachments {
		if a.Size < 0 {
			t.Fatalf("attachment %q: negative size %d", a.ID, a.Size)
		}
		_, _ = a.Content()
	}
	raw, err := json.Marshal(inv)
	if err != nil {
		t.Fatalf("marshal model: %v", err)
	}
	var back Invoice
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("unmarshal model: %v\n%s", err, raw)
	}
	again, err := json.Marshal(&back)
	if err != nil {
		t.Fatalf("marshal model again: %v", err)
	}
	if !bytes.Equal(raw, again) {
		t.Fatalf("json round trip differs:\n%s\n%s", raw, again)
	}
}
