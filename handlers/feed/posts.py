"""A post as clients get it, the errors every read path shares, and the subscriber gate.

Subscriber-only posts (visibility `subscribers`) show on every read path as a locked teaser
(author, kind, counts, `locked: true`; no body, no media) to anyone without a live
subscription to the author; the wallet domain decides who is a subscriber
(it registers `handlers.wallet.subscription_actions.is_subscriber` here). Every read path passes its page through
`gate_posts` before answering.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from server.errors import Forbidden, NotFound
from server.state import AppState


class PostNotFound(NotFound):
    def __init__(self):
        super().__init__("No such post (deleted, expired or not visible to you)",
                         code="post_not_found")


class NotCircleMember(Forbidden):
    def __init__(self):
        super().__init__("You are not a member of this circle", code="not_circle_member")


def post_json(row) -> dict[str, Any]:
    """A post row (POST_COLUMNS) as clients get it."""
    return {
        "id": row["id"], "kind": row["kind"], "body": row["body"], "media_id": row["media_id"],
        "author": {"id": row["author_id"], "display_name": row["author_name"],
                   "handle": row["author_handle"], "verified": row["author_verified"]},
        "visibility": row["visibility"], "circle_id": row["circle_id"],
        "is_story": row["is_story"],
        "expires_at": row["expires_at"].isoformat() if row["expires_at"] else None,
        "status": row["status"], "reactions": row["reaction_counts"],
        "reaction_total": row["reaction_total"], "comment_count": row["comment_count"],
        "my_reaction": row["my_reaction"], "locked": False,
        "created_at": row["created_at"].isoformat(),
        "edited_at": row["edited_at"].isoformat() if row["edited_at"] else None,
    }


def locked(post: dict) -> dict:
    """The teaser of a subscriber-only post: who posted what kind, not what it says."""
    return {**post, "body": "", "media_id": None, "locked": True}


def broadcast_view(post: dict) -> dict:
    """What a push to many sockets may carry: subscriber-only posts as their teaser
    (subscribers fetch the full post with `feed:get`)."""
    return locked(post) if post["visibility"] == "subscribers" else post


SubscriptionCheck = Callable[[Any, str, str], Awaitable[bool]]
_SUBSCRIPTION_CHECKS: list[SubscriptionCheck] = []


def register_subscription_check(check: SubscriptionCheck) -> None:
    """`check(conn, viewer, author)`: does viewer hold a live subscription to author? The
    wallet domain (which owns subscriptions, and sits above feed) registers it when imported;
    with none registered, only the author reads a subscribers-only post."""
    if check not in _SUBSCRIPTION_CHECKS:
        _SUBSCRIPTION_CHECKS.append(check)


async def is_subscriber(conn, viewer: str | None, author: str) -> bool:
    if viewer is not None and viewer == author:
        return True
    if viewer is None or not _SUBSCRIPTION_CHECKS:
        return False
    return await _SUBSCRIPTION_CHECKS[0](conn, viewer, author)


async def gate_posts(state: AppState, viewer: str | None, posts: list[dict],
                     conn=None) -> list[dict]:
    """Lock the subscriber-only posts `viewer` may not read; one gate check per author."""
    authors = {p["author"]["id"] for p in posts
               if p["visibility"] == "subscribers" and p["author"]["id"] != viewer}
    if not authors:
        return posts
    if conn is None:
        async with state.db.acquire() as c:
            return await gate_posts(state, viewer, posts, c)
    shut = {a for a in authors if not await is_subscriber(conn, viewer, a)}
    return [locked(p) if p["visibility"] == "subscribers" and p["author"]["id"] in shut else p
            for p in posts]
