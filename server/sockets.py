"""The Socket.IO surface: connect-time auth, the event registry, and one dispatcher.

Domains register events with `@on("domain:verb")` in their `events.py`; the dispatcher
(a catch-all handler) decodes nothing itself but gives every event the same treatment:
unknown events, oversized payloads and exceptions become `{ok: false, error}` acks, every
call is counted and timed, and logs carry the socket and user ids.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import msgspec
import socketio
import structlog
from socketio import packet as sio_packet
from socketio.msgpack_packet import MsgPackPacket

from server.errors import AppError, BadRequest, Forbidden, Unauthorized, error_ack, ok
from server.outages import note_if_outage, redis_options, unavailable
from server.payloads import Rejected, SocketJson, check_tree
from server.state import AppState
from server.tokens import Claims
from server.user_rooms import session_room, user_room

log = structlog.get_logger("sockets")

ROLES = ("user", "creator", "moderator", "admin")


@dataclass(slots=True)
class SocketContext:
    """Who is on this socket, and the process state to act with. One per socket: slots."""

    sid: str
    user_id: str
    role: str
    session_id: str | None
    state: AppState
    auth: dict = field(default_factory=dict)  # the client's connect auth payload, no token
    data: dict = field(default_factory=dict)  # per-socket scratch for domains

    @property
    def db(self):
        return self.state.db

    @property
    def redis(self):
        return self.state.redis

    @property
    def emitter(self):
        return self.state.emitter


Handler = Callable[[SocketContext, Any], Awaitable[Any]]


@dataclass(frozen=True)
class EventSpec:
    name: str
    fn: Handler
    roles: tuple[str, ...] | None
    max_bytes: int


EVENTS: dict[str, EventSpec] = {}
ConnectGuard = Callable[[AppState, Claims], Awaitable[None]]
CONNECT_GUARDS: list[ConnectGuard] = []
ConnectHook = Callable[[SocketContext], Awaitable[None]]
CONNECT_HOOKS: list[ConnectHook] = []
DISCONNECT_HOOKS: list[ConnectHook] = []
DEFAULT_MAX_EVENT_BYTES = 64 * 1024
RoomCheck = Callable[["SocketContext", str], Awaitable[bool]]
ROOM_CHECKS: dict[str, RoomCheck] = {}
RoomRestore = Callable[["SocketContext", str], Awaitable[None]]
ROOM_RESTORES: dict[str, RoomRestore] = {}


def on(event: str, *, roles: tuple[str, ...] | None = None,
       max_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> Callable[[Handler], Handler]:
    """Register a client->server event. The handler's return value is the ack."""
    def register(fn: Handler) -> Handler:
        if event in EVENTS and EVENTS[event].fn is not fn:
            raise ValueError(f"event {event!r} registered twice")
        EVENTS[event] = EventSpec(event, fn, roles, max_bytes)
        return fn
    return register


def connect_guard(fn: ConnectGuard) -> ConnectGuard:
    """Extra checks at connect (e.g. the session is not revoked); raise AppError to refuse."""
    CONNECT_GUARDS.append(fn)
    return fn


def on_connect(fn: ConnectHook) -> ConnectHook:
    CONNECT_HOOKS.append(fn)
    return fn


def on_disconnect(fn: ConnectHook) -> ConnectHook:
    DISCONNECT_HOOKS.append(fn)
    return fn


def room_check(prefix: str) -> Callable[[RoomCheck], RoomCheck]:
    """Register who may be in the rooms named `prefix...` (e.g. "live:"). A socket recovered
    after a drop gets back only the rooms whose check passes under its new token: the check
    done when it joined is done again (rooms without a check come back as they were)."""
    def register(fn: RoomCheck) -> RoomCheck:
        ROOM_CHECKS[prefix] = fn
        return fn
    return register


def room_restored(prefix: str) -> Callable[[RoomRestore], RoomRestore]:
    """Register what joining a room `prefix...` did besides entering it (a viewer count, a
    registry the domain checks later), redone when a recovered socket gets the room back:
    recovery restores the room itself, not the domain's state about who is in it."""
    def register(fn: RoomRestore) -> RoomRestore:
        ROOM_RESTORES[prefix] = fn
        return fn
    return register


def require_role(role: str, allowed: tuple[str, ...]) -> None:
    """The one role guard, shared by socket events and HTTP routes."""
    if role not in allowed:
        raise Forbidden(f"This needs one of the roles: {', '.join(allowed)}")


