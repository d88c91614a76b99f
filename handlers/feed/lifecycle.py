"""Per-process background work of the feed: the trending recompute, on one node at a time."""
from __future__ import annotations

import asyncio

import structlog

from handlers.feed import trending
from server.state import AppState

log = structlog.get_logger("feed")
EVERY = 60.0


async def _trending_loop(state: AppState) -> None:
    lock = state.key("feed", "trending", "lock")
    while True:
        try:
            await asyncio.sleep(EVERY)
            # one node per minute does it; the lock expires before the next round
            if await state.redis.set(lock, "1", nx=True, ex=int(EVERY) - 5):
                await trending.recompute(state)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("trending_recompute_failed")
            await asyncio.sleep(5)


async def startup(state: AppState) -> None:
    state.spawn(_trending_loop(state))


async def shutdown(state: AppState) -> None:
    pass  # the background task is cancelled by the app
