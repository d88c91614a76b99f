"""One plain Redis pub/sub channel heard by this process for as long as it runs (session
revocations, live publisher takeovers).

- Subscribed before the process reports ready, so nothing published after start-up is missed.
- After an error (Redis restarted, connection dropped) it resubscribes within a second of
  Redis's return; `on_subscribed(pubsub, first)` lets the owner make up for the gap (pub/sub
  keeps nothing for a subscriber that was away).
- Stopped listener first: redis-py's `PubSub.aclose()` hands its connection back to the
  client's pool at once, and if the listener task is still awaiting a read on it, the next
  command that takes it from the pool fails ("read() called while another coroutine is already
  waiting", "Connection closed by server"). On SIGTERM that made the process's own shutdown
  writes fail: the live domain could not end its streams, so viewers learned `host_lost` from
  another process 15 s later instead of `server_restart`.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Awaitable, Callable

import structlog

from server.outages import note_if_outage
from server.redis_clients import plain_pubsub
from server.state import AppState

log = structlog.get_logger("pubsub")

MAX_BACKOFF = 1.0  # resubscribed within 1 s of Redis's return


class ChannelListener:
    def __init__(self, state: AppState, channel: str, on_message: Callable[[bytes], Awaitable[None]],
                 *, name: str, on_subscribed: Callable[[Any, bool], None] | None = None):
        self.state = state
        self.channel = channel
        self.on_message = on_message
        self.name = name
        self.on_subscribed = on_subscribed
        self.pubsub: Any = None
        self.task: asyncio.Task | None = None
        self.closed = False

    async def start(self) -> None:
        self.pubsub = plain_pubsub(self.state.redis, ignore_subscribe_messages=True)
        subscribed = False
        try:
            await asyncio.wait_for(self.pubsub.subscribe(self.channel), 3)
            subscribed = True
        except Exception:  # Redis down: /readyz says so; the listener keeps trying
            log.warning(f"{self.name}_subscribe_failed")
        self.task = self.state.spawn(self._listen(subscribed))

    async def stop(self) -> None:
        """Cancel the task reading the pub/sub, wait until it has stopped, then close it."""
        self.closed = True
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
        if self.pubsub is not None:
            with contextlib.suppress(Exception):
                await self.pubsub.aclose()

    async def _listen(self, subscribed: bool) -> None:
        if subscribed and self.on_subscribed is not None:
            self.on_subscribed(self.pubsub, True)
        backoff = 0.5
        while not self.closed:
            try:
                if not subscribed:
                    await self.pubsub.subscribe(self.channel)
                    subscribed = True
                    if self.on_subscribed is not None:
                        self.on_subscribed(self.pubsub, False)
                async for message in self.pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    backoff = 0.5
                    try:
                        await self.on_message(message["data"])
                    except Exception:
                        log.exception(f"{self.name}_message_failed")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.closed:
                    return
                if note_if_outage(exc, f"{self.name}_listener") is None:  # outages: counted once
                    log.warning(f"{self.name}_listener_failed", retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                subscribed = False
