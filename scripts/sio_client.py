"""A lean Socket.IO v5 / Engine.IO v4 websocket client for load generation.

One aiohttp websocket and one reader task per socket, no per-event tasks: thousands fit in
one process. Speaks the real protocol (open packet, CONNECT with auth, EVENT, ACK, ping/pong),
JSON serializer only, and connection state recovery as socket.io-client does it: it keeps the
`pid` of its CONNECT answer and the offset that ends each broadcast, and sends both back when
it connects again (`connect(recover=True)`). For conformance the tests use python-socketio and
socket.io-client.
"""
from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Callable

import aiohttp


OFFSET = re.compile(r"^\d+-\d+$")


class SioError(Exception):
    pass


class LeanSocket:
    def __init__(self, session: aiohttp.ClientSession, url: str, auth: dict,
                 on_event: Callable[[str, Any], None] | None = None):
        base = url.rstrip("/").replace("http://", "ws://").replace("https://", "wss://")
        self.ws_url = f"{base}/socket.io/?EIO=4&transport=websocket"
        self.session, self.auth = session, auth
        self.on_event = on_event or (lambda e, d: None)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._acks: dict[int, asyncio.Future] = {}
        self._next_id = 0
        self._connected: asyncio.Future | None = None
        self._reader: asyncio.Task | None = None
        self.closed_reason: str | None = None
        self.sid = self.pid = self.offset = None
        self.recovered = False  # the last CONNECT gave back the same sid and pid

    async def connect(self, timeout: float = 20, recover: bool = False) -> None:
        auth = self.auth
        if recover and self.pid is not None:
            auth = {**auth, "pid": self.pid, **({"offset": self.offset} if self.offset else {})}
        self.closed_reason = None
        self.ws = await self.session.ws_connect(self.ws_url, timeout=timeout, heartbeat=None,
                                                max_msg_size=0, compress=0)
        msg = await asyncio.wait_for(self.ws.receive(), timeout)
        if msg.type != aiohttp.WSMsgType.TEXT or not msg.data.startswith("0"):
            raise SioError(f"no Engine.IO open packet: {msg.data!r}")
        self._connected = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())
        await self.ws.send_str("40" + json.dumps(auth))
        data = await asyncio.wait_for(self._connected, timeout)
        old = (self.sid, self.pid)
        self.sid, self.pid = data.get("sid"), data.get("pid")
        self.recovered = recover and old == (self.sid, self.pid) and self.pid is not None

    async def _read(self) -> None:
        ws = self.ws
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = msg.data
                kind = data[:1]
                if kind == "2":  # ping
                    await ws.send_str("3")
                elif kind == "4":
                    self._packet(data[1:])
                elif kind == "1":
                    break
        except Exception as exc:  # connection lost
            self.closed_reason = repr(exc)
        finally:
            self.closed_reason = self.closed_reason or "closed"
            if self._connected and not self._connected.done():
                self._connected.set_exception(SioError("closed before CONNECT"))
            for fut in self._acks.values():
                if not fut.done():
                    fut.set_exception(SioError("closed"))

    def _packet(self, p: str) -> None:
        t = p[:1]
        if t == "2":  # EVENT
            body = p[1:]
            i = 0
            while i < len(body) and body[i].isdigit():
                i += 1
            args = json.loads(body[i:])
            if len(args) > 2 and isinstance(args[-1], str) and OFFSET.match(args[-1]):
                self.offset = args.pop()  # connection state recovery's offset
            self.on_event(args[0], args[1] if len(args) > 1 else None)
        elif t == "3":  # ACK
            body = p[1:]
            i = 0
            while i < len(body) and body[i].isdigit():
                i += 1
            fut = self._acks.pop(int(body[:i]), None)
            if fut and not fut.done():
                args = json.loads(body[i:])
                fut.set_result(args[0] if args else None)
        elif t == "0":
            if self._connected and not self._connected.done():
                body = p[1:]
                self._connected.set_result(json.loads(body) if body.startswith("{") else {})
        elif t == "4":  # CONNECT_ERROR
            if self._connected and not self._connected.done():
                self._connected.set_exception(SioError(f"connect_error {p[1:]}"))
        elif t == "1":
            self.closed_reason = "server disconnect"

    async def emit(self, event: str, data: Any) -> None:
        await self.ws.send_str("42" + json.dumps([event, data]))

    async def call(self, event: str, data: Any, timeout: float = 20) -> Any:
        self._next_id += 1
        ack_id = self._next_id
        fut = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = fut
        await self.ws.send_str(f"42{ack_id}" + json.dumps([event, data]))
        return await asyncio.wait_for(fut, timeout)

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            try:
                await self.ws.send_str("41")
            except Exception:
                pass
            await self.ws.close()
        if self._reader:
            self._reader.cancel()
