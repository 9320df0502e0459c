// Package blob is the content-addressed store for document bytes: originals
// and every rendition made from them. A blob is named by the sha256 of its
// bytes, so a write is idempotent (the same bytes land in the same place),
// an original can never be modified in place, and a read can prove it got
// back what was written. Workflows carry only a Ref; bytes never travel
// through Temporal history.
package blob
