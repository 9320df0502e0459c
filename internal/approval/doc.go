// Package approval is the pure domain of invoice approval: which stages an
// invoice passes before the treasury pays it, who may decide each stage,
// and when payment terms and early-payment discounts (Skonto) run out. It
// imports no workflow engine, broker, HTTP or store; the approval workflow
// calls Check from its Update validators and Current/Complete from its
// loop, and computes its timers from PaymentTerms and Reminders.
//
// Public budget law requires, before every payment, a Feststellung of the
// claim: "sachlich richtig" (the ordering unit confirms that delivery or
// performance was as invoiced) and "rechnerisch richtig" (amounts, VAT and
// contractual basis), certified in writing or electronically before the
// Anordnung, the payment order given by a person entitled to order
// payments for that budget. The orderer must not be the certifier, and the
// treasury (Kasse), which pays, orders nothing. Stages, amount limits and
// who may do what differ per Land (GemHVO/KommHV, LHO; e.g. Bavaria § 41
// KommHV-Kameralistik, VV zu Art. 70 BayHO) and come from a local
// Dienstanweisung, so they are configuration (Config, read from YAML by
// ParseConfig), not code. Amounts are exact decimals throughout; messages
// to people are German and show amounts as "1.234,56 EUR".
package approval
