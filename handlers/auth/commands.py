"""`python -m server token USER_ID` opens an `operator` session (see server/__main__.py)."""
from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from server.config import Settings
from server.db import create_pool
from server.errors import AppError
from server.metrics import Metrics
from server.state import AppState
from server.tokens import TokenKeys


async def operator_token(settings: Settings, user_id: str, role: str | None = None) -> str:
    """Open a session labelled `operator` for an existing user; return its access token."""
    from handlers.auth.actions import do_open_operator_session
    from server.app import resolve_stores

    settings, emb = resolve_stores(settings)
    state = AppState(settings=settings, keys=TokenKeys(settings), metrics=Metrics())
    try:
        if settings.migrate_on_start:
            from server.migrations import migrate_dsn
            await migrate_dsn(settings.database_url, settings.database_schema)
        state.db = await create_pool(settings.database_url, settings.database_schema,
                                     min_size=1, max_size=1)
        state.redis = aioredis.from_url(settings.redis_url)
        try:
            issued = await do_open_operator_session(state, user_id, role)
        finally:
            await state.db.close()
            await state.redis.aclose()
        return issued.access_token
    finally:
        if emb is not None:
            emb.stop()


def run_token(user_id: str, role: str | None, settings: Settings) -> int:
    import sys
    try:
        print(asyncio.run(operator_token(settings, user_id, role)))
    except AppError as err:
        print(f"{err.code}: {err.message}", file=sys.stderr)
        return 1
    return 0
