"""Connect admission: a bounded number of connects in progress; past it, a quick refusal.

When a process dies, all its sockets reconnect to the survivors within about a second. A
server that accepts every one of them works on thousands of connects at once, each slower
than the client's patience: clients time out, retry, and the server spends its time on
connects nobody waits for any more. Instead, a new Engine.IO handshake is admitted only while
fewer than `limit` sessions are between their handshake and the end of their Socket.IO
CONNECT (answered, refused, or closed). Past the limit the handshake gets HTTP 503 with
`Retry-After` and a problem+json body (`code: overloaded`, `retry_after` seconds), before any
work is done for it: a stock client (socket.io-client, the Swift and Kotlin clients) takes
the failed handshake for a transport error and reconnects after its randomized, growing
delay, while the admitted connects finish within their timeout.

A session counts for at most `hold` seconds: one that opens and never sends CONNECT (a
client that waits, or someone holding slots on purpose) stops counting then, though it lives
until its connect timeout. The retry hint is how long the connects in progress take to drain
at the rate this process has been finishing them.
"""
from __future__ import annotations

import json
import math
import time

from aiohttp import web

RETRY_AFTER_MAX = 10  # s


class ConnectAdmission:
    """Sessions between handshake and CONNECT answer, bounded (see the module docstring)."""

    __slots__ = ("limit", "hold", "pending", "refused", "_done", "_rate", "_rate_at")

    def __init__(self, limit: int, hold: float = 5.0):
        self.limit = limit  # 0: no admission control
        self.hold = hold
        self.pending: dict[str, float] = {}  # eio sid -> when it was admitted (oldest first)
        self.refused = 0
        self._done = 0  # connects finished since _rate_at
        self._rate = 0.0  # connects finished per second, smoothed
        self._rate_at = time.monotonic()

    def full(self) -> bool:
        """No new handshake now (checked first, before the request is even read further)."""
        if self.limit <= 0 or len(self.pending) < self.limit:
            return False
        self._expire(time.monotonic())
        if len(self.pending) < self.limit:
            return False
        self.refused += 1
        return True

    def admit(self, eio_sid: str) -> bool:
        """Whether a new handshake may go on; if so it counts until `finished`."""
        if self.limit <= 0:
            return True
        if self.full():
            return False
        self.pending[eio_sid] = time.monotonic()
        return True

    def finished(self, eio_sid: str) -> None:
        """Its CONNECT was answered (either way), or the session closed before that."""
        if self.pending.pop(eio_sid, None) is None:
            return
        self._done += 1
        now = time.monotonic()
        span = now - self._rate_at
        if span >= 1.0:
            rate = self._done / span
            self._rate = rate if self._rate == 0 else 0.5 * self._rate + 0.5 * rate
            self._done, self._rate_at = 0, now

    def _expire(self, now: float) -> None:
        pending = self.pending
        while pending:
            sid = next(iter(pending))
            if now - pending[sid] < self.hold:
                return
            del pending[sid]

    def retry_after(self) -> int:
        """Whole seconds until the connects in progress should have drained (1..10)."""
        if self._rate <= 0:
            return 1
        return max(1, min(RETRY_AFTER_MAX, math.ceil(len(self.pending) / self._rate)))

    def refusal(self) -> web.Response:
        seconds = self.retry_after()
        body = {"type": "https://errors.sawt.app/overloaded", "status": 503,
                "title": f"Too many connections in progress; retry in {seconds} s",
                "code": "overloaded", "retry_after": seconds}
        return web.Response(status=503, text=json.dumps(body),
                            content_type="application/problem+json",
                            headers={"Retry-After": str(seconds)})
