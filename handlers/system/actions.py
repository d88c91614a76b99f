"""System actions: announcements to one user or to everyone."""
from __future__ import annotations

from typing import Any

from rooms.names import user_room
from server.emitter import Emitter


async def do_announce(emitter: Emitter, event: str, data: Any, user_id: str | None) -> None:
    """Push `announce:<event>` to one user's devices, or to every socket on every node."""
    room = user_room(user_id) if user_id else None
    await emitter.emit(f"announce:{event}", data, room=room)
