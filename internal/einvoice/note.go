package einvoice

import "strings"

// splitNote separates the XRechnung/UBL convention "#SUBJ#text" into the
// subject code (BT-21) and the note text (BT-22); CII carries them apart.
func splitNote(s string) Note {
	if len(s) > 2 && s[0] == '#' {
		if code, text, ok := strings.Cut(s[1:], "#"); ok && len(code) == 3 {
			return Note{SubjectCode: code, Text: text}
		}
	}
	return Note{Text: s}
}

func joinLines(parts []string) string { return strings.Join(parts, "\n") }
