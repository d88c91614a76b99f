"""One Engine.IO session: its writes (coalesced websocket frames or a polling outbox), its
reads, its long-poll and its close. Split from eio.py (the server); see eio.py's docstring for
why a socket holds no task of its own.

Replaces most of upstream `engineio.async_socket.AsyncSocket` (python-engineio 4.15.1).
"""
from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web
from engineio import packet as eio_packet

from server.engine.frames import BINARY, TEXT, ws_frame
from server.engine.wsconn import TAKEN_OVER, WebSocketConn, take_over

if TYPE_CHECKING:
    from server.engine.eio import EngineServer

SLOW_CONSUMER = "slow consumer"
# Engine.IO error codes and messages, as the reference server (engine.io 6) answers them.
UNKNOWN_TRANSPORT = (0, "Transport unknown")
UNKNOWN_SID = (1, "Session ID unknown")
BAD_HANDSHAKE_METHOD = (2, "Bad handshake method")
BAD_REQUEST = (3, "Bad request")
UNSUPPORTED_VERSION = (5, "Unsupported protocol version")
BAD_METHOD = (2, "Bad request method")



def error_response(code_message: tuple[int, str], status: int = 400) -> web.Response:
    code, message = code_message
    return web.Response(status=status, content_type="application/json",
                        text=json.dumps({"code": code, "message": message}))


class EngineSocket:
    """One Engine.IO session (upstream: engineio.async_socket.AsyncSocket)."""

    __slots__ = ("server", "sid", "session", "connected", "upgrading", "upgraded", "closing",
                 "closed", "ws", "transport", "outbox", "outbox_bytes", "_poll", "_posting",
                 "beat_due", "beat_deadline", "pinged", "probe", "csr", "min_offset", "cut_reason", "pending",
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
        self.beat_deadline = 0.0  # loop time at which silence closes the session
        self.probe: WebSocketConn | None = None  # a websocket probing an upgrade
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
            self.wake_poll("noop")  # a parked GET ends with noop, as the reference answers
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
    def _take_outbox(self) -> list[tuple[bool, bytes]]:
        pending, self.outbox = self.outbox, []
        self.outbox_bytes = 0
        return pending

    def take_payload(self) -> bytes:
        return b"\x1e".join(b"b" + base64.b64encode(data) if binary else data
                             for binary, data in self._take_outbox())

    async def handle_poll(self) -> web.Response:
        if self._poll is not None and not self._poll.done():
            # two concurrent GETs: the reference closes the session ("overlap from client")
            await self.close(abort=False, reason=self.server.reason.TRANSPORT_ERROR)
            return error_response(BAD_REQUEST)
        if self.upgrading:
            # the probe succeeded (3probe is out): polling is paused, answered noop at once
            return self.server.payload_response(b"6")
        if not self.outbox and not self.closed:
            if self.server.stopping:
                return self.server.payload_response(b"6")
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
            return error_response(BAD_REQUEST)
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
                    return error_response(BAD_REQUEST)
                if self.closed:
                    break
        finally:
            self._posting = False
        return web.Response(text="ok", content_type="text/html")

    # -- websocket -----------------------------------------------------------------------------
    async def run_websocket(self, request: web.Request, *, upgrade: bool) -> web.StreamResponse:
        """Take the connection over from aiohttp (wsconn.py): from here a protocol object
        reads it, and this handler returns at once (no task and no frames per idle socket)."""
        # a session opened on the websocket: what waits in the outbox (the OPEN packet) goes
        # out with the 101, in one write
        first = b"" if upgrade or not self.outbox else b"".join(
            ws_frame(data, BINARY if binary else TEXT) for binary, data in self.outbox)
        try:
            conn = take_over(request, self, self.server.max_http_buffer_size, first)
        except ConnectionError:  # the client left before the handshake
            conn = None
        if conn is None:
            if not upgrade:
                await self.close(abort=True, reason=self.server.reason.TRANSPORT_ERROR)
            return error_response(BAD_REQUEST)
        if upgrade:
            self.probe = conn
            conn.start_probe(self.server.ping_interval + self.server.ping_timeout)
        else:
            if first:
                self._take_outbox()  # sent with the 101
            self.websocket_ready(conn)
        return TAKEN_OVER  # never sent: aiohttp no longer holds the connection

    def websocket_ready(self, conn: WebSocketConn) -> None:
        """The websocket carries the session from now on (opened so, or upgraded)."""
        self.ws = conn
        self.probe = None
        self.connected = self.upgraded = True
        self.upgrading = False
        self.transport = conn.transport
        for binary, data in self._take_outbox():
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
