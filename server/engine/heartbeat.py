"""Engine.IO heartbeats for every socket of a process on one timer.

Each socket is pinged `ping_interval` after its last pong (or its handshake) and cut when no
pong arrives within `ping_timeout`. Instead of a loop timer per socket (a TimerHandle and a
libuv timer each: ~0.5 KB per idle socket), sockets wait in buckets of `tick` seconds and one
callback per tick pings or cuts the sockets whose bucket came due. A ping may leave up to one
tick early and a cut come up to one tick late; the tick is a fifth of the shorter heartbeat
setting (at most 1 s), so nothing a client can notice changes.
"""
from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.engine.esocket import EngineSocket

MAX_TICK = 1.0
MIN_TICK = 0.01


class Heartbeats:
    """Buckets of sockets by due tick; `wait_ping` / `wait_pong` / `forget` per socket."""

    def __init__(self, loop: asyncio.AbstractEventLoop, ping_interval: float,
                 ping_timeout: float):
        self.loop = loop
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.tick = min(MAX_TICK, max(MIN_TICK, min(ping_interval, ping_timeout) / 5))
        self.buckets: dict[int, set[EngineSocket]] = {}
        self.done = 0  # every bucket up to this tick has been handled
        self._handle: asyncio.TimerHandle | None = None

    def wait_ping(self, sock: EngineSocket) -> None:
        """(Re)start the wait before `sock`'s next ping (after the handshake or a pong)."""
        self._put(sock, self.ping_interval, pinged=False)

    def wait_pong(self, sock: EngineSocket) -> None:
        self._put(sock, self.ping_timeout, pinged=True)

    def forget(self, sock: EngineSocket) -> None:
        due = sock.beat_due
        if due is not None:
            bucket = self.buckets.get(due)
            if bucket is not None:
                bucket.discard(sock)
                if not bucket:
                    del self.buckets[due]
            sock.beat_due = None

    def _put(self, sock: EngineSocket, delay: float, *, pinged: bool) -> None:
        self.forget(sock)
        if not self.buckets:
            self.done = int(self.loop.time() / self.tick)
        at = (self.loop.time() + delay) / self.tick
        # a ping may leave early (harmless: the client only resets its timer); a cut never
        # comes before the full timeout
        due = max(self.done + 1, math.ceil(at) if pinged else math.floor(at - 0.001))
        bucket = self.buckets.get(due)
        if bucket is None:
            bucket = self.buckets[due] = set()
        bucket.add(sock)
        sock.beat_due = due
        sock.pinged = pinged
        if self._handle is None:
            self._schedule()

    def _schedule(self) -> None:
        # a hair past the tick's boundary, so that the tick has surely begun when it runs
        self._handle = self.loop.call_at((self.done + 1.001) * self.tick, self._run)

    def _run(self) -> None:
        self._handle = None
        now = int(self.loop.time() / self.tick)
        while self.done < now:
            self.done += 1
            bucket = self.buckets.pop(self.done, None)
            if not bucket:
                continue
            for sock in bucket:
                sock.beat_due = None
                if sock.closing or sock.closed:
                    continue
                if sock.pinged:
                    sock.ping_timed_out()
                else:
                    sock.send_ping()
                    self.wait_pong(sock)
        if self.buckets and self._handle is None:
            self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.buckets.clear()
