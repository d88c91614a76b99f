"""Profiles and the social graph: follow, block, mute, lists, verification badges.

Rules every read path in this package and in feed/interactions relies on:
- a block works both ways: neither side sees the other's profile, posts, comments or lists,
  and a block removes the follow edges in both directions;
- a mute is one-way and quiet: the muted user's posts, comments and notifications never
  reach the muter, but nothing is removed and the muted user is not told.
"""
from __future__ import annotations

import re
from typing import Any

import msgspec

from handlers.moderation.gate import moderate_text
from handlers.users import queries as q
from handlers.users.checks import (
    UserNotFound,
    check_not_blocked,
    check_user_exists,
    check_user_id,
)
from handlers.users.hooks import graph_changed
from rooms.ratelimit import check_rate
from server.cursors import clamp_limit, decode_cursor, encode_cursor
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict
from server.privacy import holds_personal_data
from server.payloads import VisibleName
from server.state import AppState

HANDLE = re.compile(r"^[A-Za-z0-9_.]{3,30}$")


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True):
    display_name: VisibleName | None = None
    handle: str | None = None
    bio: str | None = None
    avatar_media_id: str | None = None
    language: str | None = None
    interests: list[str] | None = None


async def resolve_user(conn, user_id: str | None = None, handle: str | None = None) -> str:
    if user_id:
        await check_user_exists(conn, user_id)
        return user_id.lower()
    if handle:
        found = await conn.fetchval(q.USER_ID_BY_HANDLE, handle.lstrip("@"))
        if found is None:
            raise UserNotFound()
        return found
    raise BadRequest("Give user_id or handle", code="invalid_payload")


async def relation(conn, viewer: str, other: str) -> dict[str, bool]:
    if viewer == other:
        return {"self": True}
    return dict(await conn.fetchrow(q.RELATION, viewer, other))


async def get_profile(state: AppState, viewer: str, *, user_id: str | None = None,
                      handle: str | None = None) -> dict[str, Any]:
    """A profile as `viewer` sees it; `blocked` if either side blocked the other."""
    async with state.db.acquire() as conn:
        uid = await resolve_user(conn, user_id, handle)
        await check_not_blocked(conn, viewer, uid)
        row = await conn.fetchrow(q.PROFILE_BY_ID, uid)
        rel = await relation(conn, viewer, uid)
    out = dict(row)
    out["created_at"] = out["created_at"].isoformat()
    out["interests"] = list(out["interests"])
    out["relation"] = rel
    return out


async def _moderate_profile_text(state: AppState, user_id: str, text: str, field: str) -> None:
    # A profile is public the moment it is saved, so "hold" cannot hide it: both refuse.
    d = await moderate_text(state, text, user_id=user_id, context="profile")
    if not d.allowed:
        raise AppError("content_blocked", f"The {field} was refused by moderation",
                       status=422, details={"field": field, "reason": d.reason})


async def do_update_profile(state: AppState, user_id: str, req: ProfileUpdate) -> dict:
    await check_rate(state, "users:profile", user_id, "10/minute")
    if req.handle is not None and not HANDLE.match(req.handle):
        raise BadRequest("A handle is 3-30 letters, digits, '_' or '.'", code="invalid_handle")
    if req.display_name is not None and not (1 <= len(req.display_name.strip()) <= 60):
        raise BadRequest("A display name is 1-60 characters", code="invalid_payload")
    if req.bio is not None and len(req.bio) > 500:
        raise BadRequest("A bio is at most 500 characters", code="invalid_payload")
    if req.interests is not None and (len(req.interests) > 30
                                      or any(len(i) > 40 for i in req.interests)):
        raise BadRequest("At most 30 interests of 40 characters", code="invalid_payload")
    for field in ("display_name", "handle", "bio"):
        value = getattr(req, field)
        if value:
            await _moderate_profile_text(state, user_id, value, field)
    async with transaction(state.db) as tx:
        exists = await tx.conn.fetchval("SELECT handle FROM profiles WHERE user_id = $1", user_id)
        if req.handle is not None and await tx.conn.fetchval(q.HANDLE_TAKEN, req.handle, user_id):
            raise Conflict("That handle is taken", code="handle_taken")
        # the INSERT arm must carry a handle (NOT NULL is checked before ON CONFLICT): a
        # partial update keeps the handle the profile has
        handle = req.handle if req.handle is not None else exists
        if handle is None:
            handle = "user_" + user_id.replace("-", "")[:12]
        try:
            await tx.conn.execute(q.UPSERT_PROFILE, user_id, handle, req.bio,
                                  req.avatar_media_id, req.language, req.interests)
        except Exception as exc:  # the unique index settles a race for the same handle
            if type(exc).__name__ == "UniqueViolationError":
                raise Conflict("That handle is taken", code="handle_taken") from None
            raise
        if req.display_name is not None:
            await tx.conn.execute(q.SET_DISPLAY_NAME, user_id, req.display_name.strip())
    return await get_profile(state, user_id, user_id=user_id)


async def do_set_verified(state: AppState, admin_id: str, user_id: str, verified: bool) -> dict:
    """An admin grants or removes the verification badge."""
    async with transaction(state.db) as tx:
        await check_user_exists(tx.conn, user_id)
        await tx.conn.execute(q.SET_VERIFIED, user_id, verified, admin_id)
    return {"user_id": user_id, "verified": verified}


