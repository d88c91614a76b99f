"""A Socket.IO client written on the wire (websocket only), for tests that must control what
a stock client does by itself: the `pid` / `offset` of connection state recovery, and a
transport cut with no goodbye (what a network drop or a dead server looks like)."""
from __future__ import annotations

import asyncio
import json
import re
import socket
from typing import Any

import aiohttp

OFFSET = re.compile(r"^\d+-\d+$")


class RawSocket:
    def __init__(self, url: str):
        self.url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task | None = None
        self.connected: asyncio.Future | None = None
        self.events: asyncio.Queue = asyncio.Queue()
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self.sid = self.pid = self.offset = None

    async def connect(self, auth: dict, *, recover: bool = True, timeout: float = 10) -> dict:
        """Open and CONNECT; with `recover`, send the pid and offset of the last session (as
        socket.io-client does). Returns the CONNECT data ({sid, pid} or the error)."""
        if recover and self.pid is not None:
            auth = {**auth, "pid": self.pid, **({"offset": self.offset} if self.offset else {})}
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(self.url, autoping=True)
        loop = asyncio.get_running_loop()
        self.connected = loop.create_future()
        self.reader = loop.create_task(self._read())
        await self.ws.send_str("40" + json.dumps(auth))
        data = await asyncio.wait_for(self.connected, timeout)
        if "sid" in data:
            self.sid, self.pid = data["sid"], data.get("pid")
        return data

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            text = msg.data
            if text == "2":
                await self.ws.send_str("3")
            elif text.startswith("40") and not self.connected.done():
                self.connected.set_result(json.loads(text[2:]))
            elif text.startswith("44") and not self.connected.done():
                self.connected.set_result({"error": json.loads(text[2:])})
            elif text.startswith("42"):
                args = json.loads(text[2:])
                if len(args) > 2 and isinstance(args[-1], str) and OFFSET.match(args[-1]):
                    self.offset = args.pop()
                self.events.put_nowait(args)
            elif text.startswith("43"):
                m = re.match(r"43(\d+)", text)
                fut = self.acks.pop(int(m.group(1)), None)
                if fut is not None and not fut.done():
                    fut.set_result(json.loads(text[m.end():])[0])

    async def call(self, event: str, data: Any, timeout: float = 10) -> dict:
        self.next_ack += 1
        fut = asyncio.get_running_loop().create_future()
        self.acks[self.next_ack] = fut
        await self.ws.send_str(f"42{self.next_ack}" + json.dumps([event, data]))
        return await asyncio.wait_for(fut, timeout)

    async def next(self, timeout: float = 10) -> list:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def cut(self) -> None:
        """Drop the connection without a DISCONNECT packet or a close frame."""
        if self.ws is not None:
            raw = self.ws.get_extra_info("socket")
            if raw is not None:
                raw.shutdown(socket.SHUT_RDWR)  # the TCP connection ends, nothing said
        await self.close()

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            await asyncio.gather(self.reader, return_exceptions=True)
            self.reader = None
        if self.ws is not None:
            await self.ws.close()
            self.ws = None
        if self.http is not None:
            await self.http.close()
            self.http = None
