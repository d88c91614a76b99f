"""PostgreSQL CPU of `chat_send_messages` per message, by batch size (a benchmark).

Seeds 256 DMs in a throwaway schema of the test database (TEST_DATABASE_URL), calls the
function in batches of 1, 16, 64 and 256 messages (each call its own autocommit statement,
as batches.py does) and reports the backend's CPU time per message from /proc (min of 3
rounds of ~2,000 messages). `--then FILE` applies FILE (a CREATE OR REPLACE of the function)
and measures again in the same schema, on the larger table: a before/after pair.
`--preload N` first stores N messages per DM and ANALYZEs (a table with history and
statistics; without it the plans are made on a young table, as in a fresh deployment).

    python scripts/bench_chat_sql.py [--preload 400] [--then server/migrations/0202_chat_send_lookups.sql]

Needs to read the backend's /proc entry (PostgreSQL on this machine). Not a test.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEND = """SELECT * FROM chat_send_messages($1::uuid[], $2::uuid[], $3::text[], $4::text[],
 $5::bigint[], $6::jsonb[], $7::text[], $8::jsonb[])"""


async def main(args) -> None:
    import asyncpg

    from server.migrations import migrate_dsn
    from tests.support.stores import drop_test_stores, isolated_settings

    s = isolated_settings()
    await migrate_dsn(s.database_url, s.database_schema)
    conn = await asyncpg.connect(s.database_url,
                                 server_settings={"search_path": s.database_schema})
    try:
        users = [r[0] for r in await conn.fetch(
            "INSERT INTO users (display_name) SELECT 'b' || i FROM generate_series(1, 512) i "
            "RETURNING id::text")]
        convs = []
        for k in range(256):
            x, y = users[2 * k], users[2 * k + 1]
            c = await conn.fetchval("INSERT INTO conversations (kind, dm_key, created_by) "
                                    "VALUES ('dm', $1, $2) RETURNING id::text", f"{x}:{y}", x)
            await conn.execute("INSERT INTO conversation_members (conversation_id, user_id) "
                               "SELECT $1, u FROM unnest($2::uuid[]) u", c, [x, y])
            convs.append((c, x))
        if args.preload:
            await conn.execute(
                "INSERT INTO messages (conversation_id, seq, rev, sender_id, client_id, body) "
                "SELECT c.id, g, g, c.created_by, 'pre' || g, 'x' FROM conversations c, "
                "generate_series(1, $1::int) g", args.preload)
            await conn.execute("UPDATE conversations SET last_seq = $1::int, last_rev = $1::int",
                               args.preload)
            await conn.execute("ANALYZE")
        pid = await conn.fetchval("SELECT pg_backend_pid()")

        def cpu() -> float:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

        async def run(n: int, reps: int) -> float:
            t0 = cpu()
            for r in range(reps):
                b = [convs[(r * n + j) % 256] for j in range(n)]
                rows = await conn.fetch(
                    SEND, [c for c, _ in b], [u for _, u in b],
                    [uuid.uuid4().hex for _ in range(n)], [f"ezayak {j}" for j in range(n)],
                    [None] * n, [None] * n, ["visible"] * n, [None] * n)
                assert all(x["r_outcome"] == "stored" for x in rows), rows[0]
            return 1000 * (cpu() - t0) / (reps * n)

        for label in ("schema's function", args.then):
            if label is None:
                break
            if label == args.then:
                await conn.execute(Path(args.then).read_text())
            for n in (1, 16, 64, 256):
                await run(n, 5)  # warm: the plans are made here
                best = min([await run(n, max(3, 2048 // n)) for _ in range(3)])
                print(f"{label}: batch {n}: {best:.3f} ms of backend CPU per message",
                      flush=True)
    finally:
        await conn.close()
        await drop_test_stores(s)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preload", type=int, default=0)
    ap.add_argument("--then", help="an SQL file to apply, then measure again")
    asyncio.run(main(ap.parse_args()))
