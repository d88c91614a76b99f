"""Circles: small groups whose posts only members see.

Join policies: `open` (join at once), `approval` (a request an owner/admin approves),
`invite` (only invited users join). Roles: one owner, admins, members. Owners and admins
invite, approve and remove members (admins only plain members); only the owner changes
roles. The owner cannot leave (they delete the circle instead, not offered yet).
Invitations and join requests notify through interactions' `do_notify`.
"""
from __future__ import annotations

import uuid
from typing import Literal

import msgspec

from handlers.moderation.gate import moderate_text
from handlers.users import queries as q
from handlers.users.checks import check_not_blocked, check_user_exists, check_user_id
from rooms.ratelimit import check_rate
from server.cursors import clamp_limit, decode_cursor, encode_cursor
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict, Forbidden, NotFound
from server.payloads import VisibleName
from server.state import AppState


class NewCircle(msgspec.Struct, forbid_unknown_fields=True):
    name: VisibleName
    description: str = ""
    join_policy: Literal["open", "approval", "invite"] = "open"


class CircleNotFound(NotFound):
    def __init__(self):
        super().__init__("No such circle", code="circle_not_found")


def _circle_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise CircleNotFound() from None


async def _circle(conn, circle_id: str):
    row = await conn.fetchrow(q.CIRCLE, circle_id)
    if row is None:
        raise CircleNotFound()
    return row


def _json(row, me=None) -> dict:
    out = {k: row[k] for k in ("id", "name", "description", "join_policy", "owner_id",
                               "members")}
    out["created_at"] = row["created_at"].isoformat()
    if me is not None:
        out["my_role"] = me["role"] if me and me["status"] == "active" else None
        out["my_status"] = me["status"] if me else None
    return out


async def _manager(conn, circle_id: str, user: str) -> str:
    m = await conn.fetchrow(q.MEMBERSHIP, circle_id, user)
    if m is None or m["status"] != "active" or m["role"] not in ("owner", "admin"):
        raise Forbidden("Only the circle's owner or admins do this", code="not_circle_admin")
    return m["role"]


async def do_create_circle(state: AppState, owner: str, req: NewCircle) -> dict:
    if not 1 <= len(req.name.strip()) <= 80:
        raise BadRequest("A circle name is 1-80 characters", code="invalid_payload")
    await check_rate(state, "circles:create", owner, "10/hour")
    for text in (req.name, req.description):
        if text and not (await moderate_text(state, text, user_id=owner,
                                             context="circle")).allowed:
            raise AppError("content_blocked", "Refused by moderation", status=422)
    cid = str(uuid.uuid4())
    async with transaction(state.db) as tx:
        await tx.conn.execute(q.INSERT_CIRCLE, cid, owner, req.name.strip(), req.description,
                              req.join_policy)
        await tx.conn.execute(q.ADD_MEMBER, cid, owner, "owner", "active", None)
        row = await _circle(tx.conn, cid)
    return _json(row, {"role": "owner", "status": "active"})


async def get_circle(state: AppState, viewer: str, circle_id: str) -> dict:
    circle_id = _circle_id(circle_id)
    async with state.db.acquire() as conn:
        row = await _circle(conn, circle_id)
        me = await conn.fetchrow(q.MEMBERSHIP, circle_id, viewer)
    return _json(row, me)


async def do_invite(state: AppState, inviter: str, circle_id: str, user_id: str) -> dict:
    from handlers.notifications.actions import do_notify

    circle_id, user_id = _circle_id(circle_id), check_user_id(user_id)
    await check_rate(state, "circles:invite", inviter, "60/hour")
    async with transaction(state.db, state.emitter) as tx:
        await _circle(tx.conn, circle_id)
        await _manager(tx.conn, circle_id, inviter)
        await check_user_exists(tx.conn, user_id)
        await check_not_blocked(tx.conn, inviter, user_id)
        m = await tx.conn.fetchrow(q.MEMBERSHIP_FOR_UPDATE, circle_id, user_id)
        if m and m["status"] == "active":
            raise Conflict("Already a member", code="already_member")
        if m and m["status"] == "requested":  # they asked; the invitation is the approval
            await tx.conn.execute(q.SET_STATUS, circle_id, user_id, "active")
            return {"circle_id": circle_id, "user_id": user_id, "status": "active"}
        await tx.conn.execute(q.ADD_MEMBER, circle_id, user_id, "member", "invited", inviter)
        await do_notify(tx, user_id=user_id, kind="circle_invite", actor_id=inviter,
                        target_kind="circle", target_id=circle_id)
    return {"circle_id": circle_id, "user_id": user_id, "status": "invited"}


