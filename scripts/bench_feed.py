"""Feed benchmarks (not a test): fan-out to 10,000 followers, home page reads, trending.

    /work/venv/bin/python scripts/bench_feed.py [--followers 10000] [--reads 2000]
                                                [--trending-posts 20000]

Runs against real PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL, the test
defaults) in a throwaway schema and key prefix, calling the domain actions in-process (no
socket hop), and prints a markdown table for docs/benchmarks.md.

- fan-out: one post by an author with N followers, every follower's timeline cached in Redis
  (the worst case: each one is written). `do_create_post` commits the row and queues the
  `feed.fanout` job (that is the ack); an in-process feed worker (the one every serving
  process runs) claims it, writes every timeline and publishes `feed:new` to the Socket.IO
  adapter channel for every follower (batches of 1000 rooms). Measured: the ack, the job's own
  run time, and end to end (from the call until the job has finished).
- home read: `read_home(limit=20)` first pages and deeper pages for a reader who follows 200
  authors (150 pushed, 50 pulled big accounts), timeline full (500 entries).
- trending: `trending.recompute` over P public posts with engagement in the 72 h window.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402

from handlers.feed import actions as feed  # noqa: E402
from handlers.feed import reads as feed_reads
from handlers.feed import timeline, trending  # noqa: E402
from handlers.feed.fanout_actions import (FANOUT_JOB, QUEUE, RETRACT_JOB, run_fanout,  # noqa: E402
                                          run_retract)
from rooms.ratelimit import clear_rate  # noqa: E402
from server.config import Settings  # noqa: E402
from server.db import create_pool  # noqa: E402
from server.emitter import write_only_emitter  # noqa: E402
from server.jobs import Worker  # noqa: E402
from server.logs import configure_logging  # noqa: E402
from server.metrics import Metrics  # noqa: E402
from server.migrations import migrate_dsn  # noqa: E402
from server.state import AppState  # noqa: E402
from server.tokens import TokenKeys  # noqa: E402

DB = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def make_users(db, n: int) -> list[str]:
    rows = await db.fetch("INSERT INTO users (display_name) SELECT 'u' || g "
                          "FROM generate_series(1, $1) g RETURNING id::text", n)
    return [r[0] for r in rows]


async def follow_all(db, followers: list[str], followee: str) -> None:
    await db.execute("INSERT INTO follows (follower_id, followee_id) "
                     "SELECT unnest($1::uuid[]), $2", followers, followee)
    await db.execute("INSERT INTO social_counts (user_id, followers) VALUES ($1, $2) "
                     "ON CONFLICT (user_id) DO UPDATE SET followers = social_counts.followers "
                     "+ $2", followee, len(followers))


async def bench_fanout(state: AppState, n_followers: int, runs: int) -> dict:
    db = state.db
    author, *fans = await make_users(db, n_followers + 1)
    await follow_all(db, fans, author)
    pipe = state.redis.pipeline(transaction=False)
    for f in fans:  # every follower has a cached timeline: each one gets written
        pipe.zadd(timeline.timeline_key(state, f), {timeline.MARKER: 0})
    await pipe.execute()
    done: asyncio.Queue = asyncio.Queue()

    async def timed_fanout(st, payload):
        t = time.perf_counter()
        r = await run_fanout(st, payload)
        await done.put((t, time.perf_counter(), r))

    stop = asyncio.Event()
    worker = asyncio.create_task(Worker(state, {FANOUT_JOB: timed_fanout,
                                                RETRACT_JOB: run_retract},
                                        [QUEUE]).run(stop, grace=5))
    totals, acks, jobs, pushes = [], [], [], []
    # warm-up, not counted: the moderation model loads on its first post
    await feed.do_create_post(state, author, feed.NewPost(body="warm up"))
    await done.get()
    for i in range(runs):
        t0 = time.perf_counter()
        p = await feed.do_create_post(state, author, feed.NewPost(body=f"bench {i}"))
        acks.append((time.perf_counter() - t0) * 1000)
        started, ended, r = await done.get()
        totals.append((ended - t0) * 1000)
        jobs.append((ended - started) * 1000)
        assert p["fanout"]["mode"] == "push" and r["recipients"] == n_followers, (p, r)
        t0 = time.perf_counter()
        await timeline.push(state, fans, f"extra-{i}", 10**9 + i)
        pushes.append((time.perf_counter() - t0) * 1000)
    sample = await state.redis.zcard(timeline.timeline_key(state, fans[-1]))
    assert sample == 2 + 2 * runs, sample
    # the usual case: only the recently active followers (here 10%) have a cached timeline
    await timeline.invalidate(state, *[f for i, f in enumerate(fans) if i % 10])
    await clear_rate(state, "feed:post", author, "30/minute")
    active = []
    for i in range(runs):
        t0 = time.perf_counter()
        await feed.do_create_post(state, author, feed.NewPost(body=f"bench b{i}"))
        await done.get()
        active.append((time.perf_counter() - t0) * 1000)
    stop.set()
    await worker
    return {"total": totals, "ack": acks, "job": jobs, "push": pushes, "active10": active}


async def calibrate(state: AppState, n: int = 300) -> dict:
    """The floor this machine gives right now: one Redis and one PostgreSQL round trip."""
    rt, pg = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        await state.redis.ping()
        rt.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        await state.db.fetchval("SELECT 1")
        pg.append((time.perf_counter() - t0) * 1000)
    return {"redis": rt, "pg": pg}


async def bench_home(state: AppState, reads: int) -> dict:
    db = state.db
    reader, = await make_users(db, 1)
    small = await make_users(db, 150)
    big = await make_users(db, 50)
    for a in small + big:
        await db.execute("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)",
                         reader, a)
    await db.execute("INSERT INTO social_counts (user_id, followers) "
                     "SELECT unnest($1::uuid[]), 1", small)
    await db.execute("INSERT INTO social_counts (user_id, followers) "
                     "SELECT unnest($1::uuid[]), 50000", big)
    # 8 posts per author: 1,200 pushed (timeline keeps 500), 400 pulled
    for rnd in range(8):
        for a in small + big:
            seq, tok = await timeline.issue_position(state, lambda: feed_reads.pg_floor(state))
            pid = str(uuid.uuid4())
            await db.execute("INSERT INTO posts (id, author_id, kind, body, seq, published_at) "
                             "VALUES ($1, $2, 'text', $3, $4, now())", pid, a,
                             f"post {rnd}", seq)
            await timeline.finish_position(state, tok)
    await db.execute("ANALYZE")  # as autovacuum would have: plans as on a live database
    await feed_reads.read_home(state, reader, limit=20)  # builds the timeline from PostgreSQL
    first, deeper = [], []
    cursor = None
    cpu0 = time.process_time()
    for i in range(reads):
        t0 = time.perf_counter()
        page = await feed_reads.read_home(state, reader, limit=20)
        first.append((time.perf_counter() - t0) * 1000)
        assert len(page["items"]) == 20
        t0 = time.perf_counter()
        page2 = await feed_reads.read_home(state, reader, cursor=cursor or page["next_cursor"],
                                     limit=20)
        deeper.append((time.perf_counter() - t0) * 1000)
        cursor = page2["next_cursor"] if page2["next_cursor"] and i % 40 else None
    cpu = (time.process_time() - cpu0) * 1000 / (2 * reads)
    return {"first": first, "deeper": deeper, "cpu": cpu}


async def bench_trending(state: AppState, n_posts: int) -> dict:
    db = state.db
    authors = await make_users(db, 100)
    await db.execute(
        "INSERT INTO posts (author_id, kind, body, published_at, reaction_total, comment_count,"
        " seq) SELECT ($1::uuid[])[1 + g % 100], 'text', 'p', "
        "now() - (g % 4000) * interval '1 minute', 1 + g % 50, g % 7, 10000000 + g "
        "FROM generate_series(1, $2) g", authors, n_posts)
    runs = []
    for _ in range(5):
        r = await trending.recompute(state)
        runs.append(r["seconds"] * 1000)
        assert r["posts"] == n_posts
    t0 = time.perf_counter()
    for _ in range(200):
        await trending.bump_post(state, str(await db.fetchval(
            "SELECT id FROM posts WHERE seq = 10000001")))
    bump = (time.perf_counter() - t0) * 1000 / 200
    return {"recompute": runs, "bump": bump}


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--followers", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--reads", type=int, default=2000)
    ap.add_argument("--trending-posts", type=int, default=20_000)
    args = ap.parse_args()
    configure_logging("WARNING")
    tag = uuid.uuid4().hex[:8]
    settings = Settings(env="test", database_url=DB, database_schema=f"bench_{tag}",
                        redis_url=REDIS, redis_prefix=f"bench:{tag}:", log_level="WARNING",
                        extra={"feed_pull_threshold": 20_000})
    await migrate_dsn(DB, settings.database_schema)
    state = AppState(settings=settings, keys=TokenKeys(settings), metrics=Metrics())
    state.db = await create_pool(DB, settings.database_schema, max_size=4)
    state.redis = aioredis.from_url(REDIS)
    state.emitter = write_only_emitter(REDIS, settings.redis_prefix)
    try:
        cal = await calibrate(state)
        fan = await bench_fanout(state, args.followers, args.runs)
        home = await bench_home(state, args.reads)
        trend = await bench_trending(state, args.trending_posts)
    finally:
        await state.db.close()
        keys = [k async for k in state.redis.scan_iter(match=settings.redis_prefix + "*",
                                                       count=5000)]
        for i in range(0, len(keys), 1000):
            await state.redis.delete(*keys[i:i + 1000])
        await state.redis.aclose()
        conn = await asyncpg.connect(DB)
        await conn.execute(f'DROP SCHEMA "{settings.database_schema}" CASCADE')
        await conn.close()
    f = lambda xs: f"{statistics.median(xs):.2f} / {pct(xs, 99):.2f}"  # noqa: E731
    print("| measurement | p50 / p99 (ms) |")
    print("|---|---|")
    print(f"| fan-out: post to {args.followers:,} followers, all timelines cached, end to end "
          f"(commit, job queued, claimed, timelines written, feed:new published), "
          f"{args.runs} runs | {f(fan['total'])} |")
    print(f"| of which the `feed:post` ack (check, moderate, commit, enqueue) "
          f"| {f(fan['ack'])} |")
    print(f"| of which the fan-out job itself | {f(fan['job'])} |")
    print(f"| fan-out end to end, only 10% of followers with a cached timeline "
          f"| {f(fan['active10'])} |")
    print(f"| timeline writes only ({args.followers:,} EXISTS+ZADD, Lua in batches "
          f"of {timeline.FANOUT_BATCH}, one pipeline) | {f(fan['push'])} |")
    print(f"| home first page (20 of 500 cached + 50 pulled authors), {args.reads} reads "
          f"| {f(home['first'])} |")
    print(f"| home deeper pages (cursor), {args.reads} reads | {f(home['deeper'])} |")
    print(f"| this process's CPU per home page read (mean; Redis and PostgreSQL not counted) "
          f"| {home['cpu']:.2f} |")
    print(f"| trending recompute, {args.trending_posts:,} posts in window, 5 runs "
          f"| {f(trend['recompute'])} |")
    print(f"| trending incremental bump of one post (mean) | {trend['bump']:.2f} |")
    print(f"| calibration: one Redis PING round trip | {f(cal['redis'])} |")
    print(f"| calibration: one PostgreSQL `SELECT 1` round trip | {f(cal['pg'])} |")
    print(f"\nload average at the end: {os.getloadavg()} on {os.cpu_count()} cores")


if __name__ == "__main__":
    asyncio.run(main())
