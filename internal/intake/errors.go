package intake

import "errors"

// ErrPermanent marks failures that retrying cannot fix. Test with
// errors.Is(err, ErrPermanent) or IsPermanent(err); the sentinels below all
// match it.
var ErrPermanent = errors.New("intake: permanent failure")

// permanentError is a sentinel that also matches ErrPermanent, so callers can
// ask either "is this empty?" or "should I stop retrying?".
type permanentError struct{ msg string }

func (e *permanentError) Error() string        { return e.msg }
func (e *permanentError) Is(target error) bool { return target == ErrPermanent }

// Permanent sentinels. Each matches ErrPermanent.
var (
	// ErrEmpty: the document has 0 bytes.
	ErrEmpty error = &permanentError{"intake: document is empty (0 bytes)"}
	// ErrTooLarge: the document exceeds the configured maximum size.
	ErrTooLarge error = &permanentError{"intake: document is too large"}
	// ErrUnknownMediaType: the content is none of the accepted formats.
	ErrUnknownMediaType error = &permanentError{"intake: unknown media type"}
	// ErrBadSource: the source is not one of records.Sources.
	ErrBadSource error = &permanentError{"intake: bad source"}
	// ErrBadEnvelope: an envelope is malformed (consumer side).
	ErrBadEnvelope error = &permanentError{"intake: bad envelope"}
	// ErrMissingObject: the envelope points at an object that is not in the
	// bucket, or whose size or digest disagrees with the envelope.
	ErrMissingObject error = &permanentError{"intake: object missing or different from envelope"}
)

// Permanent marks err as permanent: the consumer quarantines instead of
// retrying, the watcher moves the file to failed/. A Starter uses it for a
// rejection that no retry can fix. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentWrap{err: err}
}

type permanentWrap struct{ err error }

func (e *permanentWrap) Error() string        { return e.err.Error() }
func (e *permanentWrap) Unwrap() error        { return e.err }
func (e *permanentWrap) Is(target error) bool { return target == ErrPermanent }

// IsPermanent reports whether err (or anything it wraps) is permanent.
// Everything else — NATS unavailable, timeouts, a cancelled context — is
// transient and worth another try.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }
