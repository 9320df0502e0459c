package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Subdirectories of a hot folder the watcher moves files into.
const (
	DoneDir   = "done"   // published and acknowledged
	FailedDir = "failed" // refused for good; see <name>.reason.txt next to it
)

// ReasonFileSuffix is appended to a failed file's name for the file that
// explains, in German and English, why it was refused.
const ReasonFileSuffix = ".reason.txt"

// DocumentPublisher publishes one document; *Publisher implements it.
type DocumentPublisher interface {
	Publish(ctx context.Context, req PublishRequest) (Envelope, error)
}

// Watcher polls a hot folder — a directory a scanner or a person drops files
// into — and publishes every file once it has stopped changing.
//
// Polling instead of inotify/fsnotify: change notification does not work on
// SMB/NFS shares, which is where scanners in an authority usually write.
//
// A file leaves the folder only after the publish was acknowledged (to done/)
// or was refused for good (to failed/ with a reason file). After a
// transient failure (NATS unreachable) it stays and is tried again with a
// growing delay. A crash after the publish and before the move only means
// the file is published again, which the message id deduplicates (and the
// workflow start is idempotent beyond the duplicate window).
//
// One watcher per directory: the collision handling in done/ and failed/
// assumes no one else writes there.
type Watcher struct {
	Dir       string
	Publisher DocumentPublisher
	Source    records.Source
	// ScanProtocol is copied into every envelope (e.g. station and profile
	// of the scanner writing into this folder); optional.
	ScanProtocol *records.ScanProtocol
	// Interval between polls; default 1s.
	Interval time.Duration
	// SettleTime a file's size and modification time must stay unchanged
	// before it is taken, so a file still being written is left alone;
	// default 2s.
	SettleTime time.Duration
	// PublishTimeout bounds one publish, upload included; default 5m.
	PublishTimeout time.Duration
	// Logger receives structured logs; file names are logged only as a
	// hash (file_id). Default slog.Default().
	Logger *slog.Logger
}

// fileState is what the watcher remembers about a file between polls.
type fileState struct {
	size     int64
	mtime    time.Time
	since    time.Time // first poll that saw this size and mtime
	failures int       // transient failures in a row
	retryAt  time.Time
}

