package intake

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/devstack"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

const (
	testInterval = 20 * time.Millisecond
	testSettle   = 150 * time.Millisecond
)

// runWatcher runs a watcher on dir until the test ends.
func runWatcher(t *testing.T, w *Watcher) {
	t.Helper()
	if w.Interval == 0 {
		w.Interval = testInterval
	}
	if w.SettleTime == 0 {
		w.SettleTime = testSettle
	}
	if w.Source == "" {
		w.Source = records.SourceMailroom
	}
	w.Logger = quietLogger()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("watcher did not stop")
		}
	})
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o750))
	require.NoError(t, os.WriteFile(path, b, 0o600))
}

func eventuallyExists(t *testing.T, path string) {
	t.Helper()
	require.Eventually(t, func() bool { return exists(path) }, 5*time.Second, 10*time.Millisecond, "%s does not appear", filepath.Base(path))
}

func TestWatcherPublishesSettledFiles(t *testing.T) {
	e := startEnv(t)
	dir := t.TempDir()
	scanned := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	content := pdf("hot folder")
	writeFile(t, filepath.Join(dir, "Antrag Meier.pdf"), content)
	// A file of the same name was taken before: no overwrite in done/.
	writeFile(t, filepath.Join(dir, DoneDir, "Antrag Meier.pdf"), []byte("earlier"))
	// Never taken.
	ignored := []string{".hidden.pdf", "upload.pdf.part", "scan.tmp", "Brief.pdf~"}
	for _, name := range ignored {
		writeFile(t, filepath.Join(dir, name), pdf(name))
	}
	writeFile(t, filepath.Join(dir, "sub", "nested.pdf"), pdf("nested"))
	writeFile(t, filepath.Join(dir, FailedDir, "old.pdf"), pdf("old"))

	runWatcher(t, &Watcher{
		Dir:          dir,
		Publisher:    NewPublisher(e.js, PublisherConfig{}),
		ScanProtocol: &records.ScanProtocol{Station: "poststelle-2", Profile: "300dpi-gray", ScannedAt: &scanned},
	})

	eventuallyExists(t, filepath.Join(dir, DoneDir, "Antrag Meier-1.pdf"))
	require.NoFileExists(t, filepath.Join(dir, "Antrag Meier.pdf"))
	earlier, err := os.ReadFile(filepath.Join(dir, DoneDir, "Antrag Meier.pdf"))
	require.NoError(t, err)
	require.Equal(t, "earlier", string(earlier))

	require.Equal(t, uint64(1), e.streamMsgs(t))
	s, err := e.js.Stream(testCtx(t), StreamName)
	require.NoError(t, err)
	raw, err := s.GetMsg(testCtx(t), 1)
	require.NoError(t, err)
	env, err := DecodeEnvelope(raw.Data)
	require.NoError(t, err)
	require.Equal(t, hexSum(content), env.SHA256)
	require.Equal(t, "Antrag Meier.pdf", env.OriginalName)
	require.Equal(t, records.SourceMailroom, env.Source)
	require.Equal(t, "poststelle-2", env.ScanProtocol.Station)
	require.True(t, env.ScanProtocol.ScannedAt.Equal(scanned))

	time.Sleep(3 * testSettle) // give the ignored files every chance
	for _, name := range ignored {
		require.FileExists(t, filepath.Join(dir, name))
	}
	require.FileExists(t, filepath.Join(dir, "sub", "nested.pdf"))
	require.FileExists(t, filepath.Join(dir, FailedDir, "old.pdf"))
	require.Equal(t, uint64(1), e.streamMsgs(t))
}

func TestWatcherMovesRefusedFilesToFailed(t *testing.T) {
	e := startEnv(t)
	dir := t.TempDir()
	tests := []struct {
		name    string
		content []byte
		german  string
		english string
	}{
		{"leer.pdf", nil, "leer (0 Byte)", "empty (0 bytes)"},
		{"Antrag.docx", []byte("PK\x03\x04 word document"), "Dateiformat wird nicht angenommen", "format is not accepted"},
		{"zu gross.pdf", append(pdf("big"), make([]byte, 4096)...), "größer als erlaubt", "larger than allowed"},
	}
	// A refused file of the same name is already in failed/.
	writeFile(t, filepath.Join(dir, FailedDir, "leer.pdf"), nil)
	for _, tt := range tests {
		writeFile(t, filepath.Join(dir, tt.name), tt.content)
	}
	runWatcher(t, &Watcher{Dir: dir, Publisher: NewPublisher(e.js, PublisherConfig{MaxBytes: 4096})})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := tt.name
			if tt.name == "leer.pdf" {
				stored = "leer-1.pdf"
			}
			reason := filepath.Join(dir, FailedDir, stored+ReasonFileSuffix)
			eventuallyExists(t, reason)
			require.FileExists(t, filepath.Join(dir, FailedDir, stored))
			require.NoFileExists(t, filepath.Join(dir, tt.name))
			text, err := os.ReadFile(reason)
			require.NoError(t, err)
			for _, want := range []string{tt.german, tt.english, "Zeit / time: " + time.Now().UTC().Format("2006-01-02"), tt.name} {
				require.Contains(t, string(text), want)
			}
		})
	}
	require.Equal(t, uint64(0), e.streamMsgs(t))
}

