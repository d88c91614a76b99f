"""Per-process start and stop of chat's background work: the presence heartbeat and sweep,
the message and receipt batches."""
from __future__ import annotations

import asyncio

import structlog

from handlers.chat import batches
from handlers.chat.live_actions import do_presence_close, do_presence_sweep, emit_changes
from rooms.presence import presence
from rooms.typing import typing
from server.state import AppState

log = structlog.get_logger("presence")


async def _beat(state: AppState) -> None:
    """Heartbeat, then sweep dead processes, every `presence_heartbeat` seconds."""
    store = presence(state)
    delay = state.settings.presence_heartbeat
    while True:
        try:
            await emit_changes(state, await store.heartbeat())
            await do_presence_sweep(state)
            delay = state.settings.presence_heartbeat
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("presence_heartbeat_failed")
            delay = min(delay * 2, state.settings.presence_ttl / 3)
        await asyncio.sleep(delay)


async def startup(state: AppState) -> None:
    try:  # beat before the first socket arrives; a Redis outage must not stop start-up
        await presence(state).heartbeat()
    except Exception:
        log.warning("presence_first_heartbeat_failed")
    state.spawn(_beat(state))


async def shutdown(state: AppState) -> None:
    typing(state).cancel_all()
    await batches.drain(state)  # messages taken into a batch are stored and answered
    try:
        await do_presence_close(state)
    except Exception:
        log.exception("presence_close_failed")