// Run polls until ctx is cancelled, then returns nil. It returns an error
// only if the watcher is misconfigured.
func (w *Watcher) Run(ctx context.Context) error {
	if w.Publisher == nil {
		return errors.New("watcher: Publisher is required")
	}
	if _, err := records.ParseSource(string(w.Source)); err != nil {
		return fmt.Errorf("watcher: source: %w", err)
	}
	fi, err := os.Stat(w.Dir)
	if err != nil {
		return fmt.Errorf("watcher: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("watcher: %s is not a directory", w.Dir)
	}
	interval := w.Interval
	if interval <= 0 {
		interval = time.Second
	}
	log := w.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("source", string(w.Source))

	seen := map[string]*fileState{}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		w.poll(ctx, seen, interval, log)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// poll looks at the folder once and takes every settled file.
func (w *Watcher) poll(ctx context.Context, seen map[string]*fileState, interval time.Duration, log *slog.Logger) {
	settle := w.SettleTime
	if settle <= 0 {
		settle = 2 * time.Second
	}
	entries, err := os.ReadDir(w.Dir)
	if err != nil {
		log.Warn("watcher cannot read folder", "error", redactPath(err))
		return
	}
	now := time.Now()
	present := make(map[string]bool, len(entries))
	for _, e := range entries {
		name := e.Name()
		// Directories (done/, failed/ and any other) and symlinks are
		// skipped: a link could point anywhere.
		if ignoredName(name) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // gone since ReadDir
		}
		present[name] = true
		st := seen[name]
		if st == nil || st.size != info.Size() || !st.mtime.Equal(info.ModTime()) {
			seen[name] = &fileState{size: info.Size(), mtime: info.ModTime(), since: now}
			continue
		}
		if now.Sub(st.since) < settle || now.Before(st.retryAt) {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if w.take(ctx, name, log) {
			delete(seen, name)
			continue
		}
		st.failures++
		st.retryAt = time.Now().Add(retryDelay(interval, st.failures))
		// Most transient failures (NATS down) hit every file alike: end
		// the round rather than wait out a timeout per file. Files not yet
		// tried are not starved, the failed one now waits for retryAt.
		break
	}
	for name := range seen {
		if !present[name] {
			delete(seen, name)
		}
	}
}

// take publishes one settled file and moves it out of the folder. It
// reports whether the file left the folder.
func (w *Watcher) take(ctx context.Context, name string, log *slog.Logger) bool {
	log = log.With("file_id", fileID(name))
	path := filepath.Join(w.Dir, name)
	timeout := w.PublishTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	env, err := w.Publisher.Publish(pctx, PublishRequest{
		Path:         path,
		Name:         name,
		Source:       w.Source,
		ScanProtocol: cloneScanProtocol(w.ScanProtocol),
	})
	cancel()
	switch {
	case err == nil:
		if _, err := moveUnique(path, filepath.Join(w.Dir, DoneDir), name); err != nil {
			// Published and acknowledged, but still here: the next round
			// publishes it again, which is harmless.
			log.Error("watcher published file but cannot move it to done/", "sha256", env.SHA256, "error", redactPath(err))
			return false
		}
		log.Info("watcher published file", "sha256", env.SHA256, "size", env.Size, "media_type", env.MediaType)
		return true
	case IsPermanent(err):
		dst, merr := moveUnique(path, filepath.Join(w.Dir, FailedDir), name, ReasonFileSuffix)
		if merr != nil {
			log.Error("watcher refused file but cannot move it to failed/", "error", redactPath(merr), "cause", err)
			return false
		}
		if rerr := writeReason(dst, name, err, time.Now()); rerr != nil {
			log.Error("watcher cannot write reason file", "error", redactPath(rerr))
		}
		log.Warn("watcher refused file", "error", err)
		return true
	default:
		if ctx.Err() == nil {
			log.Warn("watcher publish failed; file stays and is tried again", "error", err)
		}
		return false
	}
}

// ignoredName reports names that are never taken: hidden files and the
// usual temporary names of programs that write a file under another name and
// rename it when done.
func ignoredName(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") ||
		strings.HasSuffix(lower, ".part") ||
		strings.HasSuffix(lower, ".tmp") ||
		strings.HasSuffix(name, "~")
}

// retryDelay grows with each transient failure: interval·2^n, at most 30s
// (or 32 intervals when the interval is short, as in tests).
func retryDelay(interval time.Duration, failures int) time.Duration {
	limit := min(30*time.Second, 32*interval)
	d := interval
	for i := 0; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// moveUnique moves src into dir under name, or name-1, name-2, … if that is
// taken; a name is also taken if any companion (dst+suffix) exists. It never
// overwrites: a hard link fails if the target exists. Where the file system
// has no hard links (some network shares) it falls back to check-then-rename.
func moveUnique(src, dir, name string, companions ...string) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 0; i < 100000; i++ {
		cand := name
		if i > 0 {
			cand = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		dst := filepath.Join(dir, cand)
		if slices.ContainsFunc(companions, func(suffix string) bool { return exists(dst + suffix) }) {
			continue
		}
		err := os.Link(src, dst)
		if err == nil {
			if err := os.Remove(src); err != nil {
				_ = os.Remove(dst) // keep one copy, in the folder, and retry later
				return "", err
			}
			return dst, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if exists(dst) {
			continue
		}
		if err := os.Rename(src, dst); err != nil {
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("no free name in %s", dir)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// writeReason writes failed/<name>.reason.txt for the person who looks into
// failed/ — in German for the mailroom, in English for the operator.
func writeReason(dst, original string, cause error, at time.Time) error {
	de, en := reasonText(cause)
	text := fmt.Sprintf(`aktenfluss: Datei nicht übernommen / file not taken in
Datei / file: %s
Zeit / time: %s
Grund: %s
Reason: %s
Fehler / error: %v
`, original, at.UTC().Format(time.RFC3339), de, en, cause)
	f, err := os.OpenFile(dst+ReasonFileSuffix, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func reasonText(err error) (de, en string) {
	switch {
	case errors.Is(err, ErrEmpty):
		return "Die Datei ist leer (0 Byte).", "The file is empty (0 bytes)."
	case errors.Is(err, ErrTooLarge):
		return "Die Datei ist größer als erlaubt.", "The file is larger than allowed."
	case errors.Is(err, ErrUnknownMediaType):
		return "Das Dateiformat wird nicht angenommen; erlaubt sind PDF, TIFF, PNG, JPEG und XML.",
			"The file format is not accepted; allowed are PDF, TIFF, PNG, JPEG and XML."
	case errors.Is(err, ErrBadSource):
		return "Der Eingangsordner ist falsch eingerichtet (Quelle).", "The hot folder is misconfigured (source)."
	}
	return "Die Datei kann nicht verarbeitet werden.", "The file cannot be processed."
}

// fileID names a file in logs without its name: the first 16 hex digits of
// the name's sha256.
func fileID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:8])
}

func cloneScanProtocol(p *records.ScanProtocol) *records.ScanProtocol {
	if p.IsZero() {
		return nil
	}
	c := *p
	if p.ScannedAt != nil {
		t := *p.ScannedAt
		c.ScannedAt = &t
	}
	c.Checks = slices.Clone(p.Checks)
	return &c
}
