#!/usr/bin/env bash
# Debian's Chromium, its driver and CJK fonts, for the browser tests (tests/ui/test_browser.py)
# and the PDFs the format tests print (tests/documents.py); strace, which records every
# connection in the offline proof (tests/system/test_offline.py); and tesseract with its
# Traditional, Simplified and English models, the second OCR engine (RAG_OCR=tesseract).
# Playwright drives this system browser; nothing is downloaded by a test tool.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v strace >/dev/null || need+=(strace)
command -v tesseract >/dev/null || need+=(tesseract-ocr)
for lang in chi-tra chi-sim eng; do
  [ -f "/usr/share/tesseract-ocr/5/tessdata/${lang/-/_}.traineddata" ] || need+=("tesseract-ocr-$lang")
done
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! command -v apt-get >/dev/null; then
  echo "warning: no apt-get; install ${need[*]} yourself or the browser tests are skipped." >&2
  exit 0
fi
echo "Installing ${need[*]} for the browser and OCR tests…" >&2
$sudo apt-get update -qq >/dev/null || true
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
