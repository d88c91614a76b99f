#!/usr/bin/env bash
# Debian's PgBouncer for tests/test_pgbouncer.py, installed through apt when absent (as root, as
# CI runs). The test starts its own pgbouncer (own ini, loopback port); the package's service is
# neither configured nor needed. Exits 0 without it where it cannot install (the test then skips).
set -euo pipefail
if command -v "${PGBOUNCER:-pgbouncer}" >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "pgbouncer tests: install PgBouncer (Debian: apt-get install pgbouncer) or set PGBOUNCER=/path" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends pgbouncer
# the package starts its own service on 127.0.0.1:6432; tests do not use it
if command -v service >/dev/null 2>&1; then
  service pgbouncer stop >/dev/null 2>&1 || true
fi
