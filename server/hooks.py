"""Hooks: how a lower domain tells higher ones that something happened, without importing them.

The domain where it happens owns the hook and fires it after its commit; a domain above it
that must react (drop a cache, recompute, queue a job) listens when imported:

    # handlers/users/hooks.py                  # handlers/feed/timeline.py
    graph_changed = Hook("users.graph_changed")   graph_changed.listen(invalidate)

Imports then go one way (docs/architecture.md). Listeners run in registration order in the
firing call, and an error propagates to the caller, exactly as a direct call would: use a
hook for what must happen, and queue a job in the listener for what may happen later.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from server.state import AppState

Listener = Callable[..., Awaitable[Any]]


class Hook:
    def __init__(self, name: str):
        self.name = name
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> Listener:
        """Register `listener(state, *args)`; registering twice is harmless."""
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    async def fire(self, state: AppState, *args: Any) -> None:
        for listener in self._listeners:
            await listener(state, *args)

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, listeners={len(self._listeners)})"
