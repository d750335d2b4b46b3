#!/usr/bin/env bash
# Set up everything and run every test: lint, type and import checks, then the fast tier
# (no model, server or browser: about a minute and a half), then the slow tier (the real
# embedding and answer models, real servers, headless Chromium, OCR).
# Extra args go to one pytest run instead (e.g. `bash scripts/test.sh tests/retrieval -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=test source scripts/setup.sh
bash scripts/install-browser.sh
echo "== ruff" >&2
.venv/bin/ruff check rag tests bench ui.py
echo "== mypy" >&2
.venv/bin/mypy rag
echo "== import contracts (pyproject.toml [tool.importlinter])" >&2
.venv/bin/lint-imports --no-cache
if [ $# -gt 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
echo "== pytest: fast tier" >&2
.venv/bin/python -m pytest -m "not slow" --durations=10
echo "== pytest: slow tier" >&2
.venv/bin/python -m pytest -m slow --durations=25  # the slowest, for whoever shortens the suite
