package einvoice

import "fmt"

// Scenario names, as the validation report carries them. An XRechnung
// scenario runs the EN 16931 rules and the XRechnung rules with the
// levels KoSIT's validator configuration sets for it; EN16931 runs the
// EN 16931 rules alone; the FX- scenarios refuse a Factur-X/ZUGFeRD
// profile that is no invoice.
const (
	ScenarioXRUBLInvoice       = "XR-UBL-Invoice"
	ScenarioXRUBLCreditNote    = "XR-UBL-CreditNote"
	ScenarioXRCII              = "XR-CII"
	ScenarioXRExtUBLInvoice    = "XR-EXT-UBL-Invoice"
	ScenarioXRExtUBLCreditNote = "XR-EXT-UBL-CreditNote"
	ScenarioXRExtCII           = "XR-EXT-CII"
	ScenarioXRCVDUBLInvoice    = "XR-CVD-UBL-Invoice"
	ScenarioXRCVDUBLCreditNote = "XR-CVD-UBL-CreditNote"
	ScenarioXRCVDCII           = "XR-CVD-CII"
	ScenarioEN16931            = "EN16931"
	ScenarioFXMinimum          = "FX-MINIMUM"
	ScenarioFXBasicWL          = "FX-BASICWL"
)

// RuleProfileNotInvoice is the one finding for a Factur-X/ZUGFeRD profile
// that carries no invoice content.
const RuleProfileNotInvoice = "AF-PROFILE-NOT-INVOICE"

// Specification identifiers (BT-24) of the Factur-X/ZUGFeRD profiles that
// are booking aids, not invoices: since 2025 an e-invoice under §14 UStG
// must carry the EN 16931 content, which MINIMUM and BASIC WL leave out.
var bookingAidProfiles = map[string]struct{ scenario, name string }{
	"urn:factur-x.eu:1p0:minimum": {ScenarioFXMinimum, "MINIMUM"},
	"urn:zugferd.de:2p0:minimum":  {ScenarioFXMinimum, "MINIMUM"},
	"urn:factur-x.eu:1p0:basicwl": {ScenarioFXBasicWL, "BASIC WL"},
	"urn:zugferd.de:2p0:basicwl":  {ScenarioFXBasicWL, "BASIC WL"},
}

// scenario is a set of rule tables and the levels that override the
// rules' own severities, like a scenario of KoSIT's validator.
type scenario struct {
	name      string
	xrechnung bool                // run xrechnungRules
	levels    map[string]Severity // customLevel of validator-configuration-xrechnung
	refuse    string              // profile name when the document is no invoice
}

// Levels of validator-configuration-xrechnung (scenarios.xml, customLevel
// "error" is fatal here). Two entries of that file are left out on
// purpose: it lowers CII-SR-475 and CII-SR-476 to information, while the
// project's expected results (corpus validation.json) keep the CEN
// warning, and a warning never changes the verdict.
var (
	xrLevels = map[string]Severity{
		"BR-CL-21": SeverityWarning, "BR-CL-23": SeverityWarning,
	}
	xrUBLInvoiceLevels = map[string]Severity{
		"BR-CL-21": SeverityWarning, "BR-CL-23": SeverityWarning, "UBL-CR-646": SeverityFatal,
	}
	xrCIILevels = map[string]Severity{
		"BR-CL-21": SeverityWarning, "BR-CL-23": SeverityWarning,
		"CII-SR-452": SeverityFatal, "CII-SR-453": SeverityFatal, "CII-SR-454": SeverityFatal,
		"CII-SR-465": SeverityFatal, "CII-SR-466": SeverityFatal,
	}
	xrExtUBLLevels = map[string]Severity{
		"BR-CL-10": SeverityInformation, "BR-CL-11": SeverityInformation, "BR-CL-21": SeverityInformation,
		"BR-CL-23": SeverityWarning, "BR-CL-24": SeverityInformation, "BR-CL-25": SeverityInformation,
		"BR-CL-26": SeverityInformation, "BR-CO-16": SeverityInformation,
		"UBL-CR-470": SeverityInformation, "UBL-CR-646": SeverityInformation,
	}
	xrExtCIILevels = map[string]Severity{
		"BR-CL-10": SeverityInformation, "BR-CL-11": SeverityInformation, "BR-CL-21": SeverityInformation,
		"BR-CL-23": SeverityWarning, "BR-CL-24": SeverityInformation, "BR-CL-25": SeverityInformation,
		"BR-CL-26":   SeverityInformation,
		"CII-SR-452": SeverityFatal, "CII-SR-453": SeverityFatal, "CII-SR-454": SeverityFatal,
		"CII-SR-465": SeverityFatal, "CII-SR-466": SeverityFatal,
	}
	xrCVDUBLInvoiceLevels = map[string]Severity{
		"BR-CL-13": SeverityInformation, "BR-CL-21": SeverityWarning, "BR-CL-23": SeverityWarning,
		"UBL-CR-646": SeverityFatal,
	}
	xrCVDUBLCreditNoteLevels = xrCVDUBLInvoiceLevels
	xrCVDCIILevels           = map[string]Severity{
		"BR-CL-13": SeverityInformation, "BR-CL-21": SeverityWarning, "BR-CL-23": SeverityWarning,
		"CII-SR-452": SeverityFatal, "CII-SR-453": SeverityFatal, "CII-SR-454": SeverityFatal,
		"CII-SR-465": SeverityFatal, "CII-SR-466": SeverityFatal,
	}
)

