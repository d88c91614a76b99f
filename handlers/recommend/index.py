"""Qdrant collections for posts and users, one code path for local mode and a server.

qdrant-client's local mode (`path=`) is blocking and single-process: every call here runs
on one dedicated thread, and opening a folder another process holds raises
`VectorsUnavailable` with a clear message instead of touching (and corrupting) it. With
`QDRANT_URL` set the same calls go to a Qdrant server.
"""
from __future__ import annotations

import asyncio
import gc
import importlib
import os
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np

from handlers.recommend.embedder import DIM
from server.config import Settings
from server.errors import AppError

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

# qdrant_client is imported where it is used: it costs ~1 s of start-up for every process,
# and only the processes that index or search need it.


OVERFETCH = 4  # local mode: unfiltered neighbours fetched per wanted hit (see search_posts)


class VectorsUnavailable(AppError):
    def __init__(self, message: str):
        super().__init__("vectors_unavailable", message, status=503)


@dataclass(frozen=True)
class Hit:
    post_id: str
    score: float
    payload: dict


class VectorIndex:
    def __init__(self, settings: Settings):
        self.settings = settings
        tag = re.sub(r"[^a-z0-9_]", "_", settings.redis_prefix.lower()).strip("_") or "sawt"
        self.posts = f"{tag}_posts"
        self.users = f"{tag}_users"
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qdrant")
        self._client: QdrantClient | None = None
        self._open_error: str | None = None

    @property
    def local_path(self) -> str:
        return str((self.settings.data_dir / "qdrant").resolve())

    def _open(self) -> "QdrantClient":
        if self._client is not None:
            return self._client
        from qdrant_client import QdrantClient
        from qdrant_client import models as qm
        if self.settings.qdrant_url:
            client = QdrantClient(url=self.settings.qdrant_url, timeout=10)
        else:
            try:
                client = QdrantClient(path=self.local_path)
            except RuntimeError as exc:  # portalocker: another process holds the folder
                raise VectorsUnavailable(
                    f"Qdrant local folder {self.local_path} is owned by another process; "
                    f"run one owner (the worker) or set QDRANT_URL for several ({exc})") from None
        for name in (self.posts, self.users):
            if not client.collection_exists(name):
                # DOT on unit vectors (every vector is normalised before it gets here) is
                # cosine. Local mode re-normalises the whole collection on every COSINE query
                # (3 passes over 200 MB at 100k posts); DOT is one matrix-vector product.
                client.create_collection(name, vectors_config=qm.VectorParams(
                    size=DIM, distance=qm.Distance.DOT))
                if name == self.posts and self.settings.qdrant_url:  # local mode ignores them
                    for field, kind in (("author_id", qm.PayloadSchemaType.KEYWORD),
                                        ("lang", qm.PayloadSchemaType.KEYWORD),
                                        ("visibility", qm.PayloadSchemaType.KEYWORD),
                                        ("published_ts", qm.PayloadSchemaType.FLOAT)):
                        client.create_payload_index(name, field, kind)
        if not self.settings.qdrant_url:
            _fast_local_writes(client, (self.posts, self.users))
            _freeze_loaded_points()
        self._client = client
        return client

    async def freeze_loaded_points(self) -> None:
        """After a bulk load (see _freeze_loaded_points); local mode only."""
        if not self.settings.qdrant_url:
            await self._run(lambda c: _freeze_loaded_points())

    async def _run(self, fn, *args, **kw):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: fn(self._open(), *args, **kw))

    async def _qm(self):
        """qdrant_client.models, imported in the index's thread: a cold import of qdrant's
        protobuf stack holds the event loop for ~0.5 s (found by the loop-stall guard)."""
        return await self._run(lambda c: importlib.import_module("qdrant_client.models"))

    async def available(self) -> bool:
        try:
            await self._run(lambda c: None)
            return True
        except VectorsUnavailable:
            return False

    async def upsert_posts(self, rows: list[tuple[str, np.ndarray, dict]]) -> None:
        if not rows:
            return
        qm = await self._qm()

        def op(c):
            vectors = _unit_rows(np.stack([r[1] for r in rows])).tolist()
            c.upsert(self.posts, wait=True, points=qm.Batch(
                ids=[r[0] for r in rows], vectors=vectors, payloads=[r[2] for r in rows]))
        await self._run(op)

    async def delete_posts(self, post_ids: list[str]) -> None:
        qm = await self._qm()

        if post_ids:
            await self._run(lambda c: c.delete(self.posts, wait=True,
                                               points_selector=qm.PointIdsList(points=post_ids)))

    async def search_posts(self, vector: np.ndarray, *, limit: int, min_ts: float | None = None,
                           exclude_authors: list[str] = (), langs: list[str] | None = None,
                           visibility: str = "public") -> list[Hit]:
        """Nearest posts by visibility, age, author and language.

        A Qdrant server applies the filter with its payload indexes. Local mode has no
        indexes: it checks a filter in Python against every point (≈ 1 s at 20k posts), while
        an unfiltered query is one numpy product. So local mode asks for the nearest
        OVERFETCH × limit unfiltered and applies the same conditions to those, and falls back
        to the filtered query only when too few of them pass.
        """
        qm = await self._qm()

        must = [qm.FieldCondition(key="visibility", match=qm.MatchValue(value=visibility))]
        if min_ts is not None:
            must.append(qm.FieldCondition(key="published_ts", range=qm.Range(gte=min_ts)))
        if langs:
            must.append(qm.FieldCondition(key="lang", match=qm.MatchAny(any=list(langs))))
        must_not = []
        if exclude_authors:
            must_not.append(qm.FieldCondition(key="author_id",
                                              match=qm.MatchAny(any=list(exclude_authors))))
        flt = qm.Filter(must=must, must_not=must_not or None)
        query32 = _unit_rows(vector[None, :])[0]
        query = query32.tolist()
        excluded, lang_set = set(exclude_authors), set(langs or ())

        def passes(p: dict) -> bool:
            return (p.get("visibility") == visibility
                    and (min_ts is None or p.get("published_ts", 0.0) >= min_ts)
                    and (not lang_set or p.get("lang") in lang_set)
                    and p.get("author_id") not in excluded)

        def op(c):
            if not self.settings.qdrant_url:
                near = _local_nearest(c, self.posts, query32, limit * OVERFETCH)
                kept = [p for p in near if passes(p.payload or {})]
                if len(kept) >= limit or len(near) < limit * OVERFETCH:
                    return kept[:limit]
            return c.query_points(self.posts, query=query, query_filter=flt, limit=limit,
                                  with_payload=True).points
        points = await self._run(op)
        return [Hit(str(p.id), float(p.score), p.payload or {}) for p in points]

    async def count_posts(self) -> int:
        return await self._run(lambda c: c.count(self.posts, exact=True).count)

    async def upsert_user(self, user_id: str, vector: np.ndarray, payload: dict) -> None:
        qm = await self._qm()

        await self._run(lambda c: c.upsert(self.users, wait=True, points=[qm.PointStruct(
            id=str(uuid.UUID(user_id)), vector=_unit_rows(vector[None, :])[0].tolist(),
            payload=payload)]))

    async def search_users(self, vector: np.ndarray, *, limit: int,
                           min_score: float) -> list[tuple[str, float]]:
        """Users whose vectors are nearest to `vector` (a new post), at least `min_score`."""
        query32 = _unit_rows(vector[None, :])[0]

        def op(c):
            if not c.collection_exists(self.users):
                return []
            if not self.settings.qdrant_url:
                near = _local_nearest(c, self.users, query32, limit)
            else:
                near = c.query_points(self.users, query=query32.tolist(), limit=limit,
                                      score_threshold=min_score, with_payload=True).points
            return [(str((p.payload or {}).get("user_id") or p.id), float(p.score))
                    for p in near if p.score >= min_score]
        return await self._run(op)

    async def delete_user(self, user_id: str) -> None:
        qm = await self._qm()

        await self._run(lambda c: c.delete(self.users, wait=True, points_selector=qm.PointIdsList(
            points=[str(uuid.UUID(user_id))])))

    async def close(self) -> None:
        def op():
            if self._client is not None:
                self._client.close()
                self._client = None
        await asyncio.get_running_loop().run_in_executor(self._pool, op)
        self._pool.shutdown(wait=False)


