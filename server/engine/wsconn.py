"""The websocket of an Engine.IO session, read by a small protocol object instead of a task.

aiohttp serves a websocket from its request handler: a task per connection, parked in
`ws.receive()` under a stack of coroutine frames, holding the request, its headers, the HTTP
parser and the websocket reader and queue (~10 KB per idle socket, measured with
tracemalloc). An idle Engine.IO socket needs none of it. So after the handshake we take the
connection over: write the 101 answer ourselves, give the transport to a `WebSocketConn`
(`transport.set_protocol`), and let aiohttp's handler return and forget the connection.

`WebSocketConn` parses client frames (RFC 6455 §5: masked, fragmented messages, ping/pong,
close, a size limit) as bytes arrive and hands each complete message to its Engine.IO socket.
A task exists only while messages are being handled, so an idle socket has none; messages of
one socket are handled in order. Server frames are written by the engine straight to the
transport (frames.py).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp._websocket.helpers import websocket_mask

from server.engine.frames import TEXT, ws_frame

if TYPE_CHECKING:
    from server.engine.esocket import EngineSocket

log = logging.getLogger("sawt.engine")
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
CLOSE_NORMAL, CLOSE_PROTOCOL, CLOSE_BAD_DATA, CLOSE_TOO_BIG = 1000, 1002, 1007, 1009
MAX_INBOX = 64  # messages waiting for their handler before the socket stops reading
MAX_FRAGMENTS = 1024  # frames one message may be split into (no client needs more)


def accept_key(key: str) -> str | None:
    """Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (None if the key is invalid)."""
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            return None
    except ValueError:
        return None
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def close_frame(code: int, reason: bytes = b"") -> bytes:
    return bytes((0x88, 2 + len(reason))) + code.to_bytes(2, "big") + reason


def take_over(request: web.Request, sock: "EngineSocket", max_size: int, first: bytes = b""
              ) -> "WebSocketConn | None":
    """Answer the websocket handshake and move the connection from aiohttp to a
    `WebSocketConn`; None if the handshake is invalid (the caller answers 400). `first` (the
    session's first frames, e.g. Engine.IO OPEN) leaves in the same write as the 101: one
    send per handshake instead of two."""
    h = request.headers
    accept = accept_key(h.get("Sec-WebSocket-Key", ""))
    if request.method != "GET" or h.get("Upgrade", "").lower() != "websocket" \
            or "upgrade" not in h.get("Connection", "").lower() \
            or h.get("Sec-WebSocket-Version") != "13" or accept is None:
        return None
    transport, tail = _switch(request, accept, first)
    conn = WebSocketConn(sock, transport, max_size)
    transport.set_protocol(conn)
    if tail:
        conn.data_received(tail)
    return conn


class _TakenOver(web.StreamResponse):
    """What a handler returns once `_switch` took the connection. aiohttp still "finishes"
    a returned response (its headers built, then a write that fails for want of a
    transport: ~3 % of a connect's CPU in a storm); this one fails at once, as a client that
    left, which ends aiohttp's handling of the request the same way, for nothing."""

    async def prepare(self, request):
        raise ConnectionResetError("the connection was taken over by the websocket")


TAKEN_OVER = _TakenOver()  # stateless: one for every taken-over request


def accept_and_close(request: web.Request) -> bool:
    """Complete a websocket handshake, then close at once (1000): what the reference server
    does with a second websocket for a session that already has one. False if the
    handshake itself is invalid (the caller answers 400)."""
    h = request.headers
    accept = accept_key(h.get("Sec-WebSocket-Key", ""))
    if h.get("Upgrade", "").lower() != "websocket" or accept is None \
            or h.get("Sec-WebSocket-Version") != "13":
        return False
    try:
        transport, _ = _switch(request, accept)
    except ConnectionError:
        return True
    transport.set_protocol(asyncio.Protocol())  # whatever the client sends now is dropped
    transport.write(close_frame(CLOSE_NORMAL))
    transport.close()
    return True


def _switch(request: web.Request, accept: str, first: bytes = b""
            ) -> tuple[asyncio.Transport, bytes]:
    """Write the 101 answer (and `first` right behind it) and take the connection from
    aiohttp; returns the transport and the bytes the client sent after its request."""
    proto = request.protocol
    transport = request.transport
    if transport is None or transport.is_closing():
        raise ConnectionResetError("the client left before the handshake")
    tail = getattr(proto, "_message_tail", b"")
    transport.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
                    + accept.encode() + b"\r\n\r\n" + first)
    # aiohttp forgets the connection without closing it: with no transport, its handler's
    # return only fails to write a response, which aiohttp takes for a client that left
    proto.transport = None
    proto.connection_lost(None)
    return transport, tail


class WebSocketConn(asyncio.Protocol):
    """One websocket connection after the handshake (see the module docstring)."""

    __slots__ = ("sock", "transport", "max_size", "buf", "need", "frags", "frag_op",
                 "frag_bytes", "inbox", "task", "closed", "probing", "_probe_timer")

    def __init__(self, sock: "EngineSocket", transport: asyncio.Transport, max_size: int):
        self.sock = sock
        self.transport = transport
        self.max_size = max_size
        self.buf = bytearray()  # an incomplete frame
        self.need = 2  # bytes the buffer must hold before parsing is worth trying
        self.frags: list[bytes] | None = None  # a fragmented message being assembled
        self.frag_op = 0
        self.frag_bytes = 0  # its size so far
        self.inbox: list[str | bytes] | None = None  # messages for the handler task
        self.task: asyncio.Task | None = None
        self.closed = False
        self.probing = 0  # upgrade from polling: 1 waits for "2probe", 2 for "5"
        self._probe_timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport) -> None:  # set_protocol does not call it
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """Parse whole frames. Linear in the bytes received: a frame that trickles in is
        appended to one buffer and parsed once it is complete (`need`), never re-scanned."""
        if self.buf:
            self.buf += data
            buf = self.buf
        else:
            buf = data
        end = len(buf)
        if end < self.need:
            if buf is data:
                self.buf += data
            return
        pos = 0
        need = 2
        while not self.closed and end - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            op, size, head = b0 & 0x0F, b1 & 0x7F, 2
            if size == 126:
                if end - pos < 4:
                    need = 4
                    break
                size, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif size == 127:
                if end - pos < 10:
                    need = 10
                    break
                size, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if not b1 & 0x80 or b0 & 0x70:  # client frames are masked; no extensions
                self.fail(CLOSE_PROTOCOL)
                return
            if size > self.max_size:
                self.fail(CLOSE_TOO_BIG)
                return
            start = pos + head + 4
            if end - start < size:
                need = start + size - pos
                break
            payload = bytearray(buf[start:start + size])
            if size:
                websocket_mask(bytes(buf[pos + head:start]), payload)
            pos = start + size
            self._frame(bool(b0 & 0x80), op, bytes(payload))
        self.need = need
        if pos >= end:
            self.buf = bytearray()
        elif buf is data:
            self.buf = bytearray(data[pos:])
        else:
            del buf[:pos]

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        self._stop_probe()
        sock = self.sock
        if sock.ws is not self:  # a failed upgrade: the session goes on polling
            sock.upgrading = False
            return
        reason = sock.server.reason.TRANSPORT_ERROR if exc else \
            sock.server.reason.TRANSPORT_CLOSE
        if not (sock.closing or sock.closed):
            sock.server.spawn(sock.close(abort=True, reason=sock.cut_reason or reason))

    # -- frames --------------------------------------------------------------------------------
    def _frame(self, fin: bool, op: int, payload: bytes) -> None:
        if op >= 0x8:
            if not fin or len(payload) > 125:
                self.fail(CLOSE_PROTOCOL)
            elif op == OP_PING:
                self.transport.write(bytes((0x8A, len(payload))) + payload)
            elif op == OP_CLOSE:
                self.fail(CLOSE_NORMAL, by_client=True)
            elif op != OP_PONG:
                self.fail(CLOSE_PROTOCOL)
            return
        if op == OP_CONT:
            if self.frags is None:
                self.fail(CLOSE_PROTOCOL)
                return
            self.frags.append(payload)
            self.frag_bytes += len(payload)
            if self.frag_bytes > self.max_size or len(self.frags) > MAX_FRAGMENTS:
                self.fail(CLOSE_TOO_BIG)
                return
            if not fin:
                return
            op, payload, self.frags = self.frag_op, b"".join(self.frags), None
        elif op in (OP_TEXT, OP_BINARY):
            if self.frags is not None:
                self.fail(CLOSE_PROTOCOL)
                return
            if not fin:
                self.frags, self.frag_op, self.frag_bytes = [payload], op, len(payload)
                return
        else:
            self.fail(CLOSE_PROTOCOL)
            return
        if op == OP_TEXT:
            try:
                message: str | bytes = payload.decode("utf-8")
            except UnicodeDecodeError:
                self.fail(CLOSE_BAD_DATA)
                return
        else:
            message = payload
        if self.probing:
            self._probe_step(message)
            return
        if self.inbox is None:
            self.inbox = [message]
        else:
            self.inbox.append(message)
            if len(self.inbox) > MAX_INBOX:
                self.transport.pause_reading()
        if self.task is None:
            self.task = self.sock.server.loop.create_task(self._handle())

    async def _handle(self) -> None:
        """Hand messages to the Engine.IO socket in order; ends when none are left."""
        sock = self.sock
        try:
            while self.inbox and not sock.closed:
                inbox, self.inbox = self.inbox, None
                for message in inbox:
                    try:
                        valid = await sock.receive_encoded(message)
                    except Exception:
                        log.exception("engine.io message handling failed: %s", sock.sid)
                        continue
                    if not valid:
                        self.inbox = None
                        self.fail(CLOSE_PROTOCOL)
                        return
                    if sock.closed:
                        return
                if not self.closed:
                    self.transport.resume_reading()
        finally:
            self.task = None

    def fail(self, code: int, *, by_client: bool = False) -> None:
        """Close the connection with `code` (answering the client's close frame)."""
        if self.closed:
            return
        self.closed = True
        self._stop_probe()
        sock = self.sock
        if sock.ws is self and not (sock.closing or sock.closed):
            reason = sock.server.reason.TRANSPORT_CLOSE if by_client else \
                sock.server.reason.TRANSPORT_ERROR
            sock.server.spawn(sock.close(abort=True, reason=sock.cut_reason or reason))
        elif sock.ws is not self:
            sock.upgrading = False
        if not self.transport.is_closing():
            self.transport.write(close_frame(code))
            self.transport.close()

    async def close(self) -> None:
        """The server ends the connection (Engine.IO close already written)."""
        if self.closed:
            return
        self.closed = True
        self._stop_probe()
        if not self.transport.is_closing():
            self.transport.write(close_frame(CLOSE_NORMAL))
            self.transport.close()

    # -- upgrade from polling ------------------------------------------------------------------
    def start_probe(self, wait: float) -> None:
        """2probe -> 3probe, the pending poll answered noop, then 5 (within `wait` each)."""
        self.probing = 1
        self._probe_timer = self.sock.server.loop.call_later(wait, self._probe_failed)

    def _probe_step(self, message: str | bytes) -> None:
        sock = self.sock
        if self.probing == 1 and message == "2probe":
            self.transport.write(ws_frame(b"3probe", TEXT))
            sock.upgrading = True  # from here polling only answers noop
            sock.wake_poll("noop")
            self.probing = 2
            self._stop_probe()
            self._probe_timer = sock.server.loop.call_later(
                sock.server.ping_interval + sock.server.ping_timeout, self._probe_failed)
        elif self.probing == 2 and message == "5":
            self.probing = 0
            self._stop_probe()
            sock.websocket_ready(self)
        else:
            self._probe_failed()

    def _probe_failed(self) -> None:
        self._probe_timer = None
        self.sock.upgrading = False
        self.fail(CLOSE_NORMAL)

    def _stop_probe(self) -> None:
        if self._probe_timer is not None:
            self._probe_timer.cancel()
            self._probe_timer = None
