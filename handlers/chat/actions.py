"""Chat actions: conversations, messages, receipts, sync. `check_*` authorise and validate,
`do_*` write and queue events, which leave only after the commit.

Fan-out goes to the members' `user:{id}` rooms, computed from membership inside the same
transaction that stores the message, in one emit (one Redis publish) with a list of rooms.
So a socket never has to join a conversation room, and someone who is not a member at the
moment a message is stored is never among its recipients.
"""
from __future__ import annotations

import asyncio
import base64
import uuid
from dataclasses import dataclass
from typing import Any

import structlog

from handlers.moderation.actions import do_hold_for_review
from handlers.moderation.gate import Decision, moderate_text
from handlers.moderation.warnings import warning_for
from handlers.moderation.targets import Target, register_target
from rooms import membership
from rooms.names import user_room
from rooms.ratelimit import check_rate, check_socket_rate
from server.db import transaction
from server.errors import AppError, BadRequest, NotFound
from server.privacy import holds_personal_data
from server.state import AppState

from . import queries as q
from .batches import ReceiptOrder, SendOrder, precheck, receipt_batcher, send_batcher
from .shapes import message_out, ms, rooms_of

log = structlog.get_logger("chat")

MAX_GROUP_MEMBERS = 256
MAX_PAGE = 200
MAX_SEQ = 2**62
MEDIA_KINDS = ("image", "video", "audio", "file", "sticker")


def dm_key(a: str, b: str) -> str:
    return ":".join(sorted((str(a), str(b))))


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"b{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("b"):
            raise ValueError
        return int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Invalid cursor", code="invalid_cursor") from None


# --- sending -----------------------------------------------------------------------------

@dataclass
class Outgoing:
    """A validated message about to be stored."""

    conversation_id: str | None
    to: str | None
    client_id: str
    text: str | None
    reply_to: int | None
    media: dict | None


@dataclass
class Prepared:
    """What the checks found out about a send: where it goes, or that it was sent already."""

    conversation_id: str | None  # None: the DM does not exist yet (first message)
    decision: Decision
    existing: dict | None = None


async def check_send_message(state: AppState, user_id: str, sid: str,
                             msg: Outgoing) -> Prepared:
    """Rate limits (per user across processes, per socket), size, membership, blocks, and
    moderation last. A resend of a stored client_id is answered from the store."""
    s = state.settings
    if (msg.conversation_id is None) == (msg.to is None):
        raise BadRequest("Give exactly one of conversation_id or to", code="invalid_payload")
    if msg.to is not None and str(msg.to) == str(user_id):
        raise BadRequest("You cannot message yourself", code="invalid_recipient")
    if not msg.text and not msg.media:
        raise BadRequest("A message needs text or media", code="empty_message")
    if msg.text is not None and len(msg.text) > s.chat_max_chars:
        raise AppError("message_too_long", f"Messages are at most {s.chat_max_chars} characters",
                       status=413)
    if msg.media is not None:
        check_media(msg.media)
    await check_socket_rate(state, "chat:send:socket", sid, s.chat_socket_rate)
    # the per-user limit (Redis) and the store check (PostgreSQL) wait on different servers
    rates = asyncio.ensure_future(check_rate(state, "chat:send:user", user_id,
                                             s.chat_user_rate))
    try:
        conv_id, existing = await _precheck(state, user_id, msg)
    finally:
        await rates  # a rate_limited answer wins over whatever the store said
    if existing is not None:
        return Prepared(conv_id, ALLOW_DECISION, existing)
    decision = ALLOW_DECISION
    if msg.text:
        decision = await moderate_text(state, msg.text, user_id=user_id, context="chat")
        if decision.action == "block":
            raise AppError("message_blocked", decision.refusal, status=422,
                           details={"category": decision.category} if decision.category
                           else None)
    return Prepared(conv_id, decision)


