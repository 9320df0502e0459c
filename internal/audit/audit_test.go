package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		`{"b": 1, "a": {"d": [1, 2.50, "x"], "c": null}}`: `{"a":{"c":null,"d":[1,2.50,"x"]},"b":1}`,
		`  null `:                     ``,
		`{}`:                          ``,
		`[]`:                          `[]`,
		`"<&>"`:                       `"<&>"`,
		`{"n": 12345678901234567890}`: `{"n":12345678901234567890}`,
	} {
		got, err := Canonical(json.RawMessage(in))
		require.NoError(t, err, in)
		require.Equal(t, want, string(got), in)
	}
	for _, bad := range []string{`{`, `{"a":1} {"b":2}`, `nope`} {
		_, err := Canonical(json.RawMessage(bad))
		require.Error(t, err, bad)
	}
}

func TestNormalize(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 30, 0, 123456789, time.FixedZone("CET", 3600))
	e, err := Normalize(Event{Key: "k", Action: "a", Time: at, Details: json.RawMessage(`{"z":1,"a":2}`)})
	require.NoError(t, err)
	require.Equal(t, time.UTC, e.Time.Location())
	require.Equal(t, 123456000, e.Time.Nanosecond())
	require.Equal(t, `{"a":2,"z":1}`, string(e.Details))
	for _, bad := range []Event{{Action: "a", Time: at}, {Key: "k", Time: at}, {Key: "k", Action: "a"}, {Key: "k", Action: "a", Time: at, Personal: json.RawMessage(`{`)}} {
		_, err := Normalize(bad)
		require.ErrorIs(t, err, ErrInvalid)
	}
}

// TestEncodingIsFixed pins the canonical encoding (the value was computed
// independently from the description in doc.go): a change to it would
// make every existing chain fail verification, so it must be deliberate.
func TestEncodingIsFixed(t *testing.T) {
	e := Event{Seq: 1, Key: "inbound-ab/document.registered", Time: time.Date(2026, 11, 24, 8, 0, 0, 1000, time.UTC),
		Actor: "system:intake", Action: "document.registered", ObjectType: "document", ObjectID: "ab",
		Details: json.RawMessage(`{"number":"2026-000001"}`), PrevHash: Genesis()}
	require.Equal(t, "1d904336de70cc8ad48732f73cdd1aeff34b351e2aff955d5fc80bd3a17eb454", hex.EncodeToString(Hash(e)))
	// Field boundaries are length-prefixed: moving a byte from one field to
	// the next changes the hash.
	moved := e
	moved.ObjectType, moved.ObjectID = "documenta", "b"
	require.NotEqual(t, Hash(e), Hash(moved))
	// Personal data is outside the hash, its hash inside.
	withPersonal := e
	withPersonal.Personal = json.RawMessage(`{"name":"Erika Mustermann"}`)
	require.Equal(t, Hash(e), Hash(withPersonal))
	sealed, err := SealPersonal(withPersonal)
	require.NoError(t, err)
	require.Len(t, sealed.PersonalSalt, 16)
	require.NotEqual(t, Hash(e), Hash(sealed))
	again, err := SealPersonal(withPersonal)
	require.NoError(t, err)
	require.NotEqual(t, sealed.PersonalHash, again.PersonalHash, "a fresh salt each time: the hash confirms no guess")
}

