// Package audit is the tamper-evident audit trail: the event model, its
// canonical encoding and hash chain, personal data kept outside the hashed
// bytes, Ed25519-signed checkpoints, verification, and the readable history
// of one case that an auditor exports.
//
// # The chain
//
// Every event is hashed as
//
//	hash(n) = SHA-256( Encode(event n) )
//
// where Encode writes a fixed prefix and then, each as a uvarint length
// followed by the bytes, the sequence number, the idempotency key, the time
// (UTC, microseconds, RFC 3339), actor, action, object type, object id, the
// details (compact JSON with sorted keys), the hash of the personal data
// and hash(n-1). The first event's predecessor is 32 zero bytes. Changing a
// byte of an event changes its hash; deleting, inserting or reordering
// events breaks the link from the next event to its predecessor; a gap in
// the sequence numbers is reported as a deleted event.
//
// # Personal data
//
// Data about citizens that may later have to be erased (a sender's name, a
// comment) goes into Event.Personal, not Details. Only
// SHA-256(salt || personal) is chained, with a random 16-byte salt stored
// beside the data. Erasing deletes data and salt; the chained hash stays, so
// verification still passes, and without the salt the hash cannot be used
// to confirm a guess of what was erased.
//
// # Checkpoints
//
// A checkpoint is (seq, hash(seq), time) signed with an Ed25519 key that is
// not in the database. Checkpoints are written to the database and to a
// place outside it (a JSON-lines file, a NATS subject). A forger who
// rewrites the whole table and re-chains it consistently cannot produce a
// matching signature, and a checkpoint kept outside names a hash the forged
// chain does not have; a tail cut off below the last checkpoint is missing
// the checkpointed event.
//
// The package is pure domain code: no database, Temporal, NATS or HTTP.
package audit
