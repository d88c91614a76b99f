"""Helpers for the social tests: a connected user, and quick graph/post set-up over sockets."""
from __future__ import annotations

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
