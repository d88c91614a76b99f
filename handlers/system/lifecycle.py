"""Process-wide warm-up: what the first request would otherwise pay for, done at startup."""
from __future__ import annotations

from rooms.ratelimit import warm_limiter
from server.state import AppState


async def startup(state: AppState) -> None:
    await warm_limiter(state)