async def do_join(state: AppState, user: str, circle_id: str) -> dict:
    """Join an open circle, accept an invitation, or ask to join an approval circle."""
    from handlers.notifications.actions import do_notify

    circle_id = _circle_id(circle_id)
    async with transaction(state.db, state.emitter) as tx:
        c = await _circle(tx.conn, circle_id)
        await check_not_blocked(tx.conn, user, c["owner_id"])
        m = await tx.conn.fetchrow(q.MEMBERSHIP_FOR_UPDATE, circle_id, user)
        if m and m["status"] == "active":
            return {"circle_id": circle_id, "status": "active"}
        if m and m["status"] == "invited" or c["join_policy"] == "open":
            await tx.conn.execute(q.ADD_MEMBER, circle_id, user, "member", "active", None)
            return {"circle_id": circle_id, "status": "active"}
        if c["join_policy"] == "invite":
            raise Forbidden("This circle is invite-only", code="invite_required")
        if m and m["status"] == "requested":
            return {"circle_id": circle_id, "status": "requested"}
        await tx.conn.execute(q.ADD_MEMBER, circle_id, user, "member", "requested", None)
        for manager in await tx.conn.fetch(q.MANAGERS, circle_id):
            await do_notify(tx, user_id=manager[0], kind="circle_request", actor_id=user,
                            target_kind="circle", target_id=circle_id)
    return {"circle_id": circle_id, "status": "requested"}


async def do_approve(state: AppState, manager: str, circle_id: str, user_id: str) -> dict:
    circle_id, user_id = _circle_id(circle_id), check_user_id(user_id)
    async with transaction(state.db) as tx:
        await _manager(tx.conn, circle_id, manager)
        m = await tx.conn.fetchrow(q.MEMBERSHIP_FOR_UPDATE, circle_id, user_id)
        if m is None or m["status"] != "requested":
            raise NotFound("No pending request from this user", code="no_request")
        await tx.conn.execute(q.SET_STATUS, circle_id, user_id, "active")
    return {"circle_id": circle_id, "user_id": user_id, "status": "active"}


async def do_leave(state: AppState, user: str, circle_id: str) -> dict:
    circle_id = _circle_id(circle_id)
    async with transaction(state.db) as tx:
        m = await tx.conn.fetchrow(q.MEMBERSHIP_FOR_UPDATE, circle_id, user)
        if m is None:
            raise NotFound("You are not in this circle", code="not_circle_member")
        if m["role"] == "owner":
            raise Forbidden("The owner cannot leave their circle", code="owner_cannot_leave")
        await tx.conn.execute(q.REMOVE, circle_id, user)
    return {"circle_id": circle_id, "left": True}


async def do_remove_member(state: AppState, manager: str, circle_id: str, user_id: str) -> dict:
    circle_id, user_id = _circle_id(circle_id), check_user_id(user_id)
    async with transaction(state.db) as tx:
        role = await _manager(tx.conn, circle_id, manager)
        m = await tx.conn.fetchrow(q.MEMBERSHIP_FOR_UPDATE, circle_id, user_id)
        if m is None:
            raise NotFound("Not in this circle", code="not_circle_member")
        if m["role"] == "owner" or (role == "admin" and m["role"] == "admin"):
            raise Forbidden("You cannot remove this member", code="cannot_remove")
        await tx.conn.execute(q.REMOVE, circle_id, user_id)
    return {"circle_id": circle_id, "user_id": user_id, "removed": True}


async def do_set_role(state: AppState, owner: str, circle_id: str, user_id: str,
                      role: str) -> dict:
    circle_id, user_id = _circle_id(circle_id), check_user_id(user_id)
    if role not in ("admin", "member"):
        raise BadRequest("role is admin or member", code="invalid_role")
    async with transaction(state.db) as tx:
        if await _manager(tx.conn, circle_id, owner) != "owner":
            raise Forbidden("Only the owner changes roles", code="not_circle_owner")
        m = await tx.conn.fetchrow(q.MEMBERSHIP_FOR_UPDATE, circle_id, user_id)
        if m is None or m["status"] != "active" or m["role"] == "owner":
            raise NotFound("Not a member whose role can change", code="not_circle_member")
        await tx.conn.execute(q.SET_ROLE, circle_id, user_id, role)
    return {"circle_id": circle_id, "user_id": user_id, "role": role}


async def list_members(state: AppState, viewer: str, circle_id: str, cursor: str | None,
                       limit: int | None) -> dict:
    circle_id = _circle_id(circle_id)
    n = clamp_limit(limit, 50, 200)
    after = decode_cursor(cursor, 1)
    async with state.db.acquire() as conn:
        await _circle(conn, circle_id)
        me = await conn.fetchrow(q.MEMBERSHIP, circle_id, viewer)
        if me is None or me["status"] != "active":
            raise Forbidden("You are not a member of this circle", code="not_circle_member")
        rows = await conn.fetch(q.MEMBERS_PAGE, circle_id, after[0] if after else "", n + 1,
                                me["role"] in ("owner", "admin"))
    more = len(rows) > n
    rows = rows[:n]
    return {"items": [{"id": r["id"], "display_name": r["display_name"], "handle": r["handle"],
                       "role": r["role"], "status": r["status"]} for r in rows],
            "next_cursor": encode_cursor(rows[-1]["id"]) if more else None}


async def list_my_circles(state: AppState, user: str) -> dict:
    rows = await state.db.fetch(q.MY_CIRCLES, user)
    return {"items": [dict(r) for r in rows]}
