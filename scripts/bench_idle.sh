#!/usr/bin/env bash
# Idle sockets and connect cost of ONE fresh server process: ours or the node reference.
#
#   scripts/bench_idle.sh sawt CLIENTS [LOAD_PROCS] [RAMP] [HOLD_S]
#   scripts/bench_idle.sh node CLIENTS [LOAD_PROCS] [RAMP] [HOLD_S]   (needs REF=/tmp/bench,
#                                                                     a copy of scripts/bench/node_reference
#                                                                     after `npm ci`)
# Same environment as the servers (DATABASE_URL, DATABASE_SCHEMA, REDIS_URL, REDIS_PREFIX,
# JWT_SECRET, APP_ENV, MIGRATE_ON_START=1 for a new schema). Users are minted for both servers
# (node ignores the token). Prints the load tool's summary line: connects/s, server CPU ms
# per connect (ramp start -> all connected), and server RSS growth per held socket
# (rss_per_socket_kb = (RSS while all are held - RSS before) / sockets). A fresh process per
# run: memory freed by closed sockets is not returned to the OS, so a reused server lies.
# File descriptors: one process holds at most `ulimit -n` sockets (20,000 on the project box,
# hard limit), so use <= 19,800 clients there. Run it under the shared bench lock.
set -euo pipefail
KIND=${1:?sawt or node}; CLIENTS=${2:?clients}; PROCS=${3:-4}; RAMP=${4:-1500}; HOLD=${5:-10}
PORT=${PORT:-9301}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python}
OUT=$(mktemp /tmp/bench_idle.XXXXXX.json)
if [ "$KIND" = node ]; then
  (cd "${REF:?REF=/path/to/bench copy}" && PORT=$PORT REDIS_URL=${NODE_REDIS_URL:-} \
     exec node node_server.js) > /tmp/bench_idle_server.log 2>&1 &
else
  (cd "$ROOT" && exec $PY -m server serve --host 127.0.0.1 --port "$PORT") \
     > /tmp/bench_idle_server.log 2>&1 &
fi
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null || true' EXIT
for _ in $(seq 150); do
  if grep -q READY /tmp/bench_idle_server.log; then break; fi
  sleep 0.2
done
sleep 2
echo "$KIND pid $SPID, $CLIENTS clients, $(uptime)"
cd "$ROOT"
$PY -m scripts.loadtest idle --url "http://127.0.0.1:$PORT" --clients "$CLIENTS" \
  --procs "$PROCS" --ramp "$RAMP" --duration "$HOLD" --json "$OUT" > "$OUT.log" 2>&1 || true
$PY - "$OUT" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
keys = ("clients", "connected", "connects_per_s", "connect_ms_p50_p99", "errors",
        "server_cpu_ms_per_connect", "rss_per_socket_kb")
print({k: s.get(k) for k in keys}, s["servers"])
PY
echo "after: $(uptime)"
