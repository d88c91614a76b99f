"""What the interactions events answer and push: the types of http/asyncapi.yaml (written from
actions.py: comment_json, the reaction counts, the report sinks; tests/test_asyncapi.py holds
them to a live server). Times are ISO 8601."""
from __future__ import annotations

from typing import Literal

import msgspec

from handlers.feed.contract import Author  # a comment's author is a post's author
from server.contract import Strict

UNSET = msgspec.UNSET


class Comment(Strict):
    """A comment; a deleted one keeps its place in the thread (no author, empty body)."""
    id: str
    post_id: str
    parent_id: str | None
    depth: int
    author: Author | None
    body: str
    deleted: bool
    status: str
    reactions: dict[str, int]
    reaction_total: int
    reply_count: int
    created_at: str
    edited_at: str | None


class Comments(Strict):
    items: list[Comment]
    next_cursor: str | None


class CommentPush(Strict):
    comment: Comment


class CommentRemoved(Strict):
    comment_id: str
    post_id: str


class CommentDeleted(Strict):
    comment_id: str
    deleted: Literal[True]


class Reactions(Strict):
    """The target's counts per reaction kind after the change, and the caller's own."""
    target_kind: Literal["post", "comment"]
    target_id: str
    post_id: str
    reactions: dict[str, int]
    total: int
    my_reaction: str | None


class ReactionPush(Strict):
    """Someone reacted (`kind`) or took a reaction back (`kind: null`)."""
    target_kind: Literal["post", "comment"]
    target_id: str
    post_id: str
    reactions: dict[str, int]
    total: int
    user_id: str
    kind: str | None


class Reported(Strict):
    report_id: str
    item_id: str | msgspec.UnsetType = UNSET


REPLIES = {
    "interactions:react": Reactions, "interactions:unreact": Reactions,
    "interactions:comment": Comment, "interactions:comments": Comments,
    "interactions:delete_comment": CommentDeleted, "interactions:report": Reported,
}
PUSHES = {"interactions:comment": CommentPush, "interactions:comment_removed": CommentRemoved,
          "interactions:reaction": ReactionPush}
