"""What the feed events answer and push: the types of http/asyncapi.yaml (written from
posts.post_json, reads.py, actions.py and fanout_actions.py; tests/test_asyncapi.py holds them
to a live server). Times are ISO 8601."""
from __future__ import annotations

from typing import Literal

import msgspec

from server.contract import Strict

UNSET = msgspec.UNSET


class Author(Strict):
    id: str
    display_name: str | None
    handle: str | None
    verified: bool


class Post(Strict):
    """A post as clients get it; `locked` is the teaser of a subscriber-only post (no body,
    no media) for those without the subscription. `reactions` counts per reaction kind."""
    id: str
    kind: Literal["text", "image", "video"]
    body: str
    media_id: str | None
    author: Author
    visibility: Literal["public", "followers", "subscribers", "circle"]
    circle_id: str | None
    is_story: bool
    expires_at: str | None
    status: str
    reactions: dict[str, int]
    reaction_total: int
    comment_count: int
    my_reaction: str | None
    locked: bool
    created_at: str
    edited_at: str | None


class Fanout(Strict):
    mode: str


class Posted(Post):
    """A new post; `fanout` says how it reaches followers' timelines (published posts)."""
    fanout: Fanout | msgspec.UnsetType = UNSET


class Deleted(Strict):
    post_id: str
    deleted: Literal[True]


class Page(Strict):
    items: list[Post]
    next_cursor: str | None


class HomePage(Strict):
    """The home timeline: older pages by `next_cursor`; newer posts by `newer_cursor`
    (`feed:home {newer_than}` answers `more` instead of `next_cursor`)."""
    items: list[Post]
    newer_cursor: str | None
    next_cursor: str | None | msgspec.UnsetType = UNSET
    more: bool | msgspec.UnsetType = UNSET


class StoryGroup(Strict):
    author: Author
    stories: list[Post]


class Stories(Strict):
    items: list[StoryGroup]


class Watching(Strict):
    watching: str | None


class New(Strict):
    """A post for an open feed (`feed` names which)."""
    post: Post
    feed: str


class Updated(Strict):
    post: Post


class Removed(Strict):
    post_id: str


class MediaFailed(Strict):
    """To the author: the video of this post could not be processed."""
    post_id: str
    media_id: str
    code: str
    reason: str


REPLIES = {
    "feed:post": Posted, "feed:edit": Post, "feed:delete": Deleted, "feed:get": Post,
    "feed:home": HomePage, "feed:profile": Page, "feed:circle": Page, "feed:trending": Page,
    "feed:stories": Stories, "feed:watch": Watching, "feed:unwatch": Watching,
}
PUSHES = {"feed:new": New, "feed:update": Updated, "feed:remove": Removed,
          "feed:media_failed": MediaFailed}  # feed:live: handlers/live/contract.py
