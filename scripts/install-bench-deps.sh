#!/usr/bin/env bash
# Packages the OCR benchmark needs beyond the project's own: the scan
# generator in ../shared/tools/scangen and the contender, OCRmyPDF.
set -euo pipefail
# --scangen: only what the scan generator needs (CI builds the corpus the
# scan tests read; it does not run the OCRmyPDF comparison).
pkgs=(python3-pil python3-numpy img2pdf fonts-dejavu fonts-liberation2 qpdf)
if [ "${1:-}" != "--scangen" ]; then
  pkgs+=(ocrmypdf)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
