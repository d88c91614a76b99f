"""What a one-shot command (`user create`, `seed`, `dev-pay`, ...) needs: the stores of this
DATA_DIR (attached to their owner, or started for the command), migrated, in an AppState."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from server.config import Settings
from server.state import AppState


@asynccontextmanager
async def command_state(settings: Settings | None = None) -> AsyncIterator[AppState]:
    """An AppState with a small pool, Redis and a write-only emitter; stops nothing it
    attached to (see server/embedded.py)."""
    from server.redis_clients import settings_client

    from server.embedded import resolve_stores
    from server.db import create_pool
    from server.emitter import settings_emitter
    from server.metrics import Metrics
    from server.migrations import migrate_dsn
    from server.tokens import TokenKeys

    settings, emb = resolve_stores(settings or Settings.from_env())
    try:
        if settings.migrate_on_start:
            await migrate_dsn(settings.database_url, settings.database_schema)
        state = AppState(settings=settings, keys=TokenKeys(settings), metrics=Metrics())
        state.db = await create_pool(settings.database_url, settings.database_schema,
                                     min_size=1, max_size=2,
                                     statement_cache_size=settings.pg_statement_cache_size)
        state.redis = settings_client(settings)
        state.emitter = settings_emitter(settings)
        try:
            yield state
        finally:
            await state.db.close()
            await state.redis.aclose()
    finally:
        if emb is not None:
            emb.stop()
