#!/usr/bin/env bash
# Create .venv and install the project into it (sourced by run.sh and test.sh).
# Re-running is cheap: nothing is reinstalled unless pyproject.toml changed.
# Usage: EXTRAS=test source scripts/setup.sh
set -euo pipefail
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv…" >&2
  "$PYTHON" -m venv .venv
fi
extras=${EXTRAS:-}
hash=$(sha256sum pyproject.toml | cut -c1-16)
stamp=".venv/.installed-$hash-${extras:-base}"
# The test extras include everything the base install has, so after the test command
# the run command starts at once (and the other way round only the extras are added).
if [ -z "$extras" ] && [ -f ".venv/.installed-$hash-test" ]; then
  stamp=".venv/.installed-$hash-test"
fi
if [ ! -f "$stamp" ]; then
  echo "Installing dependencies into .venv (first time: about 2 minutes)…" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  # Earlier versions used the pure-Python OpenCC port, which installs the same 'opencc'
  # module as the C++ one; the two must not be installed together.
  .venv/bin/python -m pip uninstall --quiet --yes opencc-python-reimplemented 2>/dev/null || true
  # torch is pinned in pyproject.toml to the CPU build; see README "Installing".
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
