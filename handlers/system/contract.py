"""What the system events answer and push: the types of http/asyncapi.yaml (written from
events.py and server/app.py's drain; tests/test_asyncapi.py holds them to a live server).
`server:shutdown` is sent by the server layer itself; it is declared here, the domain that
speaks for the server as a whole."""
from __future__ import annotations

from typing import Any, Literal

import msgspec

from server.contract import Strict


class Pong(Strict):
    pong: Literal[True]
    user_id: str
    server_time_ms: int


class Sent(Strict):
    sent: Literal[True]


class Shutdown(Strict):
    """This server is stopping: reconnect after the hint (another node takes the socket)."""
    reconnect_after_ms: int
    reason: str


REPLIES = {"system:ping": Pong, "system:announce": Sent}
PUSHES = {"server:shutdown": Shutdown,
          # an admin's `system:announce`: the event name and data are the admin's
          "announce:{event}": Any}
