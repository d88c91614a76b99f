"""Typing indicators: throttled, and expiring by themselves after `typing_ttl` seconds.

One Redis key per (conversation, user) holds when the indicator was last pushed, with a TTL
of `typing_ttl`. `start()` says whether to push now: yes when nobody knew the user was typing,
or when the last push is `typing_throttle` old (so receivers, who expire an indicator after
`expires_in_ms`, keep seeing it while the user keeps typing); otherwise it only extends the
TTL. `stop()` says whether there was an indicator to take down.

The expiry push ("stopped typing" after the TTL with no new start) is a best-effort timer in
the process that saw the last start; it checks the key first, so a start seen by another
process (the user's other device) keeps the indicator up. If that process dies, receivers
still drop the indicator after `expires_in_ms`: the indicator can never stick.

This module keeps state; the chat actions decide what to emit.
"""
from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable

from server.state import AppState


class Typing:
    def __init__(self, state: AppState):
        self.state = state
        self.ttl = state.settings.typing_ttl
        self.throttle = state.settings.typing_throttle
        self._timers: dict[tuple[str, str], asyncio.TimerHandle] = {}

    def _key(self, conversation_id, user_id) -> str:
        return self.state.key("typing", conversation_id, user_id)

    async def start(self, conversation_id: str, user_id: str) -> bool:
        """Record that the user types; True when receivers should be told now."""
        key = self._key(conversation_id, user_id)
        now = time.time()
        ttl_ms = int(self.ttl * 1000)
        prev = await self.state.redis.set(key, now, px=ttl_ms, nx=True)
        if prev:  # newly typing
            return True
        last = await self.state.redis.get(key)
        if last is not None and now - float(last) < self.throttle:
            await self.state.redis.pexpire(key, ttl_ms)
            return False
        await self.state.redis.set(key, now, px=ttl_ms)
        return True

    async def stop(self, conversation_id: str, user_id: str) -> bool:
        """Take the indicator down; True when there was one."""
        self.cancel_timer(conversation_id, user_id)
        return bool(await self.state.redis.delete(self._key(conversation_id, user_id)))

    async def still_typing(self, conversation_id: str, user_id: str) -> bool:
        return bool(await self.state.redis.exists(self._key(conversation_id, user_id)))

    def arm_expiry(self, conversation_id: str, user_id: str,
                   on_expired: Callable[[], Awaitable[None]]) -> None:
        """Call `on_expired` after the TTL unless a newer start or a stop re-arms or cancels."""
        self.cancel_timer(conversation_id, user_id)
        loop = asyncio.get_running_loop()
        k = (conversation_id, user_id)

        def fire() -> None:
            self._timers.pop(k, None)
            if not self.state.shutting_down:
                self.state.spawn(on_expired())

        # a little after the key's own expiry, so `still_typing` sees it gone
        self._timers[k] = loop.call_later(self.ttl + 0.05, fire)

    def cancel_timer(self, conversation_id: str, user_id: str) -> None:
        handle = self._timers.pop((conversation_id, user_id), None)
        if handle is not None:
            handle.cancel()

    def cancel_all(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()


def typing(state: AppState) -> Typing:
    t = state.extras.get("typing")
    if t is None:
        t = state.extras["typing"] = Typing(state)
    return t
