#!/usr/bin/env bash
# Set up everything, build the index if it is missing or stale, and start the web page
# on http://127.0.0.1:7860 (pass --host/--port to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
.venv/bin/rag index
exec .venv/bin/rag serve "$@"
