"""Viewer counts over time, per stream: what the creator dashboard charts. The process that
wins a stream's tick appends a sample whenever the distinct-viewer count changes (so a quiet
stream costs nothing); a stream keeps at most HISTORY_SAMPLES samples for HISTORY_SECONDS."""
from __future__ import annotations

from handlers.live import queries as q
from server.state import AppState

HISTORY_SAMPLES = 2000
HISTORY_SECONDS = 30 * 86400


def history_key(state: AppState, stream_id: str) -> str:
    return state.key("live", "viewer_history", stream_id)


def count_key(state: AppState, stream_id: str) -> str:
    """The last distinct-viewer count published for a stream (the tick compares with it)."""
    return state.key("live", "count", stream_id)


async def start_history(state: AppState, stream_id: str, at_ms: int) -> None:
    """A stream went live with no viewers yet: its history starts with 0 there. A chart needs
    two points, and a viewer who joined before the first tick was otherwise the only one."""
    pipe = state.redis.pipeline(transaction=False)
    pipe.set(count_key(state, stream_id), 0, ex=600)
    add_sample(pipe, state, stream_id, at_ms, 0)
    await pipe.execute()


def add_sample(pipe, state: AppState, stream_id: str, at_ms: int, count: int) -> None:
    """Queue the sample on a Redis pipeline (the tick's own round trip)."""
    key = history_key(state, stream_id)
    pipe.rpush(key, f"{at_ms}:{count}")
    pipe.ltrim(key, -HISTORY_SAMPLES, -1)
    pipe.expire(key, HISTORY_SECONDS)


async def latest_stream_viewers(state: AppState, creator_id: str) -> dict | None:
    """The viewer counts of the creator's latest stream that went live, oldest first;
    None when the creator never went live."""
    row = await state.db.fetchrow(q.LATEST_STARTED_STREAM, creator_id)
    if row is None:
        return None
    raw = await state.redis.lrange(history_key(state, row["id"]), 0, -1)
    samples = []
    for item in raw:
        at, _, count = item.decode().partition(":")
        samples.append({"at": int(at), "count": int(count)})
    return {"stream_id": row["id"], "title": row["title"],
            "started_at": row["started_at"].isoformat(), "samples": samples}