class SocketSurface:
    """Wires the registry into an AsyncServer and keeps this process's socket contexts."""

    def __init__(self, state: AppState, sio: socketio.AsyncServer):
        self.state = state
        self.sio = sio
        self.contexts: dict[str, SocketContext] = {}
        sio.on("connect", self._connect)
        sio.on("disconnect", self._disconnect)
        sio.on("*", self._dispatch)
        # a recovered session is only handed back to the user who owned it, and only with
        # the rooms that user may still be in
        sio.session_owner = self._owner
        sio.room_filter = self._allowed_rooms
        sio.rooms_restored = self._restored_rooms

    def _owner(self, sid: str) -> str | None:
        ctx = self.contexts.get(sid)
        return ctx.user_id if ctx else None

    async def _allowed_rooms(self, sid: str, rooms: list[str]) -> list[str]:
        """The rooms of a recovered session this socket may still be in (see room_check)."""
        ctx = self.contexts.get(sid)
        if ctx is None:
            return []
        allowed = []
        for room in rooms:
            kind, _, ident = room.partition(":")
            if kind == "user":  # the connect handler joined the token's own
                ok = ident == ctx.user_id
            elif kind == "session":
                ok = ident == ctx.session_id
            else:
                check = ROOM_CHECKS.get(kind + ":")
                try:
                    ok = True if check is None else bool(await check(ctx, room))
                except AppError:
                    ok = False
                except Exception:
                    log.exception("room_check_failed", sid=sid, room=room[:80])
                    ok = False
            if ok:
                allowed.append(room)
        return allowed

    async def _restored_rooms(self, sid: str, rooms: list[str]) -> None:
        """The socket is back in `rooms` (recovered): redo what each domain's join did."""
        ctx = self.contexts.get(sid)
        if ctx is None:
            return
        for room in rooms:
            restore = ROOM_RESTORES.get(room.partition(":")[0] + ":")
            if restore is None:
                continue
            try:
                await restore(ctx, room)
            except Exception as exc:
                if note_if_outage(exc, "room_restore") is None:
                    log.exception("room_restore_failed", sid=sid, room=room[:80])

    async def _connect(self, sid: str, environ: dict, auth: Any) -> None:
        if self.state.shutting_down:
            raise socketio.exceptions.ConnectionRefusedError(
                "Server is shutting down", {"code": "shutting_down",
                                            "message": "Server is shutting down; reconnect"})
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            claims = self.state.keys.verify(token)
            for guard in CONNECT_GUARDS:
                await guard(self.state, claims)
        except AppError as err:
            self.state.metrics.errors.labels("connect", err.code).inc()
            raise socketio.exceptions.ConnectionRefusedError(err.message, err.as_error())
        except Exception as exc:  # a store is out: CONNECT_ERROR `unavailable`, at once
            store = note_if_outage(exc, "connect")
            if store is None:
                raise
            err = unavailable(store)
            self.state.metrics.errors.labels("connect", err.code).inc()
            raise socketio.exceptions.ConnectionRefusedError(err.message, err.as_error())
        ctx = SocketContext(sid=sid, user_id=claims.user_id, role=claims.role,
                            session_id=claims.session_id, state=self.state,
                            auth={k: v for k, v in auth.items() if k != "token"}
                            if isinstance(auth, dict) else {})
        self.contexts[sid] = ctx
        await self.sio.enter_room(sid, user_room(claims.user_id))
        if claims.session_id:
            await self.sio.enter_room(sid, session_room(claims.session_id))
        self.state.metrics.sockets.inc()
        for hook in CONNECT_HOOKS:
            try:
                await hook(ctx)
            except Exception as exc:
                if note_if_outage(exc, "connect_hook") is None:
                    log.exception("connect_hook_failed", sid=sid, user_id=ctx.user_id)

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        ctx = self.contexts.pop(sid, None)
        if ctx is None:
            return
        self.state.metrics.sockets.dec()
        self.state.metrics.disconnects.labels(str(reason or "unknown")[:32]).inc()
        for hook in DISCONNECT_HOOKS:
            try:
                await hook(ctx)
            except Exception as exc:
                if note_if_outage(exc, "disconnect_hook") is None:
                    log.exception("disconnect_hook_failed", sid=sid, user_id=ctx.user_id)

    async def _dispatch(self, event: str, sid: str, *args: Any) -> dict:
        started = time.perf_counter()
        ctx = self.contexts.get(sid)
        spec = EVENTS.get(event)
        label = event if spec else "unknown"
        structlog.contextvars.bind_contextvars(sid=sid, user_id=ctx.user_id if ctx else None,
                                               socket_event=event[:64])
        try:
            if ctx is None:
                raise Unauthorized("Socket is not authenticated")
            if spec is None:
                raise AppError("unknown_event", f"Unknown event {event[:64]!r}", status=404)
            if len(args) > 1:
                raise BadRequest("Send one payload object per event", code="invalid_payload")
            data = args[0] if args else None
            if isinstance(data, Rejected):
                raise BadRequest(f"Payload refused: {data.reason}", code="invalid_payload")
            if data is not None and not isinstance(data, dict):
                raise BadRequest("The payload must be an object", code="invalid_payload")
            if data and len(msgspec.json.encode(data)) > spec.max_bytes:
                raise AppError("payload_too_large",
                               f"Payload exceeds {spec.max_bytes} bytes", status=413)
            if spec.roles:
                require_role(ctx.role, spec.roles)
            result = await spec.fn(ctx, data)
            if not (isinstance(result, dict) and isinstance(result.get("ok"), bool)):
                result = ok(result)
        except AppError as err:
            self.state.metrics.errors.labels("socket", err.code).inc()
            result = error_ack(err)
        except Exception as exc:
            store = note_if_outage(exc, label)
            if store is not None:  # counted; the outage is logged once, not per call
                err = unavailable(store)
                self.state.metrics.errors.labels("socket", err.code).inc()
                result = error_ack(err)
            else:
                self.state.metrics.errors.labels("socket", "internal").inc()
                log.exception("event_failed")
                result = error_ack(None)
        finally:
            structlog.contextvars.clear_contextvars()
        self.state.metrics.events.labels(label).inc()
        self.state.metrics.latency.labels(label).observe(time.perf_counter() - started)
        return result

    def local_sids(self) -> list[str]:
        return list(self.contexts)


