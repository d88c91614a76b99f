"""The Redis adapter: logged broadcasts, encoded once, written to every recipient in one loop.

Upstream: socketio.AsyncRedisManager / AsyncPubSubManager / AsyncManager (python-socketio
5.18.1). We replace `emit` (both the publishing and the local half) and `_thread` (the
subscriber loop); joins, leaves, remote disconnects and cross-node acks keep the upstream
JSON messages and code.

A broadcast leaves as one atomic script: XADD to the packet log (its id is the broadcast's
offset, used by connection state recovery) and PUBLISH `<id> v1<header>\\n<body>` where the
header names namespace, rooms and skipped sids and the body is the JSON `[event, *args]`.
Every node, the emitting one included, delivers from the subscription, so every node sees
broadcasts in log order. While a node's subscription is down (Redis out or just back) it
delivers its own broadcasts to its own sockets directly, remembering their offsets so that
the subscription does not deliver them twice once it is back; the subscriber resubscribes
within about a second of Redis answering again (`subscribed` feeds /readyz). A node first looks up its local recipients from the small header and
skips the message without decoding the body when it has none; otherwise it wraps the body into
one Engine.IO packet and one websocket frame and writes that frame to each recipient.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import redis.asyncio as aioredis
import socketio
from socketio import packet as sio_packet
from socketio.msgpack_packet import MsgPackPacket

from server.engine.frames import BINARY, TEXT, ws_frame
from server.engine.pending import PendingSids
from server.engine.recovery import parse_offset
from server.engine.shards import ShardedChannels
from server.engine.subscription import ChannelSubscription
from server.redis_clients import connect, is_cluster, seed_nodes

log = logging.getLogger("sawt.engine")

LOG_AND_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[1])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[1])
return id
"""
# Several broadcasts in one call (one round trip), in order: ARGV[1] is MAXLEN, then messages.
LOG_AND_PUBLISH_MANY = """
local ids = {}
for i = 2, #ARGV do
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'm', ARGV[i])
  redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[i])
  ids[#ids + 1] = id
end
return ids
"""
# Sharded pub/sub: the same, SPUBLISHed to each target's shard channel (ARGV[3:]).
LOG_AND_SPUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[1])
for i = 3, #ARGV do
  redis.call('SPUBLISH', ARGV[i], id .. ' ' .. ARGV[1])
