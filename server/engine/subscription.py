"""The Socket.IO adapter's channel subscription: back within a second of Redis's return, and
this node's own broadcasts delivered here directly while it is not subscribed.

Mixed into RedisManager (server/engine/manager.py). Upstream resubscribed on a doubling wait
up to 60 s, and every node, the emitting one too, delivers only from the subscription: after
a 30 s Redis outage no push reached any socket for another 31 s. Here the wait is jittered
and capped at RESUBSCRIBE_MAX; until the node hears its own ready token on the channel again,
`subscribed` is False (/readyz says so) and a broadcast it publishes is delivered to its own
sockets at once, its offset remembered so the subscription does not deliver it twice.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time

from server.outages import HEALTH, store_of

log = logging.getLogger("sawt.engine")

RESUBSCRIBE_MAX = 1.0  # seconds: the longest wait between two resubscription attempts


class ChannelSubscription:
    """The subscriber side of RedisManager (see the module doc)."""

    def _init_subscription(self) -> None:
        self.subscribed = False  # this node hears the channel (its ready token came back)
        self._delivered_here: dict[bytes, float] = {}  # offsets delivered while unsubscribed
        self._local_only = 0  # broadcasts delivered only here since the subscription went
        self._lost_at: float | None = None
        self._lost_retries = 0

    def _publish_failed(self, exc: Exception, attempt: int) -> None:
        """Counted against Redis (one store_down line per outage), not logged per emit."""
        if store_of(exc) is None:
            log.error("cannot log/publish a broadcast to redis (attempt %d): %r", attempt, exc)
        else:
            HEALTH.failed("redis", exc, "broadcast")

    def _deliver_unsubscribed(self, offset: bytes, header: dict, body: bytes) -> None:
        """Published, but this node does not hear the channel: its own sockets get it now,
        and the subscription skips this offset should it hear it after all."""
        if isinstance(offset, str):
            offset = offset.encode()
        now = time.monotonic()
        self._local_only += 1
        self._delivered_here[offset] = now
        if len(self._delivered_here) > 50_000:  # bounded: the oldest half goes
            items = sorted(self._delivered_here.items(), key=lambda kv: kv[1])
            self._delivered_here = dict(items[len(items) // 2:])
        self.deliver(offset, header, body)

    async def _redis_listen_with_retries(self):
        """Upstream's loop with the readiness handshake and a short retry: after a failure it
        resubscribes within RESUBSCRIBE_MAX s (jittered, so nodes do not retry in step) of
        Redis answering again; upstream doubled its wait up to 60 s, so pushes stayed dark
        that long after Redis came back."""
        retry_sleep = 0.05
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    await self.pubsub.subscribe(self.channel)
                    subscribed = True
                    await self.redis.publish(self.channel, self._ready_token)
                    retry_sleep = 0.05
                async for message in self.pubsub.listen():
                    yield message
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._subscription_lost(exc)
                subscribed = False
                await self._drop_pubsub()
                await asyncio.sleep(retry_sleep * (0.5 + random.random() / 2))
                retry_sleep = min(retry_sleep * 2, RESUBSCRIBE_MAX)

    def _subscription_lost(self, exc: Exception) -> None:
        if self._ready is not None:
            self._ready.set()  # connects wait for a subscription, not for an outage to end
        if self.subscribed:
            self.subscribed = False
            self._lost_at = time.monotonic()
            self._lost_retries = 0
            log.error("socketio_subscription_lost: %s", f"{type(exc).__name__}: {exc}"[:200])
        self._lost_retries += 1
        if store_of(exc) is not None:
            HEALTH.failed("redis", exc, "subscription")

    def _subscription_live(self) -> None:
        """Our ready token came back: the channel is heard again."""
        if self._ready is not None:
            self._ready.set()
        if self.subscribed:
            return
        self.subscribed = True
        lost_at = self._lost_at
        if lost_at is not None:
            log.warning("socketio_subscription_back after %.2fs (%d failed attempts); "
                        "%d broadcasts were delivered on this node only meanwhile",
                        time.monotonic() - lost_at, self._lost_retries, self._local_only)
            self._lost_at = None
        self._local_only = 0
        asyncio.get_running_loop().call_later(10, self._forget_delivered)

    def _forget_delivered(self) -> None:
        if self.subscribed:
            self._delivered_here.clear()

    async def _drop_pubsub(self) -> None:
        """Close the dead pub/sub connection and its client (new ones are made on the next
        attempt; upstream left them open, one more per retry)."""
        for closing in (self.pubsub, self.redis):
            if closing is not None:
                try:
                    await closing.aclose()
                except Exception:
                    pass