async def _precheck(state: AppState, user_id: str, msg: Outgoing
                    ) -> tuple[str | None, dict | None]:
    """Membership and blocks: the conversation (None for a DM not yet created), and the
    stored message when this client_id was sent already. Looked up with the sends beside it
    in one statement (batches.precheck)."""
    dm = dm_key(user_id, msg.to) if msg.conversation_id is None else None
    row = await precheck(state, msg.conversation_id, dm, str(user_id), msg.client_id)
    if row is None:
        if msg.conversation_id is not None:
            raise membership.conversation_not_found()
        async with state.db.acquire() as conn:  # first message between them
            if not await conn.fetchval(q.USER_ACTIVE, msg.to):
                raise NotFound("No such user", code="user_not_found")
            if await membership.blocked_between(state, conn, user_id, [msg.to]):
                raise _blocked()
        return None, None
    if row["existing_seq"] is not None:
        return row["conversation_id"], {**message_out(row), "duplicate": True}
    if row["blocked"]:
        raise _blocked()
    return row["conversation_id"], None


ALLOW_DECISION = Decision("allow")


def _blocked() -> AppError:
    return AppError("blocked", "You cannot message this person", status=403)


def check_media(media: dict) -> None:
    if not isinstance(media.get("id"), str) or not 0 < len(media["id"]) <= 100 \
            or media.get("kind") not in MEDIA_KINDS:
        raise BadRequest(f"media needs an id and a kind ({', '.join(MEDIA_KINDS)})",
                         code="invalid_media")


async def _open_dm(state: AppState, user_id: str, to: str) -> str:
    """The pair's DM, created if needed (concurrent first messages share one)."""
    key = dm_key(user_id, to)
    async with transaction(state.db) as tx:
        conv_id = await tx.conn.fetchval(q.CREATE_DM, key, user_id)
        if conv_id is not None:
            await tx.conn.execute(q.ADD_DM_MEMBERS, conv_id, [user_id, to])
    # the loser of a creation race reads the winner's row in a fresh statement
    return conv_id or await state.db.fetchval(q.DM_BY_KEY, key)


async def do_send_message(state: AppState, user_id: str, msg: Outgoing,
                          prep: Prepared) -> dict:
    """Store the message with the next seq and send it to every member's devices.

    Idempotent on (sender, conversation, client_id): a resend returns the stored message
    and sends nothing again. A held message is stored but goes only to its author.
    Stored by group commit (batches.py): with the sends beside it, in one statement and one
    COMMIT; this returns after that commit and after the batch's fan-out has left.
    """
    if prep.existing is not None:
        return prep.existing
    held = prep.decision.action == "hold"
    if msg.reply_to is not None and not 0 < msg.reply_to <= MAX_SEQ:
        raise NotFound("The message you reply to does not exist", code="reply_not_found")
    conv_id = prep.conversation_id or await _open_dm(state, user_id, msg.to)
    done = await send_batcher(state).submit(SendOrder(
        conv_id, str(user_id), msg.client_id, msg.text, msg.reply_to, msg.media, held,
        {"layer": prep.decision.layer, "reason": prep.decision.reason} if held else None))
    if done.outcome == "not_member":
        raise membership.conversation_not_found()
    if done.outcome == "reply_not_found":
        raise NotFound("The message you reply to does not exist", code="reply_not_found")
    out = done.message()
    if done.outcome == "duplicate":  # a concurrent resend of the same client_id came first
        return {**out, "duplicate": True}
    if held:
        await do_hold_for_review(state, target_type="chat_message", target_id=out["id"],
                                 author_id=str(user_id), text=msg.text or "",
                                 decision=prep.decision)
        await warn_recipients(state, conv_id, str(user_id), prep.decision)
    return out


async def warn_recipients(state: AppState, conv_id: str, sender_id: str,
                          decision: Decision) -> None:
    """A message held as a scam: the other members hear `chat:warning` (never its text)."""
    warning = warning_for(decision, conversation_id=conv_id, sender_id=sender_id)
    if warning is None:
        return
    async with state.db.acquire() as conn:
        others = [m for m in await membership.member_ids(conn, conv_id) if m != sender_id]
    if others:
        await state.emitter.emit("chat:warning", warning, room=rooms_of(others))


