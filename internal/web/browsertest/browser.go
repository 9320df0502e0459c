package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	// ChromiumPath is where Debian's chromium package puts the browser.
	ChromiumPath = "/usr/bin/chromium"
	// AxePath is axe-core's bundle relative to the module root, as
	// scripts/install-deps.sh installs it.
	AxePath = ".deps/node_modules/axe-core/axe.min.js"
	// ScreenshotsEnv names a directory for screenshots that outlive the test;
	// without it they go to the test's temporary directory.
	ScreenshotsEnv = "AKTENFLUSS_SCREENSHOTS"

	width, height = 1280, 900
	// actionTimeout bounds one step (a navigation, a screenshot, an axe
	// run) so that a hung page fails the test instead of the whole run.
	actionTimeout = 30 * time.Second
)

// Browser is one headless Chromium with one tab, owned by the test that
// started it. Its methods fail that test on error, so they are called from
// the test's own goroutine (not from its subtests; pass the subtest's t to
// Axe and Do instead where it matters).
type Browser struct {
	t           testing.TB
	ctx         context.Context
	axeSource   string
	screenshots string
}

// Start launches headless Chromium for t and closes it when t ends. It skips
// t when Chromium or axe-core are not installed, and fails it instead when
// CI=true, where scripts/install-deps.sh must have installed them.
func Start(t testing.TB) *Browser {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		missing(t, fmt.Sprintf("chromium not found at %s (apt-get install chromium, or run scripts/install-deps.sh)", ChromiumPath))
	}
	axe, err := readAxe()
	if err != nil {
		missing(t, fmt.Sprintf("axe-core not installed (run scripts/install-deps.sh): %v", err))
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath),
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		chromedp.Flag("lang", "de-DE"),
		chromedp.Flag("accept-lang", "de-DE,de"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root (as in CI containers).
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser and binds its life to ctx, which must
	// therefore carry no timeout (later steps get their own).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	dir := os.Getenv(ScreenshotsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, fileName(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	return &Browser{t: t, ctx: ctx, axeSource: axe, screenshots: dir}
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// readAxe finds axe.min.js under the module root, the nearest directory
// above the working directory (the test's package) that has a go.mod.
func readAxe() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			b, err := os.ReadFile(filepath.Join(dir, AxePath))
			return string(b), err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Context is the tab's context, for chromedp actions beyond these helpers
// (clicks, form input); bound each with a timeout, as Do does.
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs chromedp steps in the tab and fails t if one fails or the steps
// take longer than 30 seconds.
func (b *Browser) Do(t testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// Visit loads url, waits until the page has loaded, and fails the test
// unless the server answered with 200.
func (b *Browser) Visit(url string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.t.Fatalf("visit %s: %v", url, err)
	}
	if resp == nil || resp.Status != 200 {
		status := int64(0)
		if resp != nil {
			status = resp.Status
		}
		b.t.Fatalf("visit %s: status %d", url, status)
	}
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		b.t.Fatalf("visit %s: %v", url, err)
	}
}

// Title is the current page's title.
func (b *Browser) Title() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		b.t.Fatalf("title: %v", err)
	}
	return s
}

// Eval evaluates a JavaScript expression in the page and returns its value
// as a string.
func (b *Browser) Eval(js string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string]("String("+js+")"))
	if err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
	return s
}

// Text is the visible text of the first element that matches the CSS
// selector, waiting for it to appear.
func (b *Browser) Text(css string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// Screenshot saves the whole page, not only the window, as name.png in the
// screenshot directory, logs and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(b.screenshots, fileName(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(s string) string {
	return strings.Trim(unsafeName.ReplaceAllString(s, "_"), "_")
}
