"""Engine.IO v4 server on aiohttp: conformant, and cheap per socket (the session: esocket.py).

Replaces upstream `engineio.AsyncServer.handle_request` / `_handle_connect` and most of
`engineio.async_socket.AsyncSocket` (python-engineio 4.15.1). The public surface that
python-socketio uses (`send`, `send_packet`, `disconnect`, `sockets`, `_trigger_event`,
`transport`, sessions, background tasks) is unchanged.

Per socket there is no writer task, no ping task and no reader task: websocket frames are
appended to the socket's pending list (in call order, so ordering holds) and one loop callback
per iteration writes each dirty socket's frames in one `transport.write` — under a burst of
broadcasts that is one syscall per recipient per iteration, not per broadcast. Heartbeats
share one timer (heartbeat.py), and after the handshake a small protocol object reads the
connection (wsconn.py) instead of aiohttp's request handler, so an idle socket holds no task
at all. Back-pressure: what the kernel did not take stays in the transport's buffer; past
`max_buffer_bytes` the socket is cut (reason `slow consumer`) so a broadcast never waits and
memory stays bounded.
"""
from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse

import engineio
from aiohttp import web

from server.engine.admission import ConnectAdmission
from server.engine.esocket import (BAD_HANDSHAKE_METHOD, BAD_METHOD, BAD_REQUEST, UNKNOWN_SID,
                                    UNKNOWN_TRANSPORT, UNSUPPORTED_VERSION,
                                    EngineSocket, error_response)
from server.engine.heartbeat import Heartbeats
from server.engine.wsconn import TAKEN_OVER, accept_and_close

log = logging.getLogger("sawt.engine")

ENVIRON_KEYS = frozenset({
    "REQUEST_METHOD", "QUERY_STRING", "PATH_INFO", "REMOTE_ADDR", "wsgi.url_scheme",
    "HTTP_HOST", "HTTP_ORIGIN", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_REAL_IP",
    "HTTP_ACCESS_CONTROL_REQUEST_METHOD", "HTTP_ACCESS_CONTROL_REQUEST_HEADERS"})


HEADER_KEYS = tuple((k[5:].replace("_", "-"), k) for k in sorted(ENVIRON_KEYS)
                    if k.startswith("HTTP_"))


def parse_query(qs: str) -> dict[str, list[str]]:
    """`urllib.parse.parse_qs(qs)`, without its per-pair unquoting when nothing is quoted
    (an Engine.IO query never is: "EIO=4&transport=websocket&sid=..."): 4x cheaper."""
    if "%" in qs or "+" in qs:
        return urllib.parse.parse_qs(qs)
    out: dict[str, list[str]] = {}
    for pair in qs.split("&"):
        name, eq, value = pair.partition("=")
        if eq and value:  # parse_qs drops pairs without "=" and blank values
            out.setdefault(name, []).append(value)
    return out


def slim_environ(request: web.Request) -> dict:
    """Upstream `translate_request`'s WSGI-style environ, only with the keys the engine and
    the usual handlers read (~1 KB less per idle socket), and without the request: a
    websocket outlives it (wsconn.py). Built directly: no full environ per handshake."""
    environ = {"REQUEST_METHOD": request.method, "QUERY_STRING": request.query_string or "",
               "PATH_INFO": request.path, "REMOTE_ADDR": "127.0.0.1"}
    headers = request.headers
    for name, key in HEADER_KEYS:
        values = headers.getall(name, None)
        if values:
            environ[key] = ",".join(values)
    environ["wsgi.url_scheme"] = environ.get("HTTP_X_FORWARDED_PROTO", "http")
    return environ


