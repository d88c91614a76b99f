"""Engine.IO v4 server on aiohttp: conformant, and cheap per socket.

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
import base64
import json
import logging
import urllib.parse
from typing import Any

import engineio
from aiohttp import web
from engineio import packet as eio_packet
from engineio.async_drivers.aiohttp import translate_request

from server.engine.frames import BINARY, TEXT, ws_frame
from server.engine.heartbeat import Heartbeats
from server.engine.wsconn import WebSocketConn, take_over

log = logging.getLogger("sawt.engine")

SLOW_CONSUMER = "slow consumer"
# Engine.IO error codes and messages, as the reference server (engine.io 6) answers them.
UNKNOWN_TRANSPORT = (0, "Transport unknown")
UNKNOWN_SID = (1, "Session ID unknown")
BAD_HANDSHAKE_METHOD = (2, "Bad handshake method")
BAD_REQUEST = (3, "Bad request")
UNSUPPORTED_VERSION = (5, "Unsupported protocol version")
BAD_METHOD = (2, "Bad request method")


ENVIRON_KEYS = frozenset({
    "REQUEST_METHOD", "QUERY_STRING", "PATH_INFO", "REMOTE_ADDR", "wsgi.url_scheme",
    "HTTP_HOST", "HTTP_ORIGIN", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_REAL_IP",
    "HTTP_ACCESS_CONTROL_REQUEST_METHOD", "HTTP_ACCESS_CONTROL_REQUEST_HEADERS"})


def slim_environ(environ: dict) -> dict:
    """The WSGI-style environ without the headers nobody reads after the handshake (~1 KB
    less per idle socket), and without the request: a websocket outlives it (wsconn.py)."""
    return {k: v for k, v in environ.items() if k in ENVIRON_KEYS}


def _error(code_message: tuple[int, str], status: int = 400) -> web.Response:
    code, message = code_message
    return web.Response(status=status, content_type="application/json",
                        text=json.dumps({"code": code, "message": message}))


class EngineSocket:
    """One Engine.IO session (upstream: engineio.async_socket.AsyncSocket)."""

    __slots__ = ("server", "sid", "session", "connected", "upgrading", "upgraded", "closing",
                 "closed", "ws", "transport", "outbox", "outbox_bytes", "_poll", "_posting",
                 "beat_due", "pinged", "csr", "min_offset", "cut_reason", "pending",
                 "__weakref__")

    def __init__(self, server: "EngineServer", sid: str):
        self.server = server
        self.sid = sid
        self.session: dict = {}
        self.connected = False
        self.upgrading = False
        self.upgraded = False
        self.closing = False
        self.closed = False
        self.ws: WebSocketConn | None = None
        self.transport: asyncio.Transport | None = None  # set once the websocket is live
        self.outbox: list[tuple[bool, bytes]] = []  # (binary, data) waiting for a poll
        self.outbox_bytes = 0
        self._poll: asyncio.Future | None = None  # a pending long-poll GET
        self._posting = False
        self.beat_due: int | None = None  # heartbeat bucket (server.heartbeats)
        self.pinged = False  # waiting for a pong
        self.csr = False  # the Socket.IO layer tags broadcasts with offsets for this socket
        self.min_offset: tuple[int, int] | None = None  # drop tagged packets at or below
        self.cut_reason: str | None = None  # why we cut the transport ourselves
        # websocket frames awaiting the flush: one frame as bytes (no list, nothing for the
        # cyclic GC to track), several as a list
        self.pending: bytes | list[bytes] | None = None

    # -- writing ---------------------------------------------------------------------------
    def write_text(self, data: bytes, frame: bytes | None = None) -> None:
        """Send one encoded Engine.IO text packet (UTF-8 bytes). `frame` is its prebuilt
        websocket frame when the caller sends the same packet to many sockets."""
        if self.transport is not None:
            self.write_frame(frame if frame is not None else ws_frame(data, TEXT))
        elif not self.closed:
            self._queue(False, data)

    def write_binary(self, data: bytes, frame: bytes | None = None) -> None:
        """Send one binary Engine.IO message (raw bytes on websocket, base64 when polling)."""
        if self.transport is not None:
            self.write_frame(frame if frame is not None else ws_frame(data, BINARY))
        elif not self.closed:
            self._queue(True, data)

    def write_frame(self, frame: bytes) -> None:
        """Queue a websocket frame for this loop iteration's flush (see EngineServer.flush):
        the frames a socket gets within one iteration leave in one write, in order."""
        pending = self.pending
        if pending is None:
            if self.closed:
                return
            self.pending = frame
            self.server.mark_dirty(self)
        elif pending.__class__ is list:
            pending.append(frame)
        else:
            self.pending = [pending, frame]

    def flush(self) -> None:
        """Hand this socket's queued frames to the transport (one write, one syscall at most)."""
        frames, self.pending = self.pending, None
        tr = self.transport
        if frames is None or tr is None or tr.is_closing():
            return
        tr.write(b"".join(frames) if frames.__class__ is list else frames)
        if tr.get_write_buffer_size() > self.server.max_buffer_bytes:
            self._slow_consumer()

    def _queue(self, binary: bool, data: bytes) -> None:
        self.outbox.append((binary, data))
        self.outbox_bytes += len(data)
        if self.outbox_bytes > self.server.max_buffer_bytes:
            self._slow_consumer()
            return
        if self._poll is not None and not self._poll.done() and not self.upgrading:
            self._poll.set_result(None)

    async def send(self, pkt: eio_packet.Packet) -> None:
        """Upstream-compatible: send an engineio Packet."""
        self.write_packet(pkt)

    def write_packet(self, pkt: eio_packet.Packet) -> None:
        if pkt.binary:
            self.write_binary(bytes(pkt.data))
        else:
            self.write_text(pkt.encode().encode("utf-8"))

    def _slow_consumer(self) -> None:
        if self.closing or self.closed:
            return
        self.server.on_slow_consumer(self)
        self.cut_reason = SLOW_CONSUMER
        self.pending = None
        if self.transport is not None:
            self.transport.abort()  # frees the buffer now; the reader sees the close
        self.outbox.clear()
        self.outbox_bytes = 0
        self.server.spawn(self.close(abort=True, reason=SLOW_CONSUMER))

    # -- heartbeat (one timer for all sockets: heartbeat.py) ---------------------------------
    def schedule_ping(self) -> None:
        self.server.heartbeats.wait_ping(self)

    def send_ping(self) -> None:
        self.write_text(b"2")

    def ping_timed_out(self) -> None:
        if not (self.closing or self.closed):
            self.server.spawn(self.close(abort=False, reason=self.server.reason.PING_TIMEOUT))

    # -- receiving -----------------------------------------------------------------------------
    async def receive_encoded(self, data: str | bytes) -> bool:
        """Handle one encoded packet from the client; False means it was invalid and the
        session is now closed."""
        if isinstance(data, (bytes, bytearray)):
            await self.server._trigger_event("message", self.sid, bytes(data), run_async=False)
            return True
        if not data or data[0] not in "0123456b":
            await self.close(abort=True, reason=self.server.reason.TRANSPORT_ERROR)
            return False
        kind = data[0]
        if kind == "4":
            await self.server._trigger_event("message", self.sid, data[1:], run_async=False)
        elif kind == "3":  # pong
            self.schedule_ping()
        elif kind == "1":
            await self.close(abort=True, reason=self.server.reason.CLIENT_DISCONNECT)
        elif kind == "b":
            try:
                raw = base64.b64decode(data[1:], validate=True)
            except ValueError:
                await self.close(abort=True, reason=self.server.reason.TRANSPORT_ERROR)
                return False
            await self.server._trigger_event("message", self.sid, raw, run_async=False)
        elif kind in "02":  # open / ping are server-to-client only in v4
            await self.close(abort=True, reason=self.server.reason.TRANSPORT_ERROR)
            return False
        # 5 (upgrade) outside an upgrade and 6 (noop) are ignored
        return True

    # -- long polling ------------------------------------------------------------------------
    def take_payload(self) -> bytes:
        parts = []
        for binary, data in self.outbox:
            parts.append(b"b" + base64.b64encode(data) if binary else data)
        self.outbox.clear()
        self.outbox_bytes = 0
        return b"\x1e".join(parts)

    async def handle_poll(self) -> web.Response:
        if self._poll is not None and not self._poll.done():
            # two concurrent GETs: the reference closes the session ("overlap from client")
            await self.close(abort=False, reason=self.server.reason.TRANSPORT_ERROR)
            return _error(BAD_REQUEST)
        if not self.outbox and not self.closed:
            poll = self._poll = self.server.loop.create_future()
            try:
                await asyncio.wait_for(poll, self.server.ping_interval
                                       + self.server.ping_timeout)
            except asyncio.TimeoutError:
                pass
            finally:
                self._poll = None
            woke = poll.result() if poll.done() and not poll.cancelled() else None
            if woke == "noop" or (not self.outbox and not self.closed):
                return self.server.payload_response(b"6")
        if self.closed and not self.outbox:
            return self.server.payload_response(b"1")
        return self.server.payload_response(self.take_payload())

    async def handle_post(self, request: web.Request) -> web.Response:
        if self._posting:
            await self.close(abort=True, reason=self.server.reason.TRANSPORT_ERROR)
            return _error(BAD_REQUEST)
        length = request.content_length or 0
        if length > self.server.max_http_buffer_size:
            await self.close(abort=True, reason=self.server.reason.TRANSPORT_ERROR)
            return web.Response(status=413, text="Payload Too Large")
        self._posting = True
        try:
            body = await request.read()
            if len(body) > self.server.max_http_buffer_size:
                await self.close(abort=True, reason=self.server.reason.TRANSPORT_ERROR)
                return web.Response(status=413, text="Payload Too Large")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = ""
            for encoded in text.split("\x1e") if text else [""]:
                if not await self.receive_encoded(encoded):
                    return _error(BAD_REQUEST)
        finally:
            self._posting = False
        return web.Response(text="ok", content_type="text/html")

    # -- websocket -----------------------------------------------------------------------------
    async def run_websocket(self, request: web.Request, *, upgrade: bool) -> web.StreamResponse:
        """Take the connection over from aiohttp (wsconn.py): from here a protocol object
        reads it, and this handler returns at once (no task and no frames per idle socket)."""
        try:
            conn = take_over(request, self, self.server.max_http_buffer_size)
        except ConnectionError:  # the client left before the handshake
            conn = None
        if conn is None:
            if not upgrade:
                await self.close(abort=True, reason=self.server.reason.TRANSPORT_ERROR)
            return _error(BAD_REQUEST)
        if upgrade:
            conn.start_probe(self.server.ping_interval + self.server.ping_timeout)
        else:
            self.websocket_ready(conn)
        return web.Response()  # never sent: aiohttp no longer holds the connection

    def websocket_ready(self, conn: WebSocketConn) -> None:
        """The websocket carries the session from now on (opened so, or upgraded)."""
        self.ws = conn
        self.connected = self.upgraded = True
        self.upgrading = False
        pending, self.outbox = self.outbox, []
        self.outbox_bytes = 0
        self.transport = conn.transport
        for binary, data in pending:
            (self.write_binary if binary else self.write_text)(data)

    def wake_poll(self, result: Any = None) -> None:
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(result)

    # -- closing -------------------------------------------------------------------------------
    async def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        if self.closed or self.closing:
            return
        self.closing = True
        self.server.heartbeats.forget(self)
        try:
            await self.server._trigger_event(
                "disconnect", self.sid, reason or self.server.reason.SERVER_DISCONNECT,
                run_async=False)
        finally:
            if not abort:
                self.write_text(b"1")
            if self.pending is not None:
                self.flush()  # before the websocket close frame
            self.closed = True
            self.server.sockets.pop(self.sid, None)
            if self._poll is not None and not self._poll.done():
                self._poll.set_result(None)
            if self.ws is not None and not self.ws.closed:
                self.server.spawn(self.ws.close())


