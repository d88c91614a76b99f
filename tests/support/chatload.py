"""A small chat load for the chaos suite: devices that resend unacked messages with the same
`client_id` (as the apps do), honour `retry_after`, reconnect to another server when theirs
dies, and keep books: what was acked, what arrived live and when, which error codes came."""
from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import aiohttp
import socketio


@dataclass
class Books:
    acked: dict[str, tuple[str, int]] = field(default_factory=dict)  # client_id -> (conv, seq)
    received: list[tuple[float, str, str, int, str]] = field(default_factory=list)
    # ^ (t, device, conversation, seq, client_id) of every live chat:message
    first_sent: dict[str, float] = field(default_factory=dict)  # client_id -> first attempt
    codes: list[tuple[float, str, str]] = field(default_factory=list)  # t, where, code
    transport: Counter = field(default_factory=Counter)  # client-side: timeouts, disconnects
    ready: list[tuple[float, float, int, int]] = field(default_factory=list)  # t0, t1, node, status

    def codes_between(self, t0: float, t1: float) -> Counter:
        return Counter(c for t, _w, c in self.codes if t0 <= t <= t1)

    def first_receipt_after(self, t: float) -> float | None:
        """When the first message first sent at or after `t` arrived live on a device."""
        after = [r[0] for r in self.received if self.first_sent.get(r[4], 0) >= t]
        return min(after) if after else None

    def duplicates(self) -> list:
        seen = Counter((dev, conv, seq) for _t, dev, conv, seq, _c in self.received)
        return [k for k, n in seen.items() if n > 1]


def refusal_code(data) -> str:
    """The `code` of a CONNECT_ERROR payload ({message, data: {code, ...}} or flat)."""
    if isinstance(data, dict):
        inner = data.get("data")
        if isinstance(inner, dict) and "code" in inner:
            return inner["code"]
        return data.get("code") or "refused"
    return "refused"


class Device:
    """One socket of one user, connected to the first of `urls` that accepts it."""

    def __init__(self, name: str, token: str, urls: list[str], books: Books):
        self.name, self.token, self.urls, self.books = name, token, urls, books
        self.sio: socketio.AsyncClient | None = None
        self.url: str | None = None
        self.refusal = None

    @property
    def connected(self) -> bool:
        return self.sio is not None and self.sio.connected

    async def connect(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            for url in self.urls:
                sio = socketio.AsyncClient(reconnection=False)
                sio.on("chat:message", self._message)
                sio.on("connect_error", self._refused)
                self.refusal = None
                try:
                    await sio.connect(url, auth={"token": self.token},
                                      transports=["websocket"], wait_timeout=3)
                    self.sio, self.url = sio, url
                    return
                except socketio.exceptions.ConnectionError:
                    if isinstance(self.refusal, dict):  # the server's CONNECT_ERROR
                        self.books.codes.append((time.time(), "connect",
                                                 refusal_code(self.refusal)))
                    else:  # no server there (the client's own transport error)
                        self.books.transport["connect_failed"] += 1
                    await sio.disconnect()
            await asyncio.sleep(0.3)
        raise TimeoutError(f"{self.name} could not connect")

    async def _refused(self, data=None):
        self.refusal = data

    async def _message(self, msg, offset=None):
        """A pushed message; connection state recovery appends the broadcast's log offset."""
        self.books.received.append((time.time(), self.name, msg["conversation_id"],
                                    msg["seq"], msg.get("client_id")))

    async def call(self, event: str, data: dict, timeout: float = 3) -> dict | None:
        try:
            return await self.sio.call(event, data, timeout=timeout)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError,
                socketio.exceptions.DisconnectedError):
            self.books.transport["no_ack"] += 1
            return None

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()


def _text_of(cid: str) -> str:
    """A message text for a client id: words and a short number, never the id's long digit
    run (joined across the dashes, `d2-3-9602152157101` reads as a 14-digit Egyptian national
    id, which moderation blocks: the chaos tests' sends were refused as `message_blocked`
    whenever the machine's monotonic clock made such a date)."""
    device, n, _ = cid.split("-", 2)
    return f"chaos message {n} from {device}"


class ChatLoad:
    """Pairs of devices on different servers messaging each other every `interval` s."""

    def __init__(self, pairs: list[tuple[Device, Device, str]], books: Books,
                 server_urls: list[str], interval: float = 0.1):
        self.pairs, self.books, self.urls, self.interval = pairs, books, server_urls, interval
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        for a, b, conv in self.pairs:
            self.tasks.append(asyncio.create_task(self._sender(a, conv)))
            self.tasks.append(asyncio.create_task(self._sender(b, conv)))
        self.tasks.append(asyncio.create_task(self._poll_ready()))

    async def _sender(self, dev: Device, conv: str) -> None:
        n = 0
        while not self.stopping.is_set():
            cid = f"{dev.name}-{n}-{time.monotonic_ns()}"
            n += 1
            await self._send_until_acked(dev, conv, cid)
            await asyncio.sleep(self.interval)

    async def _send_until_acked(self, dev: Device, conv: str, cid: str) -> None:
        """Resend with the same client_id until acked (bounded: the test's own deadline)."""
        deadline = time.monotonic() + 60
        self.books.first_sent[cid] = time.time()
        while time.monotonic() < deadline:
            if not dev.connected:
                self.books.transport["disconnected"] += 1
                await dev.connect(deadline)
            ack = await dev.call("chat:send", {"conversation_id": conv, "client_id": cid,
                                               "text": _text_of(cid)})
            if ack is None:
                await asyncio.sleep(0.2)
                continue
            if ack.get("ok"):
                self.books.acked[cid] = (conv, ack["data"]["seq"])
                return
            err = ack["error"]
            self.books.codes.append((time.time(), "chat:send", err["code"]))
            await asyncio.sleep(min(float(err.get("retry_after") or 0.5), 2.0))
        raise TimeoutError(f"{cid} never acked")

    async def _poll_ready(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while not self.stopping.is_set():
                for i, url in enumerate(self.urls):
                    t0 = time.time()
                    try:
                        async with http.get(url + "/readyz") as r:
                            status = r.status
                    except (aiohttp.ClientError, asyncio.TimeoutError):
                        status = 0
                    self.books.ready.append((t0, time.time(), i, status))
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        """No new messages; the ones being resent are finished (until acked)."""
        self.stopping.set()
        await asyncio.wait_for(asyncio.gather(*self.tasks), 70)
