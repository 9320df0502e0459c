package audit

import (
	"encoding/json"
	"fmt"
	"strings"
)

// summaries are the German sentences for the trail's actions.
var summaries = map[string]string{
	"document.received":            "Dokument eingegangen",
	"document.stored":              "Original unverändert gespeichert",
	"document.registered":          "Im Posteingangsbuch eingetragen",
	"document.classified":          "Dokumentart erkannt",
	"document.ocr":                 "Texterkennung (OCR) durchgeführt",
	"document.archived":            "Archivfassung (PDF/A) erzeugt",
	"document.extracted":           "Angaben aus dem Dokument ausgelesen",
	"document.triage":              "Zur Entscheidung an die Registratur (Triage)",
	"document.routed":              "Zugeordnet",
	"document.filed":               "Zu den Akten genommen",
	"user.created":                 "Benutzerkonto angelegt",
	"user.updated":                 "Benutzerkonto geändert",
	"user.roles-changed":           "Rollen eines Benutzerkontos geändert",
	"user.password-set":            "Passwort gesetzt",
	"user.disabled":                "Benutzerkonto gesperrt",
	"user.enabled":                 "Benutzerkonto entsperrt",
	"routing.rules-changed":        "Routing-Regeln geändert",
	"document.uploaded":            "Dokument eingeliefert",
	"quarantine.retried":           "Aus der Quarantäne erneut eingestellt",
	"document.failed":              "Verarbeitung fehlgeschlagen",
	"document.quarantined":         "In Quarantäne gestellt",
	"document.read":                "Dokument angesehen",
	"document.downloaded":          "Dokument heruntergeladen",
	"einvoice.validated":           "E-Rechnung geprüft (EN 16931, XRechnung)",
	"einvoice.returned":            "E-Rechnung an den Absender zurückgewiesen",
	"einvoice.duplicate-suspected": "Mögliche Doppelrechnung erkannt",
	"file.opened":                  "Akte angelegt",
	"file.closed":                  "Akte geschlossen (zdA)",
	"file.read":                    "Akte angesehen",
	"process.opened":               "Vorgang angelegt",
	"invoice.read":                 "Rechnung angesehen",
	"invoice.booked":               "Buchung an die Finanzbuchhaltung übergeben",
	"invoice.booking.exported":     "Buchung exportiert",
	"search.performed":             "Volltextsuche",
	"config.changed":               "Konfiguration in Kraft gesetzt",
	"fileplan.imported":            "Aktenplan eingespielt",
	"organisation.imported":        "Organisation (Einheiten, Leitungen, Vertretungen) eingespielt",
	"unit.absence.added":           "Abwesenheit eingetragen",
	"unit.absence.removed":         "Abwesenheit aufgehoben",
	"audit.personal-erased":        "Personenbezogene Daten im Protokoll gelöscht",
	"audit.exported":               "Prüfprotokoll exportiert",
	"audit.verified":               "Protokollkette geprüft",
	"task.notice.reminder":         "Erinnerung zur Aufgabe versandt",
	"task.notice.escalation":       "Aufgabe eskaliert (Benachrichtigung)",
	"task.notice.follow-up":        "Wiedervorlage fällig (Benachrichtigung)",
	"invoice.notice.reminder":      "Erinnerung zur Rechnungsfreigabe versandt",
	"invoice.notice.escalation":    "Rechnungsfreigabe eskaliert (Benachrichtigung)",
	"invoice.notice.due":           "Zahlungsfrist läuft ab",
	"invoice.notice.discount":      "Skontofrist läuft ab",
}

var taskEvents = map[string]string{
	"assigned": "zugewiesen", "created": "angelegt", "claimed": "übernommen", "done": "erledigt",
	"forwarded": "weitergeleitet", "follow-up": "auf Wiedervorlage gelegt", "follow-up-due": "aus der Wiedervorlage zurück",
	"escalated": "eskaliert", "reminded": "erinnert", "escalation-failed": "nicht eskalierbar (niemand erreichbar)",
	"forward-failed": "Weiterleitung gescheitert",
}

var stages = map[string]string{
	"formal": "Formale Prüfung", "factual": "Sachlich richtig", "arithmetic": "Rechnerisch richtig",
	"payment_order": "Anordnung",
}

// Summary is a German sentence for an event of the trail, from its action
// and, where it helps, its details (the file number a document was filed
// in, the unit of a task).
func Summary(action string, details json.RawMessage) string {
	var d map[string]any
	_ = json.Unmarshal(details, &d)
	str := func(k string) string {
		if v, ok := d[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	with := func(s string, parts ...string) string {
		var extra []string
		for i := 0; i+1 < len(parts); i += 2 {
			if v := str(parts[i+1]); v != "" {
				extra = append(extra, parts[i]+" "+v)
			}
		}
		if len(extra) == 0 {
			return s
		}
		return s + " (" + strings.Join(extra, ", ") + ")"
	}
	if s, ok := summaries[action]; ok {
		switch action {
		case "document.routed":
			if d["triage"] == true {
				s = "Nach Entscheidung der Registratur (Triage) zugeordnet"
			}
			return with(s, "Akte", "file_number", "Regel", "rule", "Einheit", "unit")
		case "document.filed", "file.opened", "file.closed":
			return with(s, "Akte", "file_number", "Regel", "rule", "Einheit", "unit")
		case "config.changed":
			return with(s, "Quelle", "source", "SHA-256", "sha256")
		}
		return s
	}
	if ev, ok := strings.CutPrefix(action, "task."); ok {
		verb := taskEvents[ev]
		if verb == "" {
			verb = ev
		}
		return with("Aufgabe "+verb, "Einheit", "unit", "an", "assignee", "eskaliert an", "escalated_to", "Wiedervorlage", "follow_up_on")
	}
	if rest, ok := strings.CutPrefix(action, "invoice."); ok {
		stage, verdict, _ := strings.Cut(rest, ".")
		name := stages[stage]
		switch {
		case name != "" && verdict == "approved":
			return with(name+" bestätigt", "im Auftrag von", "on_behalf_of")
		case name != "" && verdict == "rejected":
			return with(name+" abgelehnt", "im Auftrag von", "on_behalf_of")
		}
	}
	return action
}
