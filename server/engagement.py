"""Engagement signals: the seam from the domains where users engage to the ones that learn.

The domains where engagement happens (interactions: reactions, comments; feed: opening or
watching a post) call `engaged(...)` after their commit. Domains that learn from it
(recommend) register a listener with `on_engagement(listener)` when imported. Neither side
knows the other's internals.

Listeners run on the socket path, so they must only queue work (one Redis write), never do
it; a failing listener is logged and never fails the reaction or comment that fired it.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Literal

import structlog

from server.state import AppState

log = structlog.get_logger("engagement")

Signal = Literal["reaction", "comment", "view"]
Listener = Callable[[AppState, str, str, str], Awaitable[None]]

LISTENERS: list[Listener] = []


def on_engagement(listener: Listener) -> None:
    """`listener(state, user_id, post_id, signal)` hears every engagement with a post."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)


async def engaged(state: AppState, user_id: str, post_id: str, signal: Signal) -> None:
    """Tell the listeners that `user_id` engaged with `post_id`; call after the commit."""
    for listener in LISTENERS:
        try:
            await listener(state, user_id, post_id, signal)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("engagement_listener_failed", signal=signal, post_id=post_id)
