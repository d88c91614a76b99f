"""The HTTP side: problem+json errors, request ids, and the health/readiness/metrics edges."""
from __future__ import annotations

import asyncio
import hmac
import uuid
from typing import Awaitable, Callable

import structlog
from aiohttp import web

from server.errors import AppError
from server.outages import note_if_outage, unavailable
from server.state import STATE

log = structlog.get_logger("http")
edges = web.RouteTableDef()


def problem(status: int, code: str, message: str, **extra) -> web.Response:
    body = {"type": f"https://errors.sawt.app/{code}", "title": message, "status": status,
            "code": code, **extra}
    headers = {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(max(1, int(round(extra["retry_after"]))))
    return web.json_response(body, status=status, content_type="application/problem+json",
                             headers=headers)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 429: "rate_limited"}


@web.middleware
async def errors_middleware(request: web.Request,
                            handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    """Every error leaves as application/problem+json; unexpected ones as `internal`."""
    if request.path.startswith("/socket.io/"):
        # the engine answers in Engine.IO's own format, and a handshake is the hot path of
        # a reconnect storm: no request id, contextvars or per-route counter for it
        return await handler(request)
    request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
    structlog.contextvars.bind_contextvars(request_id=request_id)
    state = request.app[STATE]
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "?"
    try:
        resp = await handler(request)
    except AppError as err:
        state.metrics.errors.labels("http", err.code).inc()
        extra = {"retry_after": err.retry_after} if err.retry_after is not None else {}
        if err.details:
            extra["details"] = err.details
        resp = problem(err.status, err.code, err.message, **extra)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/problem+json":
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        state.metrics.errors.labels("http", code).inc()
        resp = problem(exc.status, code, exc.reason)
        if "Allow" in exc.headers:  # a 405 says which methods the route has
            resp.headers["Allow"] = exc.headers["Allow"]
        for name, value in exc.headers.items():  # Allow on a 405, and the like
            if name.lower() not in ("content-type", "content-length"):
                resp.headers[name] = value
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        store = note_if_outage(exc, f"http {route}"[:60])
        if store is not None:  # a store is out: 503 `unavailable` with Retry-After
            err = unavailable(store)
            state.metrics.errors.labels("http", err.code).inc()
            resp = problem(err.status, err.code, err.message, retry_after=err.retry_after)
        else:
            state.metrics.errors.labels("http", "internal").inc()
            log.exception("request_failed", path=request.path, method=request.method)
            resp = problem(500, "internal", "Something went wrong on our side; it was logged.")
    finally:
        structlog.contextvars.clear_contextvars()
    resp.headers["X-Request-Id"] = request_id
    state.metrics.http.labels(route, str(resp.status)).inc()
    return resp


@edges.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """The process is alive and its loop answers."""
    return web.json_response({"status": "ok"})


@edges.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """PostgreSQL and Redis both answer and this node hears the Socket.IO channel (its
    broadcasts reach other nodes' sockets and theirs reach its own); 503 naming what fails."""
    state = request.app[STATE]
    checks = {}

    async def check_pg():
        async with state.db.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1")

    async def check_redis():
        await state.redis.ping()

    for name, fn in (("postgres", check_pg), ("redis", check_redis)):
        try:
            await asyncio.wait_for(fn(), timeout=2)
            checks[name] = "ok"
        except Exception as exc:  # any failure means not ready
            checks[name] = f"down: {type(exc).__name__}"
    manager = getattr(state.sio, "manager", None)
    if manager is not None and hasattr(manager, "subscribed"):
        checks["subscription"] = "ok" if manager.subscribed else "down: not subscribed"
    failed = [k for k, v in checks.items() if v != "ok"]
    if state.shutting_down:
        failed.append("shutting_down")
    if failed:
        return problem(503, "not_ready", f"Not ready: {', '.join(failed)}", checks=checks,
                       failed=failed)
    return web.json_response({"status": "ready", "checks": checks})


def render_metrics(state) -> web.Response:
    return web.Response(body=state.metrics.render(),
                        headers={"Content-Type": "text/plain; version=0.0.4"})


@edges.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text. Not for everyone: see Settings.metrics_token / metrics_port."""
    state = request.app[STATE]
    s = state.settings
    if s.metrics_port:
        raise AppError("not_found", "Metrics are served on their own listener", status=404)
    if s.metrics_token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not (given.isascii() and hmac.compare_digest(given.encode(),
                                                         s.metrics_token.encode())):
            raise AppError("unauthorized", "Metrics need Authorization: Bearer <METRICS_TOKEN>",
                           status=401)
    elif s.is_production:
        raise AppError("forbidden", "Set METRICS_TOKEN or METRICS_PORT to expose metrics",
                       status=403)
    return render_metrics(state)


async def start_metrics_listener(state) -> web.AppRunner | None:
    """/metrics alone on metrics_host:metrics_port (a port the ingress never routes)."""
    s = state.settings
    if not s.metrics_port:
        return None
    app = web.Application()

    async def only_metrics(request: web.Request) -> web.Response:
        return render_metrics(state)

    app.router.add_get("/metrics", only_metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, s.metrics_host, s.metrics_port).start()
    return runner
