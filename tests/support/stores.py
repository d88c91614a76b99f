"""Real PostgreSQL and Redis for tests, isolated per test by schema and key prefix."""
from __future__ import annotations

import os
import uuid

import asyncpg

from server.config import Settings
from server.redis_clients import settings_client

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# a Redis Cluster (TEST_REDIS_URL then names its seed nodes): scripts/test_cluster.sh
TEST_REDIS_CLUSTER = os.environ.get("TEST_REDIS_CLUSTER", "") == "1"


def isolated_settings(**overrides) -> Settings:
    """Settings for one test: its own schema, its own Redis prefix (and Socket.IO channel)."""
    tag = uuid.uuid4().hex[:10]
    base = dict(env="test", database_url=TEST_DATABASE_URL, database_schema=f"t_{tag}",
                redis_url=TEST_REDIS_URL, redis_prefix=f"t:{tag}:",
                redis_cluster=TEST_REDIS_CLUSTER,
                jwt_secret="test-secret-" + "x" * 32, migrate_on_start=True,
                log_level="WARNING",
                # no random review-queue samples: a test asserting the queue gets what it made
                moderation_sample_rate=0.0,
                # the loop-stall guard: a test whose server's loop was held this long fails
                loop_stall_seconds=float(os.environ.get("TEST_LOOP_STALL_SECONDS", "0.3")))
    base.update(overrides)
    return Settings(**base)


def settings_env(settings: Settings) -> dict[str, str]:
    """The same settings as environment variables, for server subprocesses."""
    env = {
        "APP_ENV": settings.env,
        "DATABASE_URL": settings.database_url or "",
        "DATABASE_SCHEMA": settings.database_schema,
        "REDIS_URL": settings.redis_url or "",
        "REDIS_PREFIX": settings.redis_prefix,
        "REDIS_CLUSTER": "1" if settings.redis_cluster else "0",
        "SOCKETIO_PUBSUB": settings.socketio_pubsub,
        "JWT_SECRET": settings.jwt_secret,
        "MIGRATE_ON_START": "1" if settings.migrate_on_start else "0",
        "LOG_LEVEL": settings.log_level,
        "MODERATION_SAMPLE_RATE": str(settings.moderation_sample_rate),
        "MEDIA_ROOT": str(settings.media_root),
        "DATA_DIR": str(settings.data_dir),
        "PING_INTERVAL": str(settings.ping_interval),
        "PING_TIMEOUT": str(settings.ping_timeout),
        "SHUTDOWN_GRACE": str(settings.shutdown_grace),
        "LOOP_STALL_SECONDS": str(settings.loop_stall_seconds),
    }
    return env


async def drop_test_stores(settings: Settings) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.database_schema}" CASCADE')
    finally:
        await conn.close()
    r = settings_client(settings)
    try:
        keys = [k async for k in r.scan_iter(match=settings.redis_prefix + "*", count=1000)]
        for i in range(0, len(keys), 500):
            await r.delete(*keys[i:i + 500])  # a cluster client splits it by slot
    finally:
        await r.aclose()
