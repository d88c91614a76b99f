"""The content that reports and decisions are about, in other domains' tables.

Moderation never depends on those tables: an item keeps its own snapshot. When the owning
table exists in this deployment, a report takes the text and author from it (the reporter
cannot put words in someone's mouth) and a decision acts on it (remove / restore). A domain
whose content is not listed here can `register_target(...)` from its own module; its `after`
hook runs once a decision that acted on the content has committed (the owning domain updates
what it derives from that content: caches, timelines, screens showing it).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import asyncpg
import structlog

from handlers.moderation import queries as q

log = structlog.get_logger("moderation")

# (state, target id, "remove" | "restore"), called after the decision's commit
AfterDecision = Callable[[Any, str, str], Awaitable[None]]


@dataclass(frozen=True)
class Target:
    table: str
    fetch: str  # SQL: $1 id -> (author_id text, text text)
    remove: str | None  # SQL: $1 id
    restore: str | None  # SQL: $1 id
    after: AfterDecision | None = None
    id_kind: str = "uuid"  # uuid | bigint: ids of another form name nothing here


TARGETS: dict[str, Target] = {
    "post": Target(
        "posts", "SELECT author_id::text, body FROM posts WHERE id = $1::uuid",
        "UPDATE posts SET status = 'deleted', deleted_at = now() WHERE id = $1::uuid",
        "UPDATE posts SET status = 'published', deleted_at = NULL "
        "WHERE id = $1::uuid AND status IN ('held', 'deleted')"),
    "comment": Target(
        "comments", "SELECT author_id::text, body FROM comments WHERE id = $1::uuid",
        "UPDATE comments SET status = 'deleted', deleted_at = now() WHERE id = $1::uuid",
        "UPDATE comments SET status = 'published', deleted_at = NULL "
        "WHERE id = $1::uuid AND status IN ('held', 'deleted')"),
    "chat_message": Target(
        "messages", "SELECT sender_id::text, body FROM messages WHERE id = $1::uuid",
        "UPDATE messages SET deleted_at = now() WHERE id = $1::uuid",
        "UPDATE messages SET status = 'visible', deleted_at = NULL WHERE id = $1::uuid"),
    "live_chat": Target(
        "live_chat_messages", "SELECT user_id::text, text FROM live_chat_messages WHERE id = $1",
        "UPDATE live_chat_messages SET status = 'held' WHERE id = $1",
        "UPDATE live_chat_messages SET status = 'visible' WHERE id = $1", id_kind="bigint"),
    "profile": Target(
        "profiles", "SELECT user_id::text, bio FROM profiles WHERE user_id = $1::uuid",
        "UPDATE profiles SET bio = '' WHERE user_id = $1::uuid", None),
}


def register_target(name: str, target: Target) -> None:
    TARGETS[name] = target


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False


def _parse_id(t: Target, value: str) -> str | int | None:
    """The target id in its table's type, or None when it cannot name a row there."""
    if t.id_kind == "bigint":
        ok = value.isascii() and value.isdigit() and len(value) <= 18
        return int(value) if ok else None
    return value if _is_uuid(value) else None


async def table_exists(conn: asyncpg.Connection, table: str) -> bool:
    return bool(await conn.fetchval(q.TABLE_EXISTS, table))


async def snapshot(conn: asyncpg.Connection, target_type: str,
                   target_id: str) -> tuple[bool, str | None, str | None]:
    """(known, author_id, text): known=False when this deployment has no such table."""
    t = TARGETS.get(target_type)
    if t is None or not await table_exists(conn, t.table):
        return False, None, None
    key = _parse_id(t, target_id)
    if key is None:
        return True, None, None
    row = await conn.fetchrow(t.fetch, key)
    if row is None:
        return True, None, None
    return True, row[0], row[1] or ""


async def apply(conn: asyncpg.Connection, target_type: str, target_id: str,
                what: str) -> bool:
    """Remove or restore the content; False when there is nothing here to act on."""
    t = TARGETS.get(target_type)
    sql = None if t is None else (t.remove if what == "remove" else t.restore)
    key = None if t is None else _parse_id(t, target_id)
    if sql is None or key is None or not await table_exists(conn, t.table):
        return False
    status = await conn.execute(sql, key)
    return not status.endswith(" 0")


async def after_decision(state, target_type: str, target_id: str, what: str) -> None:
    """Tell the owning domain that a committed decision removed or restored its content.
    Its failure does not undo the decision (logged; the content's table is the truth)."""
    t = TARGETS.get(target_type)
    if t is None or t.after is None:
        return
    try:
        await t.after(state, target_id, what)
    except Exception:
        log.exception("moderation_after_decision_failed", target_type=target_type,
                      target_id=target_id, what=what)
