// Package routing decides where an inbound document goes after OCR and
// extraction: into a recognised case file (Akte), into a new file under a
// plan code, into a unit's inbox, into the invoice approval, or to the
// triage queue where a registrar decides.
//
// The decision is declarative. An authority writes its rules in YAML (see
// Example for a municipality); Parse validates them strictly — unknown keys,
// unknown action kinds and document types, bad regular expressions, missing
// plan codes or units, duplicate names and accidental catch-alls are
// errors that name the rule, the line and the field — because a rule file
// that silently means something else misroutes mail for weeks.
//
// Route evaluates one built-in rule and then the rule file, in order; the
// first match wins:
//
//   - file-number (built in): the document quotes the file number of an
//     existing open file → file it there and give the file's unit a task;
//     an invoice is filed and the approval starts with that unit. A closed
//     file (zdA) is never filed into; the document falls through to the
//     rules and the reason notes the closed file.
//   - the YAML rules: every condition a rule sets must hold (type with a
//     minimum confidence, sender/subject/text patterns, Leitweg-ID globs,
//     e-invoice flag, recognised file number); lists hold when any element
//     does.
//   - nothing matched, or a rule says triage → triage.
//
// Every Decision carries the rule's name and a short German reason, which
// is recorded with the document so that a registrar can see why it went
// where it went.
//
// The package is pure: no workflow engine, broker, HTTP or store. Route is
// deterministic and cheap, so a workflow may call it directly and replay
// gives the same answer.
package routing
