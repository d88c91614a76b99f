"""The Socket.IO v5 server: connect ordering, namespace errors, connect timeout, recovery.

Upstream: socketio.AsyncServer (python-socketio 5.18.1). Overridden: `_engineio_server_class`,
`_send_packet`, `_send_eio_packet`, `_handle_eio_connect`, `_handle_eio_disconnect`,
`_handle_connect`, `_handle_disconnect`, `disconnect`.

While a namespace CONNECT is being handled, every packet for that socket (whatever the connect
handler or a concurrent broadcast emits) is held and written only after the CONNECT packet,
so the client sees CONNECT first. The same hold covers the recovery replay: rooms are rejoined
before the missed packets are read from the log, so nothing falls between the replay and the
live stream, and live packets already replayed are dropped by offset.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from functools import partial
from typing import Any, Awaitable, Callable

import socketio
from socketio import exceptions
from socketio import packet as sio_packet

from server.engine.eio import EngineServer
from server.engine.manager import split_logged
from server.engine.recovery import (RECOVERABLE, LiveSessions, RecoveryStore, _plain,
                                    parse_offset)

log = logging.getLogger("sawt.engine")
MAX_ATTACHMENTS = 10  # binary attachments one packet may announce (socket.io-parser's default)
CLIENT_PACKET_TYPES = frozenset({sio_packet.CONNECT, sio_packet.DISCONNECT, sio_packet.EVENT,
                                 sio_packet.ACK, sio_packet.BINARY_EVENT,
                                 sio_packet.BINARY_ACK})
PARSE_ERROR = "parse error"
LOGGED_CACHE = 20_000  # parsed log entries kept for replays (offsets never repeat)


class SocketServer(socketio.AsyncServer):
    def __init__(self, *, connect_timeout: float = 45.0, max_buffer_bytes: int = 1 << 20,
                 recovery: RecoveryStore | None = None, connect_max_pending: int = 0,
                 **kwargs: Any):
        self._max_buffer_bytes = max_buffer_bytes
        self._connect_max_pending = connect_max_pending
        super().__init__(**kwargs)
        self.connect_timeout = connect_timeout
        self.recovery = recovery
        # who owns a socket (the app's user id): a session only recovers for its owner
        self.session_owner: Callable[[str], Any] = lambda sid: None
        # which of a recovered session's rooms the socket may still be in (the app's rights
        # under the token it reconnected with); by default all of them
        self.room_filter: Callable[[str, list], Awaitable[list]] | None = None
        # called with the rooms a recovered socket is back in, before its CONNECT leaves (the
        # app redoes what joining them did besides entering the room)
        self.rooms_restored: Callable[[str, list], Awaitable[None]] | None = None
        self.sessions = LiveSessions(recovery, self._rooms_of, self._owner_of) \
            if recovery is not None else None
        self._holding: dict[str, list] = {}  # eio_sid -> packets held until CONNECT is out
        self._logged: dict[bytes, tuple] = {}  # log entries parsed for replays (by offset)
        self._connect_timers: dict[str, asyncio.TimerHandle] = {}

    def _engineio_server_class(self):
        return partial(EngineServer, max_buffer_bytes=self._max_buffer_bytes,
                       connect_max_pending=self._connect_max_pending)

    # -- writing -------------------------------------------------------------------------------
    def _write(self, eio_sid: str, items: list[tuple[bool, bytes]]) -> None:
        hold = self._holding.get(eio_sid)
        if hold is not None:
            hold.extend((binary, data, None) for binary, data in items)
            return
        sock = self.eio.sockets.get(eio_sid)
        if sock is None or sock.closed:
            return
        for binary, data in items:
            if binary:
                sock.write_binary(data)
            else:
                sock.write_text(data)

    @staticmethod
    def _eio_items(pkt) -> list[tuple[bool, bytes]]:
        enc = pkt.encode()
        if isinstance(enc, list):
            return [(False, b"4" + enc[0].encode())] + [(True, bytes(a)) for a in enc[1:]]
        if isinstance(enc, str):
            return [(False, b"4" + enc.encode())]
        return [(True, bytes(enc))]

    async def _send_packet(self, eio_sid, pkt):
        self._write(eio_sid, self._eio_items(pkt))

    async def _send_eio_packet(self, eio_sid, eio_pkt):
        if eio_pkt.binary:
            self._write(eio_sid, [(True, bytes(eio_pkt.data))])
        else:
            self._write(eio_sid, [(False, eio_pkt.encode().encode())])

    # -- reading -------------------------------------------------------------------------------
    async def _handle_eio_message(self, eio_sid, data):
        """Upstream `_handle_eio_message`, except that a packet we cannot decode (bad type,
        broken JSON, an id over 100 digits, more than MAX_ATTACHMENTS announced, text where an
        attachment was due, an attachment nobody announced) closes the connection, as the
        Socket.IO spec asks, instead of being dropped (which could leave it waiting forever
        for attachments). Errors of the handlers themselves are not the client's fault."""
        try:
            pkt, complete = self._decode(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            log.info("closing %s: undecodable socket.io packet (%s)", eio_sid, exc)
            self._binary_packet.pop(eio_sid, None)
            sock = self.eio.sockets.get(eio_sid)
            if sock is not None:
                await sock.close(reason=PARSE_ERROR)
            return
        if not complete:
            return
        t = pkt.packet_type
        if t == sio_packet.CONNECT:
            await self._handle_connect(eio_sid, pkt.namespace, pkt.data)
        elif t == sio_packet.DISCONNECT:
            await self._handle_disconnect(eio_sid, pkt.namespace, self.reason.CLIENT_DISCONNECT)
        elif t in (sio_packet.EVENT, sio_packet.BINARY_EVENT):
            await self._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        else:
            await self._handle_ack(eio_sid, pkt.namespace, pkt.id, pkt.data)

    def _decode(self, eio_sid, data):
        """(packet, complete): a binary packet is complete once all its attachments came."""
        json_packets = self.packet_class is sio_packet.Packet
        pending = self._binary_packet.get(eio_sid)
        if pending is not None:
            if not isinstance(data, bytes):
                raise ValueError("text packet while binary attachments were due")
            if not pending.add_attachment(data):
                return pending, False
            del self._binary_packet[eio_sid]
            return pending, True
        if json_packets and not isinstance(data, str):
            raise ValueError("binary attachment nobody announced")
        pkt = self.packet_class(encoded_packet=data)
        t = pkt.packet_type
        if t not in CLIENT_PACKET_TYPES:
            raise ValueError(f"packet type {t!r} is not one a client sends")
        if t in (sio_packet.EVENT, sio_packet.BINARY_EVENT) and not (
                isinstance(pkt.data, list) and pkt.data and isinstance(pkt.data[0], str)):
            raise ValueError("an event is a list starting with its name")
        if t in (sio_packet.ACK, sio_packet.BINARY_ACK) and not isinstance(pkt.data, list):
            raise ValueError("an ack carries a list")
        if t in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK):
            if not 0 < pkt.attachment_count <= MAX_ATTACHMENTS:
                raise ValueError(f"{pkt.attachment_count} attachments announced")
            if not self.manager.sid_from_eio_sid(eio_sid, pkt.namespace or "/"):
                raise ValueError("binary packet before CONNECT")
            self._binary_packet[eio_sid] = pkt
            return pkt, False
        return pkt, True

    # -- engine.io session ---------------------------------------------------------------------
    async def _handle_eio_connect(self, eio_sid, environ):
        if not self.manager_initialized:
            self.manager_initialized = True
            self.manager.initialize()
        if hasattr(self.manager, "wait_ready"):
            await self.manager.wait_ready()
        self.environ[eio_sid] = environ
        loop = asyncio.get_running_loop()
        self._connect_timers[eio_sid] = loop.call_later(
            self.connect_timeout, self._connect_timed_out, eio_sid)

    def _connect_timed_out(self, eio_sid: str) -> None:
        """A transport that never sent a namespace CONNECT (socket.io's connectTimeout)."""
        self._connect_timers.pop(eio_sid, None)
        if eio_sid in self.eio.sockets and not any(
                self.manager.sid_from_eio_sid(eio_sid, ns)
                for ns in list(self.manager.get_namespaces())):
            self.eio.spawn(self.eio.disconnect(eio_sid))

    async def _handle_eio_disconnect(self, eio_sid, reason):
        self.eio.admission.finished(eio_sid)
        timer = self._connect_timers.pop(eio_sid, None)
        if timer is not None:
            timer.cancel()
        self._holding.pop(eio_sid, None)
        await super()._handle_eio_disconnect(eio_sid, reason)

    # -- namespace connect -----------------------------------------------------------------------
    async def _handle_connect(self, eio_sid, namespace, data):
        self.eio.admission.connect_started(eio_sid)
        try:
            await self._connect_namespace(eio_sid, namespace or "/", data)
        finally:
            self.eio.admission.finished(eio_sid)  # answered, either way (admission.py)

    async def _connect_namespace(self, eio_sid, namespace, data):
        if not (namespace in self.handlers or namespace in self.namespace_handlers
                or self.namespaces == "*" or namespace in self.namespaces):
            await self._send_packet(eio_sid, self.packet_class(
                sio_packet.CONNECT_ERROR, data={"message": "Invalid namespace"},
                namespace=namespace))
            return
        auth = data if isinstance(data, dict) else {}
        csr = self.recovery is not None  # offered to every client, as socket.io's option
        session = None
        if csr and isinstance(auth.get("pid"), str):
            session = await self._take_session(auth["pid"])
        want_sid = session.get("sid") if session else None
        if want_sid is not None and await self._retire(want_sid, namespace):
            # the old socket's last word on its session (rooms joined just before the cut,
            # not yet in the batched write) is written as it leaves: read it again
            session = await self._take_session(auth["pid"])
            if session is None or session.get("sid") != want_sid:
                session = want_sid = None
        sid = await self.manager.pre_connect(eio_sid, namespace, sid=want_sid) \
            if hasattr(self.manager, "deliver") else await self.manager.pre_connect(
                eio_sid, namespace)
        if sid is None:
            await self._send_packet(eio_sid, self.packet_class(
                sio_packet.CONNECT_ERROR, data={"message": "Unable to connect"},
                namespace=namespace))
            return
        self._holding[eio_sid] = []
        sock = self.eio.sockets.get(eio_sid)
        if sock is not None:
            sock.csr = csr  # live broadcasts held during the connect carry offsets too
        try:
            await self._connect_held(eio_sid, namespace, sid, data, auth, csr, session)
        finally:
            self._holding.pop(eio_sid, None)

    async def _connect_held(self, eio_sid, namespace, sid, data, auth, csr, session):
        fail_reason = None
        try:
            if data:
                success = await self._trigger_event(
                    "connect", namespace, sid, self.environ[eio_sid], data)
            else:
                try:
                    success = await self._trigger_event(
                        "connect", namespace, sid, self.environ[eio_sid], None)
                except TypeError as exc:
                    try:
                        success = await self._trigger_event(
                            "connect", namespace, sid, self.environ[eio_sid])
                    except TypeError:
                        raise exc
        except exceptions.ConnectionRefusedError as exc:
            fail_reason = exc.error_args
            success = False
        except ConnectionRefusedError:
            fail_reason = {"message": "Connection refused by server"}
            success = False
        if success is False:
            self._holding.pop(eio_sid, None)
            await self._send_packet(eio_sid, self.packet_class(
                sio_packet.CONNECT_ERROR, namespace=namespace,
                data=fail_reason or exceptions.ConnectionRefusedError().error_args))
            await self.manager.disconnect(sid, namespace, ignore_queue=True)
            return
        connect_data: dict[str, Any] = {"sid": sid}
        replay: list = []
        if csr:
            pid, replay = await self._recover(sid, namespace, auth, session)
            connect_data["pid"] = pid
        sock = self.eio.sockets.get(eio_sid)
        if sock is None or sock.closed:
            return  # gone while connecting; the engine's disconnect cleans up
        held = self._holding.pop(eio_sid, [])
        timer = self._connect_timers.pop(eio_sid, None)
        if timer is not None:
            timer.cancel()
        self._write(eio_sid, self._eio_items(self.packet_class(
            sio_packet.CONNECT, connect_data, namespace=namespace)))
        if sock.pending is not None:
            # CONNECT leaves in a write of its own: a client that reads one message per
            # read (the official test suites' does) must not find a second one glued to it
            sock.flush()
        await self.manager.connect(sid, namespace)
        last = None
        for binary, payload, offset in replay:
            (sock.write_binary if binary else sock.write_text)(payload)
            last = offset
        last_t = parse_offset(last)
        if last_t is not None:
            sock.min_offset = last_t
        for binary, payload, offset in held:
            if last_t is not None and offset is not None and parse_offset(offset) <= last_t:
                continue
            (sock.write_binary if binary else sock.write_text)(payload)

    async def _retire(self, sid: str, namespace: str) -> bool:
        """The client is back before this node saw its old transport drop: close the old
        socket first, so that its sid is free for the recovered one (bounded wait). True if
        there was one."""
        found = False
        for _ in range(100):
            old = self.manager.eio_sid_from_sid(sid, namespace)
            if old is None:
                return found
            found = True
            sock = self.eio.sockets.get(old)
            if sock is not None and not (sock.closing or sock.closed):
                await sock.close(abort=True, reason=self.eio.reason.TRANSPORT_CLOSE)
            else:
                await asyncio.sleep(0.02)  # its disconnect is under way
        return found

    async def _take_session(self, pid: str) -> dict | None:
        # the old node may persist the session a moment after the client has reconnected
        for attempt in range(4):
            try:
                session = await self.recovery.take(pid)
            except Exception:
                log.exception("recovery store unavailable")
                return None
            if session is not None or attempt == 3:
                return session
            await asyncio.sleep(0.05 * (attempt + 1))
        return None

    def _rooms_of(self, sid: str, namespace: str) -> list:
        return list(self.manager.get_rooms(sid, namespace))

    def _owner_of(self, sid: str) -> Any:
        return self.session_owner(sid)

    async def _recover(self, sid, namespace, auth, session) -> tuple[str, list]:
        """Restore rooms and read what was missed; returns (pid, replay packets)."""
        rec = self.recovery
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace)
        if session and session.get("ns") == namespace \
                and session.get("owner") == _plain(self.session_owner(sid)):
            rooms = [r for r in session.get("rooms", []) if r != sid]
            if self.room_filter is not None:
                rooms = await self.room_filter(sid, rooms)
            for room in rooms:
                await self.manager.enter_room(sid, namespace, room)
            since = auth.get("offset") if isinstance(auth.get("offset"), str) \
                else session.get("base", "0-0")
            try:
                missed = await rec.missed(since)
            except Exception:
                log.exception("recovery log unavailable")
                missed = None
            if missed is not None:
                if self.rooms_restored is not None and rooms:
                    await self.rooms_restored(sid, rooms)
                replay = self._replay_packets(sid, namespace, missed)
                base = missed[-1][0].decode() if missed else since
                self.sessions.track({"pid": session["pid"], "sid": sid, "ns": namespace,
                                     "base": base, "conn": eio_sid})
                return session["pid"], replay
            for room in rooms:
                await self.manager.leave_room(sid, namespace, room)
        pid = uuid.uuid4().hex
        # where this socket's recovery starts: the newest broadcast this process saw, which
        # on the single channel is the log's head; with sharded pub/sub a process hears only
        # its own sockets' rooms, so that can be far behind (and a recovery would replay what
        # the socket's rooms got before it existed): ask the log (connects share the read)
        base = None if getattr(self.manager, "sharded", False) \
            else getattr(self.manager, "last_offset", None)
        if base is None:
            try:
                base = await rec.head()
            except Exception:
                log.exception("recovery log unavailable")
                base = "0-0"
        self.sessions.track({"pid": pid, "sid": sid, "ns": namespace, "base": base,
                             "conn": eio_sid})
        return pid, []

    def _replay_packets(self, sid, namespace, missed) -> list:
        """The missed packets this socket would have received. In a reconnect storm
        thousands of sockets replay the same stretch of the log: each entry is parsed (and
        encoded) once, not once per socket (`_logged`)."""
        rooms = set(self.manager.get_rooms(sid, namespace)) | {sid}
        logged = self._logged
        if len(logged) > LOGGED_CACHE:
            logged.clear()
        out = []
        for offset, message in missed:
            entry = logged.get(offset)
            if entry is None:
                try:
                    _, header, body = split_logged(message)
                except ValueError:
                    continue
                target = header.get("r")
                entry = logged[offset] = (
                    header.get("n", "/"), header, body,
                    None if target is None else
                    frozenset((target,) if isinstance(target, str) else target), [None])
            ns, header, body, targets, encoded = entry
            if ns != namespace or (targets is not None and targets.isdisjoint(rooms)):
                continue
            skip = header.get("s")
            if skip is not None and (sid == skip or (isinstance(skip, list) and sid in skip)):
                continue
            if encoded[0] is None:
                encoded[0] = self.manager.encode_for(None, offset, header, body)
            binary, data = encoded[0]
            out.append((binary, data, offset))
        return out

    # -- disconnect ------------------------------------------------------------------------------
    async def _handle_disconnect(self, eio_sid, namespace, reason=None):
        namespace = namespace or "/"
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        state = self.sessions.pop(sid) if sid is not None and self.sessions else None
        if state is not None:
            # rooms and owner are read now, before the socket leaves them
            await self.sessions.finish(state, recoverable=reason in RECOVERABLE
                                       and self.manager.is_connected(sid, namespace))
        await super()._handle_disconnect(eio_sid, namespace, reason)

    async def shutdown(self):
        await super().shutdown()
        thread = getattr(self.manager, "thread", None)
        if thread is not None and not thread.done():
            thread.cancel()
            await asyncio.gather(thread, return_exceptions=True)
        if hasattr(self.manager, "close"):
            await self.manager.close()
        if self.sessions is not None:
            await self.sessions.close()
        if self.recovery is not None:
            await self.recovery.close()

    async def disconnect(self, sid, namespace=None, ignore_queue=False):
        state = self.sessions.pop(sid) if self.sessions else None
        if state is not None:  # the server sends it away: nothing to recover
            await self.sessions.finish(state, recoverable=False)
        await super().disconnect(sid, namespace=namespace, ignore_queue=ignore_queue)
