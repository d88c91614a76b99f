"""What the auth socket events answer and push: the types of http/asyncapi.yaml (written from
actions.do_list_sessions, events.py and the revocation push; tests/test_asyncapi.py holds them
to a live server)."""
from __future__ import annotations

import msgspec

from server.contract import Strict


class Session(Strict):
    """One signed-in device; `current` is the socket's own. Times are ISO 8601."""
    id: str
    label: str | None
    method: str
    user_agent: str | None
    ip: str | None
    created_at: str
    last_used_at: str
    expires_at: str
    current: bool


class LoggedOut(Strict):
    revoked: str | None


class Revoked(Strict):
    """This session was revoked (signed out elsewhere, password changed...): the socket is
    closed after it."""
    reason: str


REPLIES = {"auth:sessions": list[Session], "auth:logout": LoggedOut}
PUSHES = {"auth:session_revoked": Revoked}
