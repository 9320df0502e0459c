// Package browsertest drives the web UI in a real headless Chromium from Go
// tests: visit pages, save full-page screenshots, and check them with
// axe-core against WCAG 2.0/2.1 A and AA (BITV 2.0).
//
// Nothing is downloaded while a test runs: Chromium comes from the Debian
// package and axe-core from `scripts/install-deps.sh`, which puts a pinned
// version into the git-ignored .deps/ at the module root. Without them the
// tests are skipped with a note, except under CI=true, where they fail.
package browsertest
