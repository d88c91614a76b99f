#!/usr/bin/env bash
# The same room-broadcast load against our server and the node socket.io reference in
# scripts/bench/node_reference, in one run, on this machine; prints the tables and the ratios.
# usage: bash scripts/bench_vs_reference.sh [SIZES=1000,4000] [MESSAGES=200]
# The reference folder is kept clean: it is copied to $REF (default /tmp/sawt-ref-bench) first.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${1:-1000,4000}
MESSAGES=${2:-200}
REF_SRC=${REF_SRC:-scripts/bench/node_reference}
REF=${REF:-/tmp/sawt-ref-bench}
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
if [ ! -d "$REF_SRC" ]; then
  echo "no reference server at $REF_SRC: nothing to compare against" >&2
  exit 2
fi
if [ ! -d "$REF/node_modules" ]; then
  rm -rf "$REF" && cp -r "$REF_SRC" "$REF" && chmod -R u+w "$REF"
  (cd "$REF" && npm ci --silent --no-audit --no-fund)
fi
exec "$PY" scripts/bench_broadcast.py --ref "$REF" --sizes "$SIZES" --messages "$MESSAGES" \
  --configs node,sawt --plot docs/broadcast_vs_node.png
