"""What a process does while Redis or PostgreSQL is unreachable.

One place knows which exceptions mean "a store is out" (`store_of`), turns them into the
client's `unavailable` error (`unavailable`), and keeps this process's view of each store
(`HEALTH`): the first failure writes one `store_down` log line and starts a probe that
pings the store every PROBE_EVERY seconds; its first answer writes one `store_back` line
with how long it was out and how many calls failed meanwhile (by place). Failures in
between are only counted, never logged one by one (no traceback per client retry): the log
processors drop a line whose exception is a store outage after counting it.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Awaitable, Callable

import asyncpg
import redis
import redis.exceptions as redis_errors
import structlog
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.driver_info import DriverInfo

from server.errors import AppError

log = structlog.get_logger("stores")

PROBE_EVERY = 0.25  # seconds between pings of a store that is out
RETRY_AFTER = 1.0  # what clients are told to wait while a store is out

_PG_ERRORS = (asyncpg.exceptions.PostgresConnectionError,
              asyncpg.exceptions.CannotConnectNowError,
              asyncpg.exceptions.AdminShutdownError,
              asyncpg.exceptions.CrashShutdownError,
              asyncpg.exceptions.TooManyConnectionsError)
_REDIS_ERRORS = (redis_errors.ConnectionError, redis_errors.TimeoutError,
                 redis_errors.BusyLoadingError, redis_errors.TryAgainError,
                 redis_errors.ClusterDownError, redis_errors.MasterDownError,
                 # a cluster client that ran out of redirections (a slot moving) or found a
                 # slot without a master in its map, while a failover is under way
                 redis_errors.ClusterError, redis_errors.SlotNotCoveredError)
# what a cluster client raises when no node it knows answers, or the nodes that do answer
# leave slots uncovered (redis-py's RedisClusterException also means "a bug of ours", e.g.
# keys of one command in several slots: that stays `internal`)
_CLUSTER_OUT = ("Redis Cluster cannot be connected", "All slots are not covered")


# Named once: without it redis-py looks its own version up in the installed packages' metadata
# (a scan of site-packages, ~1 ms of the loop) for every new connection, so a burst of
# concurrent calls that opens a few hundred connections held the event loop for 0.4-1.2 s.
_DRIVER = DriverInfo(name="redis-py", lib_version=redis.__version__)


def redis_options(*, blocking: float = 0.0) -> dict:
    """Options for our Redis clients: fail within about a second when Redis is out.

    redis-py's default retries a failed connection three times with up to 1, 2 and 4 s of
    backoff, so one call made while Redis is down waited seconds (a connect hung for the
    client's whole timeout). `blocking` is the longest server-side block a caller uses
    (XREADGROUP BLOCK), added to the read timeout."""
    return {"socket_connect_timeout": 1.0, "socket_timeout": 5.0 + blocking,
            "retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.2), 1),
            "health_check_interval": 30, "driver_info": _DRIVER}


def store_of(exc: BaseException) -> str | None:
    """'redis' or 'postgres' when `exc` means that store is unreachable, else None."""
    if isinstance(exc, _REDIS_ERRORS):
        return "redis"
    if isinstance(exc, redis_errors.RedisClusterException) and str(exc).startswith(_CLUSTER_OUT):
        return "redis"
    if isinstance(exc, _PG_ERRORS):
        return "postgres"
    if isinstance(exc, asyncpg.exceptions.InterfaceError) and (
            "closed" in str(exc) or "connection" in str(exc)):
        return "postgres"
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)):  # raised by a client's socket
        tb = exc.__traceback__
        while tb is not None:
            mod = tb.tb_frame.f_globals.get("__name__", "")
            if mod.startswith("asyncpg"):
                return "postgres"
            if mod.startswith("redis"):
                return "redis"
            tb = tb.tb_next
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc and not isinstance(exc, AppError):
        return store_of(cause)
    return None


NAMES = {"redis": "Redis", "postgres": "the database"}


def unavailable(store: str) -> AppError:
    """The error a client sees for a call that needs a store that is out."""
    return AppError("unavailable", f"Temporarily unavailable: {NAMES.get(store, store)} is "
                    "unreachable; try again shortly", status=503,
                    retry_after=RETRY_AFTER)


Probe = Callable[[], Awaitable[object]]


class StoreHealth:
    """This process's view of its stores: up, or out since when and with what failures."""

    def __init__(self) -> None:
        self.down_since: dict[str, float] = {}
        self.failures: dict[str, Counter] = {}
        self.probes: dict[str, Probe] = {}
        self._probing: dict[str, asyncio.Task] = {}
        self.changes: list[tuple[str, str, float]] = []  # (store, "down"/"back", time)

    def is_down(self, store: str) -> bool:
        return store in self.down_since

    def set_probe(self, store: str, probe: Probe) -> None:
        """How to tell that `store` answers again (a ping); needed to notice its return."""
        self.probes[store] = probe

    def failed(self, store: str, exc: BaseException | None, where: str) -> None:
        """Count one failed call; the first one of an outage logs `store_down`."""
        if store not in self.down_since:
            self.down_since[store] = time.monotonic()
            self.failures[store] = Counter()
            self.changes.append((store, "down", time.time()))
            log.error("store_down", store=store, where=where,
                      error=f"{type(exc).__name__}: {exc}"[:300] if exc else None)
        self.failures[store][where] += 1
        self._probe(store)

    def _probe(self, store: str) -> None:
        task = self._probing.get(store)
        if (task is not None and not task.done()) or store not in self.probes:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._probing[store] = loop.create_task(self._until_back(store))

    async def _until_back(self, store: str) -> None:
        while store in self.down_since:
            probe = self.probes.get(store)
            if probe is None:
                return
            try:
                await asyncio.wait_for(probe(), timeout=2)
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(PROBE_EVERY)
                continue
            self.back(store)

    def back(self, store: str) -> None:
        """`store` answered: log `store_back` with what failed while it was out."""
        since = self.down_since.pop(store, None)
        if since is None:
            return
        failures = self.failures.pop(store, Counter())
        self.changes.append((store, "back", time.time()))
        log.warning("store_back", store=store, down_seconds=round(time.monotonic() - since, 2),
                    failed_calls=sum(failures.values()), failed_by_place=dict(failures))

    async def stop(self) -> None:
        tasks = list(self._probing.values())
        self._probing.clear()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.probes.clear()
        self.down_since.clear()
        self.failures.clear()


HEALTH = StoreHealth()  # one per process, like its log


def watch_stores(state) -> None:
    """How HEALTH tells that a store that was out answers again: `state`'s own clients."""
    async def ping_pg():
        async with state.db.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1")

    HEALTH.set_probe("redis", state.redis.ping)
    HEALTH.set_probe("postgres", ping_pg)


def note_if_outage(exc: BaseException, where: str) -> str | None:
    """Count `exc` against its store when it is an outage; returns the store (or None)."""
    store = store_of(exc)
    if store is not None:
        HEALTH.failed(store, exc, where)
    return store


def drop_outage_lines(logger, method_name: str, event_dict: dict) -> dict:
    """structlog processor: a line logged with a store outage as its exception is counted,
    not written (the outage's own down/back lines say what happened)."""
    exc_info = event_dict.get("exc_info")
    if exc_info:
        exc = exc_info if isinstance(exc_info, BaseException) else None
        if exc is None and exc_info is True:
            import sys
            exc = sys.exc_info()[1]
        elif isinstance(exc_info, tuple):
            exc = exc_info[1]
        if exc is not None and note_if_outage(exc, str(event_dict.get("event", "log"))[:40]):
            raise structlog.DropEvent
    return event_dict


class OutageFilter(logging.Filter):
    """The same for stdlib logging records (libraries, the engine)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            if note_if_outage(record.exc_info[1], record.name[:40]):
                return False
        return True
