"""What chat, presence and typing answer and push: the types of http/asyncapi.yaml.

Written from the code that builds each dict (shapes.message_out, actions.py, live_actions.py,
batches.py); tests/test_asyncapi.py checks what a live server sends against them, so a key
added, renamed or retyped there fails until it is changed here too.
"""
from __future__ import annotations

from typing import Literal

import msgspec

from server.contract import Strict

UNSET = msgspec.UNSET


class MediaRef(Strict):
    id: str
    kind: str


class SystemEvent(Strict):
    """What a `kind: system` message says happened (group created, member added, ...)."""
    event: Literal["created", "members_added", "member_left", "member_removed", "renamed",
                   "admin_granted", "admin_revoked"]
    title: str | msgspec.UnsetType = UNSET
    members: list[str] | msgspec.UnsetType = UNSET
    user_ids: list[str] | msgspec.UnsetType = UNSET
    user_id: str | msgspec.UnsetType = UNSET
    promoted: str | msgspec.UnsetType = UNSET


class Message(Strict):
    """A stored message as clients see it; a deleted one keeps its place (`deleted`, no
    text or media). Times are ms since the epoch."""
    id: str
    conversation_id: str
    seq: int
    rev: int
    sender_id: str
    client_id: str
    kind: str
    text: str | None
    reply_to: int | None
    media: MediaRef | None
    data: SystemEvent | None
    held: bool
    created_at: int
    edited_at: int | None
    deleted: bool


class Sent(Message):
    """A sent message; `duplicate` when this client_id was already sent (a retry)."""
    duplicate: bool | msgspec.UnsetType = UNSET


class History(Strict):
    conversation_id: str
    messages: list[Message]
    last_seq: int
    cursor: str | None


class SyncedConversation(Strict):
    conversation_id: str
    messages: list[Message]
    changed: list[Message]
    last_seq: int
    last_rev: int
    has_more: bool


class Sync(Strict):
    conversations: list[SyncedConversation]
    gone: list[str]


class Conversation(Strict):
    id: str
    kind: str
    title: str | None
    role: str
    members: list[str]
    last_seq: int
    last_rev: int
    read_seq: int
    delivered_seq: int
    unread: int
    last_message_at: int | None


class Conversations(Strict):
    conversations: list[Conversation]


class Receipt(Strict):
    conversation_id: str
    kind: Literal["read", "delivered"]
    seq: int | None
    advanced: bool


class ReceiptPush(Strict):
    conversation_id: str
    user_id: str
    kind: Literal["read", "delivered"]
    seq: int | None


class Group(Strict):
    id: str
    kind: Literal["group"]
    title: str
    members: list[str]


class Added(Strict):
    conversation_id: str
    added: list[str]


class Removed(Strict):
    conversation_id: str
    removed: str


class Renamed(Strict):
    conversation_id: str
    title: str


class AdminSet(Strict):
    conversation_id: str
    user_id: str
    admin: bool


class TypingStarted(Strict):
    typing: Literal[True]
    pushed: bool
    expires_in_ms: int


class TypingStopped(Strict):
    typing: Literal[False]


class TypingPush(Strict):
    conversation_id: str
    user_id: str
    typing: bool
    expires_in_ms: int


class Presence(Strict):
    user_id: str
    status: Literal["online", "away", "offline"]
    last_seen: int | None


class PresenceSubscribed(Strict):
    presence: list[Presence]
    denied: list[str]


class PresenceUnsubscribed(Strict):
    unsubscribed: int


class Warning(Strict):
    """To the other members when a message is held as a scam (never its text)."""
    conversation_id: str
    sender_id: str
    category: str
    held: bool
    message: str
    message_ar: str


REPLIES = {
    "chat:send": Sent, "chat:edit": Message, "chat:delete": Message, "chat:history": History,
    "chat:sync": Sync, "chat:conversations": Conversations, "chat:read": Receipt,
    "chat:delivered": Receipt, "chat:create_group": Group, "chat:add_members": Added,
    "chat:remove_member": Removed, "chat:leave": Removed, "chat:rename": Renamed,
    "chat:set_admin": AdminSet, "typing:start": TypingStarted, "typing:stop": TypingStopped,
    "presence:subscribe": PresenceSubscribed, "presence:unsubscribe": PresenceUnsubscribed,
    "presence:set": Presence,
}
PUSHES = {
    "chat:message": Message, "chat:message_updated": Message, "chat:receipt": ReceiptPush,
    "chat:warning": Warning, "typing:update": TypingPush, "presence:update": Presence,
}