class EngineServer(engineio.AsyncServer):
    """engineio.AsyncServer with our socket class and request handling (aiohttp only)."""

    def __init__(self, *args, max_buffer_bytes: int = 1 << 20, **kwargs):
        kwargs["monitor_clients"] = False  # heartbeats: heartbeat.py
        kwargs["http_compression"] = False
        super().__init__(*args, **kwargs)
        self.max_buffer_bytes = max_buffer_bytes
        self.slow_consumer_hooks: list = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._heartbeats: Heartbeats | None = None
        self._tasks: set[asyncio.Task] = set()
        self._dirty: list[EngineSocket] = []  # sockets with frames for the next flush
        self._flush_handle: asyncio.Handle | None = None

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
        # a websocket keeps its environ (here, in the frames below and for Socket.IO) as long
        # as it lives: only the keys the engine and the usual handlers read
        environ = slim_environ(translate_request(request))
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
                    return _error(BAD_REQUEST, 400)
        method = request.method
        if method == "OPTIONS" and self.cors_allowed_origins != [] \
                and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
            return web.Response(status=204)  # CORS preflight
        if method not in ("GET", "POST"):
            return _error(BAD_METHOD)
        query = urllib.parse.parse_qs(request.query_string)
        transport = query.get("transport", [None])[0]
        if transport not in self.transports:
            return _error(UNKNOWN_TRANSPORT)
        upgrade_header = request.headers.get("Upgrade", "").lower()
        sid = query.get("sid", [None])[0]
        if sid is None:
            if query.get("EIO") != ["4"]:
                return _error(UNSUPPORTED_VERSION)
            if method != "GET":
                return _error(BAD_HANDSHAKE_METHOD)
            if transport == "websocket" and upgrade_header != "websocket":
                return _error(BAD_REQUEST)
            return await self._open(request, environ, transport)
        sock = self.sockets.get(sid)
        if sock is None or sock.closed or sock.closing:
            return _error(UNKNOWN_SID)
        if transport == "websocket":
            if method != "GET" or upgrade_header != "websocket" or sock.upgraded \
                    or sock.upgrading or sock.ws is not None or not self.allow_upgrades:
                return _error(BAD_REQUEST)  # a second websocket for a session is refused
            return await sock.run_websocket(request, upgrade=True)
        if sock.upgraded or sock.ws is not None:
            return _error(BAD_REQUEST)  # polling is over for an upgraded session
        if method == "GET":
            return await sock.handle_poll()
        return await sock.handle_post(request)

    async def _open(self, request: web.Request, environ: dict, transport: str):
        """Upstream `_handle_connect`: handshake, then the app's connect event."""
        self.loop  # bind the loop
        sid = self.generate_id()
        sock = EngineSocket(self, sid)
        self.sockets[sid] = sock
        upgrades = ["websocket"] if (transport == "polling" and self.allow_upgrades
                                     and "websocket" in self.transports) else []
        handshake = {
            "sid": sid, "upgrades": upgrades,
            # whole milliseconds, never truncated to whole seconds
            "pingInterval": int(round((self.ping_interval
                                       + self.ping_interval_grace_period) * 1000)),
            "pingTimeout": int(round(self.ping_timeout * 1000)),
            "maxPayload": self.max_http_buffer_size,
        }
        sock.write_text(b"0" + json.dumps(handshake, separators=(",", ":")).encode())
        ret = await self._trigger_event("connect", sid, environ, run_async=False)
        if ret is not None and ret is not True:
            self.sockets.pop(sid, None)
            return web.Response(status=401, content_type="application/json",
                                text=json.dumps(ret or "Unauthorized"))
        sock.schedule_ping()
        if transport == "websocket":
            return await sock.run_websocket(request, upgrade=False)
        sock.connected = True
        return self.payload_response(sock.take_payload())