// Scenario names the validation scenario Validate chooses for the
// invoice from its syntax and Specification identifier (BT-24).
func Scenario(inv *Invoice) string { return selectScenario(inv).name }

func selectScenario(inv *Invoice) scenario {
	if p, ok := bookingAidProfiles[inv.CustomizationID]; ok {
		return scenario{name: p.scenario, refuse: p.name}
	}
	type key struct {
		id     string
		syntax Syntax
	}
	sc, ok := map[key]scenario{
		{xrCIUSID, SyntaxUBLInvoice}:         {ScenarioXRUBLInvoice, true, xrUBLInvoiceLevels, ""},
		{xrCIUSID, SyntaxUBLCreditNote}:      {ScenarioXRUBLCreditNote, true, xrLevels, ""},
		{xrCIUSID, SyntaxCII}:                {ScenarioXRCII, true, xrCIILevels, ""},
		{xrExtensionID, SyntaxUBLInvoice}:    {ScenarioXRExtUBLInvoice, true, xrExtUBLLevels, ""},
		{xrExtensionID, SyntaxUBLCreditNote}: {ScenarioXRExtUBLCreditNote, true, nil, ""},
		{xrExtensionID, SyntaxCII}:           {ScenarioXRExtCII, true, xrExtCIILevels, ""},
		{xrCVDID, SyntaxUBLInvoice}:          {ScenarioXRCVDUBLInvoice, true, xrCVDUBLInvoiceLevels, ""},
		{xrCVDID, SyntaxUBLCreditNote}:       {ScenarioXRCVDUBLCreditNote, true, xrCVDUBLCreditNoteLevels, ""},
		{xrCVDID, SyntaxCII}:                 {ScenarioXRCVDCII, true, xrCVDCIILevels, ""},
	}[key{inv.CustomizationID, inv.Syntax}]
	if !ok {
		return scenario{name: ScenarioEN16931}
	}
	return sc
}

// validate runs the scenario's rule tables in a fixed order (EN 16931,
// CEN CII syntax warnings, XRechnung), each in table order.
func (sc scenario) validate(inv *Invoice) []Finding {
	if sc.refuse != "" {
		return []Finding{{
			Rule:     RuleProfileNotInvoice,
			Severity: SeverityFatal,
			Message: fmt.Sprintf("Factur-X/ZUGFeRD profile %s is a booking aid, not a valid invoice under German law (§14 UStG); "+
				"ask the sender for an XRechnung or a Factur-X/ZUGFeRD invoice of profile EN 16931 or higher.", sc.refuse),
			Location: "BT-24",
		}}
	}
	tables := [][]rule{rules}
	if inv.Syntax == SyntaxCII {
		tables = append(tables, ciiSyntaxRules)
	}
	if sc.xrechnung {
		tables = append(tables, xrechnungRules)
	}
	var out []Finding
	for _, table := range tables {
		for _, r := range table {
			sev := r.Severity
			if l, ok := sc.levels[r.ID]; ok {
				sev = l
			}
			for _, loc := range r.check(inv) {
				out = append(out, Finding{Rule: r.ID, Severity: sev, Message: r.Message, Location: loc})
			}
		}
	}
	return out
}
