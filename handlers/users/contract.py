"""What the users, circles and trust events answer: the types of http/asyncapi.yaml (written
from actions.py, circles.py, trust.py and their queries; tests/test_asyncapi.py holds them to
a live server). Times are ISO 8601."""
from __future__ import annotations

from typing import Literal

import msgspec

from server.contract import Strict

UNSET = msgspec.UNSET


class Relation(Strict):
    """How the viewer and this user relate; only `self: true` for one's own profile."""
    self: bool | msgspec.UnsetType = UNSET
    following: bool | msgspec.UnsetType = UNSET
    followed_by: bool | msgspec.UnsetType = UNSET
    blocking: bool | msgspec.UnsetType = UNSET
    blocked_by: bool | msgspec.UnsetType = UNSET
    muting: bool | msgspec.UnsetType = UNSET


class Profile(Strict):
    id: str
    display_name: str | None
    role: Literal["user", "creator", "moderator", "admin"]
    status: str
    created_at: str
    handle: str | None
    bio: str
    avatar_media_id: str | None
    language: str
    interests: list[str]
    verified: bool
    followers: int
    following: int
    posts: int
    trust_score: int | None
    relation: Relation


class Verified(Strict):
    user_id: str
    verified: bool


class Following(Strict):
    following: bool
    created: bool | msgspec.UnsetType = UNSET
    removed: bool | msgspec.UnsetType = UNSET


class Blocking(Strict):
    blocking: bool
    created: bool | msgspec.UnsetType = UNSET
    removed: bool | msgspec.UnsetType = UNSET


class Muting(Strict):
    muting: bool
    created: bool | msgspec.UnsetType = UNSET
    removed: bool | msgspec.UnsetType = UNSET


class Edge(Strict):
    id: str
    display_name: str | None
    handle: str | None
    verified: bool
    since: str


class Edges(Strict):
    items: list[Edge]
    next_cursor: str | None


class Circle(Strict):
    id: str
    name: str
    description: str | None
    join_policy: str
    owner_id: str
    members: int
    created_at: str
    my_role: str | None | msgspec.UnsetType = UNSET
    my_status: str | None | msgspec.UnsetType = UNSET


class MyCircle(Strict):
    id: str
    name: str
    join_policy: str
    role: str
    status: str


class MyCircles(Strict):
    items: list[MyCircle]


class CircleMembership(Strict):
    circle_id: str
    status: Literal["active", "invited", "requested"]
    user_id: str | msgspec.UnsetType = UNSET


class CircleLeft(Strict):
    circle_id: str
    left: Literal[True]


class CircleRemoved(Strict):
    circle_id: str
    user_id: str
    removed: Literal[True]


class CircleRole(Strict):
    circle_id: str
    user_id: str
    role: str


class CircleMember(Strict):
    id: str
    display_name: str | None
    handle: str | None
    role: str
    status: str


class CircleMembers(Strict):
    items: list[CircleMember]
    next_cursor: str | None


class TrustFactor(Strict):
    factor: str
    value: bool | int | float | None
    points: int
    why: str


class Trust(Strict):
    user_id: str
    score: int
    factors: list[TrustFactor]
    computed_at: str


REPLIES = {
    "users:profile": Profile, "users:update_profile": Profile, "users:verify": Verified,
    "users:follow": Following, "users:unfollow": Following, "users:block": Blocking,
    "users:unblock": Blocking, "users:mute": Muting, "users:unmute": Muting,
    "users:followers": Edges, "users:following": Edges,
    "circles:create": Circle, "circles:get": Circle, "circles:mine": MyCircles,
    "circles:invite": CircleMembership, "circles:join": CircleMembership,
    "circles:approve": CircleMembership, "circles:leave": CircleLeft,
    "circles:remove": CircleRemoved, "circles:set_role": CircleRole,
    "circles:members": CircleMembers, "trust:explain": Trust,
}
PUSHES: dict = {}
