"""What the notification events answer and push: the types of http/asyncapi.yaml (written from
actions._render and friends; tests/test_asyncapi.py holds them to a live server)."""
from __future__ import annotations

from typing import Any

import msgspec

from server.contract import Strict


class Actor(Strict):
    id: str
    display_name: str | None


class Notification(Strict):
    """One (grouped) notification; `text` is ready to show; `data` depends on `kind` (e.g. a
    tip's amount, a subscription's tier). Times are ISO 8601."""
    id: str
    kind: str
    target_kind: str | None
    target_id: str | None
    actors: list[Actor]
    actor_count: int
    text: str
    data: dict[str, Any]
    read: bool
    created_at: str
    updated_at: str


class Pushed(Notification):
    unread_count: int


class Page(Strict):
    items: list[Notification]
    next_cursor: str | None
    unread_count: int


class Unread(Strict):
    unread_count: int


class Marked(Strict):
    marked: int
    unread_count: int


REPLIES = {"notifications:list": Page, "notifications:unread": Unread,
           "notifications:read": Marked}
PUSHES = {"notify": Pushed, "notify:unread": Unread}
