"""Sharded pub/sub for the Socket.IO adapter: a node hears only the rooms it has sockets in.

With one channel, every node receives every broadcast of the deployment and spends CPU
receiving (RESP parsing) and discarding the ones for rooms it holds nobody in; Redis's CPU
per publish grows with the number of nodes. Here (Redis >= 7, `SSUBSCRIBE`/`SPUBLISH`) each
room has its own shard channel `<channel>#<namespace>#<room>`; a node subscribes to the
channel of a room when its first local socket enters it and unsubscribes when its last one
leaves, so a broadcast reaches only nodes with recipients. Broadcasts to everyone and the
server-to-server messages (remote joins, disconnects, acks, close_room) use the global shard
channel `<channel>`, which every node subscribes to.

What a socket's own join and leave guarantee here: a join returns once Redis has answered
this node's SSUBSCRIBE of the room (Redis answers a connection's requests in order, so
under leave -> join churn only the answer to the last request counts), and a leave takes
effect once this node has delivered everything Redis sent it before the leave (a PING on
the subscription connection, answered after it). So a broadcast published after a join
returned reaches the socket, and one published before a leave was asked for (an action's
own, acked and then left) reaches it too. The single channel needs no wait for the first,
and fences its leaves the same way (RedisManager._channel_fence).

All of these channels carry one hash tag with the packet log (see server/redis_clients.py),
so in a Redis Cluster they live on one master: the log-and-publish script may SPUBLISH to
them, and one connection per node carries all of its subscriptions, in publish order. After
that master fails over, the connection drops (or Redis unsubscribes it), and the node
reconnects to the slot's new master and subscribes to every channel it needs again.

Mixed into RedisManager (server/engine/manager.py) after ChannelSubscription.
"""
from __future__ import annotations

import asyncio
import logging
import random
from typing import Any, AsyncIterator

from server.redis_clients import is_cluster

log = logging.getLogger("sawt.engine")

PING_EVERY = 5.0  # s: the subscription connection is pinged this often...
READ_TIMEOUT = 15.0  # ...and counts as dead when nothing (not even a pong) came this long
JOIN_WAIT = 5.0  # s: longest an enter_room waits for its room's subscription
CHUNK = 500  # channels per SSUBSCRIBE / SUNSUBSCRIBE command