end
return id
"""
# ARGV: MAXLEN, then per broadcast: its channel count n, n channels, the message.
LOG_AND_SPUBLISH_MANY = """
local ids = {}
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local msg = ARGV[i + n + 1]
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'm', msg)
  for j = i + 1, i + n do
    redis.call('SPUBLISH', ARGV[j], id .. ' ' .. msg)
  end
  ids[#ids + 1] = id
  i = i + n + 2
end
return ids
"""
PUBSUB_MODES = ("auto", "sharded", "channel")
_json_decode = msgspec.json.decode
_json_encode = msgspec.json.encode


def is_binary(data: Any) -> bool:
    """Whether an emit's data holds bytes anywhere. A tuple is several arguments: upstream
    `data_is_binary` answers False for any tuple, so ask about it as the list it becomes."""
    return sio_packet.Packet.data_is_binary(list(data) if isinstance(data, tuple) else data)


def emit_args(data: Any) -> list:
    """An emit's arguments: a tuple is several, None is none, anything else is one."""
    if data is None:
        return []
    return list(data) if isinstance(data, tuple) else [data]


def split_logged(message: bytes) -> tuple[bytes | None, dict, bytes]:
    """`[<offset> ]v1<header>\\n<body>` -> (offset, header, body)."""
    offset = None
    if not message.startswith(b"v1"):
        sp = message.index(b" ")
        offset, message = message[:sp], message[sp + 1:]
    nl = message.index(b"\n")
    return offset, _json_decode(message[2:nl]), message[nl + 1:]


class RoomMembers(dict):
    """A room's members on this node, sid -> eio sid. Upstream keeps each room in a bidict,
    whose creation and insert cost ~5 % of a connect (every socket enters its own, user and
    session rooms, most of them new); only the namespace's room (None) is ever looked up
    backwards, so the others are plain dicts, with the `_fwdm` that upstream and `_members`
    read."""

    __slots__ = ()

    @property
    def _fwdm(self) -> dict:
        return self


class RedisManager(ShardedChannels, ChannelSubscription, socketio.AsyncRedisManager):
    name = "sawt-redis"

    def __init__(self, url: str, channel: str, *, write_only: bool = False,
                 log_maxlen: int = 100_000, cluster: bool = False, pubsub: str = "auto",
                 **kwargs: Any):
        super().__init__(url, channel=channel, write_only=write_only, **kwargs)
        if pubsub not in PUBSUB_MODES:
            raise ValueError(f"pubsub must be one of {PUBSUB_MODES}, not {pubsub!r}")
        self.log_key = f"{channel}:log"
        self.log_maxlen = log_maxlen
        self.cluster = cluster
        if pubsub == "auto" and not cluster:
            # one Redis: the single channel. Sharded stays opt-in there (SOCKETIO_PUBSUB=sharded)
            # until a process ending its live streams on SIGTERM reliably reaches the other
            # processes' viewers with it (tests/test_live_multinode.py failed 1 run in 3 with
            # it: the viewers learned the end as host_lost from the orphan sweep)
            pubsub = "channel"
        self.pubsub_mode = pubsub  # auto (a cluster): sharded on Redis >= 7
        self._mode_known = pubsub != "auto"
        self.sharded = pubsub == "sharded"
        self._client = None
        self._script = None
        self._many = None
        self._ready: asyncio.Event | None = None
        self._ready_token = f"ready:{self.host_id}".encode()
        self._init_subscription()
        self._init_shards()
        self._seed = 0
        self.last_offset: str | None = None  # the newest logged broadcast seen
        self._by_sid: dict[str, dict[str, dict]] = {}  # namespace -> sid -> its rooms
        self.pending_connect = PendingSids()  # O(1) `in` for is_connected (pending.py)
        self.pending_disconnect = PendingSids()

    # -- publishing --------------------------------------------------------------------------
    async def _publisher(self):
        """The adapter's Redis client (a cluster client in cluster mode), its scripts, and
        the pub/sub mode, settled once."""
        if self._client is None:
            self._client = connect(self.redis_url, cluster=self.cluster, **self.redis_options)
            if self.sharded:
                self._script = self._client.register_script(LOG_AND_SPUBLISH)
                self._many = self._client.register_script(LOG_AND_SPUBLISH_MANY)
            else:
                self._script = self._client.register_script(LOG_AND_PUBLISH)
                self._many = self._client.register_script(LOG_AND_PUBLISH_MANY)
        if not self._mode_known:
            self.sharded = await self._supports_sharded(self._client)
            self._mode_known = True
            self._client, client = None, self._client  # again, with the mode's scripts
            await client.aclose()
            return await self._publisher()
        return self._client

    async def _supports_sharded(self, client) -> bool:
        if is_cluster(client):
            return True
        info = await client.info("server")
        major = str(info.get("redis_version", "0")).split(".", 1)[0]
        return major.isdigit() and int(major) >= 7

    def _targets(self, namespace: str, room: Any) -> list[bytes]:
        """The shard channels a broadcast goes to."""
        if room is None:
            return [self.channel.encode()]
        if isinstance(room, (list, tuple, set)):
            return [self.room_channel(namespace, r) for r in room]
        return [self.room_channel(namespace, room)]

    async def emit_many(self, items, namespace=None):
        """Several plain broadcasts [(event, data, room), ...] logged and published in one
        script call (one round trip, one Redis command), in order. Binary data goes the
        single `emit` way."""
        namespace = namespace or "/"
        messages, local, rooms = [], [], []
        for event, data, room in items:
            if is_binary(data):
                await self.emit(event, data, namespace=namespace, room=room)
                continue
            header: dict[str, Any] = {"n": namespace}
            if room is not None:
                header["r"] = room
            body = _json_encode([event, *emit_args(data)])
            messages.append(b"v1" + _json_encode(header) + b"\n" + body)
            local.append((header, body))
            rooms.append(room)
        if not messages:
            return
        for attempt in (1, 2):
            try:
                await self._publisher()
                if self.sharded:
                    args: list = [self.log_maxlen]
                    for message, room in zip(messages, rooms):
                        targets = self._targets(namespace, room)
                        args += [len(targets), *targets, message]
                    ids = await self._many(keys=[self.log_key], args=args)
                else:
                    ids = await self._many(keys=[self.log_key, self.channel],
                                           args=[self.log_maxlen, *messages])
                if not self.subscribed and not self.write_only:
                    for offset, (header, body) in zip(ids, local):
                        self._deliver_unsubscribed(offset, header, body)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._publish_failed(exc, attempt)
                await self._forget_client()
        for header, body in local:  # Redis is unreachable: at least this node's sockets
            self._local_only += 1
            self.deliver(None, header, body)

    async def close_room(self, room, namespace=None):
        """Upstream AsyncPubSubManager.close_room closes the room on this node at once and
        publishes to the others; here every node, this one included, closes it when the
        message comes back through the channel, so the close lands after every broadcast to
        that room published before it (a local socket would otherwise leave the room while
        the last emit to it is still on its way). Redis unreachable: closed here at once."""
        message = {"method": "close_room", "room": room, "namespace": namespace or "/",
                   "host_id": self.host_id}
        if await self._publish(message) is None:  # upstream logged and gave up
            await self._handle_close_room(message)

    async def _publish(self, data):
        """Upstream's JSON messages (remote joins, disconnects, acks, close_room) on the
        global channel (a shard channel when sharded); None when Redis is unreachable."""
        payload = self.json.dumps(data)
        for attempt in (1, 2):
            try:
                client = await self._publisher()
                if self.sharded:
                    return await client.execute_command("SPUBLISH", self.channel, payload)
                return await client.publish(self.channel, payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._publish_failed(exc, attempt)
                await self._forget_client()
        return None

    async def _forget_client(self) -> None:
        """A Redis call failed: drop the client (and its script) so the retry reconnects."""
        client, self._client, self._script = self._client, None, None
        if client is not None:
            try:
                await client.aclose()
            except Exception:
                pass

    async def emit(self, event, data, namespace=None, room=None, skip_sid=None,
                   callback=None, to=None, **kwargs):
        room = to or room
        namespace = namespace or "/"
        if callback is not None or is_binary(data):
            # acks across nodes and binary attachments: the upstream path
            return await super().emit(event, data, namespace=namespace, room=room,
                                      skip_sid=skip_sid, callback=callback, **kwargs)
        header: dict[str, Any] = {"n": namespace}
        if room is not None:
            header["r"] = room
        if skip_sid:
            header["s"] = skip_sid
        body = _json_encode([event, *emit_args(data)])
        if kwargs.get("ignore_queue"):
            self.deliver(None, header, body)
            return
        message = b"v1" + _json_encode(header) + b"\n" + body
        for attempt in (1, 2):
            try:
                await self._publisher()
                if self.sharded:
                    offset = await self._script(
                        keys=[self.log_key],
                        args=[message, self.log_maxlen, *self._targets(namespace, room)])
                else:
                    offset = await self._script(keys=[self.log_key, self.channel],
                                                args=[message, self.log_maxlen])
                if not self.subscribed and not self.write_only:
                    self._deliver_unsubscribed(offset, header, body)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._publish_failed(exc, attempt)
                await self._forget_client()
        # Redis is unreachable: at least this node's sockets get it (without an offset)
        self._local_only += 1
        self.deliver(None, header, body)

    # -- delivering ----------------------------------------------------------------------------
    def _members(self, namespace: str, room: Any) -> dict | None:
        ns_rooms = self.rooms.get(namespace)
        if not ns_rooms:
            return None
        if room is None or isinstance(room, str):
            members = ns_rooms.get(room)
            return members._fwdm if members else None
        merged: dict = {}
        for r in room:
            members = ns_rooms.get(r)
            if members:
                merged.update(members._fwdm)
        return merged

    def deliver(self, offset: bytes | None, header: dict, body: bytes) -> int:
        """Write one broadcast to this node's recipients; returns how many got it."""
        if offset is not None:
            self.last_offset = offset.decode()  # where a socket connecting now starts
        namespace = header.get("n", "/")
        members = self._members(namespace, header.get("r"))
        if not members:
            return 0  # nobody here: the body is never decoded
        server = self.server
        socks = server.eio.sockets
        holding = server._holding
        skip = header.get("s")
        if skip is not None and not isinstance(skip, list):
            skip = (skip,)
        json_packets = not issubclass(server.packet_class, MsgPackPacket)
        if json_packets:
            prefix = b"42" if namespace == "/" else b"42" + namespace.encode() + b","
            plain = prefix + body
            plain_frame = tagged = tagged_frame = None
        else:
            plain = plain_frame = tagged = tagged_frame = None
        off_t = None
        count = 0
        for sid, eio_sid in members.items():
            if skip is not None and sid in skip:
                continue
            sock = socks.get(eio_sid)
            if sock is None:
                continue
            if offset is not None and sock.csr:
                if sock.min_offset is not None:
                    off_t = off_t or parse_offset(offset)
                    if off_t <= sock.min_offset:
                        continue  # already replayed to it at recovery
                    sock.min_offset = None
                if tagged is None:
                    tagged = self._encode(namespace, body, offset, prefix if json_packets else None)
                    tagged_frame = ws_frame(tagged, TEXT if json_packets else BINARY)
                data, frame = tagged, tagged_frame
            else:
                if plain is None:
                    plain = self._encode(namespace, body, None, None)
                if plain_frame is None:
                    plain_frame = ws_frame(plain, TEXT if json_packets else BINARY)
                data, frame = plain, plain_frame
            if holding:
                hold = holding.get(eio_sid)
                if hold is not None:
                    hold.append((not json_packets, data, offset))
                    continue
            if json_packets:
                sock.write_text(data, frame)
            else:
                sock.write_binary(data, frame)
            count += 1
        return count

    def _encode(self, namespace: str, body: bytes, offset: bytes | None,
                prefix: bytes | None) -> bytes:
        """The Engine.IO message for one broadcast (JSON: text bytes; msgpack: binary)."""
        if prefix is not None:
            if offset is None:
                return prefix + body
            return prefix + body[:-1] + b',"' + offset + b'"]'
        data = _json_decode(body)
        if offset is not None:
            data.append(offset.decode())
        return self.server.packet_class(sio_packet.EVENT, namespace=namespace,
                                        data=data).encode()

    def encode_for(self, sock, offset: bytes | None, header: dict, body: bytes):
        """(binary, data) of a logged broadcast for one socket (recovery replay)."""
        namespace = header.get("n", "/")
        if not issubclass(self.server.packet_class, MsgPackPacket):
            prefix = b"42" if namespace == "/" else b"42" + namespace.encode() + b","
            return False, self._encode(namespace, body, offset, prefix)
        return True, self._encode(namespace, body, offset, None)

    # -- subscribing ---------------------------------------------------------------------------
    def initialize(self):
        if not self.write_only:
            self._ready = asyncio.Event()
        super().initialize()

    async def wait_ready(self, timeout: float = 10) -> None:
        """Until this node's subscription is live (a broadcast made after this is seen)."""
        if self._ready is not None and not self._ready.is_set():
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except asyncio.TimeoutError:
                log.error("socket.io redis subscription not confirmed after %ss", timeout)
                self._ready.set()  # do not hold every later connect as well

    def _redis_connect(self):
        """Upstream's, for the single-channel mode: in a cluster, a plain client of one seed
        node (a cluster's PUBLISH reaches every node), the next seed on each retry."""
        if self.cluster:
            nodes = seed_nodes(self.redis_url)
            host, port = nodes[self._seed % len(nodes)]
            self._seed += 1
            self.redis = aioredis.Redis(host=host, port=port, **self.redis_options)
        else:
            self.redis = connect(self.redis_url, **self.redis_options)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    async def _listen(self):
        """(shard channel or None, message) of everything this node hears."""
        from server.engine.subscription import RESUBSCRIBE_MAX

        retry_sleep = 0.05
        while not self._mode_known:  # which pub/sub: ask Redis (it may be out at start)
            try:
                await self._publisher()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._subscription_lost(exc)
                await self._forget_client()
                await asyncio.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, RESUBSCRIBE_MAX)
        if self.sharded:
            async for channel, message in self._shard_listen_with_retries():
                yield channel, message
            return
        channel = self.channel.encode()
        async for message in self._redis_listen_with_retries():
            if message["type"] == "pong":
                self._fence_answered(message["data"])
            elif message["channel"] == channel and message["type"] == "message" \
                    and "data" in message:
                yield None, message["data"]

    async def _channel_fence(self) -> None:
        """The single channel's `_shard_fence` (shards.py): a PING on the pub/sub connection,
        answered after every message Redis sent this node before it. On a Redis Cluster
        (channel mode forced there) the node it listens on gets a PUBLISH over the cluster
        bus, unordered with the PING: best effort only; sharded, the default there, is exact."""
        conn = getattr(getattr(self, "pubsub", None), "connection", None)
        if self.write_only or conn is None or not self.subscribed:
            return
        await self._fence_on(conn)

    def _subscription_lost(self, exc: Exception) -> None:
        super()._subscription_lost(exc)
        self._release_fences()  # no answer will come on the dead connection

    async def _thread(self):
        """Upstream `_thread`, with our logged broadcasts handled first."""
        glob = self.channel.encode()
        while True:
            try:
                async for channel, message in self._listen():
                    if isinstance(message, bytes) and message[:1].isdigit():
                        try:
                            offset, header, body = split_logged(message)
                            if self._delivered_here and \
                                    self._delivered_here.pop(offset, None) is not None:
                                continue  # delivered here while unsubscribed
                            rooms = header.get("r")
                            if channel is not None and channel != glob \
                                    and isinstance(rooms, list) and len(rooms) > 1 \
                                    and channel != self._first_local_channel(
                                        header.get("n", "/"), rooms):
                                continue  # heard on another of its rooms' channels too
                            if not self.deliver(offset, header, body) and channel != glob:
                                self.foreign_received += 1
                        except Exception:
                            log.exception("bad broadcast on the socket.io channel")
                        continue
                    if message == self._ready_token:
                        self._subscription_live()
                        continue
                    await self._handle_upstream(message)
                log.error("pubsub listen() exited unexpectedly")
                break
            except asyncio.CancelledError:
                break
            except Exception:
                log.exception("unexpected error in the pubsub listener")

    async def _handle_upstream(self, message) -> None:
        data = message if isinstance(message, dict) else None
        if data is None:
            try:
                data = self.json.loads(message)
            except Exception:
                return
        if not isinstance(data, dict) or "method" not in data:
            return
        try:
            if data["method"] == "callback":
                await self._handle_callback(data)
            elif data["method"] == "close_room":  # this node's own too: see close_room
                await self._handle_close_room(data)
            elif data.get("host_id") != self.host_id:
                handler = {"emit": self._handle_emit, "disconnect": self._handle_disconnect,
                           "enter_room": self._handle_enter_room,
                           "leave_room": self._handle_leave_room}.get(data["method"])
                if handler is not None:
                    await handler(data)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("handler error in the pubsub listener")

    # -- rooms by socket -------------------------------------------------------------------
    # Upstream finds a socket's rooms (get_rooms, and every disconnect) by scanning every room
    # of the namespace: O(rooms) per socket, so connecting or dropping N sockets that each
    # have their own rooms (user:, session:) cost O(N^2). We keep the reverse index.

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        if room is None:  # the namespace's sockets: a bidict, for sid <-> eio sid look-ups
            super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        else:  # upstream's, with a plain map of the members instead of a bidict
            if eio_sid is None and namespace not in self.rooms:
                raise ValueError("sid is not connected to requested namespace")
            if sid != room and self.is_sid_room(namespace, room):
                raise ValueError("cannot enter a sid room")
            ns_rooms = self.rooms.setdefault(namespace, {})
            members = ns_rooms.get(room)
            if members is None:
                members = ns_rooms[room] = RoomMembers()
            members[sid] = ns_rooms[None][sid] if eio_sid is None else eio_sid
        self._shard_follow(namespace, room)
        if room is not None:
            self._by_sid.setdefault(namespace, {}).setdefault(sid, {})[room] = None
            if room != sid:
                self._rooms_changed(sid)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        self._shard_unfollow(namespace, room)
        if room is not None:
            mine = self._by_sid.get(namespace, {}).get(sid)
            if mine is not None:
                mine.pop(room, None)
                if not mine:
                    del self._by_sid[namespace][sid]
            if room != sid:
                self._rooms_changed(sid)

    async def enter_room(self, sid, namespace, room, eio_sid=None):
        """Upstream's, and (sharded) until this node hears the room's channel."""
        await super().enter_room(sid, namespace, room, eio_sid=eio_sid)
        if self.is_connected(sid, namespace) or self.is_pre_connected(sid, namespace):
            await self._shard_joined(namespace, room)

    async def leave_room(self, sid, namespace, room):
        """Upstream's, once this node has delivered what Redis sent it before the leave: an
        action's own broadcast to the room (acked once Redis had it) still reaches the socket
        that leaves the room right after the ack."""
        if self.is_connected(sid, namespace) or self.is_pre_connected(sid, namespace):
            await (self._shard_fence() if self.sharded else self._channel_fence())
        await super().leave_room(sid, namespace, room)

    def get_rooms(self, sid, namespace):
        return list(self._by_sid.get(namespace, {}).get(sid, ()))

    def basic_disconnect(self, sid, namespace, **kwargs):
        """Upstream BaseManager.basic_disconnect, with the rooms from the index."""
        if namespace not in self.rooms:
            return
        for room in [None, *self.get_rooms(sid, namespace)]:
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            sids = pending.get(namespace)
            if sids and sid in sids:
                sids.remove(sid)
                if not sids:
                    del pending[namespace]

    def _rooms_changed(self, sid) -> None:
        """Recovery keeps each socket's rooms in Redis as they change (recovery.py)."""
        sessions = getattr(self.server, "sessions", None)
        if sessions is not None:
            sessions.changed(sid)

    async def pre_connect(self, eio_sid, namespace, sid: str | None = None):
        """Upstream BaseManager.pre_connect, able to reuse a recovered session's sid."""
        if sid is None or self.eio_sid_from_sid(sid, namespace) is not None:
            return await super().pre_connect(eio_sid, namespace)
        from bidict import ValueDuplicationError
        try:
            self.basic_enter_room(sid, namespace, None, eio_sid=eio_sid)
        except ValueDuplicationError:
            return None
        self.basic_enter_room(sid, namespace, sid, eio_sid=eio_sid)
        self.pending_connect.setdefault(namespace, []).append(sid)
        return sid

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
