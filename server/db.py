"""PostgreSQL: the asyncpg pool, and transactions that emit their events only after commit."""
from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator

import asyncpg

if TYPE_CHECKING:
    from server.emitter import Emitter


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Released connections skip asyncpg's default reset query (`RESET ALL; UNLISTEN *; ...`,
    one more round trip after every query made through the pool). Nothing here leaves session
    state behind: settings are `SET LOCAL`, advisory locks are `_xact_`, nobody LISTENs on
    pool connections; an open transaction is still rolled back by the pool before this runs."""


async def create_pool(dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10,
                      statement_cache_size: int = 100) -> asyncpg.Pool:
    """A pool whose connections all see `schema` first (tests use one schema each).

    `statement_cache_size` is Settings.pg_statement_cache_size: 0 behind PgBouncer's
    transaction pooling, where asyncpg then uses only unnamed statements. The schema
    "public" is not sent as a startup parameter: PgBouncer refuses `search_path` there, and
    PostgreSQL's default search path already ends in public (docs/scaling.md, "Many nodes")."""
    server_settings = {"application_name": "sawt"}
    if schema != "public":
        server_settings["search_path"] = f'"{schema}",public'
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session,
        server_settings=server_settings, statement_cache_size=statement_cache_size,
        command_timeout=30)


@dataclass
class PendingEvents:
    """Events queued inside a transaction; sent once it has committed, dropped on rollback."""

    items: list[tuple[str, Any, str | None]] = field(default_factory=list)

    def emit(self, event: str, data: Any, *, room: str | None) -> None:
        self.items.append((event, data, room))

    async def flush(self, emitter: "Emitter") -> None:
        items, self.items = self.items, []
        for event, data, room in items:
            await emitter.emit(event, data, room=room)


@dataclass
class Tx:
    """An open transaction: its connection, and where to queue events for after the commit."""

    conn: asyncpg.Connection
    events: PendingEvents

    def emit(self, event: str, data: Any, *, room: str) -> None:
        self.events.emit(event, data, room=room)


@asynccontextmanager
async def transaction(pool: asyncpg.Pool, emitter: "Emitter | None" = None,
                      *, isolation: str = "read_committed") -> AsyncIterator[Tx]:
    """`async with transaction(db, emitter) as tx:` ... events leave after COMMIT."""
    async with pool.acquire() as conn:
        tx = Tx(conn, PendingEvents())
        async with conn.transaction(isolation=isolation):
            yield tx
    if emitter is not None:
        await tx.events.flush(emitter)
