"""Connect admission: a bounded number of connects in progress; past it, a quick refusal.

When a process dies, all its sockets reconnect to the survivors within about a second. A
server that accepts every one of them works on thousands of connects at once, all slowed
down together, each slower than the client's patience: clients time out, retry, and the
server spends its time on connects nobody waits for any more. A server that refuses too
early idles instead: a refused client (socket.io-client, the Swift and Kotlin clients) comes
back only after its own backoff, up to 5 s later. So a new Engine.IO handshake is admitted
while the connects in progress are fewer than what this process finishes in `max_wait`
seconds at the rate it has been finishing them (Little's law: an admitted connect is then
answered within about `max_wait`, well inside a client's 20 s connect timeout), never fewer
than `FLOOR` and never more than `limit` (`UNMEASURED` until the rate is known). The rate is
measured over the busy stretches only (connects finished per second while some were in
progress), so a quiet hour does not make the process refuse the first storm after it.

A refused handshake gets HTTP 503 with `Retry-After` and a problem+json body (`code:
overloaded`, `retry_after` seconds) before any work is done for it, and its connection is
closed. A stock client takes the failed handshake for a transport error and reconnects after
its randomized, growing delay, while the admitted connects finish within their timeout.

A session whose CONNECT has not arrived counts for at most `hold` seconds: one that opens and
never sends CONNECT (a client that waits, or someone holding slots on purpose) stops counting
then, though it lives until its connect timeout. A CONNECT being handled counts until it is
answered. The retry hint is how long the connects in progress take to drain at that rate.
"""
from __future__ import annotations

import json
import math
import time

from aiohttp import web

FLOOR = 32  # connects in progress always allowed, however slow the process
UNMEASURED = 256  # the room of a process that has not measured its rate yet (just started)
RETRY_AFTER_MAX = 10  # s


class ConnectAdmission:
    """Connects in progress, bounded by what the process drains (see the module docstring)."""

    __slots__ = ("limit", "floor", "max_wait", "hold", "pending", "connecting", "refused",
                 "_done", "_rate", "_busy", "_busy_from")

    def __init__(self, limit: int, max_wait: float = 3.0, hold: float = 5.0):
        self.limit = limit  # 0: no admission control
        self.floor = min(FLOOR, limit)
        self.max_wait = max_wait
        self.hold = hold
        self.pending: dict[str, float] = {}  # eio sid -> when admitted (no CONNECT yet)
        self.connecting: dict[str, float] = {}  # eio sid -> when its CONNECT arrived
        self.refused = 0
        self._done = 0  # connects finished in the current measure
        self._busy = 0.0  # seconds with connects in progress in the current measure
        self._busy_from: float | None = None  # since when some are in progress (None: idle)
        self._rate = 0.0  # connects finished per busy second, smoothed

    @property
    def rate(self) -> float:
        """Connects finished per busy second, smoothed (0: not measured yet)."""
        return self._rate

    @property
    def in_progress(self) -> int:
        return len(self.pending) + len(self.connecting)

    def room(self) -> int:
        """Connects that may be in progress now: what this process finishes in `max_wait`
        at its measured rate, within [floor, limit]."""
        if self._rate == 0:
            return min(self.limit, UNMEASURED)
        return min(self.limit, max(self.floor, int(self._rate * self.max_wait)))

    def full(self) -> bool:
        """No new handshake now (checked first, before the request is even read further)."""
        if self.limit <= 0 or self.in_progress < self.floor:
            return False
        self._expire(time.monotonic())
        if self.in_progress < self.room():
            return False
        self.refused += 1
        return True

    def admit(self, eio_sid: str) -> bool:
        """Whether a new handshake may go on; if so it counts until `finished`."""
        if self.limit <= 0:
            return True
        if self.full():
            return False
        now = time.monotonic()
        if self._busy_from is None:
            self._busy_from = now
        self.pending[eio_sid] = now
        return True

    def connect_started(self, eio_sid: str) -> None:
        """Its CONNECT arrived and is being handled: it counts until answered."""
        if self.pending.pop(eio_sid, None) is not None:
            self.connecting[eio_sid] = time.monotonic()

    def finished(self, eio_sid: str) -> None:
        """Its CONNECT was answered (either way), or the session closed before that."""
        if self.connecting.pop(eio_sid, None) is None and \
                self.pending.pop(eio_sid, None) is None:
            return
        self._done += 1
        now = time.monotonic()
        busy = self._busy + (now - self._busy_from if self._busy_from is not None else 0.0)
        if not self.pending and not self.connecting:
            self._busy, self._busy_from = busy, None  # idle now: stop the clock
        if busy >= 1.0:
            rate = self._done / busy
            self._rate = rate if self._rate == 0 else 0.5 * self._rate + 0.5 * rate
            self._done, self._busy = 0, 0.0
            if self._busy_from is not None:
                self._busy_from = now

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
        return max(1, min(RETRY_AFTER_MAX, math.ceil(self.in_progress / self._rate)))

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
