"""Engine.IO heartbeats for every socket of a process on one timer.

Each socket is pinged `ping_interval` after its last pong (or its handshake) and cut when no
pong arrives within `ping_timeout`. Instead of a loop timer per socket (a TimerHandle and a
libuv timer each: ~0.5 KB per idle socket), sockets wait in buckets of `tick` seconds and one
callback per tick pings or cuts the sockets whose bucket came due. A ping may leave up to one
tick early (the tick is a fifth of the shorter heartbeat setting, at most 1 s). A cut is
exact: a silent session is closed at pingInterval + pingTimeout after its last pong (or its
handshake), as the reference server does. Its bucket is the tick the deadline falls in, and
the few sockets whose deadline lies inside the tick that just began wait on one shared timer
set to the earliest of them.
"""
from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.engine.esocket import EngineSocket

MAX_TICK = 1.0
MIN_TICK = 0.01
IMMINENT = -1  # `beat_due` of a socket waiting on the imminent timer


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
        self.imminent: set[EngineSocket] = set()  # cut within the current tick
        self._imminent_handle: asyncio.TimerHandle | None = None

    def wait_ping(self, sock: EngineSocket) -> None:
        """(Re)start the wait before `sock`'s next ping (after the handshake or a pong)."""
        sock.beat_deadline = self.loop.time() + self.ping_interval + self.ping_timeout
        self._put(sock, self.ping_interval, pinged=False)

    def wait_pong(self, sock: EngineSocket) -> None:
        self._put(sock, sock.beat_deadline - self.loop.time(), pinged=True)

    def forget(self, sock: EngineSocket) -> None:
        due = sock.beat_due
        if due == IMMINENT:
            self.imminent.discard(sock)
            sock.beat_due = None
        elif due is not None:
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
        # a ping may leave early (harmless: the client only resets its timer); a cut waits in
        # the tick its deadline falls in, then on the imminent timer for the exact time
        due = max(self.done + 1, math.floor(at) if pinged else math.floor(at - 0.001))
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
                    sock.beat_due = IMMINENT
                    self.imminent.add(sock)
                else:
                    sock.send_ping()
                    self.wait_pong(sock)
        if self.imminent:
            self._cut_due()
        if self.buckets and self._handle is None:
            self._schedule()

    def _cut_due(self) -> None:
        """Close the imminent sockets whose deadline has come; wait for the next one."""
        if self._imminent_handle is not None:
            self._imminent_handle.cancel()
            self._imminent_handle = None
        now = self.loop.time()
        due = [s for s in self.imminent if s.beat_deadline <= now]
        for sock in due:
            self.imminent.discard(sock)
            sock.beat_due = None
            if not (sock.closing or sock.closed):
                sock.ping_timed_out()
        if self.imminent:
            first = min(s.beat_deadline for s in self.imminent)
            self._imminent_handle = self.loop.call_at(first, self._cut_due)

    def stop(self) -> None:
        for handle in (self._handle, self._imminent_handle):
            if handle is not None:
                handle.cancel()
        self._handle = self._imminent_handle = None
        self.buckets.clear()
        self.imminent.clear()
