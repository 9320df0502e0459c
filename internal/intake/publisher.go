package intake

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// DefaultMaxBytes is the default size limit of one document: far above any
// scanned letter or e-invoice, low enough to stop a misrouted video.
const DefaultMaxBytes int64 = 200 << 20

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// MaxBytes is the largest accepted document; default DefaultMaxBytes.
	MaxBytes int64
	// SpoolDir receives a temporary copy of documents given as a plain
	// io.Reader (the content is read twice: once to hash, once to upload);
	// default os.TempDir().
	SpoolDir string
}

// PublishRequest is one document to publish. Exactly one of Reader and Path
// is set.
type PublishRequest struct {
	// Name is the original file name, kept in the envelope for the register.
	// Default for Path: its base name.
	Name string
	// Reader supplies the content. An io.ReadSeeker is read twice in place;
	// any other reader is spooled to a temporary file.
	Reader io.Reader
	// Path of a file to publish.
	Path         string
	Source       records.Source
	ScanProtocol *records.ScanProtocol
	// ReceivedAt is the legal receipt time; default now.
	ReceivedAt time.Time
}

// Publisher puts documents into the object store and their envelopes on the
// INTAKE stream. It is safe for concurrent use.
type Publisher struct {
	js  jetstream.JetStream
	cfg PublisherConfig

	mu  sync.Mutex
	obs jetstream.ObjectStore // cached once found; NATS may be down at construction
	now func() time.Time
}

// NewPublisher returns a Publisher on js. The topology must exist
// (EnsureStreams); a missing bucket is reported as a transient error because
// it is fixed by deploying, not by discarding the document.
func NewPublisher(js jetstream.JetStream, cfg PublisherConfig) *Publisher {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = os.TempDir()
	}
	return &Publisher{js: js, cfg: cfg, now: time.Now}
}

// Publish uploads the document to the object store (unless an identical
// object is already there), publishes its envelope on intake.<source> with
// the sha256 as message id, and returns once JetStream acknowledged the
// envelope. Only then may the caller discard its copy.
//
// Publishing the same content again within the duplicate window (2m) is
// acknowledged as a duplicate and changes nothing: the stream keeps the
// first envelope, and the returned envelope may differ from it in
// ReceivedAt, OriginalName, Source and ScanProtocol.
//
// Errors matching ErrPermanent (ErrEmpty, ErrTooLarge, ErrUnknownMediaType,
// ErrBadSource) will recur on every try; all others are transient. Error
// messages never contain the file name or path.
func (p *Publisher) Publish(ctx context.Context, req PublishRequest) (Envelope, error) {
	src, err := records.ParseSource(string(req.Source))
	if err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrBadSource, err)
	}
	content, name, cleanup, err := p.open(req)
	if err != nil {
		return Envelope{}, err
	}
	defer cleanup()

	sum, size, head, err := p.hash(content)
	if err != nil {
		return Envelope{}, err
	}
	mediaType, err := DetectMediaType(head, name)
	if err != nil {
		return Envelope{}, err
	}
	received := req.ReceivedAt
	if received.IsZero() {
		received = p.now()
	}
	env := Envelope{
		V:            EnvelopeVersion,
		SHA256:       sum,
		Size:         size,
		MediaType:    mediaType,
		OriginalName: name,
		Source:       src,
		ReceivedAt:   received.UTC().Truncate(time.Microsecond), // the precision the register keeps
		ScanProtocol: req.ScanProtocol,
		Object:       sum,
	}
	if err := env.CheckPolicy(p.cfg.MaxBytes); err != nil {
		return Envelope{}, err
	}
	if err := env.Validate(); err != nil {
		// Only a name that is not valid UTF-8 or absurdly long gets here.
		return Envelope{}, Permanent(err)
	}
	if err := p.upload(ctx, env, content); err != nil {
		return Envelope{}, err
	}
	if err := p.publishEnvelope(ctx, env); err != nil {
		return Envelope{}, err
	}
	return env, nil
}

// open returns the content as a ReadSeeker positioned at its start.
func (p *Publisher) open(req PublishRequest) (io.ReadSeeker, string, func(), error) {
	noop := func() {}
	switch {
	case (req.Reader == nil) == (req.Path == ""):
		return nil, "", noop, Permanent(errors.New("intake: publish request needs exactly one of Reader and Path"))
	case req.Path != "":
		name := req.Name
		if name == "" {
			name = filepath.Base(req.Path)
		}
		f, err := os.Open(req.Path)
		if err != nil {
			return nil, "", noop, fmt.Errorf("open document: %w", redactPath(err))
		}
		// Cheap early refusal before reading anything.
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if fi.Size() == 0 {
				f.Close()
				return nil, "", noop, ErrEmpty
			}
			if fi.Size() > p.cfg.MaxBytes {
				f.Close()
				return nil, "", noop, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, fi.Size(), p.cfg.MaxBytes)
			}
		}
		return f, name, func() { f.Close() }, nil
	}
	if rs, ok := req.Reader.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			return &offsetSeeker{rs: rs, start: start}, req.Name, noop, nil
		}
	}
	// Spool: the hash must be known before the upload (it is the object
	// name), and the reader can be read only once.
	f, err := os.CreateTemp(p.cfg.SpoolDir, "aktenfluss-spool-*")
	if err != nil {
		return nil, "", noop, fmt.Errorf("create spool file: %w", redactPath(err))
	}
	cleanup := func() {
		f.Close()
		os.Remove(f.Name())
	}
	n, err := io.Copy(f, io.LimitReader(req.Reader, p.cfg.MaxBytes+1))
	if err != nil {
		cleanup()
		return nil, "", noop, fmt.Errorf("spool document: %w", redactPath(err))
	}
	if n > p.cfg.MaxBytes {
		cleanup()
		return nil, "", noop, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, p.cfg.MaxBytes)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, "", noop, fmt.Errorf("rewind spool file: %w", redactPath(err))
	}
	return f, req.Name, cleanup, nil
}