class EngineServer(engineio.AsyncServer):
    """engineio.AsyncServer with our socket class and request handling (aiohttp only)."""

    def __init__(self, *args, max_buffer_bytes: int = 1 << 20, connect_max_pending: int = 0,
                 **kwargs):
        kwargs["monitor_clients"] = False  # heartbeats: heartbeat.py
        kwargs["http_compression"] = False
        super().__init__(*args, **kwargs)
        self.max_buffer_bytes = max_buffer_bytes
        self.admission = ConnectAdmission(connect_max_pending)
        self.slow_consumer_hooks: list = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._heartbeats: Heartbeats | None = None
        self._tasks: set[asyncio.Task] = set()
        self._dirty: list[EngineSocket] = []  # sockets with frames for the next flush
        self._flush_handle: asyncio.Handle | None = None
        self._handshakes: dict[tuple, bytes] = {}  # OPEN packet tails (_handshake_rest)
        self.stopping = False  # the web server is shutting down: no GET is held any more

    def stop_holding_polls(self) -> None:
        """The web server is shutting down: answer every parked long-poll GET now (noop),
        and any later one at once. The web server waits for requests in progress before it
        stops (aiohttp: `shutdown_timeout`, 60 s by default, twice); a parked GET would hold
        the shutdown that long, and its client would learn nothing meanwhile."""
        self.stopping = True
        for sock in list(self.sockets.values()):
            sock.wake_poll("noop")

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    @property
    def heartbeats(self) -> Heartbeats:
        if self._heartbeats is None:
            self._heartbeats = Heartbeats(self.loop, self.ping_interval, self.ping_timeout)
        return self._heartbeats

    def spawn(self, coro) -> asyncio.Task:
        task = self.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _handshake_rest(self, upgrades: list[str]) -> bytes:
        """The OPEN packet after its sid (the same for every session of this server, built
        once per setting: a handshake is on every connect's path)."""
        key = (tuple(upgrades), self.ping_interval, self.ping_interval_grace_period,
               self.ping_timeout, self.max_http_buffer_size)
        rest = self._handshakes.get(key)
        if rest is None:
            rest = self._handshakes[key] = b'",' + json.dumps({
                "upgrades": upgrades,
                # whole milliseconds, never truncated to whole seconds
                "pingInterval": int(round((self.ping_interval
                                           + self.ping_interval_grace_period) * 1000)),
                "pingTimeout": int(round(self.ping_timeout * 1000)),
                "maxPayload": self.max_http_buffer_size,
            }, separators=(",", ":")).encode()[1:]
        return rest

    def mark_dirty(self, sock: EngineSocket) -> None:
        self._dirty.append(sock)
        if self._flush_handle is None:
            self._flush_handle = self.loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write every socket's frames queued since the last flush. Runs once per loop
        iteration with writes pending: a burst of broadcasts handled in one iteration costs one
        write per recipient instead of one per recipient per broadcast."""
        self._flush_handle = None
        dirty, self._dirty = self._dirty, []
        for sock in dirty:
            if sock.pending is not None:
                sock.flush()

    def on_slow_consumer(self, sock: EngineSocket) -> None:
        log.warning("slow consumer disconnected: %s (buffer over %d bytes)", sock.sid,
                    self.max_buffer_bytes)
        for hook in self.slow_consumer_hooks:
            hook(sock)

    def attach(self, app, engineio_path="engine.io"):
        """Upstream registers GET/POST/OPTIONS; we take every method so that the others get
        the protocol's 400 rather than aiohttp's 405."""
        engineio_path = engineio_path.strip("/")
        app.router.add_route("*", f"/{engineio_path}/", self.handle_request)

    async def send_packet(self, sid, pkt):
        sock = self.sockets.get(sid)
        if sock is not None and not sock.closed:
            sock.write_packet(pkt)

    async def disconnect(self, sid=None):
        if sid is None:
            socks = list(self.sockets.values())
            await asyncio.gather(*(s.close(reason=self.reason.SERVER_DISCONNECT) for s in socks),
                                 return_exceptions=True)
            self.sockets = {}
            return
        sock = self.sockets.get(sid)
        if sock is not None:
            await sock.close(reason=self.reason.SERVER_DISCONNECT)

    def payload_response(self, body: bytes) -> web.Response:
        return web.Response(body=body, content_type="text/plain", charset="UTF-8")

    def _cors_response(self, resp: web.StreamResponse, environ: dict) -> web.StreamResponse:
        for k, v in self._cors_headers(environ):
            resp.headers[k] = v
        return resp

    async def handle_request(self, request: web.Request):  # type: ignore[override]
        if self.admission.full() and "sid=" not in request.query_string:
            return self.admission.refusal()  # a new session: refused before any work
        # a websocket keeps its environ (here, in the frames below and for Socket.IO) as long
        # as it lives: only the keys the engine and the usual handlers read
        environ = slim_environ(request)
        resp = await self._route(request, environ)
        if isinstance(resp, web.WebSocketResponse):
            return resp
        return self._cors_response(resp, environ)

    async def _route(self, request: web.Request, environ: dict) -> web.StreamResponse:
        if self.cors_allowed_origins != []:
            origin = environ.get("HTTP_ORIGIN")
            if origin:
                allowed = self._cors_allowed_origins(environ)
                if allowed is not None and origin not in allowed:
                    return error_response(BAD_REQUEST, 400)
        method = request.method
        if method == "OPTIONS" and self.cors_allowed_origins != [] \
                and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
            return web.Response(status=204)  # CORS preflight
        if method not in ("GET", "POST"):
            return error_response(BAD_METHOD)
        query = parse_query(request.query_string)
        transport = query.get("transport", [None])[0]
        if transport not in self.transports:
            return error_response(UNKNOWN_TRANSPORT)
        upgrade_header = request.headers.get("Upgrade", "").lower()
        sid = query.get("sid", [None])[0]
        if sid is None:
            if query.get("EIO") != ["4"]:
                return error_response(UNSUPPORTED_VERSION)
            if method != "GET":
                return error_response(BAD_HANDSHAKE_METHOD)
            if transport == "websocket" and upgrade_header != "websocket":
                return error_response(BAD_REQUEST)
            return await self._open(request, environ, transport)
        sock = self.sockets.get(sid)
        if sock is None or sock.closed or sock.closing:
            return error_response(UNKNOWN_SID)
        if transport == "websocket":
            if method != "GET" or upgrade_header != "websocket" or not self.allow_upgrades:
                return error_response(BAD_REQUEST)
            if sock.upgraded or sock.upgrading or sock.ws is not None or (
                    sock.probe is not None and not sock.probe.closed):
                # a second websocket for the session: accepted, then closed (as the reference)
                if accept_and_close(request):
                    return TAKEN_OVER  # never sent: aiohttp no longer holds it
                return error_response(BAD_REQUEST)
            return await sock.run_websocket(request, upgrade=True)
        if sock.upgraded or sock.ws is not None:
            return error_response(BAD_REQUEST)  # polling is over for an upgraded session
        if method == "GET":
            return await sock.handle_poll()
        return await sock.handle_post(request)

    async def _open(self, request: web.Request, environ: dict, transport: str):
        """Upstream `_handle_connect`: handshake, then the app's connect event."""
        self.loop  # bind the loop
        sid = self.generate_id()
        if not self.admission.admit(sid):
            return self.admission.refusal()
        sock = EngineSocket(self, sid)
        self.sockets[sid] = sock
        upgrades = ["websocket"] if (transport == "polling" and self.allow_upgrades
                                     and "websocket" in self.transports) else []
        sock.write_text(b'0{"sid":"' + sid.encode() + self._handshake_rest(upgrades))
        ret = await self._trigger_event("connect", sid, environ, run_async=False)
        if ret is not None and ret is not True:
            self.sockets.pop(sid, None)
            self.admission.finished(sid)
            return web.Response(status=401, content_type="application/json",
                                text=json.dumps(ret or "Unauthorized"))
        sock.schedule_ping()
        if transport == "websocket":
            return await sock.run_websocket(request, upgrade=False)
        sock.connected = True
        return self.payload_response(sock.take_payload())
