#!/usr/bin/env bash
# Set up everything and run the whole test suite, slow tests included (real model,
# real index, real web server), plus lint and type checks.  Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=test source scripts/setup.sh
bash scripts/install-browser.sh
echo "== ruff" >&2
.venv/bin/ruff check rag tests bench ui.py
echo "== mypy" >&2
.venv/bin/mypy rag
echo "== pytest" >&2
.venv/bin/python -m pytest "$@"
