"""Who may be in what: conversation membership, blocks, and who may see whose presence.

Every check that decides what a socket may receive or join lives here, so the rule is
written once. A conversation that exists but that the caller is not a member of answers
exactly like one that does not exist (`conversation_not_found`): membership is not leaked.

The social graph (`follows`, `blocks`) belongs to the users domain, whose migrations may not
be applied in every deployment yet; those tables are read only when `to_regclass` finds them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import asyncpg

from server.errors import AppError, NotFound
from server.state import AppState

MEMBER = """
SELECT m.role, m.joined_seq, m.delivered_seq, m.read_seq, c.kind, c.last_seq
FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
WHERE m.conversation_id = $1 AND m.user_id = $2"""

MEMBER_IDS = "SELECT user_id::text FROM conversation_members WHERE conversation_id = $1"

SHARED_CONVERSATION = """
SELECT DISTINCT other.user_id::text
FROM conversation_members mine
JOIN conversation_members other ON other.conversation_id = mine.conversation_id
WHERE mine.user_id = $1 AND other.user_id = ANY($2::uuid[])"""

FOLLOWED = """
SELECT followee_id::text FROM follows WHERE follower_id = $1 AND followee_id = ANY($2::uuid[])"""

BLOCKED_EITHER_WAY = """
SELECT EXISTS (SELECT 1 FROM blocks
               WHERE (blocker_id = $1 AND blocked_id = ANY($2::uuid[]))
                  OR (blocked_id = $1 AND blocker_id = ANY($2::uuid[])))"""


@dataclass(frozen=True)
class Member:
    role: str
    joined_seq: int
    delivered_seq: int
    read_seq: int
    kind: str
    last_seq: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def conversation_not_found() -> AppError:
    return NotFound("No such conversation", code="conversation_not_found")


async def member(conn, conversation_id, user_id) -> Member | None:
    row = await conn.fetchrow(MEMBER, conversation_id, user_id)
    return Member(**dict(row)) if row else None


async def check_member(conn, conversation_id, user_id) -> Member:
    """The caller's membership, or `conversation_not_found` (same answer as a missing one)."""
    m = await member(conn, conversation_id, user_id)
    if m is None:
        raise conversation_not_found()
    return m


async def check_admin(conn, conversation_id, user_id) -> Member:
    m = await check_member(conn, conversation_id, user_id)
    if not m.is_admin:
        raise AppError("not_conversation_admin", "Only a group admin may do this", status=403)
    return m


async def member_ids(conn, conversation_id) -> list[str]:
    return [r[0] for r in await conn.fetch(MEMBER_IDS, conversation_id)]


async def table_exists(state: AppState, conn, name: str) -> bool:
    """Whether another domain's table is there (in this schema). Positive answers are cached
    per process: tables appear with a migration and do not go away."""
    known = state.extras.setdefault("membership.tables", set())
    if name in known:
        return True
    if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name):
        known.add(name)
        return True
    return False


async def blocked_between(state: AppState, conn, user_id, others: Iterable) -> bool:
    """True when `user_id` blocked any of `others` or was blocked by one of them."""
    others = list(others)
    if not others or not await table_exists(state, conn, "blocks"):
        return False
    return bool(await conn.fetchval(BLOCKED_EITHER_WAY, user_id, others))


async def presence_visible(state: AppState, conn: asyncpg.Connection, viewer: str,
                           targets: Iterable[str]) -> set[str]:
    """The subset of `targets` whose presence `viewer` may see: themselves, people they share
    a conversation with, and people they follow (once the users domain has `follows`)."""
    targets = list(dict.fromkeys(str(t) for t in targets))
    allowed = {t for t in targets if t == str(viewer)}
    rest = [t for t in targets if t not in allowed]
    if not rest:
        return allowed
    allowed.update(r[0] for r in await conn.fetch(SHARED_CONVERSATION, viewer, rest))
    rest = [t for t in rest if t not in allowed]
    if rest and await table_exists(state, conn, "follows"):
        allowed.update(r[0] for r in await conn.fetch(FOLLOWED, viewer, rest))
    return allowed