async def _system_message(tx, conv_id: str, actor: str, data: dict, recipients) -> dict:
    stored = await tx.conn.fetchrow(
        q.INSERT_MESSAGE, conv_id, actor, f"sys-{uuid.uuid4().hex}", "system", None, None,
        None, data, "visible", None)
    out = message_out(stored)
    tx.emit("chat:message", out, room=rooms_of(recipients))
    return out


# --- edit and delete ---------------------------------------------------------------------

async def check_edit_message(state: AppState, user_id: str, conv_id: str,
                             text: str) -> Decision:
    """Rate, size and membership, then moderation (authorised edits only reach it)."""
    await check_rate(state, "chat:send:user", user_id, state.settings.chat_user_rate)
    async with state.db.acquire() as conn:
        await membership.check_member(conn, conv_id, user_id)
    if not text:
        raise BadRequest("An edit needs text; delete the message instead", code="empty_message")
    if len(text) > state.settings.chat_max_chars:
        raise AppError("message_too_long",
                       f"Messages are at most {state.settings.chat_max_chars} characters",
                       status=413)
    decision = await moderate_text(state, text, user_id=user_id, context="chat")
    if decision.action == "block":
        raise AppError("message_blocked", decision.refusal, status=422,
                       details={"category": decision.category} if decision.category else None)
    return decision


async def _own_message(conn, conv_id: str, seq: int, user_id: str, *, admin_ok: bool) -> Any:
    m = await membership.check_member(conn, conv_id, user_id)
    r = await conn.fetchrow(q.MESSAGE_BY_SEQ_FOR_UPDATE, conv_id, seq)
    if r is None or seq <= m.joined_seq or (r["status"] == "held"
                                            and r["sender_id"] != str(user_id)):
        raise NotFound("No such message", code="message_not_found")
    if r["kind"] != "text":
        raise AppError("not_editable", "System messages cannot be changed", status=403)
    if r["sender_id"] != str(user_id) and not (admin_ok and m.is_admin):
        raise AppError("not_your_message", "Only the author can change this message",
                       status=403)
    if r["deleted_at"] is not None:
        raise AppError("message_deleted", "This message was deleted", status=409)
    return r


async def do_edit_message(state: AppState, user_id: str, conv_id: str, seq: int, text: str,
                          decision: Decision) -> dict:
    async with transaction(state.db, state.emitter) as tx:
        conn = tx.conn
        before = await _own_message(conn, conv_id, seq, user_id, admin_ok=False)
        # a held message stays held whatever the edit says: only a moderator releases it
        was_held = before["status"] == "held"
        held = was_held or decision.action == "hold"
        rev = await conn.fetchval(q.BUMP_REV, conv_id)
        r = await conn.fetchrow(
            q.EDIT_MESSAGE, conv_id, seq, text, rev, "held" if held else "visible",
            {"layer": decision.layer, "reason": decision.reason}
            if decision.action == "hold" else None)
        out = message_out(r)
        members = await membership.member_ids(conn, conv_id)
        if was_held:  # the others never saw it
            tx.emit("chat:message_updated", out, room=user_room(user_id))
        elif held:  # the others saw the old text; now they see nothing there
            tx.emit("chat:message_updated", out, room=user_room(user_id))
            hidden = {**out, "text": None, "media": None, "held": False, "deleted": True}
            tx.emit("chat:message_updated", hidden,
                    room=rooms_of(m for m in members if m != str(user_id)))
        else:
            tx.emit("chat:message_updated", out, room=rooms_of(members))
    if decision.action == "hold":
        await do_hold_for_review(state, target_type="chat_message", target_id=out["id"],
                                 author_id=str(user_id), text=text, decision=decision)
    return out


