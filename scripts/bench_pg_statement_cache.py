"""What PG_STATEMENT_CACHE_SIZE=0 costs: asyncpg with its statement cache (100, named prepared
statements reused) against none (every query parsed again as an unnamed statement), the way
the app's pool runs behind PgBouncer's transaction pooling.

    flock /tmp/bench.lock python scripts/bench_pg_statement_cache.py \
        [--dsn postgresql://postgres@127.0.0.1:5432/test] [--seconds 3] [--concurrency 1,10]

For each DSN, cache size and concurrency: queries/s and client CPU µs per query over a fixed
time, for a parameterised indexed lookup (pg_class by oid) like the app's hot-path reads.
Give a PgBouncer's DSN too (transaction pooling) to see it with the pooler in the path; the
cache-100 run is skipped there (it fails: "prepared statement ... does not exist").
"""
from __future__ import annotations

import argparse
import asyncio
import os
import time

import asyncpg

QUERY = "SELECT relname, relkind FROM pg_class WHERE oid = $1"


async def run(dsn: str, cache: int, concurrency: int, seconds: float) -> tuple[float, float]:
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency,
                                     statement_cache_size=cache)
    oids = [r["oid"] for r in await pool.fetch("SELECT oid FROM pg_class LIMIT 200")]
    done = 0
    stop_at = time.monotonic() + seconds

    async def worker(i: int) -> None:
        nonlocal done
        n = i
        while time.monotonic() < stop_at:
            await pool.fetchrow(QUERY, oids[n % len(oids)])
            n += 1
            done += 1

    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    await pool.close()
    return done / wall, cpu / done * 1e6


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", action="append",
                    help="a PostgreSQL DSN (repeat for several); default the tests' database")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--concurrency", default="1,10")
    args = ap.parse_args()
    dsns = args.dsn or ["postgresql://postgres@127.0.0.1:5432/test"]
    print(f"load average before: {os.getloadavg()}")
    print("| dsn | statement cache | concurrency | queries/s | client CPU µs per query |")
    print("|---|---|---|---|---|")
    for dsn in dsns:
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            for cache in (100, 0):
                try:
                    qps, cpu = await run(dsn, cache, concurrency, args.seconds)
                except asyncpg.exceptions.InvalidSQLStatementNameError as e:
                    print(f"| {dsn} | {cache} | {concurrency} | fails: {e.args[0][:60]} | |")
                    continue
                print(f"| {dsn} | {cache} | {concurrency} | {qps:,.0f} | {cpu:.1f} |")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
