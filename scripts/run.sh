#!/usr/bin/env bash
# Set up everything and start the web page and API on http://127.0.0.1:7860 (pass
# --host/--port to change it). A missing or stale index is built by the server: the page
# opens as soon as the documents can be searched by words, and their vectors follow in
# the background (the page's Documents tab and /api/health show how far).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/rag serve "$@"
