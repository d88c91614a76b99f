"""Fixtures: isolated real stores, in-process and subprocess servers, users with tokens."""
from __future__ import annotations

import asyncio
import socket
import uuid

import asyncpg
import pytest
from aiohttp import web

from server.app import create_app
from server.config import Settings
from server.migrations import migrate_dsn
from server.state import STATE
from server.tokens import TokenKeys
from tests.support.clients import SocketClient
from tests.support.servers import ServerProcess, free_port
from tests.support.stores import drop_test_stores, isolated_settings

pytest_plugins = ["tests.support.stuck_tasks"]


@pytest.fixture
async def settings(tmp_path) -> Settings:
    s = isolated_settings(media_root=tmp_path / "media", data_dir=tmp_path / "data")
    yield s
    await drop_test_stores(s)


@pytest.fixture
async def db(settings):
    """A pool on this test's migrated schema."""
    from server.db import create_pool

    await migrate_dsn(settings.database_url, settings.database_schema)
    pool = await create_pool(settings.database_url, settings.database_schema)
    yield pool
    await pool.close()


class LiveApp:
    """An app served in this test's event loop on a free loopback port."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.app = create_app(settings)
        # a request still in progress at stop() is waited for this long, then cancelled (as
        # the server process does with 2 s); aiohttp's default, 60 s, twice, is a test timeout
        self.runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=5)
        # the port stays bound from here to start(): a port found free and released could be
        # taken meanwhile by an outgoing connection's ephemeral port (EADDRINUSE seen in CI)
        self._sock: socket.socket | None = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self):
        return self.app[STATE]

    async def start(self):
        await self.runner.setup()
        sock, self._sock = self._sock, None
        site = web.SockSite(self.runner, sock) if sock is not None \
            else web.TCPSite(self.runner, "127.0.0.1", self.port)
        await site.start()
        return self

    async def stop(self):
        """Stop the app; a test during which a callback held its loop past
        LOOP_STALL_SECONDS fails here (the loop-stall guard, server/looplag.py)."""
        monitor = self.state.extras.get("loop_lag")
        await self.runner.cleanup()
        if monitor is not None and monitor.stalls:
            pytest.fail(f"the event loop was held: {monitor.stalls}")


@pytest.fixture
async def live_app(settings):
    app = await LiveApp(settings).start()
    yield app
    await app.stop()


@pytest.fixture
async def server_procs(settings):
    """Factory: start N real server processes sharing this test's stores."""
    started: list[ServerProcess] = []

    async def start(n: int = 1, **extra_env) -> list[ServerProcess]:
        procs = [ServerProcess(settings, free_port(), extra_env=extra_env) for _ in range(n)]
        started.extend(procs)
        await asyncio.gather(*(p.start_ready() for p in procs))
        return procs

    yield start
    for p in started:
        p.stop()
    stalled = [line for p in started for line in p.stalls()]
    if stalled:
        pytest.fail(f"a server's event loop was held: {stalled[:5]}")


@pytest.fixture
async def worker_procs(settings):
    """Factory: start N real `python -m server worker` processes sharing this test's stores."""
    from tests.support.workers import WorkerProcess

    started: list[WorkerProcess] = []

    async def start(n: int = 1, **extra_env) -> list[WorkerProcess]:
        procs = [WorkerProcess(settings, extra_env=extra_env, name=f"w{len(started) + i}").start()
                 for i in range(n)]
        started.extend(procs)
        await asyncio.gather(*(p.wait_ready() for p in procs))
        return procs

    yield start
    for p in started:
        p.stop()


@pytest.fixture
def keys(settings) -> TokenKeys:
    return TokenKeys(settings)


@pytest.fixture
async def make_user(settings, keys):
    """Factory: a user row in this test's schema, a live session, and a token bound to it."""
    await migrate_dsn(settings.database_url, settings.database_schema)
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})

    users: list[TestUser] = []

    async def make(display_name: str | None = None, role: str = "user") -> "TestUser":
        user = await insert_test_user(conn, keys, display_name, role)
        users.append(user)
        return user

    yield make
    for u in users:
        for c in u.clients:
            await c.close()
    await conn.close()


async def insert_test_user(conn, keys: TokenKeys, display_name: str | None = None,
                           role: str = "user") -> "TestUser":
    """A user row, a live session (auth domain) and a token bound to it.

    The connect guard refuses tokens without a live session; TestUser.session_id is it:
    revoke it to sign this user's device out."""
    name = display_name or f"user-{uuid.uuid4().hex[:6]}"
    uid = await conn.fetchval(
        "INSERT INTO users (display_name, role) VALUES ($1, $2) RETURNING id::text", name, role)
    sid = await conn.fetchval(
        "INSERT INTO auth_sessions (user_id, label, method) VALUES ($1::uuid, 'test', 'test')"
        " RETURNING id::text", uid)
    user = TestUser(uid, name, role, keys.sign(uid, role=role, session_id=sid))
    user.session_id = sid
    return user


class TestUser:
    __test__ = False

    def __init__(self, user_id: str, name: str, role: str, token: str):
        self.id, self.name, self.role, self.token = user_id, name, role, token
        self.session_id: str | None = None
        self.clients: list[SocketClient] = []

    async def connect(self, url: str, **kw) -> SocketClient:
        c = await SocketClient(url, self.token, **kw).connect()
        self.clients.append(c)
        return c


@pytest.fixture
async def clients():
    """Tracks SocketClients made in a test and closes them at the end."""
    made: list[SocketClient] = []

    def track(c: SocketClient) -> SocketClient:
        made.append(c)
        return c

    yield track
    for c in made:
        await c.close()
