"""Who may watch a stream, and who hears that it went live: seams for other domains.

The live domain knows only `public` streams and the creator. `subscribers` is decided by the wallet domain through
`register_access_rule("subscribers", rule)`; until it registers, such a stream is visible to
its creator (and staff) only. A viewer the creator blocked never watches. `feed:live` reaches the followers that a registered
`register_followers_source` yields, in batches.
"""
from __future__ import annotations

from typing import AsyncIterator, Awaitable, Callable

from handlers.live import queries as q
from server.state import AppState

AccessRule = Callable[[AppState, dict, str], Awaitable[bool]]
FollowersSource = Callable[[AppState, str], AsyncIterator[list[str]]]

ACCESS_RULES: dict[str, AccessRule] = {}
FOLLOWERS_SOURCES: list[FollowersSource] = []
STAFF = ("moderator", "admin")


def register_access_rule(visibility: str, rule: AccessRule) -> None:
    """`rule(state, stream, user_id)` -> may this user watch? stream has creator_id,
    visibility, circle_id."""
    ACCESS_RULES[visibility] = rule


def register_followers_source(source: FollowersSource) -> None:
    """`source(state, creator_id)` yields batches of follower user ids (keyset-paginated)."""
    FOLLOWERS_SOURCES.append(source)


async def can_watch(state: AppState, stream: dict, user_id: str, role: str = "user") -> bool:
    if stream["creator_id"] == user_id or role in STAFF:
        return True
    if await state.db.fetchval(q.IS_BLOCKED_BY, stream["creator_id"], user_id):
        return False
    if stream["visibility"] == "public":
        return True
    rule = ACCESS_RULES.get(stream["visibility"])
    return bool(rule and await rule(state, stream, user_id))


async def _followers_rule(state: AppState, stream: dict, user_id: str) -> bool:
    return bool(await state.db.fetchval(q.IS_FOLLOWER, user_id, stream["creator_id"]))


async def _circle_rule(state: AppState, stream: dict, user_id: str) -> bool:
    return bool(stream.get("circle_id") and await state.db.fetchval(
        q.IS_CIRCLE_MEMBER, stream["circle_id"], user_id))


async def _followers_of(state: AppState, creator_id: str) -> AsyncIterator[list[str]]:
    after = "00000000-0000-0000-0000-000000000000"
    while True:
        rows = await state.db.fetch(q.FOLLOWERS_BATCH, creator_id, after, 1000)
        if not rows:
            return
        yield [r[0] for r in rows]
        if len(rows) < 1000:
            return
        after = rows[-1][0]


register_access_rule("followers", _followers_rule)
register_access_rule("circle", _circle_rule)
register_followers_source(_followers_of)


async def follower_batches(state: AppState, creator_id: str) -> AsyncIterator[list[str]]:
    for source in FOLLOWERS_SOURCES:
        async for batch in source(state, creator_id):
            yield batch