def _freeze_loaded_points() -> None:
    """Local mode keeps every point's payload as Python dicts (100k posts: millions of
    objects), and each full garbage collection walks them all: ~200 ms pauses in 1–2 % of
    candidate refreshes at 100k posts. Moving what is loaded now into the permanent
    generation (gc.freeze) takes them out of those walks (refresh p99 215 → 34 ms). Points
    added later are collected as usual; the next open or rebuild freezes them too.
    GC_TUNING=0 turns it off, as it does `python -m server serve`'s own freeze."""
    if os.environ.get("GC_TUNING", "1") != "0":
        gc.collect()
        gc.freeze()


def _local_nearest(client: "QdrantClient", collection: str, query32: np.ndarray,
                   limit: int) -> list:
    """Local mode's nearest points, unfiltered. QdrantClient turns a query into a Python list
    and local mode turns that into a float64 array, so every search multiplies the float32
    collection as float64 (a 400 MB temporary at 100k posts, ~100 ms); its collection's own
    `search` takes the float32 query as is (~10 ms). Reaches into the local client, with
    the public call as the fallback if that layout changes."""
    col = getattr(getattr(client, "_client", None), "collections", {}).get(collection)
    if col is not None and callable(getattr(col, "search", None)):
        return col.search(query32, limit=limit, with_payload=True)
    return client.query_points(collection, query=query32.tolist(), limit=limit,
                               with_payload=True).points


def _unit_rows(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


def _fast_local_writes(client: "QdrantClient", collections: tuple[str, ...]) -> None:
    """Local mode stores each point in SQLite with a commit per point, and each commit
    fsyncs (≈ 100 points/s on this machine's disk). WAL with synchronous=NORMAL keeps every
    commit safe from a process crash and skips the fsync (> 3,000 points/s); a power loss can
    lose the last commits, which `recommend.rebuild_index` restores from PostgreSQL (the
    truth). Reaches into the local client's storage; skipped if its layout changes."""
    for name in collections:
        conn = getattr(getattr(getattr(client, "_client", None), "collections", {}).get(name),
                       "storage", None)
        conn = getattr(conn, "storage", None)
        if conn is not None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")


def vector_index(state) -> VectorIndex:
    """This process's index handle (opened lazily on first use)."""
    idx = state.extras.get("recommend.index")
    if idx is None:
        idx = state.extras["recommend.index"] = VectorIndex(state.settings)
    return idx
