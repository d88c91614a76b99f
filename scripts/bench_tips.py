"""Tips per second with the ledger invariants held (a benchmark, not a test).

Each tip is the real `do_tip` action: account ids resolved (cached per process), then the
tip batcher (handlers/wallet/tip_batch.py) posts it with the tips in flight beside it in one
`wallet_post_tips` statement and COMMIT (creator guard, idempotency key, balance checked
under the wallet lock, transfer and entries written) and answers each tip after that commit;
then the batch's pushes (`wallet:balance` to tippers and creators, `wallet:tip` and
`live:tip` to the live room, one Redis round trip each) and the coalesced tip notifications,
published through Redis exactly as a serving process does. After the run the invariants are
checked: every transfer balances, cached balances equal the entries, nothing negative, and
the tip transfers stored are exactly the tips acknowledged, each once. Every fan tries the
same number of tips and can afford about (1 - --overdraw) of them; the rest are refused.

    python scripts/bench_tips.py --tips 12000 --fans 1500 --procs 2 --concurrency 64
    python scripts/bench_tips.py --no-push      # the ledger alone
    python scripts/bench_tips.py --batch-max 1  # no group commit: one statement per tip

Stores: TEST_DATABASE_URL / TEST_REDIS_URL (defaults: 127.0.0.1). A throwaway schema is
created and dropped.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _state(settings, pool_size: int, push: bool, batch_max: int, in_flight: int):
    import redis.asyncio as aioredis

    from handlers.wallet.config import WalletConfig
    from handlers.wallet.runtime import WalletRuntime
    from server.db import create_pool
    from server.emitter import write_only_emitter
    from server.metrics import Metrics
    from server.state import AppState
    from server.tokens import TokenKeys

    async def build():
        st = AppState(settings=settings, keys=TokenKeys(settings), metrics=Metrics())
        st.db = await create_pool(settings.database_url, settings.database_schema,
                                  min_size=pool_size, max_size=pool_size)
        st.redis = aioredis.from_url(settings.redis_url)
        if push:
            st.emitter = write_only_emitter(settings.redis_url, settings.redis_prefix)
        else:
            class Silent:
                async def emit(self, *a, **k):
                    return None

                async def emit_many(self, *a, **k):
                    return None
            st.emitter = Silent()
        st.extras["wallet"] = WalletRuntime(WalletConfig(
            simulators=False, tip_batch_max=batch_max, tip_batches_in_flight=in_flight))
        return st
    return build()


def _self_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these PostgreSQL backends (/proc, same machine)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


async def _backend_pids(pool, n: int) -> list[int]:
    conns = [await pool.acquire() for _ in range(n)]
    try:
        return [await c.fetchval("SELECT pg_backend_pid()") for c in conns]
    finally:
        for c in conns:
            await pool.release(c)


def _worker(settings, plan, concurrency: int, push: bool, batch_max: int, in_flight: int,
            out: mp.Queue) -> None:
    import uvloop

    from handlers.wallet import actions, schemas as s
    from handlers.wallet.actions import do_tip
    from server.errors import AppError

    if not push:
        actions.TipNotices.add = lambda self, *a, **k: None

    async def main():
        # tips are written by the batcher (a connection or two); the pool also serves the
        # account look-ups and the tip notices
        pool_size = min(concurrency, 8)
        st = await _state(settings, pool_size, push, batch_max, in_flight)
        queue = list(plan)
        accepted, refused, lat = [], {}, []

        async def lane():
            while queue:
                fan, creator, amount = queue.pop()
                req = s.Tip(creator_id=creator, amount=amount, idempotency_key=uuid.uuid4().hex,
                            stream_id=f"bench-{creator[:8]}")
                t0 = time.perf_counter()
                try:
                    r = await do_tip(st, fan, req)
                    accepted.append(r["tip_id"])
                except AppError as err:
                    refused[err.code] = refused.get(err.code, 0) + 1
                lat.append(time.perf_counter() - t0)

        pids = await _backend_pids(st.db, pool_size)
        out.put(("ready", None))
        pg0, me0 = _cpu(pids), _self_cpu()
        started = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        pg_cpu, my_cpu = _cpu(pids) - pg0, _self_cpu() - me0
        batcher = st.extras.get("wallet_tip_batcher")
        batches = batcher.batches if batcher is not None else 0
        notices = st.extras.get("wallet_tip_notices")
        if notices is not None:      # written in the background; not in the timed window
            for t in list(st.background):
                await t
            await notices.flush()
        await st.db.close()
        lat.sort()
        out.put(("done", {"accepted": accepted, "refused": refused, "seconds": elapsed,
                          "client_cpu_s": my_cpu, "pg_backend_cpu_s": pg_cpu,
                          "batches": batches,
                          "p50_ms": 1000 * lat[len(lat) // 2] if lat else None,
                          "p99_ms": 1000 * lat[int(len(lat) * 0.99)] if lat else None}))

    uvloop.run(main())


async def _prepare(settings, fans: int, creators: int, per_fan: int, amount: int):
    import asyncpg

    from server.migrations import migrate_dsn

    await migrate_dsn(settings.database_url, settings.database_schema)
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    try:
        fan_ids = [r[0] for r in await conn.fetch(
            "INSERT INTO users (display_name) SELECT 'fan' || g FROM generate_series(1, $1) g "
            "RETURNING id::text", fans)]
        creator_ids = [r[0] for r in await conn.fetch(
            "INSERT INTO users (display_name, role) SELECT 'creator' || g, 'creator' "
            "FROM generate_series(1, $1) g RETURNING id::text", creators)]
        # fund every fan with exactly `per_fan` tips' worth through one balanced transfer
        await conn.execute("""
            INSERT INTO wallet_accounts (kind, user_id, balance)
            SELECT 'wallet', id, 0 FROM users WHERE role = 'user';
            INSERT INTO wallet_accounts (kind, provider) VALUES ('provider_clearing', 'fawry');
        """)
        async with conn.transaction():
            tid = await conn.fetchval("INSERT INTO wallet_transfers (kind, amount, ref) "
                                      "VALUES ('topup', $1, 'bench') RETURNING id",
                                      fans * per_fan * amount)
            await conn.execute("""
                INSERT INTO wallet_entries (transfer_id, account_id, amount)
                SELECT $1, id, CASE WHEN kind = 'wallet' THEN $2::bigint ELSE -$2::bigint * $3 END
                  FROM wallet_accounts ORDER BY id""", tid, per_fan * amount, fans)
    finally:
        await conn.close()
    return fan_ids, creator_ids


async def _verify(settings, accepted: list[int]) -> dict:
    import asyncpg

    from handlers.wallet.invariants import ledger_report

    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    try:
        rep = await ledger_report(conn)
        stored = {r[0] for r in await conn.fetch("SELECT id FROM wallet_transfers "
                                                  "WHERE kind = 'tip'")}
    finally:
        await conn.close()
    rep["tips_stored"] = len(stored)
    rep["every_acknowledged_tip_stored_once"] = (stored == set(accepted)
                                                 and len(accepted) == len(set(accepted)))
    return rep


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tips", type=int, default=20_000)
    ap.add_argument("--fans", type=int, default=2_000)
    ap.add_argument("--creators", type=int, default=50)
    ap.add_argument("--procs", type=int, default=2, help="client/action processes")
    ap.add_argument("--concurrency", type=int, default=32, help="in-flight tips per process")
    ap.add_argument("--overdraw", type=float, default=0.1,
                    help="fraction of tips beyond what wallets hold (refused)")
    ap.add_argument("--batch-max", type=int, default=256,
                    help="tips per batch at most (1 = no group commit: a statement per tip)")
    ap.add_argument("--in-flight", type=int, default=2, help="batches in flight per process")
    ap.add_argument("--no-push", action="store_true",
                    help="skip the Redis pushes and the stored notification (the ledger alone)")
    args = ap.parse_args()

    from tests.support.stores import drop_test_stores, isolated_settings

    settings = isolated_settings(log_level="WARNING")
    amount = 500
    per_fan = max(1, round(args.tips / args.fans * (1 - args.overdraw)))
    procs: list = []
    try:
        fans, creators = asyncio.run(_prepare(settings, args.fans, args.creators, per_fan,
                                              amount))
        # every fan tips equally often (in random order), so about `--overdraw` of the tips
        # find their wallet empty and are refused
        tippers = [fans[i % len(fans)] for i in range(args.tips)]
        random.shuffle(tippers)
        plan = [(fan, random.choice(creators), amount) for fan in tippers]
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        shares = [plan[i::args.procs] for i in range(args.procs)]
        procs = [ctx.Process(target=_worker, args=(settings, sh, args.concurrency,
                                                    not args.no_push, args.batch_max,
                                                    args.in_flight, out)) for sh in shares]
        for p in procs:
            p.start()
        for _ in procs:
            assert out.get(timeout=120)[0] == "ready"
        results = [out.get(timeout=600)[1] for _ in procs]
        for p in procs:
            p.join(30)
        accepted = [t for r in results for t in r["accepted"]]
        refused: dict[str, int] = {}
        for r in results:
            for k, v in r["refused"].items():
                refused[k] = refused.get(k, 0) + v
        seconds = max(r["seconds"] for r in results)
        client_cpu = sum(r["client_cpu_s"] for r in results)
        pg_cpu = sum(r["pg_backend_cpu_s"] for r in results)
        rep = asyncio.run(_verify(settings, accepted))
        print(json.dumps({
            "tips_attempted": args.tips, "accepted": len(accepted), "refused": refused,
            "seconds": round(seconds, 3),
            "tips_per_second": round(args.tips / seconds, 1),
            "accepted_per_second": round(len(accepted) / seconds, 1),
            "p50_ms": round(max(r["p50_ms"] for r in results), 2),
            "p99_ms": round(max(r["p99_ms"] for r in results), 2),
            "client_cpu_ms_per_tip": round(1000 * client_cpu / args.tips, 3),
            "pg_backend_cpu_ms_per_tip": round(1000 * pg_cpu / args.tips, 3),
            "mean_batch": round(args.tips / max(1, sum(r["batches"] for r in results)), 1),
            "tips_per_second_if_2_idle_cores": round(2 * args.tips / (client_cpu + pg_cpu), 1),
            "procs": args.procs, "concurrency": args.concurrency, "push": not args.no_push,
            "batch_max": args.batch_max, "in_flight": args.in_flight,
            "cores": os.cpu_count(), "load_avg": os.getloadavg(),
            "python": platform.python_version(),
            "invariants": rep}, indent=1, default=str))
        return 0 if rep["ok"] and rep["every_acknowledged_tip_stored_once"] else 1
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
        asyncio.run(drop_test_stores(settings))


if __name__ == "__main__":
    sys.exit(main())
