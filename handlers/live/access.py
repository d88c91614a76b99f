"""Who may watch a stream, and who hears that it went live: seams for other domains.

The live domain knows only `public` streams and the creator. Visibility `followers`,
`circle` and `subscribers` are decided by the domains that own those graphs (users/feeds,
wallet) through `register_access_rule`; until one is registered, such a stream is visible to
its creator (and staff) only. `feed:live` reaches the followers that a registered
`register_followers_source` yields, in batches.
"""
from __future__ import annotations

from typing import AsyncIterator, Awaitable, Callable

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
    if stream["visibility"] == "public" or stream["creator_id"] == user_id or role in STAFF:
        return True
    rule = ACCESS_RULES.get(stream["visibility"])
    return bool(rule and await rule(state, stream, user_id))


async def follower_batches(state: AppState, creator_id: str) -> AsyncIterator[list[str]]:
    for source in FOLLOWERS_SOURCES:
        async for batch in source(state, creator_id):
            yield batch
