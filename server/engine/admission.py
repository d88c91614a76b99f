"""Connect admission: a bounded number of connects in progress; past it, a quick refusal.

When a process dies, all its sockets reconnect to the survivors within about a second. A
server that accepts every one of them works on thousands of connects at once, all slowed
down together, each slower than the client's patience: clients time out, retry, and the
server spends its time on connects nobody waits for any more. Instead a new Engine.IO
handshake is admitted only while the connects already in progress are being served in time:

- at most `limit` sessions between their handshake and the end of their Socket.IO CONNECT
  (answered, refused, or closed): a hard bound on the work accepted;
- past `FLOOR` of them, only while the oldest CONNECT being handled has waited less than
  `max_wait`: the process takes on what it can finish well within a client's connect
  timeout (20 s for socket.io-client), whatever its speed on this machine at this moment.

A refused handshake gets HTTP 503 with `Retry-After` and a problem+json body (`code:
overloaded`, `retry_after` seconds) before any work is done for it, and its connection is
closed. A stock client (socket.io-client, the Swift and Kotlin clients) takes the failed
handshake for a transport error and reconnects after its randomized, growing delay, while
the admitted connects finish within their timeout.

A session counts for at most `hold` seconds: one that opens and never sends CONNECT (a
client that waits, or someone holding slots on purpose) stops counting then, though it lives
until its connect timeout; and since only CONNECTs being handled set the wait, sessions that
never send one cannot make the process refuse everyone. The retry hint is how long the
connects in progress take to drain at the rate this process has been finishing them.
"""
from __future__ import annotations

import json
import math
import time

from aiohttp import web

FLOOR = 32  # connects in progress always allowed, however slow the oldest one
RETRY_AFTER_MAX = 10  # s


class ConnectAdmission:
    """Connects in progress, bounded by count and by wait (see the module docstring)."""

    __slots__ = ("limit", "floor", "max_wait", "hold", "pending", "connecting", "refused",
                 "_done", "_rate", "_rate_at")

    def __init__(self, limit: int, max_wait: float = 2.0, hold: float = 5.0):
        self.limit = limit  # 0: no admission control
        self.floor = min(FLOOR, limit)
        self.max_wait = max_wait
        self.hold = hold
        self.pending: dict[str, float] = {}  # eio sid -> when it was admitted (oldest first)
        self.connecting: dict[str, float] = {}  # eio sid -> when its CONNECT arrived
        self.refused = 0
        self._done = 0  # connects finished since _rate_at
        self._rate = 0.0  # connects finished per second, smoothed
        self._rate_at = time.monotonic()

    def full(self) -> bool:
        """No new handshake now (checked first, before the request is even read further)."""
        if self.limit <= 0 or len(self.pending) < self.floor:
            return False
        now = time.monotonic()
        self._expire(now)
        n = len(self.pending)
        if n < self.floor or (n < self.limit and not self._behind(now)):
            return False
        self.refused += 1
        return True

    def _behind(self, now: float) -> bool:
        """The oldest CONNECT being handled has waited longer than `max_wait`."""
        for since in self.connecting.values():
            return now - since > self.max_wait
        return False

    def admit(self, eio_sid: str) -> bool:
        """Whether a new handshake may go on; if so it counts until `finished`."""
        if self.limit <= 0:
            return True
        if self.full():
            return False
        self.pending[eio_sid] = time.monotonic()
        return True

    def connect_started(self, eio_sid: str) -> None:
        """Its CONNECT arrived and is being handled (the wait that admission watches)."""
        if eio_sid in self.pending and eio_sid not in self.connecting:
            self.connecting[eio_sid] = time.monotonic()

    def finished(self, eio_sid: str) -> None:
        """Its CONNECT was answered (either way), or the session closed before that."""
        self.connecting.pop(eio_sid, None)
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
            self.connecting.pop(sid, None)

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
        resp = web.Response(status=503, text=json.dumps(body),
                            content_type="application/problem+json",
                            headers={"Retry-After": str(seconds)})
        resp.force_close()  # the client comes back on a new connection after its delay
        return resp
