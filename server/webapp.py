"""The built web app (web/dist) served at `/`: static files, cache headers, the SPA fallback.

Vite names every file under `assets/` after its content hash, so those are cached for a year
(`immutable`); `index.html` and the other top-level files are revalidated on every load
(`no-cache`), so a new build reaches browsers on their next visit. Any other GET outside the
API (`/v1/`, `/socket.io/`) that is not a file answers `index.html`: the app routes itself.
Without a build, `/` says how to make one (and the server logs it once at start).
"""
from __future__ import annotations

from pathlib import Path

import structlog
from aiohttp import web

from server.state import STATE

log = structlog.get_logger("webapp")
REPO_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
BUILD_HINT = ("The web app is not built. Build it with `bash scripts/build_web.sh` "
              "(needs Node.js 20+ and npm), then reload this page.")
# Everything the API owns; the fallback never answers there (their 404/405 stay theirs).
API_PREFIXES = ("v1/", "socket.io/")
_NOT_API = r"(?!v1/|v1$|socket\.io/|socket\.io$).*"


def dist_dir(request_or_app) -> Path:
    app = request_or_app.app if isinstance(request_or_app, web.Request) else request_or_app
    configured = app[STATE].settings.web_dist
    return Path(configured) if configured else REPO_DIST


def _within(root: Path, tail: str) -> Path | None:
    """The file `tail` names under root, or None (missing, a folder, or outside root)."""
    if not tail or "\x00" in tail:
        return None
    try:
        path = (root / tail).resolve()
    except (OSError, ValueError):
        return None
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


async def serve_web_app(request: web.Request) -> web.StreamResponse:
    root = dist_dir(request).resolve()
    index = root / "index.html"
    if not index.is_file():
        if request.path == "/" or "text/html" in request.headers.get("Accept", ""):
            return web.Response(text=BUILD_HINT, status=503, content_type="text/plain",
                                headers={"Cache-Control": "no-store"})
        raise web.HTTPNotFound()
    tail = request.match_info.get("tail", "")
    path = _within(root, tail)
    if path is not None:
        immutable = path.parent == root / "assets"
        return web.FileResponse(path, headers={
            "Cache-Control": IMMUTABLE if immutable else "no-cache",
            "X-Content-Type-Options": "nosniff"})
    last = tail.rsplit("/", 1)[-1]
    if "." in last or tail.startswith("assets/"):
        raise web.HTTPNotFound()  # a missing file is a 404, never the app's HTML
    return web.FileResponse(index, headers={"Cache-Control": "no-cache",
                                            "X-Content-Type-Options": "nosniff"})


def add_web_app_routes(app: web.Application) -> None:
    """Registered last: API routes, Socket.IO and the health edges always match first."""
    app.router.add_get("/{tail:" + _NOT_API + "}", serve_web_app)

    async def say_where(app: web.Application):
        if not (dist_dir(app) / "index.html").is_file():
            log.warning("web_app_not_built", hint=BUILD_HINT, looked_in=str(dist_dir(app)))
        yield

    app.cleanup_ctx.append(say_where)
