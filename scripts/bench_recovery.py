"""Connection state recovery under load: the official JS client, N forced reconnects
alternating between two server processes while a third process emits to its room.

Counts missed and duplicated events (the target: 0 and 0 over 1,000 reconnects).
Needs PostgreSQL and Redis as the tests do, and `cd tests/js && npm ci` once.
    python scripts/bench_recovery.py --cycles 1000
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def main(cycles: int) -> int:
    import os

    os.environ.setdefault("RECOVERY_JS_TIMEOUT_MS", str(3_600_000))
    import asyncpg

    from server.migrations import migrate_dsn
    from server.tokens import TokenKeys
    from tests.support.recovery import run_recovery
    from tests.support.servers import ServerProcess, free_port
    from tests.support.stores import drop_test_stores, isolated_settings

    settings = isolated_settings()
    await migrate_dsn(settings.database_url, settings.database_schema)
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    uid = await conn.fetchval("INSERT INTO users (display_name, role) VALUES ('r', 'user') "
                              "RETURNING id::text")
    sid = None
    if await conn.fetchval("SELECT to_regclass('auth_sessions') IS NOT NULL"):
        sid = await conn.fetchval("INSERT INTO auth_sessions (user_id, label, method) VALUES "
                                  "($1::uuid, 'bench', 'test') RETURNING id::text", uid)
    await conn.close()
    token = TokenKeys(settings).sign(uid, session_id=sid, ttl=86400)
    procs = [ServerProcess(settings, free_port()).start() for _ in range(2)]
    try:
        await asyncio.gather(*(p.wait_ready() for p in procs))
        started = time.monotonic()
        run = await run_recovery(settings, token, [p.url for p in procs], cycles=cycles,
                                 per_cut=3, during_reconnect=3)
        took = time.monotonic() - started
    finally:
        for p in procs:
            p.stop()
        await drop_test_stores(settings)
    print(json.dumps({"cycles": run.cycles, "recovered": run.recovered, "sent": run.sent,
                      "received": len(run.seqs), "missed": len(run.missed),
                      "duplicated": run.duplicated, "in_order": run.seqs == sorted(run.seqs),
                      "with_offset": run.offsets, "seconds": round(took, 1)}))
    return 0 if not run.missed and not run.duplicated and run.recovered == cycles else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=1000)
    sys.exit(asyncio.run(main(ap.parse_args().cycles)))
