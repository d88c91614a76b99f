"""The application factory: one aiohttp app serving Socket.IO and the HTTP sidecar.

`create_app()` is importable (gunicorn's aiohttp uvloop worker, tests) and `python -m server
serve` runs it. With no DATABASE_URL / REDIS_URL it starts embedded stores first.
"""
from __future__ import annotations

import asyncio

import structlog
from aiohttp import web

from server.config import Settings
from server.cors import cors_middleware
from server.db import create_pool
from server.domains import discover
from server.embedded import EmbeddedStores, resolve_stores
from server.emitter import Emitter
from server.logs import configure_logging
from server.looplag import LoopLagMonitor
from server.metrics import Metrics
from server.migrations import migrate_dsn
from server.outages import HEALTH, redis_options, watch_stores
from server.redis_clients import settings_client
from server.sockets import SocketSurface, build_socket_server
from server.state import STATE, AppState
from server.tokens import TokenKeys
from server.web import edges, errors_middleware, start_metrics_listener
from server.webapp import add_web_app_routes
from server.worker import start_inprocess_worker

log = structlog.get_logger("app")
# One step of stopping (a domain's shutdown, the pool's close...) waits at most this long: a
# step that never returns would keep the process (or a test's teardown) from ever ending.
SHUTDOWN_STEP_SECONDS = 10.0


async def _bounded(step, name: str) -> bool:
    """Await one step of stopping; False, logged with its name, when it failed or hung. A
    hung step is cancelled and left behind, not awaited again (one that swallows its
    cancellation would otherwise hang here too)."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=SHUTDOWN_STEP_SECONDS)
    if not done:
        task.cancel()
        log.error("shutdown_step_timed_out", step=name, seconds=SHUTDOWN_STEP_SECONDS)
        return False
    if task.exception() is not None:
        log.error("shutdown_step_failed", step=name, error=repr(task.exception())[:300])
        return False
    return True
DRAIN_BATCH = 500  # sockets told to go at once when the process drains (SIGTERM)
SURFACE: web.AppKey[SocketSurface] = web.AppKey("sockets", SocketSurface)
EMBEDDED: web.AppKey[EmbeddedStores | None] = web.AppKey("embedded", EmbeddedStores)


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    if settings.is_production and settings.jwt_secret == Settings.jwt_secret \
            and not settings.jwt_private_key:
        raise SystemExit("production needs JWT_SECRET or JWT_PRIVATE_KEY_FILE")
    settings, embedded = resolve_stores(settings, heir=True)  # a server keeps the stores
    state = AppState(settings=settings, keys=TokenKeys(settings), metrics=Metrics())
    app = web.Application(middlewares=[cors_middleware, errors_middleware],
                          client_max_size=settings.max_http_body_bytes)
    app[STATE] = state
    app[EMBEDDED] = embedded
    domains = discover()  # importing events.py registers socket events

    state.sio = build_socket_server(state)
    state.emitter = Emitter(state.sio)
    app[SURFACE] = SocketSurface(state, state.sio)
    state.sio.attach(app)
    app.add_routes(edges)
    for d in domains:
        if d.routes is not None and hasattr(d.routes, "routes"):
            app.add_routes(d.routes.routes)
    add_web_app_routes(app)  # last: the app's fallback never shadows an API route

    async def stores(app: web.Application):
        if settings.migrate_on_start:
            await migrate_dsn(settings.database_url, settings.database_schema)
        state.db = await create_pool(settings.database_url, settings.database_schema,
                                     min_size=settings.db_pool_min,
                                     max_size=settings.db_pool_max,
                                     statement_cache_size=settings.pg_statement_cache_size)
        state.redis = settings_client(settings, decode_responses=False, **redis_options())
        watch_stores(state)
        if not state.sio.manager_initialized:  # subscribe now: /readyz waits for it
            state.sio.manager_initialized = True
            state.sio.manager.initialize()
        for d in domains:
            if d.lifecycle is not None and hasattr(d.lifecycle, "startup"):
                await d.lifecycle.startup(state)
        lag = state.extras["loop_lag"] = LoopLagMonitor(
            state.metrics.loop_lag, stall_seconds=settings.loop_stall_seconds)
        state.spawn(lag.run())
        metrics_runner = await start_metrics_listener(state)
        inprocess = start_inprocess_worker(state, domains) if settings.inprocess_jobs else None
        log.info("app_started", schema=settings.database_schema, env=settings.env,
                 inprocess_jobs=settings.inprocess_jobs)
        yield
        if inprocess is not None:
            inprocess.set()
        if metrics_runner is not None:
            await metrics_runner.cleanup()
        for d in reversed(domains.items):
            if d.lifecycle is not None and hasattr(d.lifecycle, "shutdown"):
                await _bounded(d.lifecycle.shutdown(state), f"{d.name} shutdown")
        for task in list(state.background):
            task.cancel()
        await _bounded(asyncio.gather(*state.background, return_exceptions=True),
                       "background tasks")
        await _bounded(state.sio.shutdown(), "socket server")
        await _bounded(HEALTH.stop(), "store health probes")
        if not await _bounded(state.db.close(), "postgres pool"):
            state.db.terminate()  # a connection never released: close them all anyway
        await _bounded(state.redis.aclose(), "redis")
        if embedded is not None:
            embedded.stop()

    app.cleanup_ctx.append(stores)

    async def release_parked_polls(app: web.Application) -> None:
        state.sio.eio.stop_holding_polls()  # before aiohttp waits for requests in progress

    app.on_shutdown.append(release_parked_polls)
    return app


async def drain(app: web.Application, reconnect_hint_ms: int) -> None:
    """Tell this process's sockets to go elsewhere, then close them. Other nodes unaffected."""
    state = app[STATE]
    state.shutting_down = True
    surface = app[SURFACE]
    sio = state.sio
    await sio.emit("server:shutdown", {"reconnect_after_ms": reconnect_hint_ms,
                                       "reason": "server restarting"}, ignore_queue=True)
    await asyncio.sleep(0.2)  # let the writers flush before the disconnect packets
    # many at a time: each disconnect waits for its session's recovery write, and those of
    # sockets disconnected together share one batch (one by one, 400 sockets took 8 s)
    sids = surface.local_sids()
    for i in range(0, len(sids), DRAIN_BATCH):
        await asyncio.gather(*(_disconnect_quietly(sio, sid)
                               for sid in sids[i:i + DRAIN_BATCH]))


async def _disconnect_quietly(sio, sid: str) -> None:
    try:
        await sio.disconnect(sid, ignore_queue=True)
    except Exception:  # socket already gone
        pass
