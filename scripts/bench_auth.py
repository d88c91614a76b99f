"""Auth benchmark: what identity costs per request on this machine.

1. argon2id hash+verify at production parameters (t=3, m=64 MiB, p=4) and at the test ones;
2. the connect guard (`session_is_live`): warm (one Redis GET) and cold (PostgreSQL + SET);
3. logins/s over HTTP at production argon2 cost, C concurrent clients (in-process server);
4. revoke -> socket disconnected: DELETE /v1/auth/sessions/{id} until the device's socket
   (same process) sees the disconnect, p50/p95 over R runs.

Needs PostgreSQL and Redis as the tests do (TEST_DATABASE_URL / TEST_REDIS_URL).
    python scripts/bench_auth.py [--logins 40] [--concurrency 4] [--guard 2000] [--revokes 20]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from handlers.auth.config import AuthConfig  # noqa: E402
from handlers.auth.guard import session_is_live, session_key  # noqa: E402
from handlers.auth.passwords import Passwords  # noqa: E402
from server.app import create_app  # noqa: E402
from server.state import STATE  # noqa: E402
from tests.support.auth_api import FAST_AUTH, AuthApi  # noqa: E402
from tests.support.clients import SocketClient  # noqa: E402
from tests.support.servers import free_port  # noqa: E402
from tests.support.stores import drop_test_stores, isolated_settings  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def bench_argon2(n: int) -> None:
    for label, cfg in (("production t=3 m=64MiB p=4", AuthConfig()),
                       ("tests t=1 m=1MiB p=1", AuthConfig(**FAST_AUTH))):
        pw = Passwords(cfg)
        hashes, verifies = [], []
        for _ in range(n):
            t = time.perf_counter()
            h = await pw.hash("correct horse 42")
            hashes.append(time.perf_counter() - t)
            t = time.perf_counter()
            assert await pw.verify(h, "correct horse 42")
            verifies.append(time.perf_counter() - t)
        print(f"| argon2id {label} | hash p50 {statistics.median(hashes)*1000:.1f} ms | "
              f"verify p50 {statistics.median(verifies)*1000:.1f} ms |")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--argon2", type=int, default=10)
    ap.add_argument("--guard", type=int, default=2000)
    ap.add_argument("--logins", type=int, default=40)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--revokes", type=int, default=20)
    args = ap.parse_args()
    await bench_argon2(args.argon2)

    settings = isolated_settings(log_level="ERROR")  # production argon2 cost
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}"
    state = app[STATE]
    api = AuthApi(url)
    try:
        reg = await api.sign_up("+201012345678")
        uid, sid = reg["user_id"], reg["session_id"]
        # 2. connect guard
        warm = []
        await session_is_live(state, sid, uid)
        for _ in range(args.guard):
            t = time.perf_counter()
            await session_is_live(state, sid, uid)
            warm.append(time.perf_counter() - t)
        cold = []
        for _ in range(args.guard // 10):
            await state.redis.delete(session_key(state, sid))
            t = time.perf_counter()
            await session_is_live(state, sid, uid)
            cold.append(time.perf_counter() - t)
        print(f"| connect guard warm (Redis GET) | p50 {pct(warm, 50)*1e6:.0f} µs | "
              f"p99 {pct(warm, 99)*1e6:.0f} µs |")
        print(f"| connect guard cold (PostgreSQL + SET) | p50 {pct(cold, 50)*1e6:.0f} µs | "
              f"p99 {pct(cold, 99)*1e6:.0f} µs |")
        # 3. logins/s at production argon2 cost
        sem = asyncio.Semaphore(args.concurrency)
        lat = []

        async def one():
            async with sem:
                t = time.perf_counter()
                await api.login("+201012345678")
                lat.append(time.perf_counter() - t)

        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(args.logins)))
        wall = time.perf_counter() - t0
        print(f"| HTTP login, {args.concurrency} concurrent, production argon2 | "
              f"{args.logins / wall:.1f} logins/s | p50 {pct(lat, 50)*1000:.0f} ms, "
              f"p95 {pct(lat, 95)*1000:.0f} ms |")
        # 4. revoke -> disconnect
        cut = []
        for _ in range(args.revokes):
            dev = await api.login("+201012345678", device="bench")
            sock = await SocketClient(url, dev["access_token"]).connect()
            t = time.perf_counter()
            await api.ok("DELETE", f"/v1/auth/sessions/{dev['session_id']}",
                         token=reg["access_token"], expect=204)
            for _ in range(2000):
                if not sock.sio.connected:
                    break
                await asyncio.sleep(0.001)
            cut.append(time.perf_counter() - t)
            await sock.close()
        print(f"| revoke -> socket disconnected (HTTP DELETE included) | "
              f"p50 {pct(cut, 50)*1000:.0f} ms | p95 {pct(cut, 95)*1000:.0f} ms |")
    finally:
        await api.close()
        await runner.cleanup()
        await drop_test_stores(settings)


if __name__ == "__main__":
    asyncio.run(main())
