"""Helpers for the social tests: a connected user, and quick graph/post set-up over sockets."""
from __future__ import annotations

import asyncio
from typing import Any


async def follow(sock, user_id: str) -> None:
    await sock.ok("users:follow", {"user_id": user_id})


async def post(sock, body: str, **kw: Any) -> dict:
    return await sock.ok("feed:post", {"body": body, **kw})


async def home_all(sock, limit: int = 10, max_pages: int = 100) -> list[dict]:
    """Every post of the home feed, paging older until the end."""
    items: list[dict] = []
    cursor = None
    for _ in range(max_pages):
        page = await sock.ok("feed:home", {"limit": limit, **({"cursor": cursor} if cursor
                                                             else {})})
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("home feed did not end")


def bodies(items: list[dict]) -> list[str]:
    return [p["body"] for p in items]


async def fanned_out(state, timeout: float = 10) -> None:
    """Wait until every post published so far has been fanned out (no feed position is
    still in flight), for tests with no socket that would be told."""
    from handlers.feed.timeline import feed_key

    key = feed_key(state, "inflight")
    for _ in range(int(timeout / 0.01)):
        if not await state.redis.zcard(key):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("fan-out did not finish")


async def uploaded_video(state, owner_id: str, status: str = "processing") -> str:
    """A video upload of `owner_id` as the media domain stores it, in `status`."""
    return await state.db.fetchval(
        "INSERT INTO media (owner_id, upload_length, status, filetype) "
        "VALUES ($1::uuid, 1000, $2, 'video/mp4') RETURNING id::text", owner_id, status)


async def video_post_waiting(live_app, make_user, body: str):
    """An author with a fan following them, and a video post of the author's still waiting
    for its transcode. Returns (author socket, fan socket, media id, the post)."""
    author, fan = await make_user("Author"), await make_user("Fan")
    a, f = await author.connect(live_app.url), await fan.connect(live_app.url)
    await follow(f, author.id)
    video = await uploaded_video(live_app.state, author.id)  # still transcoding
    p = await post(a, body, kind="video", media_id=video)
    assert p["status"] == "pending_media"
    return a, f, video, p
