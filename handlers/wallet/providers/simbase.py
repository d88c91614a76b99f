"""What every provider simulator shares: an aiohttp app on a loopback port, and delivery."""
from __future__ import annotations

import socket
from typing import Any, Callable

import aiohttp
from aiohttp import web


class SimulatorBase:
    """Run with `await sim.start()`; `sim.base_url` is what the adapter is pointed at."""

    def __init__(self) -> None:
        self.app = web.Application()
        self.runner: web.AppRunner | None = None
        self.port: int | None = None
        self.callback_url: str | None = None  # where `send()` delivers callbacks
        # or, when unset, whatever this returns (the serving process's own URL in development)
        self.callback_from: Callable[[], str | None] | None = None

    def callback_target(self) -> str:
        url = self.callback_url or (self.callback_from() if self.callback_from else None)
        if not url:
            raise RuntimeError("this simulator does not know where to send callbacks")
        return url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> "SimulatorBase":
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self.runner, sock).start()
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def post(self, url: str, *, json: Any = None, data: bytes | None = None,
                   params: dict | None = None, headers: dict | None = None) -> tuple[int, Any]:
        """Deliver one callback; returns (HTTP status, parsed body)."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.post(url, json=json, data=data, params=params,
                                 headers=headers) as r:
                try:
                    body = await r.json(content_type=None)
                except ValueError:
                    body = await r.text()
                return r.status, body
