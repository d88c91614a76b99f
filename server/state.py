"""What one process holds: settings, pools, the socket server, the emitter. Passed explicitly."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg
import redis.asyncio as aioredis
from aiohttp import web

from server.config import Settings
from server.metrics import Metrics
from server.tokens import TokenKeys

if TYPE_CHECKING:
    import socketio

    from server.emitter import Emitter


@dataclass
class AppState:
    settings: Settings
    keys: TokenKeys
    metrics: Metrics
    db: asyncpg.Pool | None = None
    redis: aioredis.Redis | None = None
    sio: "socketio.AsyncServer | None" = None
    emitter: "Emitter | None" = None
    shutting_down: bool = False
    self_url: str | None = None  # where this process listens, once `serve` has bound its port
    background: set[asyncio.Task] = field(default_factory=set)
    extras: dict[str, Any] = field(default_factory=dict)  # per-domain singletons, by domain name

    def key(self, *parts: object, tag: object = None) -> str:
        return self.settings.key(*parts, tag=tag)

    def spawn(self, coro) -> asyncio.Task:
        """A background task owned by this process; cancelled on shutdown."""
        task = asyncio.get_running_loop().create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task


STATE: web.AppKey[AppState] = web.AppKey("state", AppState)
