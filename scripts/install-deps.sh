#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages aktenfluss needs that are missing.
# Safe to run again; does nothing when everything is there.
set -euo pipefail

pkgs=(
  ca-certificates git make gcc g++ pkg-config tzdata python3
  # Issue 3 (OCR, PDF/A) and the scan generator in ../shared/tools:
  tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng libtesseract-dev libleptonica-dev
  ghostscript qpdf poppler-utils
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
if ! command -v go >/dev/null 2>&1; then
  echo "Go 1.26 is required (https://go.dev/dl/); it is not a Debian package of that version." >&2
  exit 1
fi
