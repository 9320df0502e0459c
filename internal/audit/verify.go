package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"time"
)

// Problem kinds, from the first event that is wrong.
const (
	ProblemEdited      = "edited"     // the event's content does not give its hash
	ProblemLink        = "link"       // the event does not follow its predecessor
	ProblemMissing     = "missing"    // a sequence number is missing
	ProblemOrder       = "order"      // sequence numbers out of order or repeated
	ProblemPersonal    = "personal"   // personal data does not match its hash
	ProblemCheckpoint  = "checkpoint" // a signed checkpoint names another hash
	ProblemSignature   = "signature"  // a checkpoint's signature does not verify
	ProblemTruncated   = "truncated"  // the chain ends before a signed checkpoint
	ProblemHeadInvalid = "head"       // the stored head is not the chain's end
)

// Problem is the first thing wrong with the chain.
type Problem struct {
	Seq     int64  `json:"seq"` // the first bad event (for a signature: the checkpoint's)
	Kind    string `json:"kind"`
	Message string `json:"message"` // German, for the auditor
}

// Result is the outcome of a verification.
type Result struct {
	OK          bool   `json:"ok"`
	Events      int64  `json:"events"`
	LastSeq     int64  `json:"last_seq"`
	LastHash    string `json:"last_hash,omitempty"`
	Erased      int64  `json:"erased"` // events whose personal data was erased
	Checkpoints int    `json:"checkpoints"`
	// LastCheckpoint is the newest signed checkpoint that matched.
	LastCheckpoint *Checkpoint `json:"last_checkpoint,omitempty"`
	Problem        *Problem    `json:"problem,omitempty"`
	Warnings       []string    `json:"warnings,omitempty"`
	CheckedAt      time.Time   `json:"checked_at"`
	Took           string      `json:"took,omitempty"`
}

// Verifier checks a chain event by event, in sequence order, against
// signed checkpoints. Use NewVerifier, Add each event, then Finish.
type Verifier struct {
	keys    []ed25519.PublicKey
	cps     []Checkpoint // valid ones, by seq
	next    int          // index of the next checkpoint to meet
	prev    []byte
	lastSeq int64
	res     Result
}

// NewVerifier prepares a verification against checkpoints signed by one of
// keys; checkpoints may come from several sources in any order (they are
// merged with MergeCheckpoints). A checkpoint with a bad signature is itself a problem: someone
// wrote a checkpoint without the key.
func NewVerifier(keys []ed25519.PublicKey, checkpoints []Checkpoint) *Verifier {
	v := &Verifier{keys: keys, prev: Genesis()}
	for _, c := range MergeCheckpoints(checkpoints) {
		if err := c.Verify(keys); err != nil {
			v.fail(c.Seq, ProblemSignature, fmt.Sprintf("Der Checkpoint für Ereignis %d vom %s trägt keine gültige Signatur (%v).",
				c.Seq, c.Time.Format(time.RFC3339), err))
			return v
		}
		v.cps = append(v.cps, c)
	}
	if len(v.cps) == 0 {
		v.res.Warnings = append(v.res.Warnings, "Kein signierter Checkpoint: die Kette ist in sich schlüssig, aber ein vollständig neu geschriebenes Protokoll wäre so nicht zu erkennen.")
	}
	return v
}

func (v *Verifier) fail(seq int64, kind, msg string) {
	if v.res.Problem == nil {
		v.res.Problem = &Problem{Seq: seq, Kind: kind, Message: msg}
	}
}

// Failed reports whether a problem was found; later events need not be added.
func (v *Verifier) Failed() bool { return v.res.Problem != nil }

