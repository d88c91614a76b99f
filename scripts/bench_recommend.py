"""Benchmark: "For you" page latency with N posts in Qdrant local mode; embedding throughput.

    python scripts/bench_recommend.py --posts 100000 --users 200

Real PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL or the local defaults), an
isolated schema and key prefix, Qdrant local mode in a temporary folder. Text embedding
throughput is measured on real posts; the N bench posts get synthetic vectors (a topic's
interest vector plus noise) so that loading 100k posts does not take an hour of encoding.
Prints one JSON object; record it in docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import cProfile
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.recommend import actions, embedder, indexing, keys, queries as q  # noqa: E402
from handlers.recommend.index import vector_index  # noqa: E402
from tests.recommend.world import TOPIC_POSTS  # noqa: E402
from tests.support.stores import drop_test_stores, isolated_settings  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def main(n_posts: int, n_users: int, pages: int, n_fresh: int,
               profile: str | None = None, explain: bool = False,
               socket_pages: int = 200) -> dict:
    from tests.conftest import LiveApp

    tmp = Path(tempfile.mkdtemp(prefix="bench-rec-"))
    settings = isolated_settings(data_dir=tmp / "data", media_root=tmp / "media")
    app = await LiveApp(settings).start()
    state = app.state
    out: dict = {"posts": n_posts, "users": n_users}
    try:
        # 1. embedding throughput on real texts
        texts = [t for ts in TOPIC_POSTS.values() for t in ts] * 9
        embedder.embed_texts(["warm up"])
        t = time.perf_counter()
        embedder.embed_posts([(x, embedder.hashtags(x), None) for x in texts])
        out["embed_posts_per_s"] = round(len(texts) / (time.perf_counter() - t), 1)

        # 2. a world of N posts: PostgreSQL by COPY, then the index rebuilt from it by the
        #    production path (recommend.rebuild_index: stored vectors -> Qdrant + interest lists)
        topics = sorted(TOPIC_POSTS)
        centroids = np.stack([embedder.interest_vector(tp) for tp in topics])
        rng = np.random.default_rng(1)
        authors = [uuid.uuid4() for _ in range(2000)]
        await state.db.copy_records_to_table(
            "users", records=[(a, f"author{i}") for i, a in enumerate(authors)],
            columns=["id", "display_name"])
        t = time.perf_counter()
        topic_idx = np.arange(n_posts) % len(topics)
        vecs = centroids[topic_idx] + rng.normal(0, 0.035, (n_posts, 512)).astype(np.float32)
        vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
        ages = rng.uniform(0, 20 * 86400, n_posts)
        reactions, comments = rng.integers(0, 300, n_posts), rng.integers(0, 40, n_posts)
        ids = [uuid.uuid4() for _ in range(n_posts)]
        base = datetime.now(timezone.utc)
        post_rows = [(ids[i], authors[i % len(authors)], "text", f"{topics[topic_idx[i]]} post {i}",
                      "public", "published", i + 1, int(reactions[i]), int(comments[i]),
                      base - timedelta(seconds=float(ages[i]))) for i in range(n_posts)]
        emb_rows = [(ids[i], authors[i % len(authors)], "ar", "C", [], vecs[i].tobytes())
                    for i in range(n_posts)]
        out["synthetic_vectors_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        await state.db.copy_records_to_table(
            "posts", records=post_rows,
            columns=["id", "author_id", "kind", "body", "visibility", "status", "seq",
                     "reaction_total", "comment_count", "published_at"])
        await state.db.copy_records_to_table(
            "post_embeddings", records=emb_rows,
            columns=["post_id", "author_id", "lang", "governorate", "hashtags", "vec"])
        await state.db.execute("SELECT setval('post_feed_seq', $1)", n_posts)
        await state.db.execute("ANALYZE posts; ANALYZE post_embeddings")
        await state.redis.set(keys.cursor_key(state), n_posts)
        out["pg_load_s"] = round(time.perf_counter() - t, 2)
        del post_rows, emb_rows
        t = time.perf_counter()
        rebuilt = await indexing.do_rebuild_index(state)
        out["index_rebuild_posts_per_s"] = round(rebuilt / (time.perf_counter() - t), 1)
        out["qdrant_points"] = await vector_index(state).count_posts()
        t = time.perf_counter()
        out["trending_rows"] = await indexing.do_refresh_trending(state)
        out["trending_refresh_ms"] = round((time.perf_counter() - t) * 1000, 1)

        # new posts with real text through the indexing pass (embed + PostgreSQL + Qdrant)
        texts = [t for ts in TOPIC_POSTS.values() for t in ts]
        fresh = [(uuid.uuid4(), authors[i % len(authors)], "text", f"{texts[i % len(texts)]} {i}",
                  "public", "published", n_posts + 1 + i, 0, 0, base) for i in range(n_fresh)]
        await state.db.copy_records_to_table(
            "posts", records=fresh,
            columns=["id", "author_id", "kind", "body", "visibility", "status", "seq",
                     "reaction_total", "comment_count", "published_at"])
        t = time.perf_counter()
        res = await indexing.do_index_posts(state)
        out["index_pass_new_posts_per_s"] = round(res["indexed"] / (time.perf_counter() - t), 1)
        idle = []
        for _ in range(5):  # the pass every serving process asks for every 5 s, nothing new
            t = time.perf_counter()
            await indexing.do_index_posts(state)
            idle.append((time.perf_counter() - t) * 1000)
        out["index_pass_idle_ms_median"] = round(statistics.median(idle), 1)

        # 3. users, candidate refresh (the job: one Qdrant query each), pages
        users = []
        for u in range(n_users):
            uid = await state.db.fetchval("INSERT INTO users (display_name) VALUES ($1) "
                                          "RETURNING id::text", f"u{u}")
            picks = random.Random(u).sample(topics, 2)
            await actions.do_set_interests(state, uid, picks, "C")
            users.append(uid)
        refresh = []
        rprof = cProfile.Profile() if profile else None
        if rprof:
            rprof.enable()
        for uid in users:
            t = time.perf_counter()
            await indexing.do_refresh_candidates(state, uid)
            refresh.append((time.perf_counter() - t) * 1000)
        if rprof:
            rprof.disable()
            rprof.dump_stats(profile + ".refresh")
        first, nxt = [], []
        prof = cProfile.Profile() if profile else None
        if prof:
            prof.enable()
        for k in range(pages):
            uid = users[k % len(users)]
            t = time.perf_counter()
            page = await actions.get_for_you(state, uid, limit=20)
            first.append((time.perf_counter() - t) * 1000)
            if page["next_cursor"]:
                t = time.perf_counter()
                await actions.get_for_you(state, uid, cursor=page["next_cursor"], limit=20)
                nxt.append((time.perf_counter() - t) * 1000)
        if prof:
            prof.disable()
            prof.dump_stats(profile)
        out["candidate_refresh_first_ms"] = round(refresh[0], 1)  # opens the users collection
        refresh = refresh[1:]
        out["candidate_refresh_ms_p50_p99"] = [round(pct(refresh, 50), 1), round(pct(refresh, 99), 1)]
        out["page_first_ms_p50_p99"] = [round(pct(first, 50), 1), round(pct(first, 99), 1)]
        out["page_next_ms_p50_p99"] = [round(pct(nxt, 50), 1), round(pct(nxt, 99), 1)]
        out["page_first_ms_mean"] = round(statistics.mean(first), 1)
        out["page_first_stages_ms_p50_p99"] = await page_stages(state, users)
        if socket_pages:
            lat = await socket_round_trips(app, socket_pages)
            out["socket_page_first_ms_p50_p99"] = [round(pct(lat, 50), 1), round(pct(lat, 99), 1)]
        if explain:
            ids = await actions._gather_candidates(state, users[0], [], "C", [])
            plan = await state.db.fetch("EXPLAIN (ANALYZE, BUFFERS) " + q.HYDRATE, ids, users[0])
            out["hydrate_plan"] = [r[0] for r in plan if len(r[0]) < 200]
            plan = await state.db.fetch("EXPLAIN (ANALYZE, BUFFERS) " + q.FOLLOWING_RECENT,
                                        users[0], 100)
            out["following_plan"] = [r[0] for r in plan]
            plan = await state.db.fetch("EXPLAIN (ANALYZE, BUFFERS) " + q.GET_PROFILE, users[0])
            out["profile_plan"] = [r[0] for r in plan]
    finally:
        await app.stop()
        await drop_test_stores(settings)
    return out


async def socket_round_trips(app, pages: int, n_users: int = 20) -> list[float]:
    """`feed:for_you` acks over Socket.IO (client and server in this one process)."""
    from tests.conftest import insert_test_user

    state, topics, clients = app.state, sorted(TOPIC_POSTS), []
    for i in range(n_users):
        async with state.db.acquire() as conn:
            user = await insert_test_user(conn, state.keys, f"sock{i}")
        await actions.do_set_interests(state, user.id, random.Random(i).sample(topics, 2), "C")
        await indexing.do_refresh_candidates(state, user.id)
        clients.append(await user.connect(app.url))
    lat = []
    for k in range(pages):
        t = time.perf_counter()
        await clients[k % n_users].ok("feed:for_you", {"limit": 20})
        lat.append((time.perf_counter() - t) * 1000)
    for c in clients:
        await c.close()
    return lat


async def page_stages(state, users: list[str]) -> dict:
    """Where a first page's time goes: the steps of actions._build_ranked, timed one by one."""
    from handlers.recommend.embedder import from_bytes
    from handlers.recommend.ranking import Candidate, rank

    stages: dict[str, list[float]] = {"profile_sql": [], "gather_redis": [], "hydrate_sql": [],
                                      "trust_sql": [], "rank": []}
    for uid in users:
        t0 = time.perf_counter()
        async with state.db.acquire() as conn:
            prof = await conn.fetchrow(q.GET_PROFILE, uid)
            following = [r[0] for r in await conn.fetch(q.FOLLOWING_RECENT, uid, 100)]
        t1 = time.perf_counter()
        ids = await actions._gather_candidates(state, uid, list(prof["interests"]),
                                               prof["governorate"], following)
        t2 = time.perf_counter()
        rows = await actions._hydrate_rows(state, uid, ids)
        t3 = time.perf_counter()
        trust = await actions._trust(state, list({r["author_id"] for r in rows.values()}))
        t4 = time.perf_counter()
        cands = [Candidate(id=r["id"], author_id=r["author_id"], vec=from_bytes(r["vec"]),
                           published_ts=float(r["published_ts"] or 0),
                           reactions=r["reaction_total"], comments=r["comment_count"],
                           trust=trust.get(r["author_id"], 0.5)) for r in rows.values()]
        rank(cands, from_bytes(prof["vec"]), k=100)
        t5 = time.perf_counter()
        for name, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            stages[name].append(dt * 1000)
    out = {n: [round(pct(v, 50), 1), round(pct(v, 99), 1)] for n, v in stages.items()}
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--fresh", type=int, default=1024, help="real-text posts indexed at the end")
    ap.add_argument("--profile", help="write a cProfile of the page loop here")
    ap.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the hydrate query")
    ap.add_argument("--socket-pages", type=int, default=200,
                    help="first pages asked over Socket.IO at the end (0: none)")
    a = ap.parse_args()
    print(json.dumps(asyncio.run(main(a.posts, a.users, a.pages, a.fresh, a.profile,
                                      a.explain, a.socket_pages)), indent=1))