func chain(t *testing.T, n int) []Event {
	t.Helper()
	var out []Event
	prev := Genesis()
	for i := range n {
		e, err := NewEvent(time.Date(2026, 11, 24, 8, 0, i, 0, time.UTC), "user:anna", "document.read", "document", fmt.Sprint(i%3),
			map[string]any{"i": i}, map[string]string{"q": "Müller"})
		require.NoError(t, err)
		e, err = SealPersonal(e)
		require.NoError(t, err)
		e = Link(e, int64(i), prev)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(keys []ed25519.PublicKey, cps []Checkpoint, evs []Event, head *Head) Result {
	v := NewVerifier(keys, cps)
	for _, e := range evs {
		if !v.Add(e) {
			break
		}
	}
	return v.Finish(head, time.Now())
}

func TestVerifier(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	keys := []ed25519.PublicKey{pub}
	evs := chain(t, 50)
	cp := Sign(key, Head{Seq: 40, Hash: evs[39].Hash}, time.Now())
	require.NoError(t, cp.Verify(keys))

	res := verify(keys, []Checkpoint{cp}, evs, &Head{Seq: 50, Hash: evs[49].Hash})
	require.True(t, res.OK)
	require.EqualValues(t, 50, res.Events)
	require.Equal(t, 40, int(res.LastCheckpoint.Seq))

	bad := func(mut func([]Event) []Event, seq int64, kind string) {
		t.Helper()
		evs := mut(append([]Event(nil), evs...))
		res := verify(keys, []Checkpoint{cp}, evs, nil)
		require.False(t, res.OK)
		require.Equal(t, kind, res.Problem.Kind, res.Problem.Message)
		require.Equal(t, seq, res.Problem.Seq, res.Problem.Message)
	}
	bad(func(e []Event) []Event { e[9].Actor = "user:bob"; return e }, 10, ProblemEdited)
	bad(func(e []Event) []Event { return append(e[:9:9], e[10:]...) }, 10, ProblemMissing)
	bad(func(e []Event) []Event { e[4], e[5] = e[5], e[4]; return e }, 5, ProblemMissing) // read in this order, 5 is not where it belongs
	bad(func(e []Event) []Event { e[20].Personal = json.RawMessage(`{"q":"Meyer"}`); return e }, 21, ProblemPersonal)
	bad(func(e []Event) []Event { return e[:30] }, 31, ProblemTruncated)
	bad(func(e []Event) []Event { // relinked from 5 on: consistent, but not the signed state
		e[4].Action = "document.deleted"
		for i := 4; i < len(e); i++ {
			e[i] = Link(e[i], int64(i), e[i-1].Hash)
		}
		return e
	}, 40, ProblemCheckpoint)

	erased := append([]Event(nil), evs...)
	erased[3].Personal, erased[3].PersonalSalt = nil, nil
	res = verify(keys, []Checkpoint{cp}, erased, nil)
	require.True(t, res.OK, "erasure keeps the chain")
	require.EqualValues(t, 1, res.Erased)

	forged := cp
	forged.Seq = 41
	res = verify(keys, []Checkpoint{forged}, evs, nil)
	require.Equal(t, ProblemSignature, res.Problem.Kind)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	res = verify(keys, []Checkpoint{Sign(other, Head{Seq: 1, Hash: evs[0].Hash}, time.Now())}, evs, nil)
	require.Equal(t, ProblemSignature, res.Problem.Kind, "a key we do not know")

	res = verify(keys, nil, evs, &Head{Seq: 51, Hash: evs[49].Hash})
	require.Equal(t, ProblemHeadInvalid, res.Problem.Kind)
	res = verify(keys, nil, nil, &Head{})
	require.True(t, res.OK, "an empty trail")
	require.NotEmpty(t, res.Warnings, "no checkpoint is worth a warning")
}

func TestKeysAndCheckpointFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "signing.pem")
	key, created, err := LoadOrCreatePrivateKey(path)
	require.NoError(t, err)
	require.True(t, created)
	again, created, err := LoadOrCreatePrivateKey(path)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, key, again)
	_, err = GenerateKey(path)
	require.Error(t, err, "never overwrite a key")

	pubPEM, err := EncodePublicKey(key.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	pubPath := filepath.Join(dir, "public.pem")
	require.NoError(t, writeFile(pubPath, pubPEM))
	pub, err := LoadPublicKey(pubPath)
	require.NoError(t, err)
	fromPriv, err := LoadPublicKey(path)
	require.NoError(t, err)
	require.Equal(t, pub, fromPriv)

	file := filepath.Join(dir, "cp", "checkpoints.jsonl")
	none, err := ReadCheckpointFile(file)
	require.NoError(t, err)
	require.Empty(t, none)
	c1 := Sign(key, Head{Seq: 10, Hash: Genesis()}, time.Now())
	c2 := Sign(key, Head{Seq: 20, Hash: Genesis()}, time.Now())
	require.NoError(t, AppendCheckpointFile(file, c2))
	require.NoError(t, AppendCheckpointFile(file, c1))
	got, err := ReadCheckpointFile(file)
	require.NoError(t, err)
	require.Len(t, got, 2)
	merged := MergeCheckpoints(got, []Checkpoint{c1})
	require.Len(t, merged, 2)
	require.EqualValues(t, 10, merged[0].Seq)
	for _, c := range merged {
		require.NoError(t, c.Verify([]ed25519.PublicKey{pub}))
	}
	require.NoError(t, writeFile(file, []byte("{\"seq\":1}\nkaputt\n")))
	_, err = ReadCheckpointFile(file)
	require.ErrorContains(t, err, "line 2")
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct{ action, details, want string }{
		{"document.registered", ``, "Im Posteingangsbuch eingetragen"},
		{"document.routed", `{"file_number":"63.01.02-0001/2026","rule":"file-number"}`, "Zugeordnet (Akte 63.01.02-0001/2026, Regel file-number)"},
		{"document.routed", `{"triage":true,"unit":"10"}`, "Nach Entscheidung der Registratur (Triage) zugeordnet (Einheit 10)"},
		{"task.claimed", `{"unit":"63","assignee":"m.weber"}`, "Aufgabe übernommen (Einheit 63, an m.weber)"},
		{"invoice.factual.approved", `{"on_behalf_of":"a.schneider"}`, "Sachlich richtig bestätigt (im Auftrag von a.schneider)"},
		{"invoice.payment_order.rejected", `{}`, "Anordnung abgelehnt"},
		{"something.new", ``, "something.new"},
	} {
		require.Equal(t, tc.want, Summary(tc.action, json.RawMessage(tc.details)), tc.action)
	}
}
