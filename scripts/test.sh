#!/usr/bin/env bash
# Install what the tests need (Python dev extras, the JS Socket.IO client) and run the suite.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# the locked dependency set (requirements.lock: versions and hashes), then the project itself
.venv/bin/pip install -q --require-hashes -r requirements.lock
.venv/bin/pip install -q --no-deps -e .
# Debian's PgBouncer for tests/test_pgbouncer.py (apt, when absent; the test starts its own)
bash scripts/install_pgbouncer.sh
if command -v npm >/dev/null 2>&1; then
  (cd tests/js && npm ci --silent --no-audit --no-fund)
  # Browser tests: Debian's Chromium (apt, when absent), playwright-core (no browser download),
  # axe-core, and the web app built from web/.
  bash scripts/install_chromium.sh
  (cd tests/browser && npm ci --silent --no-audit --no-fund)
  bash scripts/build_web.sh --typecheck
fi
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"
