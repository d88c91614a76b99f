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
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.recommend import actions, embedder  # noqa: E402
from handlers.recommend.index import vector_index  # noqa: E402
from tests.recommend.world import TOPIC_POSTS  # noqa: E402
from tests.support.stores import drop_test_stores, isolated_settings  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def main(n_posts: int, n_users: int, pages: int) -> dict:
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

        # 2. a world of N posts
        topics = sorted(TOPIC_POSTS)
        centroids = {tp: embedder.interest_vector(tp) for tp in topics}
        rng = np.random.default_rng(1)
        authors = [str(uuid.uuid4()) for _ in range(2000)]
        await state.db.copy_records_to_table(
            "users", records=[(uuid.UUID(a), f"author{i}") for i, a in enumerate(authors)],
            columns=["id", "display_name"])
        now = time.time()
        post_rows, emb_rows, points = [], [], []
        for i in range(n_posts):
            pid = uuid.uuid4()
            topic = topics[i % len(topics)]
            author = authors[i % len(authors)]
            vec = centroids[topic] + rng.normal(0, 0.035, 512).astype(np.float32)
            vec = (vec / np.linalg.norm(vec)).astype(np.float32)
            ts = now - float(rng.uniform(0, 20 * 86400))
            post_rows.append((pid, uuid.UUID(author), "text", f"{topic} post {i}", "public",
                              "published", i + 1, int(rng.integers(0, 300)),
                              int(rng.integers(0, 40))))
            emb_rows.append((pid, uuid.UUID(author), "ar", "C", [], vec.tobytes()))
            points.append((str(pid), vec, {"author_id": author, "lang": "ar",
                                           "visibility": "public", "published_ts": ts}))
        t = time.perf_counter()
        await state.db.copy_records_to_table(
            "posts", records=post_rows,
            columns=["id", "author_id", "kind", "body", "visibility", "status", "seq",
                     "reaction_total", "comment_count"])
        await state.db.execute("UPDATE posts SET published_at = now() - (random() * interval '20 days')")
        await state.db.copy_records_to_table(
            "post_embeddings", records=emb_rows,
            columns=["post_id", "author_id", "lang", "governorate", "hashtags", "vec"])
        await state.redis.set(actions.cursor_key(state), n_posts)
        out["pg_load_s"] = round(time.perf_counter() - t, 2)
        index = vector_index(state)
        t = time.perf_counter()
        for i in range(0, len(points), 2000):
            await index.upsert_posts(points[i:i + 2000])
        out["qdrant_local_upsert_posts_per_s"] = round(n_posts / (time.perf_counter() - t), 1)
        t = time.perf_counter()
        for i in range(0, len(points), 5000):
            await actions._add_to_interest_lists(state, [(p[0], p[1]) for p in points[i:i + 5000]])
        out["interest_lists_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        out["trending_rows"] = await actions.do_refresh_trending(state)
        out["trending_refresh_ms"] = round((time.perf_counter() - t) * 1000, 1)

        # 3. users, candidate refresh (the job: one Qdrant query each), pages
        users = []
        for u in range(n_users):
            uid = await state.db.fetchval("INSERT INTO users (display_name) VALUES ($1) "
                                          "RETURNING id::text", f"u{u}")
            picks = random.Random(u).sample(topics, 2)
            await actions.do_set_interests(state, uid, picks, "C")
            users.append(uid)
        refresh = []
        for uid in users[: min(n_users, 30)]:
            t = time.perf_counter()
            await actions.do_refresh_candidates(state, uid)
            refresh.append((time.perf_counter() - t) * 1000)
        first, nxt = [], []
        for k in range(pages):
            uid = users[k % len(users)]
            t = time.perf_counter()
            page = await actions.get_for_you(state, uid, limit=20)
            first.append((time.perf_counter() - t) * 1000)
            if page["next_cursor"]:
                t = time.perf_counter()
                await actions.get_for_you(state, uid, cursor=page["next_cursor"], limit=20)
                nxt.append((time.perf_counter() - t) * 1000)
        out["candidate_refresh_ms_p50_p99"] = [round(pct(refresh, 50), 1), round(pct(refresh, 99), 1)]
        out["page_first_ms_p50_p99"] = [round(pct(first, 50), 1), round(pct(first, 99), 1)]
        out["page_next_ms_p50_p99"] = [round(pct(nxt, 50), 1), round(pct(nxt, 99), 1)]
        out["page_first_ms_mean"] = round(statistics.mean(first), 1)
    finally:
        await app.stop()
        await drop_test_stores(settings)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--pages", type=int, default=300)
    a = ap.parse_args()
    print(json.dumps(asyncio.run(main(a.posts, a.users, a.pages))))
