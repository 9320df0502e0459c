#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages aktenfluss needs that are missing.
# Safe to run again; does nothing when everything is there.
set -euo pipefail

pkgs=(
  ca-certificates git make gcc g++ pkg-config tzdata python3
  # Issue 3 (OCR, PDF/A) and the scan generator in ../shared/tools:
  tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng libtesseract-dev libleptonica-dev
  ghostscript qpdf poppler-utils
  # Issue 8: the browser tests (internal/web/browsertest) drive headless
  # Chromium; its fonts give screenshots and axe's contrast checks real glyphs.
  chromium fonts-dejavu-core
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# axe-core for the accessibility checks of the browser tests, pinned, into the
# git-ignored .deps/ so that no test downloads anything while it runs.
AXE_VERSION=4.14.1
root="$(cd "$(dirname "$0")/.." && pwd)"
axe_pkg="$root/.deps/node_modules/axe-core/package.json"
if ! grep -q "\"version\": \"$AXE_VERSION\"" "$axe_pkg" 2>/dev/null; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "installing: npm"
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    ${sudo:-} apt-get update -qq
    DEBIAN_FRONTEND=noninteractive ${sudo:-} apt-get install -y -qq --no-install-recommends npm
  fi
  echo "installing: axe-core@$AXE_VERSION (npm, into .deps/)"
  npm install --prefix "$root/.deps" "axe-core@$AXE_VERSION" --save-exact --no-audit --no-fund --loglevel=error
fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go 1.26 is required (https://go.dev/dl/); it is not a Debian package of that version." >&2
  exit 1
fi