async def do_delete_message(state: AppState, user_id: str, conv_id: str, seq: int) -> dict:
    """Tombstone: the message keeps its seq; text and media are gone. Author or group admin."""
    async with transaction(state.db, state.emitter) as tx:
        conn = tx.conn
        before = await _own_message(conn, conv_id, seq, user_id, admin_ok=True)
        rev = await conn.fetchval(q.BUMP_REV, conv_id)
        out = message_out(await conn.fetchrow(q.DELETE_MESSAGE, conv_id, seq, rev))
        tx.emit("chat:message_updated", out,
                room=user_room(before["sender_id"]) if before["status"] == "held"
                else rooms_of(await membership.member_ids(conn, conv_id)))
    return out


# --- reading -----------------------------------------------------------------------------

async def do_history(state: AppState, user_id: str, conv_id: str, cursor: str | None,
                     limit: int) -> dict:
    """A page of messages older than the cursor, oldest first; `cursor` pages further back."""
    limit = max(1, min(limit, MAX_PAGE))
    before = decode_cursor(cursor) if cursor else 2**62
    async with state.db.acquire() as conn:
        m = await membership.check_member(conn, conv_id, user_id)
        rows = await conn.fetch(q.HISTORY_BEFORE, conv_id, m.joined_seq, before, user_id, limit)
    msgs = [message_out(r) for r in reversed(rows)]
    more = len(rows) == limit and msgs[0]["seq"] > m.joined_seq + 1
    return {"conversation_id": conv_id, "messages": msgs, "last_seq": m.last_seq,
            "cursor": encode_cursor(msgs[0]["seq"]) if more else None}


async def do_sync(state: AppState, user_id: str, known: dict[str, tuple[int, int | None]],
                  limit: int) -> dict:
    """What a (re)connecting device missed, per conversation, in seq order.

    `known` maps conversation id -> (last seq the device has, last rev it has or None).
    Conversations the device does not list start from the user's confirmed delivery point.
    For each, returns messages with seq in (after, last_seq] (at most `limit`; `has_more`
    says to call again from the new point), edits and deletions of older messages the device
    has (when it gave a rev), and the point to continue from. Listed conversations the user
    is no longer in come back in `gone`. Delivery is confirmed up to what is returned.

    Every read here shares one snapshot (REPEATABLE READ): the answered `last_seq` and the
    returned messages describe the same moment. In separate snapshots a message committed
    between the two reads came back above the answered `last_seq`, and a client that applies
    live messages above it (the documented contract) applied that one twice.
    """
    limit = max(1, min(limit, MAX_PAGE))
    out, delivered = [], []
    async with state.db.acquire() as conn, \
            conn.transaction(isolation="repeatable_read", readonly=True):
        mine = {r["conversation_id"]: r for r in await conn.fetch(q.MY_CONVERSATIONS_FOR_SYNC,
                                                                  user_id)}
        gone = [c for c in known if c not in mine]
        for conv_id, r in mine.items():
            after_seq, after_rev = known.get(conv_id, (r["delivered_seq"], None))
            after_seq = max(after_seq, r["joined_seq"])
            listed = conv_id in known
            if not listed and r["last_seq"] <= after_seq:
                continue
            rows = await conn.fetch(q.MESSAGES_AFTER, conv_id, after_seq, user_id, limit + 1) \
                if r["last_seq"] > after_seq else []
            more = len(rows) > limit
            rows = rows[:limit]
            changed = []
            if after_rev is not None and r["last_rev"] > after_rev:
                changed = [message_out(x) for x in await conn.fetch(
                    q.CHANGED_SINCE, conv_id, after_rev, r["joined_seq"], after_seq, user_id,
                    MAX_PAGE)]
            upto = rows[-1]["seq"] if more else max(r["last_seq"], after_seq)
            out.append({"conversation_id": conv_id, "messages": [message_out(x) for x in rows],
                        "changed": changed, "last_seq": upto,
                        "last_rev": r["last_rev"], "has_more": more})
            if rows:
                delivered.append((conv_id, rows[-1]["seq"]))
    # concurrently: they share a batch (one statement) instead of a round trip each
    await asyncio.gather(*(do_receipt(state, user_id, conv_id, seq, "delivered")
                           for conv_id, seq in delivered))
    return {"conversations": out, "gone": gone}


