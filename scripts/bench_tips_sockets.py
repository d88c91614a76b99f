"""Tips per second through the socket layer (a benchmark, not a test).

Real server processes (`python -m server serve`, as the tests start them) and real Socket.IO
clients in separate processes, all on this machine: every fan's socket sends `wallet:tip`
with an ack, one after another, to a random creator; every fan holds exactly enough for all
its tips. The clock runs from "all sockets connected" to the last ack. After the run: every
tip acknowledged, stored once, and the ledger invariants hold. The client processes share
the cores with the servers, PostgreSQL and Redis, so this is the whole system's figure.

    python scripts/bench_tips_sockets.py --servers 2 --client-procs 2 --fans 400 --per-fan 15

Stores: TEST_DATABASE_URL / TEST_REDIS_URL (defaults: 127.0.0.1); a throwaway schema.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _client(urls: list[str], tokens: list[str], creators: list[str], per_fan: int,
            out: mp.Queue, go: mp.Queue) -> None:
    import socketio
    import uvloop

    async def main():
        acked, errors, lat = 0, {}, []
        socks = []
        for i, tok in enumerate(tokens):
            sio = socketio.AsyncClient(reconnection=False)
            await sio.connect(urls[i % len(urls)], auth={"token": tok},
                              transports=["websocket"], wait_timeout=30)
            socks.append(sio)
        out.put(("ready", None))
        await asyncio.get_running_loop().run_in_executor(None, go.get)

        async def fan(sio):
            nonlocal acked
            for _ in range(per_fan):
                t0 = time.perf_counter()
                ack = await sio.call("wallet:tip", {
                    "creator_id": random.choice(creators), "amount": 500,
                    "idempotency_key": uuid.uuid4().hex}, timeout=60)
                lat.append(time.perf_counter() - t0)
                if ack.get("ok"):
                    acked += 1
                else:
                    code = ack["error"]["code"]
                    errors[code] = errors.get(code, 0) + 1

        await asyncio.gather(*(fan(s) for s in socks))
        out.put(("done", {"acked": acked, "errors": errors, "lat": lat}))
        for s in socks:
            await s.disconnect()

    uvloop.run(main())


async def _prepare(settings, fans: int, creators: int, funds: int):
    import asyncpg

    from server.migrations import migrate_dsn
    from server.tokens import TokenKeys
    from tests.conftest import insert_test_user

    await migrate_dsn(settings.database_url, settings.database_schema)
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    try:
        keys = TokenKeys(settings)
        fan_users = [await insert_test_user(conn, keys, f"fan{i}") for i in range(fans)]
        creator_ids = [(await insert_test_user(conn, keys, f"creator{i}", "creator")).id
                       for i in range(creators)]
        await conn.execute("""
            INSERT INTO wallet_accounts (kind, user_id, balance)
            SELECT 'wallet', id, 0 FROM users WHERE role = 'user';
            INSERT INTO wallet_accounts (kind, provider) VALUES ('provider_clearing', 'fawry');
        """)
        async with conn.transaction():  # one balanced top-up funds every fan
            tid = await conn.fetchval("INSERT INTO wallet_transfers (kind, amount, ref) "
                                      "VALUES ('topup', $1, 'bench') RETURNING id", fans * funds)
            await conn.execute("""
                INSERT INTO wallet_entries (transfer_id, account_id, amount)
                SELECT $1, id, CASE WHEN kind = 'wallet' THEN $2::bigint ELSE -$2::bigint * $3 END
                  FROM wallet_accounts ORDER BY id""", tid, funds, fans)
    finally:
        await conn.close()
    return [u.token for u in fan_users], creator_ids


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


async def _run(args) -> int:
    import asyncpg

    from handlers.wallet.invariants import ledger_report
    from tests.support.servers import ServerProcess, free_port
    from tests.support.stores import drop_test_stores, isolated_settings

    settings = isolated_settings(log_level="WARNING")
    servers, clients = [], []
    try:
        tokens, creators = await _prepare(settings, args.fans, args.creators,
                                          500 * args.per_fan)
        servers = [ServerProcess(settings, free_port(),
                                 extra_env={"FEED_WORKER_CONCURRENCY": "0"})
                   for _ in range(args.servers)]
        await asyncio.gather(*(s.start_ready() for s in servers))
        ctx = mp.get_context("spawn")
        out, gos = ctx.Queue(), [ctx.Queue() for _ in range(args.client_procs)]
        clients = [ctx.Process(target=_client, args=(
            [s.url for s in servers], tokens[i::args.client_procs], creators, args.per_fan, out,
            gos[i])) for i in range(args.client_procs)]
        for c in clients:
            c.start()
        for _ in clients:
            assert (await asyncio.to_thread(out.get, True, 300))[0] == "ready"
        await asyncio.sleep(2)  # connect-time work settles
        pids = [s.proc.pid for s in servers]
        cpu0, t0 = sum(map(_cpu, pids)), time.perf_counter()
        for g in gos:
            g.put(1)
        results = [(await asyncio.to_thread(out.get, True, 600))[1] for _ in clients]
        seconds = time.perf_counter() - t0
        server_cpu = sum(map(_cpu, pids)) - cpu0
        conn = await asyncpg.connect(settings.database_url,
                                     server_settings={"search_path": settings.database_schema})
        try:
            rep = await ledger_report(conn)
            stored = await conn.fetchval("SELECT count(*) FROM wallet_transfers "
                                         "WHERE kind = 'tip'")
        finally:
            await conn.close()
        total = args.fans * args.per_fan
        acked = sum(r["acked"] for r in results)
        lat = sorted(x for r in results for x in r["lat"])
        errors: dict[str, int] = {}
        for r in results:
            for k, v in r["errors"].items():
                errors[k] = errors.get(k, 0) + v
        ok = rep["ok"] and stored == acked == total
        print(json.dumps({
            "servers": args.servers, "client_procs": args.client_procs, "sockets": args.fans,
            "tips": total, "acked": acked, "errors": errors, "seconds": round(seconds, 3),
            "tips_per_second": round(total / seconds, 1),
            "p50_ms": round(1000 * lat[len(lat) // 2], 1),
            "p99_ms": round(1000 * lat[int(len(lat) * 0.99)], 1),
            "server_cpu_ms_per_tip": round(1000 * server_cpu / total, 3),
            "tips_stored": stored, "every_tip_acked_and_stored_once": stored == acked == total,
            "invariants": rep, "cores": os.cpu_count(), "load_avg": os.getloadavg()},
            indent=1, default=str))
        return 0 if ok else 1
    finally:
        for c in clients:
            if c.is_alive():
                c.kill()
        for s in servers:
            s.stop()
        await drop_test_stores(settings)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--client-procs", type=int, default=2)
    ap.add_argument("--fans", type=int, default=400, help="sockets, one fan each")
    ap.add_argument("--per-fan", type=int, default=15, help="tips each fan sends in a row")
    ap.add_argument("--creators", type=int, default=20)
    return asyncio.run(_run(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
