"""A bare Socket.IO v5 client over one WebSocket: sends packet text exactly as given, so tests
can send what no well-behaved client library would (lone surrogates, 100,000-deep nesting)."""
from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import aiohttp


class RawSocket:
    def __init__(self, url: str, token: str | None):
        self.url, self.token = url, token
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.acks: dict[int, asyncio.Future] = {}
        self.ids = itertools.count(1)
        self.closed: asyncio.Event = asyncio.Event()
        self._reader: asyncio.Task | None = None

    async def connect(self) -> "RawSocket":
        self.http = aiohttp.ClientSession()
        ws_url = self.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.http.ws_connect(ws_url)
        opened = await self.ws.receive_str(timeout=10)
        assert opened.startswith("0"), opened
        await self.ws.send_str("40" + json.dumps({"token": self.token} if self.token else {}))
        connected = await self.ws.receive_str(timeout=10)
        assert connected.startswith("40"), connected
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            text = msg.data
            if text == "2":
                await self.ws.send_str("3")
            elif text.startswith("43"):
                digits = len(text[2:]) - len(text[2:].lstrip("0123456789"))
                fut = self.acks.pop(int(text[2:2 + digits]), None)
                if fut is not None and not fut.done():
                    data = json.loads(text[2 + digits:])
                    fut.set_result(data[0] if data else None)
            elif text.startswith("41") or text.startswith("1"):
                break
        self.closed.set()

    async def call_raw(self, event_and_args_json: str, timeout: float = 5) -> Any:
        """Send `42<id>[...]` with this exact JSON text after the id; returns the ack."""
        n = next(self.ids)
        fut = asyncio.get_running_loop().create_future()
        self.acks[n] = fut
        await self.ws.send_str(f"42{n}{event_and_args_json}")
        return await asyncio.wait_for(fut, timeout)

    async def call(self, event: str, *args: Any, timeout: float = 5) -> Any:
        return await self.call_raw(json.dumps([event, *args]), timeout)

    @property
    def connected(self) -> bool:
        return not self.closed.is_set() and self.ws is not None and not self.ws.closed

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
        if self.http is not None:
            await self.http.close()
