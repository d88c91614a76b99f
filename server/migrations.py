"""Numbered plain-SQL migrations from server/migrations/, applied in order, recorded, locked.

Files are `NNNN_name.sql`; each runs in its own transaction. Every transaction here takes a
transaction-level advisory lock keyed on the schema and sets its search path with `SET LOCAL`,
so two processes may start at once (the second waits, then finds each migration applied) and
nothing depends on the session: migrations run as well through PgBouncer's transaction pooling,
where consecutive transactions of one client may land on different server connections.
Domains own number ranges (see server/migrations/README.md) so they never collide.
"""
from __future__ import annotations

import re
from pathlib import Path

import asyncpg
import structlog

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
log = structlog.get_logger("migrations")


def discover(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise ValueError(f"migration file name {path.name!r} is not NNNN_name.sql")
        found.append((int(m.group(1)), path.name, path.read_text()))
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise ValueError("two migration files share a number")
    return found


async def migrate(conn: asyncpg.Connection, schema: str) -> list[str]:
    """Apply what is not yet applied in `schema`; returns the names applied now."""
    lock_key = await conn.fetchval("SELECT hashtext($1)", f"sawt-migrate:{schema}")
    search_path = f'SET LOCAL search_path TO "{schema}", public'
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key)
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(search_path)
        await conn.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())""")
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
    applied = []
    for version, name, sql in discover():
        if version in done:
            continue
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key)
            await conn.execute(search_path)
            if await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", version):
                continue  # another process applied it while this one waited for the lock
            await conn.execute(sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name)
        log.info("migration_applied", migration=name, schema=schema)
        applied.append(name)
    return applied


async def migrate_dsn(dsn: str, schema: str) -> list[str]:
    """Migrate through a connection of its own. No statement cache: a few dozen statements once,
    and behind PgBouncer's transaction pooling a cached (named) statement may be missing on the
    server connection the next transaction gets."""
    conn = await asyncpg.connect(dsn, statement_cache_size=0)
    try:
        return await migrate(conn, schema)
    finally:
        await conn.close()
