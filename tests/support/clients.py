"""A test user's socket: connect with a token, call events with acks, await pushed events."""
from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from typing import Any

import socketio

OFFSET = re.compile(r"^\d+-\d+$")


class SocketClient:
    def __init__(self, url: str, token: str | None, *, transports=("websocket",), auth=None):
        self.url = url
        self.token = token
        self.transports = list(transports)
        self.auth = auth if auth is not None else ({"token": token} if token else {})
        self.sio = socketio.AsyncClient(reconnection=False, logger=False, engineio_logger=False)
        self.queues: dict[str, asyncio.Queue] = defaultdict(asyncio.Queue)
        self.connect_error: Any = None
        self.disconnect_reason: Any = None
        self.offset: str | None = None  # of the last broadcast received

        @self.sio.on("*")
        async def _any(event, *args):
            if len(args) > 1 and isinstance(args[-1], str) and OFFSET.match(args[-1]):
                # connection state recovery tags each broadcast with its log offset (as
                # socket.io does); a recovering client keeps it and hands the rest on
                self.offset, args = args[-1], args[:-1]
            self.queues[event].put_nowait(args[0] if len(args) == 1 else list(args))

        @self.sio.event
        async def connect_error(data):
            self.connect_error = data

        @self.sio.event
        async def disconnect(reason=None):
            self.disconnect_reason = reason

    async def connect(self, timeout: float = 10) -> "SocketClient":
        await self.sio.connect(self.url, auth=self.auth, transports=self.transports,
                               wait_timeout=timeout)
        return self

    async def try_connect(self, timeout: float = 10) -> Any:
        """Connect expecting refusal; returns the connect_error data (None if accepted)."""
        try:
            await self.sio.connect(self.url, auth=self.auth, transports=self.transports,
                                   wait_timeout=timeout)
        except socketio.exceptions.ConnectionError:
            return self.connect_error or {"message": "refused"}
        return None

    async def call(self, event: str, data: Any = None, timeout: float = 10) -> dict:
        """Emit with an ack and return the ack."""
        if data is None:
            return await self.sio.call(event, timeout=timeout)
        return await self.sio.call(event, data, timeout=timeout)

    async def ok(self, event: str, data: Any = None, timeout: float = 10) -> Any:
        """Call and insist on success; returns the ack's data."""
        ack = await self.call(event, data, timeout)
        assert ack.get("ok") is True, f"{event} failed: {ack}"
        return ack.get("data")

    async def next(self, event: str, timeout: float = 10) -> Any:
        return await asyncio.wait_for(self.queues[event].get(), timeout)

    async def nothing(self, event: str, within: float = 0.5) -> bool:
        """True if no `event` arrives within the window."""
        try:
            await asyncio.wait_for(self.queues[event].get(), within)
        except asyncio.TimeoutError:
            return True
        return False

    def drain(self, event: str) -> list:
        q = self.queues[event]
        items = []
        while not q.empty():
            items.append(q.get_nowait())
        return items

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
