"""What the moderation events answer and push: the types of http/asyncapi.yaml (written from
actions.item_json over queries.ITEM_COLUMNS, the decision push and the standing row;
tests/test_asyncapi.py holds them to a live server). Times are ISO 8601."""
from __future__ import annotations

from typing import Any, Literal

import msgspec

from server.contract import Strict

UNSET = msgspec.UNSET


class Item(Strict):
    """One review item (a held or reported piece of content), as moderators see it.
    `auto_decision` is the automatic layer's explanation (layer, score, action, reason,
    category) when one held it."""
    id: str
    target_type: str
    target_id: str
    author_id: str
    text_snapshot: str
    snapshot_from: str
    source: str
    auto_decision: dict[str, Any] | None
    status: str
    claimed_by: str | None
    claimed_at: str | None
    decision: str | None
    decided_by: str | None
    decided_at: str | None
    decision_note: str | None
    report_count: int
    appeal_status: str | None
    appeal_text: str | None
    appealed_at: str | None
    created_at: str
    updated_at: str
    category: str | None
    priority: int
    acted_on_content: bool | msgspec.UnsetType = UNSET


class Queue(Strict):
    items: list[Item]


class Reported(Strict):
    report_id: str
    item_id: str


class Left(Strict):
    left: Literal[True]


class Appealed(Strict):
    item_id: str
    appeal: str | None


class Standing(Strict):
    strikes: int
    warnings: int
    reports_upheld: int
    reports_rejected: int
    suspended_until: str | None


class ItemChange(Strict):
    """To the open queues: an item was reported, held, sampled (allowed public content
    drawn at random for review), claimed, released, decided or appealed."""
    change: Literal["reported", "held", "sampled", "claimed", "released", "decided",
                    "appealed"]
    item: Item


class Decision(Strict):
    """To the author: what moderation decided about their content."""
    item_id: str
    target_type: str
    target_id: str
    decision: str
    appeal: str | None
    can_appeal: bool
    suspended_until: str | None


REPLIES = {
    "mod:report": Reported, "mod:queue": Queue, "mod:leave": Left, "mod:claim": Item,
    "mod:release": Item, "mod:decide": Item, "mod:appeal": Appealed, "mod:standing": Standing,
}
PUSHES = {"mod:item": ItemChange, "mod:decision": Decision}