func TestWatcherWaitsForHalfWrittenFiles(t *testing.T) {
	e := startEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "scan-0001.pdf")
	f, err := os.Create(path)
	require.NoError(t, err)
	_, err = f.Write([]byte("%PDF-1.7\n"))
	require.NoError(t, err)

	// A longer settle time than elsewhere: the writes below must come well
	// within it even on a loaded machine.
	const settle = 400 * time.Millisecond
	runWatcher(t, &Watcher{Dir: dir, Publisher: NewPublisher(e.js, PublisherConfig{}), SettleTime: settle})

	// The scanner keeps writing for well over the settle time.
	written := []byte("%PDF-1.7\n")
	deadline := time.Now().Add(3 * settle)
	for i := 0; time.Now().Before(deadline); i++ {
		chunk := []byte(strings.Repeat("page ", 20) + "\n")
		_, err := f.Write(chunk)
		require.NoError(t, err)
		written = append(written, chunk...)
		time.Sleep(settle / 5)
		require.FileExists(t, path, "taken while still being written")
	}
	require.NoError(t, f.Close())
	require.Equal(t, uint64(0), e.streamMsgs(t))

	eventuallyExists(t, filepath.Join(dir, DoneDir, "scan-0001.pdf"))
	objs := e.objects(t)
	require.Len(t, objs, 1)
	require.Equal(t, hexSum(written), objs[0].Name, "the complete file was published")
	require.Equal(t, uint64(len(written)), objs[0].Size)
}

func TestWatcherKeepsFileWhileNATSIsDown(t *testing.T) {
	storeDir := t.TempDir()
	srv, err := devstack.StartNATS(devstack.NATSOptions{StoreDir: storeDir})
	require.NoError(t, err)
	clientURL := srv.ClientURL()
	nc, err := nats.Connect(clientURL, nats.ReconnectWait(20*time.Millisecond), nats.MaxReconnects(-1))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	require.NoError(t, EnsureStreams(testCtx(t), js, TopologyConfig{}))
	srv.Shutdown()

	dir := t.TempDir()
	path := filepath.Join(dir, "Rechnung.xml")
	writeFile(t, path, []byte(`<?xml version="1.0"?><Invoice/>`))
	runWatcher(t, &Watcher{
		Dir: dir, Publisher: NewPublisher(js, PublisherConfig{}), Source: records.SourceEInvoice,
		PublishTimeout: 200 * time.Millisecond,
	})

	// Several rounds with NATS down: the file stays where it is.
	time.Sleep(testSettle + 800*time.Millisecond)
	require.FileExists(t, path)
	require.NoDirExists(t, filepath.Join(dir, FailedDir))
	require.NoDirExists(t, filepath.Join(dir, DoneDir))

	// NATS is back on the same port and store: the file goes through.
	u, err := url.Parse(clientURL)
	require.NoError(t, err)
	p, err := strconv.Atoi(u.Port())
	require.NoError(t, err)
	srv2, err := devstack.StartNATS(devstack.NATSOptions{StoreDir: storeDir, Port: p})
	require.NoError(t, err)
	t.Cleanup(srv2.Shutdown)
	eventuallyExists(t, filepath.Join(dir, DoneDir, "Rechnung.xml"))
	s, err := js.Stream(testCtx(t), StreamName)
	require.NoError(t, err)
	raw, err := s.GetMsg(testCtx(t), 1)
	require.NoError(t, err)
	require.Equal(t, Subject(records.SourceEInvoice), raw.Subject)
}

func TestIgnoredName(t *testing.T) {
	for name, want := range map[string]bool{
		"scan.pdf": false, "Rechnung 2026.xml": false, "a.partial.pdf": false,
		".DS_Store": true, ".~lock.x#": true, "x.part": true, "X.PART": true, "x.tmp": true, "x.TMP": true, "x.pdf~": true,
	} {
		require.Equal(t, want, ignoredName(name), name)
	}
}

func TestMoveUnique(t *testing.T) {
	tests := []struct {
		name     string
		existing []string
		want     string
	}{
		{"free", nil, "a.pdf"},
		{"taken", []string{"a.pdf"}, "a-1.pdf"},
		{"taken twice", []string{"a.pdf", "a-1.pdf"}, "a-2.pdf"},
		{"companion taken", []string{"a.pdf" + ReasonFileSuffix}, "a-1.pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "a.pdf")
			writeFile(t, src, []byte("new"))
			for _, n := range tt.existing {
				writeFile(t, filepath.Join(dir, "out", n), []byte("old"))
			}
			dst, err := moveUnique(src, filepath.Join(dir, "out"), "a.pdf", ReasonFileSuffix)
			require.NoError(t, err)
			require.Equal(t, filepath.Join(dir, "out", tt.want), dst)
			require.NoFileExists(t, src)
			b, err := os.ReadFile(dst)
			require.NoError(t, err)
			require.Equal(t, "new", string(b))
			for _, n := range tt.existing {
				b, err := os.ReadFile(filepath.Join(dir, "out", n))
				require.NoError(t, err)
				require.Equal(t, "old", string(b), "never overwrite")
			}
		})
	}
}
