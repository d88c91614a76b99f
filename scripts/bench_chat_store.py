"""Chat messages per second at the store, and what each costs PostgreSQL (a benchmark).

Each message is the real send path without the sockets: `check_send_message` (socket and
user rate limits, the precheck, moderation) then `do_send_message` (stored, fan-out
published through Redis as a serving process does), from --senders concurrent senders in
one process, each to its own DM (conversation id known, as the load test's timed phase).
PostgreSQL is a throwaway cluster of our own (scripts/loadtest_local.ThrowawayPostgres), so
its CPU (postmaster and backends, /proc) is this run's alone; the summary gives msgs/s,
PostgreSQL and client CPU per message, mean batch size, and what two idle cores would carry
if PostgreSQL and this process were all that ran (`msgs_per_s_if_2_idle_cores`).

    python scripts/bench_chat_store.py --senders 400 --seconds 15

Redis: TEST_REDIS_URL (default 127.0.0.1:6379), a throwaway key prefix.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.loadtest import tree_cpu, watched_processes  # noqa: E402
from scripts.loadtest_local import ThrowawayPostgres  # noqa: E402


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def run(args, url: str, pg_pid: int) -> dict:
    from handlers.chat import actions as a
    from server.db import create_pool
    from server.migrations import migrate_dsn
    from server.worker import build_worker_state, close_worker_state
    from tests.support.stores import drop_test_stores, isolated_settings

    settings = isolated_settings(database_url=url, chat_user_rate="100000/second",
                                 chat_socket_rate="100000/second")
    await migrate_dsn(settings.database_url, settings.database_schema)
    state = await build_worker_state(settings)
    await state.db.close()
    state.db = await create_pool(url, settings.database_schema, min_size=10, max_size=10)
    try:
        async with state.db.acquire() as conn:
            users = [r[0] for r in await conn.fetch(
                "INSERT INTO users (display_name) SELECT 'b' || i FROM generate_series(1, $1) i "
                "RETURNING id::text", 2 * args.senders)]
            convs = []
            for k in range(args.senders):
                x, y = users[2 * k], users[2 * k + 1]
                c = await conn.fetchval(
                    "INSERT INTO conversations (kind, dm_key, created_by) VALUES ('dm', $1, $2) "
                    "RETURNING id::text", a.dm_key(x, y), x)
                await conn.execute("INSERT INTO conversation_members (conversation_id, user_id) "
                                   "SELECT $1, u FROM unnest($2::uuid[]) u", c, [x, y])
                convs.append((c, x))
        sent = 0
        errors: dict[str, int] = {}
        stop = asyncio.Event()

        async def sender(k: int, conv: str, user: str) -> None:
            nonlocal sent
            n = 0
            while not stop.is_set():
                msg = a.Outgoing(conversation_id=conv, to=None, client_id=f"{k}-{n}",
                                 text=f"ezayak ya basha {k} {n}", reply_to=None, media=None)
                try:
                    prep = await a.check_send_message(state, user, f"s{k}", msg)
                    await a.do_send_message(state, user, msg, prep)
                    sent += 1
                except Exception as exc:
                    code = getattr(exc, "code", type(exc).__name__)
                    errors[code] = errors.get(code, 0) + 1
                n += 1

        (pg,) = watched_processes([pg_pid])
        tasks = [asyncio.create_task(sender(k, c, u)) for k, (c, u) in enumerate(convs)]
        await asyncio.sleep(args.warmup)
        s0, p0, c0, t0 = sent, tree_cpu(pg), self_cpu(), time.perf_counter()
        gc = state.extras.get("chat_send_batcher")
        b0 = gc.batches if gc else 0
        await asyncio.sleep(args.seconds)
        s1, p1, c1, t1 = sent, tree_cpu(pg), self_cpu(), time.perf_counter()
        gc = state.extras.get("chat_send_batcher")
        b1 = gc.batches if gc else 0
        stop.set()
        await asyncio.wait(tasks, timeout=30)
        n = s1 - s0
        out = {"senders": args.senders, "seconds": round(t1 - t0, 2), "messages": n,
               "msgs_per_s": round(n / (t1 - t0), 1),
               "pg_cpu_ms_per_msg": round(1000 * (p1 - p0) / n, 4) if n else None,
               "pg_cpu_cores": round((p1 - p0) / (t1 - t0), 2),
               "client_cpu_ms_per_msg": round(1000 * (c1 - c0) / n, 4) if n else None,
               "client_cpu_cores": round((c1 - c0) / (t1 - t0), 2),
               "mean_batch": round(n / (b1 - b0), 1) if b1 > b0 else 1.0,
               "errors": errors}
        out["batch_size_histogram"] = batch_sizes(state)
        if n:
            out["msgs_per_s_if_2_idle_cores"] = round(2 * n / ((p1 - p0) + (c1 - c0)), 1)
        return out
    finally:
        await close_worker_state(state)
        await drop_test_stores(settings)


def batch_sizes(state) -> dict:
    """The chat_send series of sawt_group_commit_batch_size (what /metrics shows), whole run:
    batches per size bucket (not cumulative)."""
    out, prev = {}, 0
    for metric in state.metrics.batch_size.collect():
        for smp in metric.samples:
            if smp.name.endswith("_bucket") and smp.labels.get("batch") == "chat_send":
                out[f"<={smp.labels['le']}"] = int(smp.value - prev)
                prev = smp.value
    return {k: v for k, v in out.items() if v}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--senders", type=int, default=400)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--json", help="write the summary here")
    args = ap.parse_args()
    pg = ThrowawayPostgres()
    try:
        url = pg.start()
        import uvloop

        out = uvloop.run(run(args, url, pg.pid))
    finally:
        pg.stop()
    out["load_avg"] = open("/proc/loadavg").read().split()[:3]
    print(json.dumps(out, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
