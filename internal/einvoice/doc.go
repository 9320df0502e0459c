// Package einvoice reads structured e-invoices (XRechnung 3.0 and other
// EN 16931 instances) into one syntax-independent semantic model.
//
// German public bodies receive the same business content in two XML
// syntaxes, UBL 2.1 (Invoice and CreditNote) and UN/CEFACT CII D16B. Every
// later step (validation rules, approval, booking, visualisation) must not
// care which one arrived, so the parsers map both onto Invoice, whose fields
// carry the EN 16931 business term (BT-) and group (BG-) identifiers.
//
// The XML is the legal original. Values are therefore kept as written:
// amounts are exact decimals (Decimal) that remember their scale, dates are
// kept as ISO YYYY-MM-DD strings, codes are not interpreted.
//
// Inputs are hostile: Parse refuses DTDs and entity declarations
// (ErrUnsafeXML), bounds size and nesting depth, and never resolves external
// references. ZUGFeRD 1.0 (root CrossIndustryDocument) is recognised and
// rejected with ErrLegacyZUGFeRD so callers can route it to a human.
//
// This package is pure domain code: no workflow engine, broker or HTTP.
package einvoice
