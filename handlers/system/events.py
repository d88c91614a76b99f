"""Socket events of the system domain."""
from __future__ import annotations

import time
from typing import Annotated, Any

import msgspec

from handlers.system.actions import do_announce
from server.errors import ok
from server.payloads import decode
from server.sockets import SocketContext, on


# an announcement is `announce:<name>`: its own namespace, so an admin cannot push events
# that clients read as coming from another domain (`chat:message`, `server:shutdown`, ...)
AnnouncementName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class Announce(msgspec.Struct, forbid_unknown_fields=True):
    event: AnnouncementName
    data: Any = None
    user_id: str | None = None  # one user's devices; None = everyone connected anywhere


@on("system:ping")
async def on_ping(ctx: SocketContext, data: dict | None) -> dict:
    """Round-trip check for clients; also says which user the socket is."""
    return ok({"pong": True, "user_id": ctx.user_id, "server_time_ms": int(time.time() * 1000)})


@on("system:announce", roles=("admin",))
async def on_announce(ctx: SocketContext, data: dict | None) -> dict:
    """An admin pushes `announce:<event>` to one user or to everyone, across every node."""
    req = decode(Announce, data)
    await do_announce(ctx.emitter, req.event, req.data, req.user_id)
    return ok({"sent": True})
