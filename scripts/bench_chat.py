"""Chat benchmark: K pairs of clients chatting through 2 server processes with Redis.

Creates 2K users with sessions and K DMs in a throwaway schema, starts two
`python -m server serve` processes on loopback, and runs scripts/bench_chat_load.js (raw
websocket Socket.IO clients; member A of each pair on process 0, B on process 1, so every
message crosses processes through Redis). Reports, per paced rate: msgs/s delivered,
p50/p99 send->receive latency, ack latency, CPU (cores) and RSS (MB) of each process.

    python scripts/bench_chat.py --pairs 2500 --rates 250,500,1000 --seconds 10

Needs PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL, as the tests) and
`cd tests/js && npm ci`. Not a test: nothing is asserted; results go to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.migrations import migrate_dsn  # noqa: E402
from server.tokens import TokenKeys  # noqa: E402
from tests.support.servers import ServerProcess, free_port  # noqa: E402
from tests.support.stores import drop_test_stores, isolated_settings  # noqa: E402


async def seed(settings, pairs: int) -> list[list[str]]:
    await migrate_dsn(settings.database_url, settings.database_schema)
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    try:
        uids = [r[0] for r in await conn.fetch(
            "INSERT INTO users (display_name) SELECT 'bench-' || g FROM generate_series(1, $1) g "
            "RETURNING id::text", 2 * pairs)]
        sids = [r[0] for r in await conn.fetch(
            "INSERT INTO auth_sessions (user_id, label, method) "
            "SELECT u, 'bench', 'test' FROM unnest($1::uuid[]) u RETURNING id::text", uids)] \
            if await conn.fetchval("SELECT to_regclass('auth_sessions') IS NOT NULL") \
            else [None] * len(uids)
        keys = TokenKeys(settings)
        rows = []
        for i in range(pairs):
            a, b = uids[2 * i], uids[2 * i + 1]
            conv = await conn.fetchval(
                "INSERT INTO conversations (kind, dm_key, created_by) VALUES ('dm', $1, $2) "
                "RETURNING id::text", ":".join(sorted((a, b))), a)
            rows.append((conv, a, b))
            rows_tokens = (keys.sign(a, session_id=sids[2 * i], ttl=3600),
                           keys.sign(b, session_id=sids[2 * i + 1], ttl=3600))
            rows[-1] = [rows_tokens[0], a, rows_tokens[1], b, conv]
        await conn.executemany(
            "INSERT INTO conversation_members (conversation_id, user_id) VALUES ($1, $2)",
            [(r[4], u) for r in rows for u in (r[1], r[3])])
        return rows
    finally:
        await conn.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=2500)
    ap.add_argument("--rates", default="250,500,1000")
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    settings = isolated_settings(database_schema=f"bench_{uuid.uuid4().hex[:8]}",
                                 data_dir=Path(tempfile.mkdtemp()),
                                 media_root=Path(tempfile.mkdtemp()))
    procs: list[ServerProcess] = []
    try:
        t = time.monotonic()
        pairs = await seed(settings, args.pairs)
        print(json.dumps({"phase": "seeded", "pairs": args.pairs,
                          "seconds": round(time.monotonic() - t, 1)}), flush=True)
        env = {"CHAT_USER_RATE": "100/second", "CHAT_SOCKET_RATE": "100/second",
               "LOG_LEVEL": "WARNING", "DB_POOL_MAX": "20"}
        procs = [ServerProcess(settings, free_port(), extra_env=env).start() for _ in range(2)]
        await asyncio.gather(*(p.wait_ready(60) for p in procs))
        cfg = {"ports": [p.port for p in procs], "pids": [p.proc.pid for p in procs],
               "pairs": pairs, "rates": [float(r) for r in args.rates.split(",")],
               "seconds": args.seconds, "conc": 100}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(cfg, f)
        load = subprocess.run(["node", str(ROOT / "scripts" / "bench_chat_load.js"), f.name],
                              timeout=1800)
        os.unlink(f.name)
        if load.returncode:
            print(json.dumps({"phase": "load_failed", "rc": load.returncode}))
            for p in procs:
                print(p.log_tail(2000))
    finally:
        for p in procs:
            p.stop()
        await drop_test_stores(settings)


if __name__ == "__main__":
    asyncio.run(main())