async def do_follow(state: AppState, follower: str, followee: str) -> dict:
    """Follow someone. Following twice is harmless; following yourself or across a block is
    refused. The follower's cached timeline is dropped so the next read includes the new
    followee's posts."""
    from handlers.notifications.actions import do_notify

    followee = check_user_id(followee)
    if follower == followee:
        raise BadRequest("You cannot follow yourself", code="cannot_follow_self")
    await check_rate(state, "users:follow", follower, "60/minute")
    async with transaction(state.db, state.emitter) as tx:
        await check_user_exists(tx.conn, followee)
        await check_not_blocked(tx.conn, follower, followee)
        created = await tx.conn.fetchval(q.INSERT_FOLLOW, follower, followee)
        if created:
            await tx.conn.execute(q.BUMP_COUNTS, follower, followee, 1)
            await do_notify(tx, user_id=followee, kind="follow", actor_id=follower,
                            target_kind="user", target_id=followee)
    if created:
        await graph_changed.fire(state, follower)
    return {"following": True, "created": bool(created)}


async def do_unfollow(state: AppState, follower: str, followee: str) -> dict:
    followee = check_user_id(followee)
    async with transaction(state.db) as tx:
        removed = await tx.conn.fetchval(q.DELETE_FOLLOW, follower, followee)
        if removed:
            await tx.conn.execute(q.BUMP_COUNTS, follower, followee, -1)
    if removed:
        await graph_changed.fire(state, follower)
    return {"following": False, "removed": bool(removed)}


async def do_block(state: AppState, blocker: str, blocked: str) -> dict:
    """Block: removes follows both ways and hides each from the other everywhere."""
    blocked = check_user_id(blocked)
    if blocker == blocked:
        raise BadRequest("You cannot block yourself", code="cannot_block_self")
    await check_rate(state, "users:block", blocker, "30/minute")
    async with transaction(state.db) as tx:
        await check_user_exists(tx.conn, blocked)
        created = await tx.conn.fetchval(q.INSERT_BLOCK, blocker, blocked)
        for a, b in ((blocker, blocked), (blocked, blocker)):
            if await tx.conn.fetchval(q.DELETE_FOLLOW, a, b):
                await tx.conn.execute(q.BUMP_COUNTS, a, b, -1)
    await graph_changed.fire(state, blocker, blocked)
    if created:
        await _recompute_trust_later(state, blocked)
    return {"blocking": True, "created": bool(created)}


async def do_unblock(state: AppState, blocker: str, blocked: str) -> dict:
    blocked = check_user_id(blocked)
    async with transaction(state.db) as tx:
        removed = await tx.conn.fetchval(q.DELETE_BLOCK, blocker, blocked)
    if removed:
        await _recompute_trust_later(state, blocked)
    return {"blocking": False, "removed": bool(removed)}


async def do_mute(state: AppState, muter: str, muted: str) -> dict:
    muted = check_user_id(muted)
    if muter == muted:
        raise BadRequest("You cannot mute yourself", code="cannot_mute_self")
    async with transaction(state.db) as tx:
        await check_user_exists(tx.conn, muted)
        created = await tx.conn.fetchval(q.INSERT_MUTE, muter, muted)
    return {"muting": True, "created": bool(created)}


async def do_unmute(state: AppState, muter: str, muted: str) -> dict:
    muted = check_user_id(muted)
    async with transaction(state.db) as tx:
        removed = await tx.conn.fetchval(q.DELETE_MUTE, muter, muted)
    return {"muting": False, "removed": bool(removed)}


async def list_edges(state: AppState, viewer: str, user_id: str, which: str,
                     cursor: str | None, limit: int | None) -> dict:
    """Followers or following of `user_id`, newest first, by opaque cursor."""
    n = clamp_limit(limit, 50, 200)
    after = decode_cursor(cursor, 2)
    from datetime import datetime

    at = datetime.fromisoformat(after[0]) if after else None
    after_id = after[1] if after else None
    sql = q.FOLLOWERS_PAGE if which == "followers" else q.FOLLOWING_PAGE
    async with state.db.acquire() as conn:
        await check_user_exists(conn, user_id)
        await check_not_blocked(conn, viewer, user_id)
        rows = await conn.fetch(sql, user_id, viewer, at, after_id, n + 1)
    more = len(rows) > n
    rows = rows[:n]
    items = [{"id": r["id"], "display_name": r["display_name"], "handle": r["handle"],
              "verified": r["verified"], "since": r["created_at"].isoformat()} for r in rows]
    nxt = encode_cursor(rows[-1]["created_at"].isoformat(), rows[-1]["id"]) if more else None
    return {"items": items, "next_cursor": nxt}


async def _recompute_trust_later(state: AppState, user_id: str) -> None:
    from handlers.users.trust import do_recompute_trust

    await do_recompute_trust(state, user_id)


# PDPL: profile, graph edges, trust.
async def _export(conn, user_id: str) -> Any:
    return await conn.fetchval(q.EXPORT, user_id)


async def _erase(conn, user_id: str) -> None:
    await conn.execute(q.ERASE_COUNTS, user_id)
    for sql in q.ERASE:
        await conn.execute(sql, user_id)


async def _after_erase(state: AppState, user_id: str) -> None:
    await graph_changed.fire(state, user_id)


holds_personal_data("users", export=_export, erase=_erase, after_commit=_after_erase)
