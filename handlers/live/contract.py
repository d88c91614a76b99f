"""What the live events answer and push: the types of http/asyncapi.yaml (written from
actions.stream_view, actions.py and ingest_actions.py; tests/test_asyncapi.py holds them to a
live server). Times are ISO 8601."""
from __future__ import annotations

from typing import Literal

import msgspec

from server.contract import Strict

UNSET = msgspec.UNSET


class Pinned(Strict):
    id: int
    user_id: str
    text: str
    created_at: str


class Stream(Strict):
    """A stream; `hls_url` plays it live, `vod_url` afterwards (when it was recorded)."""
    id: str
    creator_id: str
    title: str
    visibility: str
    circle_id: str | None
    state: str
    source_height: int | None
    pinned: Pinned | None
    vod_path: str | None
    post_id: str | None
    end_reason: str | None
    created_at: str
    started_at: str | None
    ended_at: str | None
    hls_url: str
    vod_url: str | None


class Created(Strict):
    """The stream and its bearer `stream_key` (shown now and never again) for `whip_url`."""
    stream: Stream
    stream_key: str
    whip_url: str


class ChatLine(Strict):
    id: int
    user_id: str
    text: str
    created_at: str


class Joined(Strict):
    stream: Stream
    viewers: int
    recent_chat: list[ChatLine]


class Message(Strict):
    """A live chat message; `held` ones reach only their author."""
    id: int
    stream_id: str
    user_id: str
    display_name: str | None
    text: str
    created_at: str
    status: Literal["visible", "held"]


class PinnedReply(Strict):
    pinned: Pinned | None


class PinnedPush(Strict):
    stream_id: str
    message: Pinned | None


class Left(Strict):
    left: Literal[True]


class Counted(Strict):
    counted: Literal[True]


class Removed(Strict):
    removed: Literal[True]


class StreamRef(Strict):
    stream_id: str


class State(Strict):
    """The stream went live (`playable` once its playlist exists), is reconnecting after its
    publisher dropped (`grace_seconds`), or ended (`vod_url` when recorded)."""
    stream_id: str
    state: Literal["live", "reconnecting", "ended"]
    playable: bool | msgspec.UnsetType = UNSET
    resumed: bool | msgspec.UnsetType = UNSET
    hls_url: str | msgspec.UnsetType = UNSET
    grace_seconds: float | msgspec.UnsetType = UNSET
    reason: str | msgspec.UnsetType = UNSET
    vod_url: str | None | msgspec.UnsetType = UNSET


class Viewers(Strict):
    stream_id: str
    count: int


class Reactions(Strict):
    """Reactions counted since the last push, per kind."""
    stream_id: str
    counts: dict[str, int]


class Tip(Strict):
    """A tip shown in the stream (its message dropped if moderation refuses it)."""
    stream_id: str
    tip_id: int | None
    from_user_id: str
    amount_piastres: int
    message: str | None


class WentLive(Strict):
    """To the creator's followers: someone you follow is live."""
    stream: Stream


REPLIES = {
    "live:create": Created, "live:get": Stream, "live:join": Joined, "live:leave": Left,
    "live:chat": Message, "live:react": Counted, "live:pin": PinnedReply,
    "live:remove": Removed, "live:end": Stream | None,
}
PUSHES = {"live:message": Message, "live:pinned": PinnedPush, "live:removed": StreamRef,
          "live:state": State, "live:viewers": Viewers, "live:reactions": Reactions,
          "live:tip": Tip, "feed:live": WentLive}
