"""CORS for every HTTP route, errors and preflights included, per CORS_ORIGINS.

One middleware, outside the problem+json one, so a page on another origin can read a 404
`stream_not_ready` or a 401 as well as a 200: a response without the header is, to the page,
indistinguishable from a network failure. The Socket.IO endpoint answers its own CORS (the
engine checks origins itself) and is left alone.

Preflight (`OPTIONS` with `Access-Control-Request-Method`) on any path that has a route is
answered here: 204 with the methods that path serves, or 403 `origin_not_allowed` for an origin
outside CORS_ORIGINS. A route's own OPTIONS handler (WHIP, tus discovery) still runs and gets
the headers added. Access travels in `Authorization` or signed URLs, never in cookies, so
credentials are not allowed and `*` stays usable.
"""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

from server.state import STATE
from server.web import problem

ALLOWED_HEADERS = ", ".join((
    "Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "Range",
    "X-Request-Id", "X-Requested-With", "X-HTTP-Method-Override",
    # tus 1.0.0 (tus-js-client)
    "Tus-Resumable", "Upload-Length", "Upload-Metadata", "Upload-Offset", "Upload-Checksum",
    "Upload-Defer-Length", "Upload-Concat",
))
EXPOSED_HEADERS = ", ".join((
    "Location", "ETag", "Link", "Retry-After", "X-Request-Id", "Accept-Post", "Allow",
    "Content-Range",
    "Upload-Offset", "Upload-Length", "Upload-Metadata", "Upload-Expires", "Tus-Resumable",
    "Tus-Version", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm",
))
MAX_AGE = "7200"  # Chromium's ceiling
_SOCKET_PATH = "/socket.io/"


def _allowed_origin(request: web.Request) -> str | None:
    """The Access-Control-Allow-Origin value for this request, or None when not allowed."""
    origins = request.app[STATE].settings.cors_origins
    if "*" in origins:
        return "*"
    origin = request.headers.get("Origin")
    return origin if origin and origin in origins else None


def _add_vary(headers, value: str) -> None:
    vary = headers.get("Vary")
    if not vary:
        headers["Vary"] = value
    elif value.lower() not in (v.strip().lower() for v in vary.split(",")):
        headers["Vary"] = f"{vary}, {value}"


def _decorate(request: web.Request, headers) -> None:
    allow = _allowed_origin(request)
    if allow != "*":
        _add_vary(headers, "Origin")  # the answer depends on Origin: caches must know
    if allow is None or "Origin" not in request.headers:
        return
    headers["Access-Control-Allow-Origin"] = allow
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


async def _route_methods(request: web.Request) -> set[str]:
    """The methods the requested path serves, over every resource that matches it (one path
    can be registered on several resources); empty when no route matches."""
    methods: set[str] = set()
    for resource in request.app.router.resources():
        _, allowed = await resource.resolve(request)
        methods |= allowed
    methods.discard("*")
    return methods


def _preflight_headers(methods: set[str]) -> dict[str, str]:
    methods = sorted(methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set()))
    return {"Access-Control-Allow-Methods": ", ".join(methods),
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": MAX_AGE}


@web.middleware
async def cors_middleware(request: web.Request,
                          handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    if request.path.startswith(_SOCKET_PATH):
        return await handler(request)
    preflight = request.method == "OPTIONS" and "Origin" in request.headers \
        and "Access-Control-Request-Method" in request.headers
    if preflight:
        methods = await _route_methods(request)
        if methods:
            if _allowed_origin(request) is None:
                resp = problem(403, "origin_not_allowed",
                               "This origin is not in CORS_ORIGINS")
                _decorate(request, resp.headers)
                return resp
            has_options = request.match_info.http_exception is None \
                and request.match_info.route.method == "OPTIONS"
            resp = await handler(request) if has_options else web.Response(status=204)
            resp.headers.update(_preflight_headers(methods))
            _decorate(request, resp.headers)
            return resp
    try:
        resp = await handler(request)
    except web.HTTPException as exc:  # redirects and already-problem errors pass through here
        _decorate(request, exc.headers)
        raise
    if not resp.prepared:
        _decorate(request, resp.headers)
    return resp