class JsonPacket(sio_packet.Packet):
    """Socket.IO's JSON packets, parsed through the input boundary (server/payloads.py)."""

    json = SocketJson


class CheckedMsgPackPacket(MsgPackPacket):
    """msgpack packets, walked by the same bounds once unpacked."""

    def decode(self, encoded_packet):
        count = super().decode(encoded_packet)
        reason = check_tree(self.data)
        if reason is not None:
            if not (isinstance(self.data, list) and self.data and isinstance(self.data[0], str)):
                raise ValueError(f"Socket.IO packet refused: {reason}")
            self.data = [self.data[0][:64], Rejected(reason)]
        return count


PACKETS = {"default": JsonPacket, "msgpack": CheckedMsgPackPacket}


def build_socket_server(state: AppState) -> socketio.AsyncServer:
    """The AsyncServer for this process, on the Redis adapter (shared by every node).

    It is our engine layer (server/engine/): python-socketio's AsyncServer and
    AsyncRedisManager with protocol fixes, connection state recovery and a fast broadcast.
    """
    from server.emitter import channel_name
    from server.engine import RedisManager, SocketServer
    from server.engine.recovery import RecoveryStore

    s = state.settings
    manager = RedisManager(s.redis_url, channel=channel_name(s.redis_prefix, s.redis_cluster),
                           log_maxlen=s.recovery_log_maxlen, cluster=s.redis_cluster,
                           pubsub=s.socketio_pubsub, redis_options=redis_options())
    recovery = None
    if s.recovery_window > 0:
        sessions = s.key("sio", "session", "")  # untagged: one key each, spread over masters
        recovery = RecoveryStore(s.redis_url, key_prefix=sessions, log_key=manager.log_key,
                                 window=s.recovery_window, cluster=s.redis_cluster,
                                 redis_options=redis_options())
    cors = "*" if s.cors_origins == ("*",) else list(s.cors_origins)
    return SocketServer(
        async_mode="aiohttp", client_manager=manager,
        serializer=PACKETS.get(s.socketio_serializer, s.socketio_serializer),
        ping_interval=s.ping_interval, ping_timeout=s.ping_timeout,
        max_http_buffer_size=s.max_payload_bytes, cors_allowed_origins=cors,
        connect_timeout=s.connect_timeout, connect_max_pending=s.connect_max_pending,
        max_buffer_bytes=s.ws_max_buffer_bytes,
        recovery=recovery, logger=False, engineio_logger=False)