async def do_conversations(state: AppState, user_id: str, limit: int) -> list[dict]:
    async with state.db.acquire() as conn:
        rows = await conn.fetch(q.MY_CONVERSATIONS, user_id, max(1, min(limit, 500)))
    return [{"id": r["id"], "kind": r["kind"], "title": r["title"], "role": r["role"],
             "members": r["members"], "last_seq": r["last_seq"], "last_rev": r["last_rev"],
             "read_seq": r["read_seq"], "delivered_seq": r["delivered_seq"],
             "unread": r["unread"], "last_message_at": ms(r["last_message_at"])}
            for r in rows]


async def do_receipt(state: AppState, user_id: str, conv_id: str, seq: int,
                     kind: str) -> dict:
    """Move the user's read (or delivered) point forward and tell the members. By group
    commit (batches.py), membership checked in the same statement."""
    seq = min(max(seq, 0), MAX_SEQ)  # never past the last message anyway; fits a bigint
    done = await receipt_batcher(state).submit(ReceiptOrder(conv_id, str(user_id), seq, kind))
    if not done.member:
        raise membership.conversation_not_found()
    upto = done.upto
    return {"conversation_id": conv_id, "kind": kind, "seq": upto, "advanced": upto is not None}


# --- groups ------------------------------------------------------------------------------

async def _active_users(conn, user_ids) -> list[str]:
    ids = list(dict.fromkeys(str(u) for u in user_ids))
    found = {r[0] for r in await conn.fetch(q.USERS_ACTIVE, ids)}
    missing = [u for u in ids if u not in found]
    if missing:
        raise NotFound(f"No such user: {', '.join(missing[:5])}", code="user_not_found")
    return ids


async def do_create_group(state: AppState, user_id: str, title: str,
                          member_ids: list[str]) -> dict:
    others = [u for u in dict.fromkeys(str(m) for m in member_ids) if u != str(user_id)]
    if len(others) + 1 > MAX_GROUP_MEMBERS:
        raise BadRequest(f"A group has at most {MAX_GROUP_MEMBERS} members", code="group_full")
    async with transaction(state.db, state.emitter) as tx:
        conn = tx.conn
        await _active_users(conn, others)
        conv_id = await conn.fetchval(q.CREATE_GROUP, title, user_id)
        await conn.fetch(q.ADD_MEMBERS, conv_id, [user_id], "admin")
        await conn.fetch(q.ADD_MEMBERS, conv_id, others, "member")
        members = [str(user_id), *others]
        await _system_message(tx, conv_id, user_id, {"event": "created", "title": title,
                                                     "members": members}, members)
    return {"id": conv_id, "kind": "group", "title": title, "members": members}


async def do_add_members(state: AppState, user_id: str, conv_id: str,
                         user_ids: list[str]) -> dict:
    async with transaction(state.db, state.emitter) as tx:
        conn = tx.conn
        m = await membership.check_admin(conn, conv_id, user_id)
        if m.kind != "group":
            raise AppError("not_a_group", "Members can be added to groups only", status=409)
        ids = await _active_users(conn, user_ids)
        current = await membership.member_ids(conn, conv_id)
        if len(set(current) | set(ids)) > MAX_GROUP_MEMBERS:
            raise BadRequest(f"A group has at most {MAX_GROUP_MEMBERS} members",
                             code="group_full")
        added = [r[0] for r in await conn.fetch(q.ADD_MEMBERS, conv_id, ids, "member")]
        if added:
            await _system_message(tx, conv_id, user_id, {"event": "members_added",
                                                         "user_ids": added},
                                  [*current, *added])
    return {"conversation_id": conv_id, "added": added}