class ShardedChannels:
    """The sharded subscriber side of RedisManager (see the module doc)."""

    sharded = False  # decided by the manager (`pubsub` setting, Redis version)

    def _init_shards(self) -> None:
        self._want: set[bytes] = set()  # room channels this node needs (it has sockets in)
        self._sent: set[bytes] = set()  # subscribed (or asked) on the current connection
        self._confirmed: set[bytes] = set()  # Redis confirmed on the current connection
        # what each channel still awaits from Redis on the current connection, in order
        # (b"ssubscribe" / b"sunsubscribe"): a channel left and joined again is asked for
        # twice, and only the answer to the last request says whether it is heard
        self._asked: dict[bytes, list[bytes]] = {}
        self._waiters: dict[bytes, list[asyncio.Future]] = {}
        self._dirty: set[bytes] = set()
        self._syncing: asyncio.Task | None = None
        self._shard_conn = None
        self._fences: dict[bytes, asyncio.Future] = {}  # PING token -> a leave waiting on it
        self._fence_seq = 0
        self.foreign_received = 0  # room broadcasts heard with no local recipient (bench)

    def room_channel(self, namespace: str, room: Any) -> bytes:
        return f"{self.channel}#{namespace}#{room}".encode()

    # -- following local rooms ------------------------------------------------------------
    def _shard_follow(self, namespace: str, room: Any) -> None:
        """A local socket entered `room`: this node needs its channel."""
        if not self.sharded or self.write_only or room is None:
            return
        ch = self.room_channel(namespace, room)
        if ch not in self._want:
            self._want.add(ch)
            self._mark(ch)

    def _shard_unfollow(self, namespace: str, room: Any) -> None:
        """A local socket left `room`: the channel goes when the room is empty here."""
        if not self.sharded or self.write_only or room is None:
            return
        if room in self.rooms.get(namespace, ()):
            return
        ch = self.room_channel(namespace, room)
        if ch in self._want:
            self._want.discard(ch)
            self._mark(ch)
            for fut in self._waiters.pop(ch, ()):  # nobody here waits for it any more
                if not fut.done():
                    fut.set_result(None)

    async def _shard_joined(self, namespace: str, room: Any) -> None:
        """Until `room`'s channel is subscribed: a broadcast to the room made after a join
        returns must reach the socket that joined. Not while the subscription is down."""
        if not self.sharded or self.write_only or room is None or not self.subscribed:
            return
        ch = self.room_channel(namespace, room)
        if ch in self._confirmed or ch not in self._want:
            return
        fut = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(ch, []).append(fut)
        try:
            await asyncio.wait_for(fut, JOIN_WAIT)
        except asyncio.TimeoutError:
            log.warning("room subscription not confirmed after %ss: %r", JOIN_WAIT, ch[:120])
            waiting = self._waiters.get(ch)
            if waiting and fut in waiting:
                waiting.remove(fut)

    async def _shard_fence(self) -> None:
        """Until this node has delivered every broadcast Redis sent it before now. A socket
        leaving a room right after an action of its own published to that room (its ack
        arrives once Redis has the broadcast) would otherwise leave before the broadcast,
        still on its way back to this node, is delivered. A PING on the subscription
        connection is answered after everything Redis sent on it before (in order), and the
        reader delivers each message before it reads the next. Not while it is down."""
        conn = self._shard_conn
        if not self.sharded or self.write_only or conn is None or not self.subscribed:
            return
        await self._fence_on(conn)

    async def _fence_on(self, conn) -> None:
        """PING <token> on a subscribed connection; until its answer is read (the reader
        calls `_fence_answered`), bounded by JOIN_WAIT."""
        self._fence_seq += 1
        token = b"fence:%d" % self._fence_seq
        fut = asyncio.get_running_loop().create_future()
        self._fences[token] = fut
        try:
            await conn.send_packed_command(conn.pack_command("PING", token), check_health=False)
            await asyncio.wait_for(fut, JOIN_WAIT)
        except asyncio.TimeoutError:
            log.warning("subscription fence not answered after %ss", JOIN_WAIT)
        except Exception:
            pass  # the reader sees the dead connection; nothing more is delivered from it
        finally:
            self._fences.pop(token, None)

    def _fence_answered(self, token: bytes) -> None:
        fence = self._fences.pop(token, None)
        if fence is not None and not fence.done():
            fence.set_result(None)

    def _release_fences(self) -> None:
        fences, self._fences = self._fences, {}
        for fut in fences.values():
            if not fut.done():
                fut.set_result(None)

    def _mark(self, ch: bytes) -> None:
        self._dirty.add(ch)
        if self._shard_conn is not None and (self._syncing is None or self._syncing.done()):
            self._syncing = asyncio.get_running_loop().create_task(self._sync())

    async def _sync(self) -> None:
        """Send the subscription changes gathered since the last sync, in one write."""
        await asyncio.sleep(0)  # gather the joins and leaves of this loop iteration
        while self._dirty and self._shard_conn is not None:
            conn, dirty, self._dirty = self._shard_conn, self._dirty, set()
            subs = [ch for ch in dirty if ch in self._want and ch not in self._sent]
            unsubs = [ch for ch in dirty if ch not in self._want and ch in self._sent]
            self._sent.update(subs)
            self._sent.difference_update(unsubs)
            self._confirmed.difference_update(unsubs)
            for kind, chs in ((b"ssubscribe", subs), (b"sunsubscribe", unsubs)):
                for ch in chs:
                    self._asked.setdefault(ch, []).append(kind)
            commands = [("SSUBSCRIBE", *subs[i:i + CHUNK]) for i in range(0, len(subs), CHUNK)]
            commands += [("SUNSUBSCRIBE", *unsubs[i:i + CHUNK])
                         for i in range(0, len(unsubs), CHUNK)]
            if not commands:
                continue
            try:
                await conn.send_packed_command(conn.pack_commands(commands), check_health=False)
            except Exception:  # the reader sees the dead connection and resubscribes all
                return

    def _answered(self, kind: bytes, ch: bytes) -> None:
        """Redis answered an SSUBSCRIBE or SUNSUBSCRIBE of `ch`. It answers in the order
        asked, so under leave -> join churn the answer to an earlier request may come while a
        later one is on its way: the channel is heard once the last request asked for it is
        answered and it was an SSUBSCRIBE. An SUNSUBSCRIBE nobody asked for means Redis
        dropped the channel (its slot moved): ConnectionError, and the reader resubscribes."""
        asked = self._asked.get(ch)
        if not asked or asked[0] != kind:
            if kind == b"sunsubscribe" and ch in self._sent:
                raise ConnectionError("shard channels unsubscribed by Redis")
            return
        asked.pop(0)
        if asked:
            return  # a later request of this channel is still unanswered
        del self._asked[ch]
        if kind == b"ssubscribe":
            self._confirm(ch)

    def _confirm(self, ch: bytes) -> None:
        self._confirmed.add(ch)
        for fut in self._waiters.pop(ch, ()):
            if not fut.done():
                fut.set_result(None)

    def _release_waiters(self) -> None:
        """The subscription is down: joins and leaves stop waiting for it (they would wait
        for an outage to end)."""
        self._release_fences()
        waiters, self._waiters = self._waiters, {}
        for futs in waiters.values():
            for fut in futs:
                if not fut.done():
                    fut.set_result(None)

    # -- the connection ---------------------------------------------------------------------
    async def _shard_connection(self):
        """A new connection to the master serving the channels' slot (any Redis if single)."""
        client = await self._publisher()
        if is_cluster(client):
            if self._lost_retries:  # after a failure: where does the slot live now?
                await client.nodes_manager.initialize()
            else:
                await client.initialize()
            node = client.get_node_from_key(self.channel)
            kwargs = dict(node.connection_kwargs)
            kwargs.update(host=node.host, port=node.port)
            conn_class = node.connection_class
        else:
            pool = client.connection_pool
            kwargs = dict(pool.connection_kwargs)
            conn_class = pool.connection_class
        kwargs["socket_timeout"] = None  # idle is normal here; READ_TIMEOUT bounds it
        kwargs.pop("health_check_interval", None)
        conn = conn_class(**kwargs)
        await conn.connect()
        return conn

    async def _shard_listen_with_retries(self) -> AsyncIterator[tuple[bytes, bytes]]:
        """(channel, message) of every shard message this node hears, reconnecting (and
        resubscribing every channel it needs) within RESUBSCRIBE_MAX s of Redis answering."""
        from server.engine.subscription import RESUBSCRIBE_MAX

        glob = self.channel.encode()
        retry_sleep = 0.05
        while True:
            conn = pinger = None
            try:
                conn = await self._shard_connection()
                want = sorted(self._want)
                self._sent = {glob, *want}
                self._confirmed = set()
                self._asked = {ch: [b"ssubscribe"] for ch in self._sent}
                self._dirty.clear()
                commands = [("SSUBSCRIBE", glob)]
                commands += [("SSUBSCRIBE", *want[i:i + CHUNK])
                             for i in range(0, len(want), CHUNK)]
                await conn.send_packed_command(conn.pack_commands(commands), check_health=False)
                self._shard_conn = conn
                pinger = asyncio.get_running_loop().create_task(self._ping(conn))
                while True:
                    resp = await conn.read_response(timeout=READ_TIMEOUT,
                                                    disconnect_on_error=True)
                    if resp is None:
                        raise TimeoutError("no answer on the subscription connection")
                    if not isinstance(resp, list) or not resp:
                        continue
                    kind = resp[0]
                    if kind == b"smessage":
                        yield resp[1], resp[2]
                    elif kind == b"pong" and len(resp) > 1:
                        self._fence_answered(resp[1])
                    elif kind in (b"ssubscribe", b"sunsubscribe"):
                        self._answered(kind, resp[1])
                        if kind == b"ssubscribe" and resp[1] == glob:
                            retry_sleep = 0.05
                            await (await self._publisher()).execute_command(
                                "SPUBLISH", glob, self._ready_token)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._subscription_lost(exc)
                self._release_waiters()
            finally:
                self._shard_conn = None
                if pinger is not None:
                    pinger.cancel()
                if conn is not None:
                    try:
                        await conn.disconnect()
                    except Exception:
                        pass
            await asyncio.sleep(retry_sleep * (0.5 + random.random() / 2))
            retry_sleep = min(retry_sleep * 2, RESUBSCRIBE_MAX)

    async def _ping(self, conn) -> None:
        try:
            while True:
                await asyncio.sleep(PING_EVERY)
                await conn.send_packed_command(conn.pack_command("PING"), check_health=False)
        except asyncio.CancelledError:
            raise
        except Exception:
            return  # the reader notices

    def _first_local_channel(self, namespace: str, rooms: list) -> bytes | None:
        """A broadcast to several rooms arrives on each of their channels; a node delivers
        it from the first of those rooms it has sockets in (once, in order)."""
        ns_rooms = self.rooms.get(namespace) or {}
        for room in rooms:
            if ns_rooms.get(room):
                return self.room_channel(namespace, room)
        return None
