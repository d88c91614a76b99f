"""`python -m server worker`: a process with no sockets that runs background jobs.

It holds what jobs need (PostgreSQL pool, Redis, a write-only emitter that pushes events to
users through the Socket.IO Redis channel, settings) in an AppState without a socket server.
Several may run, on any machine; see server/jobs.py for the delivery guarantees.
SIGTERM/SIGINT: stop claiming, let running jobs finish for WORKER_GRACE seconds (default 30),
then exit; an unfinished job stays pending and another worker reclaims it.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal

import structlog

from server.config import Settings
from server.domains import discover
from server.jobs import Worker, collect_jobs
from server.outages import HEALTH

log = structlog.get_logger("worker")


async def build_worker_state(settings: Settings):
    """An AppState for a socket-less process: db, redis, write-only emitter."""
    from server.db import create_pool
    from server.emitter import settings_emitter
    from server.metrics import Metrics
    from server.outages import redis_options, watch_stores
    from server.redis_clients import settings_client
    from server.state import AppState
    from server.tokens import TokenKeys

    state = AppState(settings=settings, keys=TokenKeys(settings), metrics=Metrics())
    state.db = await create_pool(settings.database_url, settings.database_schema,
                                 min_size=1, max_size=max(2, settings.db_pool_max // 2),
                                 statement_cache_size=settings.pg_statement_cache_size)
    state.redis = settings_client(settings, decode_responses=False,
                                  **redis_options(blocking=5.0))
    watch_stores(state)
    state.emitter = settings_emitter(settings)
    return state


async def close_worker_state(state) -> None:
    for task in list(state.background):
        task.cancel()
    await asyncio.gather(*state.background, return_exceptions=True)
    await HEALTH.stop()
    await state.db.close()
    await state.redis.aclose()


async def run_worker(queues: list[str] | None, concurrency: int) -> None:
    from server.embedded import resolve_stores
    from server.logs import configure_logging
    from server.migrations import migrate_dsn

    settings, emb = resolve_stores(Settings.from_env())
    configure_logging(settings.log_level)
    try:
        if settings.migrate_on_start:
            await migrate_dsn(settings.database_url, settings.database_schema)
        jobs, failures, known_queues = collect_jobs(discover())
        state = await build_worker_state(settings)
        worker = Worker(state, jobs, queues or default_queues(settings, known_queues),
                        concurrency=concurrency,
                        on_failure=failures)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(json.dumps({"event": "WORKER_READY", "pid": os.getpid(),
                          "consumer": worker.consumer, "queues": worker.queues,
                          "jobs": sorted(jobs)}), flush=True)
        lost: list[str] = []
        if emb is not None and not emb.owner:  # the stores' owner stops: so do we
            state.spawn(emb.watch(lambda reason: (lost.append(reason), stop.set())))
        grace = float(os.environ.get("WORKER_GRACE", 30))
        await worker.run(stop, grace)
        await close_worker_state(state)
        if lost:
            raise SystemExit(f"error: {lost[0]}")
    finally:
        if emb is not None:
            emb.stop()


# Queues whose domains run their own in-process consumers (handlers/feed/lifecycle.py; the
# recommend domain's, which owns the Qdrant local folder in development).
SELF_MANAGED = ("feed", "recommend")


def start_inprocess_worker(state, domains) -> asyncio.Event:
    """Development: `serve` runs the background jobs itself (media transcodes, wallet
    schedules, ...), so the first README command alone does everything. Production
    (INPROCESS_JOBS=0) leaves them to `python -m server worker` processes."""
    jobs, failures, known = collect_jobs(domains)
    queues = [q for q in known if q not in SELF_MANAGED]
    stop = asyncio.Event()
    concurrency = int(os.environ.get("WORKER_CONCURRENCY", 1))
    state.spawn(Worker(state, jobs, queues, concurrency=concurrency,
                       on_failure=failures).run(stop, grace=2))
    return stop


def default_queues(settings: Settings, known: list[str]) -> list[str]:
    """Every queue, except `recommend` in development with Qdrant in local mode: the folder
    has one owner, and there it is `serve` (the worker would lock the server out of it)."""
    if settings.env == "development" and not settings.qdrant_url:
        return [q for q in known if q != "recommend"]
    return known


def add_worker_command(sub) -> None:
    p = sub.add_parser("worker", help="run background jobs (transcoding, renewals, ...)")
    p.add_argument("--queues", default=os.environ.get("WORKER_QUEUES", ""),
                   help="comma-separated queues (default: every queue a domain declares)")
    p.add_argument("--concurrency", type=int,
                   default=int(os.environ.get("WORKER_CONCURRENCY", 1)),
                   help="jobs run at once by this process")

    def run(args) -> int:
        import uvloop

        queues = [q.strip() for q in args.queues.split(",") if q.strip()] or None
        uvloop.run(run_worker(queues, args.concurrency))
        return 0

    p.set_defaults(run=run)