// hash reads the content once: sha256, size and the head for media type
// detection, without holding the content in memory. It rewinds afterwards.
func (p *Publisher) hash(content io.ReadSeeker) (sum string, size int64, head []byte, err error) {
	h := sha256.New()
	hw := &headWriter{max: HeadSize}
	n, err := io.Copy(io.MultiWriter(h, hw), io.LimitReader(content, p.cfg.MaxBytes+1))
	if err != nil {
		return "", 0, nil, fmt.Errorf("read document: %w", redactPath(err))
	}
	if n == 0 {
		return "", 0, nil, ErrEmpty
	}
	if n > p.cfg.MaxBytes {
		return "", 0, nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, p.cfg.MaxBytes)
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", 0, nil, fmt.Errorf("rewind document: %w", redactPath(err))
	}
	return hex.EncodeToString(h.Sum(nil)), n, hw.buf, nil
}

// upload puts the content under its sha256 unless an object with the same
// size and digest is already there: a re-published document is not uploaded
// twice, and a partial object from an interrupted earlier put is replaced.
func (p *Publisher) upload(ctx context.Context, env Envelope, content io.Reader) error {
	obs, err := p.objectStore(ctx)
	if err != nil {
		return err
	}
	want := objectDigest(env.SHA256)
	info, err := obs.GetInfo(ctx, env.Object)
	switch {
	case err == nil && info.Size == uint64(env.Size) && info.Digest == want:
		return nil
	case err != nil && !errors.Is(err, jetstream.ErrObjectNotFound):
		return fmt.Errorf("look up object %s: %w", env.SHA256, err)
	}
	// The limit stops a file that grows during the upload from filling the
	// bucket; the digest check below catches any change.
	got, err := obs.Put(ctx, jetstream.ObjectMeta{
		Name:     env.Object,
		Metadata: map[string]string{"media-type": env.MediaType},
	}, io.LimitReader(content, env.Size+1))
	if err != nil {
		return fmt.Errorf("upload object %s: %w", env.SHA256, err)
	}
	if got.Size != uint64(env.Size) || got.Digest != want {
		// The content changed between hashing and uploading. Remove the
		// wrong object rather than leave bytes under a name that lies;
		// the next try hashes again.
		_ = obs.Delete(ctx, env.Object)
		return fmt.Errorf("upload object %s: content changed while reading; try again", env.SHA256)
	}
	return nil
}

func (p *Publisher) publishEnvelope(ctx context.Context, env Envelope) error {
	data, err := env.Marshal()
	if err != nil {
		return fmt.Errorf("encode envelope %s: %w", env.SHA256, err)
	}
	msg := nats.NewMsg(Subject(env.Source))
	msg.Data = data
	// The ack is the promise: once PublishMsg returns without error, the
	// envelope is on disk on a server that fsyncs every write.
	if _, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(env.SHA256), jetstream.WithExpectStream(StreamName)); err != nil {
		return fmt.Errorf("publish envelope %s: %w", env.SHA256, err)
	}
	return nil
}

func (p *Publisher) objectStore(ctx context.Context) (jetstream.ObjectStore, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.obs != nil {
		return p.obs, nil
	}
	obs, err := p.js.ObjectStore(ctx, ObjectBucket)
	if err != nil {
		return nil, fmt.Errorf("open object store %s: %w", ObjectBucket, err)
	}
	p.obs = obs
	return obs, nil
}

// objectDigest is the digest notation of the JetStream object store for a
// hex sha256: "SHA-256=" + URL-safe base64.
func objectDigest(hexSum string) string {
	b, err := hex.DecodeString(hexSum)
	if err != nil {
		return ""
	}
	return "SHA-256=" + base64.URLEncoding.EncodeToString(b)
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	buf []byte
	max int
}

func (w *headWriter) Write(b []byte) (int, error) {
	if room := w.max - len(w.buf); room > 0 {
		w.buf = append(w.buf, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

// offsetSeeker makes a ReadSeeker that starts mid-stream look like it starts
// at 0, so a caller's reader positioned after a header works.
type offsetSeeker struct {
	rs    io.ReadSeeker
	start int64
}

func (o *offsetSeeker) Read(b []byte) (int, error) { return o.rs.Read(b) }

func (o *offsetSeeker) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		off += o.start
	}
	n, err := o.rs.Seek(off, whence)
	return n - o.start, err
}

// redactPath drops the path from file system errors: paths contain file
// names, and file names can carry personal data into logs.
func redactPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("%s: %w", le.Op, le.Err)
	}
	return err
}
