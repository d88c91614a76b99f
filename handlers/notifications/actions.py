"""Notifications: the contract other domains use to tell a user something happened.

Inside their own transaction they call

    await do_notify(tx, user_id=creator, kind="tip", actor_id=tipper,
                    target_kind="stream", target_id=stream_id, data={"amount": 500})

and the grouped notification is stored with their write and pushed live as `notify` to the
recipient's devices after the commit. Muted and blocked users never notify; notifying
oneself is a no-op. Groups ("Ahmed and 12 others reacted to your post") collect actors per
(recipient, kind, target) until the recipient reads them.

A small domain of its own, low in the order (docs/architecture.md): users, wallet and
interactions all notify, so it knows none of them.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from handlers.notifications import queries as q
from rooms.names import user_room
from server.cursors import clamp_limit, decode_cursor, encode_cursor
from server.db import Tx, transaction
from server.errors import BadRequest
from server.ids import check_uuid
from server.state import AppState

GROUPED_KINDS = {"follow", "reaction", "comment", "reply", "tip", "circle_invite",
                 "circle_request"}
VERBS = {"follow": "followed you", "reaction": "reacted to your {target}",
         "comment": "commented on your post", "reply": "replied to your comment",
         "mention": "mentioned you", "tip": "sent you a tip",
         "circle_invite": "invited you to a circle",
         "circle_request": "asked to join your circle",
         "subscription": "subscribed to you"}



def _render(row, unread: int | None = None) -> dict:
    actors = row["actors"] or []
    count = row["actor_count"]
    verb = VERBS.get(row["kind"], row["kind"]).format(target=row["target_kind"] or "post")
    if actors:
        first = actors[0]["display_name"] or "Someone"
        others = count - 1
        who = first if others <= 0 else \
            f"{first} and {others} other{'s' if others > 1 else ''}"
        text = f"{who} {verb}"
    else:
        text = verb
    out = {"id": row["id"], "kind": row["kind"], "target_kind": row["target_kind"],
           "target_id": row["target_id"], "actors": actors, "actor_count": count,
           "text": text, "data": row["data"], "read": row["read_at"] is not None,
           "created_at": row["created_at"].isoformat(),
           "updated_at": row["updated_at"].isoformat()}
    if unread is not None:
        out["unread_count"] = unread
    return out


async def do_notify(tx: Tx, *, user_id: str, kind: str, actor_id: str,
                    target_kind: str | None = None, target_id: str | None = None,
                    data: dict | None = None) -> dict | None:
    """Store (grouped) and, after the caller's commit, push `notify` to `user_id`.

    Call inside your transaction with its Tx. Returns the notification as pushed, or None
    when nobody is told (self, blocked either way, muted, deleted recipient)."""
    if not user_id or not actor_id or str(user_id) == str(actor_id):
        return None
    conn = tx.conn
    if not await conn.fetchval(q.MAY_NOTIFY, user_id, actor_id):
        return None
    target = f"{target_kind}:{target_id}" if target_kind else "-"
    group = f"{kind}:{target}" if kind in GROUPED_KINDS else f"{kind}:{target}:{uuid.uuid4()}"
    nid = await conn.fetchval(q.UPSERT_NOTIFICATION, user_id, kind, group, target_kind,
                              None if target_id is None else str(target_id), actor_id,
                              data or {})
    if await conn.fetchval(q.ADD_ACTOR, nid, actor_id):
        await conn.execute(q.BUMP_ACTORS, nid)
    row = await conn.fetchrow(q.GET_NOTIFICATION, nid)
    unread = await conn.fetchval(q.UNREAD_COUNT, user_id)
    payload = _render(row, unread)
    tx.emit("notify", payload, room=user_room(user_id))
    return payload


async def notify(state: AppState, **kw: Any) -> dict | None:
    """do_notify in a transaction of its own, for callers that hold none."""
    async with transaction(state.db, state.emitter) as tx:
        return await do_notify(tx, **kw)


async def list_notifications(state: AppState, user: str, cursor: str | None,
                             limit: int | None, unread_only: bool = False) -> dict:
    n = clamp_limit(limit, 30, 100)
    after = decode_cursor(cursor, 2)
    at = datetime.fromisoformat(after[0]) if after else None
    async with state.db.acquire() as conn:
        rows = await conn.fetch(q.NOTIFICATIONS_PAGE, user, at, after[1] if after else None,
                                n + 1, not unread_only)
        unread = await conn.fetchval(q.UNREAD_COUNT, user)
    more = len(rows) > n
    rows = rows[:n]
    nxt = encode_cursor(rows[-1]["updated_at"].isoformat(), rows[-1]["id"]) if more else None
    return {"items": [_render(r) for r in rows], "next_cursor": nxt, "unread_count": unread}


async def unread_count(state: AppState, user: str) -> dict:
    return {"unread_count": await state.db.fetchval(q.UNREAD_COUNT, user)}


async def do_mark_read(state: AppState, user: str, ids: list[str] | None) -> dict:
    if ids is not None:
        ids = [check_uuid(i, BadRequest("Bad notification id", code="invalid_payload"))
               for i in ids]
    async with transaction(state.db, state.emitter) as tx:
        res = await tx.conn.execute(q.MARK_READ, user, ids)
        unread = await tx.conn.fetchval(q.UNREAD_COUNT, user)
        tx.emit("notify:unread", {"unread_count": unread}, room=user_room(user))
    return {"marked": int(res.split()[-1]), "unread_count": unread}
