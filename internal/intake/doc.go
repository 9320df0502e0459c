// Package intake is the front door of aktenfluss: it moves a document from a
// scanner, hot folder, upload or e-invoice channel into NATS JetStream and from
// there into a durable Temporal workflow, without ever losing one.
//
// The bytes go into the JetStream object store bucket "intake-objects" under
// their sha256; a small JSON Envelope (digest, size, media type, source,
// receipt time, scan protocol) goes on the stream INTAKE with the sha256 as
// Nats-Msg-Id, so a file published twice within the duplicate window is one
// message. The Consumer turns each envelope into a workflow start through the
// Starter interface and acknowledges the message only after the start is
// durable. Anything it cannot process is written to the quarantine with a
// reason before the message is acknowledged: a document is either in a
// workflow, still in the stream, or in quarantine — never nowhere.
//
// The Watcher polls a hot folder (polling, not inotify, because it works on
// network shares) and moves a file out of the folder only once its publish
// was acknowledged by a server that fsyncs every write.
//
// Errors are classified: IsPermanent reports failures that will not go away
// by trying again (empty file, too large, unknown media type, bad source);
// everything else is transient (NATS unavailable) and is retried.
//
// Nothing here logs file names or document content; logs carry hashes.
package intake
