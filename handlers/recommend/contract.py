"""What the recommendation events answer: the types of http/asyncapi.yaml (written from
events.py and actions.py; tests/test_asyncapi.py holds them to a live server)."""
from __future__ import annotations

import msgspec

from server.contract import Strict


class Suggested(Strict):
    """A recommended post (lighter than a feed post: open it with `feed:get`)."""
    id: str
    author_id: str
    body: str
    kind: str
    media_id: str | None
    reactions: int
    comments: int
    lang: str | None
    hashtags: list[str]
    published_ts: float


class ForYou(Strict):
    """`exhausted`: nothing to recommend yet (no public posts matched)."""
    items: list[Suggested]
    next_cursor: str | None
    exhausted: bool


class Catalogue(Strict):
    interests: list[str]
    governorates: list[str]


class Interests(Strict):
    interests: list[str]
    governorate: str | None


class Learned(Strict):
    learned: bool


REPLIES = {"feed:for_you": ForYou, "recommend:catalogue": Catalogue,
           "recommend:interests": Interests, "recommend:feedback": Learned}
PUSHES: dict = {}
