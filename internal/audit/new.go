package audit

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Actor names for components; people act under their login name.
const (
	ActorSystem = "system:aktenfluss"
)

// NewEvent builds an event a person or component causes once, outside a
// workflow step (a read, an administrative change): its key is unique
// (time and 8 random bytes), so two equal acts are two events. details and
// personal are marshalled to JSON; nil means none.
func NewEvent(at time.Time, actor, action, objectType, objectID string, details, personal any) (Event, error) {
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return Event{}, err
	}
	e := Event{
		Key:  fmt.Sprintf("%s/%s/%s/%d-%s", action, objectType, objectID, at.UnixMicro(), hex.EncodeToString(nonce[:])),
		Time: at, Actor: actor, Action: action, ObjectType: objectType, ObjectID: objectID,
	}
	var err error
	if details != nil {
		if e.Details, err = json.Marshal(details); err != nil {
			return Event{}, fmt.Errorf("%w: details: %v", ErrInvalid, err)
		}
	}
	if personal != nil {
		if e.Personal, err = json.Marshal(personal); err != nil {
			return Event{}, fmt.Errorf("%w: personal data: %v", ErrInvalid, err)
		}
	}
	return Normalize(e)
}

// Actions a person's reading causes. Every read or download of a document
// by a person is logged; so are searches, whose words are kept as
// personal data (they may name a citizen).
const (
	ActionDocumentRead       = "document.read"
	ActionDocumentDownloaded = "document.downloaded"
	ActionFileRead           = "file.read"
	ActionInvoiceRead        = "invoice.read"
	ActionSearch             = "search.performed"
	ActionTrailExported      = "audit.exported"
	ActionTrailVerified      = "audit.verified"
)

// Acts of records management done by a person by hand (the command line,
// the pages, the API); routing logs the same acts when it does them.
const (
	ActionFileOpened    = "file.opened"
	ActionDocumentFiled = "document.filed"
)