// Add checks the next event. It returns false once a problem is known.
func (v *Verifier) Add(e Event) bool {
	if v.Failed() {
		return false
	}
	want := v.lastSeq + 1
	switch {
	case e.Seq < want:
		v.fail(e.Seq, ProblemOrder, fmt.Sprintf("Ereignis %d kommt nach Ereignis %d: Reihenfolge verletzt.", e.Seq, v.lastSeq))
		return false
	case e.Seq > want:
		if e.Seq == want+1 {
			v.fail(want, ProblemMissing, fmt.Sprintf("Ereignis %d fehlt: es wurde gelöscht.", want))
		} else {
			v.fail(want, ProblemMissing, fmt.Sprintf("Ereignisse %d bis %d fehlen: sie wurden gelöscht.", want, e.Seq-1))
		}
		return false
	}
	if !bytes.Equal(Hash(e), e.Hash) {
		v.fail(e.Seq, ProblemEdited, fmt.Sprintf("Ereignis %d (%s, %s) wurde verändert: sein Inhalt ergibt nicht seinen Hash.", e.Seq, e.Action, e.Time.Format(time.RFC3339)))
		return false
	}
	if !bytes.Equal(e.PrevHash, v.prev) {
		v.fail(e.Seq, ProblemLink, fmt.Sprintf("Ereignis %d (%s) schließt nicht an sein Vorgängerereignis an: davor wurde ein Ereignis verändert, eingefügt, entfernt oder vertauscht.", e.Seq, e.Action))
		return false
	}
	if len(e.Personal) > 0 && !bytes.Equal(PersonalHash(e.PersonalSalt, e.Personal), e.PersonalHash) {
		v.fail(e.Seq, ProblemPersonal, fmt.Sprintf("Die personenbezogenen Daten von Ereignis %d wurden verändert.", e.Seq))
		return false
	}
	if e.Erased() {
		v.res.Erased++
	}
	for v.next < len(v.cps) && v.cps[v.next].Seq <= e.Seq {
		c := v.cps[v.next]
		if c.Seq == e.Seq {
			if c.Hash != hex.EncodeToString(e.Hash) {
				from := int64(1)
				if v.res.LastCheckpoint != nil {
					from = v.res.LastCheckpoint.Seq + 1
				}
				v.fail(e.Seq, ProblemCheckpoint, fmt.Sprintf("Ereignis %d stimmt nicht mit dem signierten Checkpoint vom %s überein: die Kette wurde zwischen Ereignis %d und %d neu geschrieben.",
					e.Seq, c.Time.Format(time.RFC3339), from, e.Seq))
				return false
			}
			cc := c
			v.res.LastCheckpoint = &cc
			v.res.Checkpoints++
		}
		v.next++
	}
	v.prev = e.Hash
	v.lastSeq = e.Seq
	v.res.Events++
	return true
}

// Finish ends the verification. head, when not nil, is the end of the chain
// as the store records it.
func (v *Verifier) Finish(head *Head, checkedAt time.Time) Result {
	if !v.Failed() && v.next < len(v.cps) {
		c := v.cps[len(v.cps)-1]
		v.fail(v.lastSeq+1, ProblemTruncated, fmt.Sprintf("Die Kette endet bei Ereignis %d, der signierte Checkpoint vom %s bestätigt aber Ereignis %d: Ereignisse %d bis %d wurden entfernt.",
			v.lastSeq, c.Time.Format(time.RFC3339), c.Seq, v.lastSeq+1, c.Seq))
	}
	if !v.Failed() && head != nil && (head.Seq != v.lastSeq || !bytes.Equal(head.Hash, v.prevOrNil())) {
		v.fail(v.lastSeq+1, ProblemHeadInvalid, fmt.Sprintf("Das Kettenende ist als Ereignis %d vermerkt, die Kette endet aber bei Ereignis %d: Ereignisse am Ende wurden entfernt oder das Kettenende verändert.",
			head.Seq, v.lastSeq))
	}
	v.res.LastSeq = v.lastSeq
	if v.lastSeq > 0 {
		v.res.LastHash = hex.EncodeToString(v.prev)
	}
	v.res.OK = !v.Failed()
	v.res.CheckedAt = checkedAt.UTC()
	return v.res
}

func (v *Verifier) prevOrNil() []byte {
	if v.lastSeq == 0 {
		return nil
	}
	return v.prev
}