async def do_remove_member(state: AppState, user_id: str, conv_id: str, target: str) -> dict:
    """An admin removes someone, or anyone leaves (target = themselves). Not for DMs."""
    leaving = str(target) == str(user_id)
    async with transaction(state.db, state.emitter) as tx:
        conn = tx.conn
        m = await (membership.check_member if leaving else membership.check_admin)(
            conn, conv_id, user_id)
        if m.kind != "group":
            raise AppError("not_a_group", "You cannot leave a direct conversation",
                           status=409)
        before = await membership.member_ids(conn, conv_id)
        if not await conn.fetchval(q.REMOVE_MEMBER, conv_id, target):
            raise NotFound("Not a member of this group", code="member_not_found")
        promoted = await conn.fetchval(q.PROMOTE_IF_NO_ADMIN, conv_id)
        data = {"event": "member_left" if leaving else "member_removed", "user_id": str(target)}
        if promoted:
            data["promoted"] = promoted
        # the one who is out hears it too, then nothing more
        await _system_message(tx, conv_id, user_id, data, before)
    return {"conversation_id": conv_id, "removed": str(target)}


async def do_rename(state: AppState, user_id: str, conv_id: str, title: str) -> dict:
    async with transaction(state.db, state.emitter) as tx:
        m = await membership.check_admin(tx.conn, conv_id, user_id)
        if m.kind != "group":
            raise AppError("not_a_group", "Only groups have a title", status=409)
        await tx.conn.execute(q.RENAME, conv_id, title)
        await _system_message(tx, conv_id, user_id, {"event": "renamed", "title": title},
                              await membership.member_ids(tx.conn, conv_id))
    return {"conversation_id": conv_id, "title": title}


async def do_set_admin(state: AppState, user_id: str, conv_id: str, target: str,
                       admin: bool) -> dict:
    async with transaction(state.db, state.emitter) as tx:
        m = await membership.check_admin(tx.conn, conv_id, user_id)
        if m.kind != "group":
            raise AppError("not_a_group", "Only groups have admins", status=409)
        if not await tx.conn.fetchval(q.SET_ROLE, conv_id, target,
                                      "admin" if admin else "member"):
            raise NotFound("Not a member of this group", code="member_not_found")
        await tx.conn.fetchval(q.PROMOTE_IF_NO_ADMIN, conv_id)
        await _system_message(tx, conv_id, user_id,
                              {"event": "admin_granted" if admin else "admin_revoked",
                               "user_id": str(target)},
                              await membership.member_ids(tx.conn, conv_id))
    return {"conversation_id": conv_id, "user_id": str(target), "admin": admin}


# --- PDPL --------------------------------------------------------------------------------

async def _export(conn, user_id: str) -> dict:
    return {"messages": [message_out(r) for r in await conn.fetch(q.EXPORT_MESSAGES, user_id)],
            "conversations": [{**dict(r), "joined_at": ms(r["joined_at"])}
                              for r in await conn.fetch(q.EXPORT_MEMBERSHIPS, user_id)]}


async def _erase(conn, user_id: str) -> None:
    """Their messages become tombstones (others' threads keep their shape); memberships go."""
    await conn.execute(q.ERASE_MESSAGES, user_id)
    await conn.execute("DELETE FROM conversation_members WHERE user_id = $1", user_id)


holds_personal_data("chat", export=_export, erase=_erase)

# What a moderator's decision does to a chat message: removal leaves a tombstone, restore
# shows a held message to the members. Both bump the conversation's rev, so clients pick
# the change up in `chat:sync` (`changed`).
_BUMPED = """WITH c AS (UPDATE conversations SET last_rev = last_rev + 1
           WHERE id = (SELECT conversation_id FROM messages WHERE id = $1::uuid)
           RETURNING last_rev)
UPDATE messages SET rev = (SELECT last_rev FROM c), {set} WHERE id = $1::uuid{where}"""
register_target("chat_message", Target(
    "messages", "SELECT sender_id::text, body FROM messages WHERE id = $1::uuid",
    _BUMPED.format(set="body = NULL, media = NULL, deleted_at = now()",
                   where=" AND kind = 'text'"),
    _BUMPED.format(set="status = 'visible'", where=" AND status = 'held'")))
