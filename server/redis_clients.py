"""Every Redis client of a process, for one Redis or a Redis Cluster (REDIS_CLUSTER=1).

`REDIS_URL` names one node, or several seed nodes separated by commas
(`redis://10.0.0.1:6379,10.0.0.2:6379` or `redis://a:6379,b:6379`); in cluster mode the
client learns the rest of the cluster from them. Single Redis is the default and its client
is the plain `redis.asyncio.Redis`.

Keys used together by one script, transaction or multi-key command must share a hash tag in
a cluster: `Settings.key(..., tag=...)` gives them one (a stream's id, a phone, or a domain's
name where its scripts span users: `{feed}`, `{recs}`, `{job}`, `{hot}` for trending); every
other key is untagged and spreads over the masters. Those names are chosen to hash far apart:
on three masters with even slot ranges `{job}` and `{recs}` sit on the first, `{feed}` and
`{hot}` on the second, the adapter's `{sio}` alone on the third. The Socket.IO adapter's packet log and its shard
channels share `{sio}`. MGET over keys of several slots goes through `mget`.
A cluster's plain PUBLISH reaches every node of the cluster, so listeners of plain channels
(session revocation, live takeover) subscribe on any one node (`plain_pubsub`) and senders
publish through any node (`publish`).
"""
from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

import hiredis
import redis.asyncio as aioredis
from redis.asyncio.cluster import (AbstractStrategy, ClusterNode, NodesManager, RedisCluster,
                                   TransactionStrategy)
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.cluster import PRIMARY
from redis.exceptions import DataError

# A master's failover (node timeout 1-5 s plus the election) must not fail every call made
# meanwhile: cluster clients retry for about that long, refreshing the slot map in between.
CLUSTER_RETRY = Retry(ExponentialWithJitterBackoff(base=0.1, cap=1.0), 10)


def _adopt_slot_owners(manager: NodesManager) -> None:
    """After a slot map refresh: every slot points at the node objects the client keeps, and
    each of those knows whether it is a primary now.

    redis-py 7.4's `NodesManager.initialize` builds new node objects for the slot map but
    keeps the old ones in `nodes_cache` with their old role. A replica promoted by a failover
    stays a "replica" there, so `get_primaries()` leaves it out and SCRIPT LOAD (sent to the
    primaries) never reaches it: every script on its slots answered NOSCRIPT until the
    process restarted (chat:send answered `internal` after a master was killed). The slot
    map's objects also held a second connection pool per node that nothing closed."""
    cache = manager.nodes_cache
    seen: set[int] = set()
    for nodes in manager.slots_cache.values():
        if id(nodes) in seen:  # one list is shared by every slot of a range
            continue
        seen.add(id(nodes))
        for i, node in enumerate(nodes):
            kept = cache.get(node.name)
            if kept is None:
                continue
            kept.server_type = node.server_type
            nodes[i] = kept
    primaries = [n for n in cache.values() if n.server_type == PRIMARY]
    if primaries and (manager.default_node is None
                      or cache.get(manager.default_node.name) is not manager.default_node
                      or manager.default_node.server_type != PRIMARY):
        manager.default_node = primaries[0]


_initialize_nodes = NodesManager.initialize


async def _initialize_and_adopt(self: NodesManager) -> None:
    await _initialize_nodes(self)
    _adopt_slot_owners(self)


if not getattr(NodesManager.initialize, "_sawt_adopts", False):  # every cluster client,
    _initialize_and_adopt._sawt_adopts = True  # `limits`' own among them
    NodesManager.initialize = _initialize_and_adopt


_queue_in_a_thread = TransactionStrategy.execute_command
_execute_transaction = TransactionStrategy.execute


def _queue_in_multi(self: TransactionStrategy, *args: Any, **kwargs: Any):
    """Queue a command of a cluster MULTI (pipeline(transaction=True)) on the loop.

    redis-py 7.4 finds each queued command's slot in a new thread running its own event
    loop, joined at once: the loop was held 1.6-5 ms per queued command (a 50-command MULTI
    83 ms), and a command whose keys need COMMAND GETKEYS (ZUNIONSTORE) failed on a
    connection of the other loop. The slots are found when the MULTI runs (`_execute_multi`);
    WATCH and commands sent at once keep redis-py's way."""
    if (self._watching or args[0] in self.IMMEDIATE_EXECUTE_COMMANDS) \
            and not self._explicit_transaction:
        return _queue_in_a_thread(self, *args, **kwargs)
    return AbstractStrategy.execute_command(self, *args, **kwargs)


async def _execute_multi(self: TransactionStrategy, raise_on_error: bool = True,
                         allow_redirections: bool = True) -> list:
    client = self._pipe.cluster_client
    if self._command_queue and client._initialize:
        await client.initialize()
    for command in self._command_queue:
        if command.args[0] not in self.NO_SLOTS_COMMANDS:
            self._pipeline_slots.add(await client._determine_slot(*command.args))
    return await _execute_transaction(self, raise_on_error, allow_redirections)


if not getattr(TransactionStrategy.execute_command, "_sawt_on_loop", False):
    _queue_in_multi._sawt_on_loop = True
    TransactionStrategy.execute_command = _queue_in_multi
    TransactionStrategy.execute = _execute_multi


def seed_nodes(url: str) -> list[tuple[str, int]]:
    """(host, port) of every node named in `url` (comma-separated after the scheme)."""
    parsed = urlparse(url)
    rest = url.split("://", 1)[1] if "://" in url else url
    netloc = rest.split("/", 1)[0]
    if "@" in netloc:
        netloc = netloc.rsplit("@", 1)[1]
    nodes = []
    for part in netloc.split(","):
        part = part.strip()
        if "://" in part:
            part = part.split("://", 1)[1]
        if not part:
            continue
        host, _, port = part.rpartition(":") if ":" in part else (part, "", "6379")
        nodes.append((host or parsed.hostname or "127.0.0.1", int(port or 6379)))
    return nodes


def _credentials(url: str) -> dict[str, Any]:
    first = url.split(",", 1)[0]
    parsed = urlparse(first)
    creds: dict[str, Any] = {}
    if parsed.username:
        creds["username"] = parsed.username
    if parsed.password:
        creds["password"] = parsed.password
    return creds


def _hiredis_args(args: tuple) -> tuple:
    # as redis-py's packers: a command named with a space ("CONFIG GET") is two arguments
    if isinstance(args[0], str):
        return tuple(args[0].encode().split()) + args[1:]
    if b" " in args[0]:
        return tuple(args[0].split()) + args[1:]
    return args


class HiredisPackedConnection(aioredis.Connection):
    """A connection that packs commands with hiredis (C) instead of redis-py's Python
    packer: ~3.7 us -> ~0.4 us per command, and a connect storm sends several per socket
    (session guard, presence, recovery). redis-py's sync client does the same when hiredis
    is installed; its asyncio client never does (redis-py 7.4). Values are packed as the
    Python packer packs them (str as UTF-8, int and float as text); any other type is
    refused with redis-py's DataError, as before."""

    def pack_command(self, *args: Any) -> list[bytes]:
        try:
            return [hiredis.pack_command(_hiredis_args(args))]
        except TypeError as exc:
            raise DataError(str(exc)) from None

    def pack_commands(self, commands) -> list[bytes]:
        try:
            return [b"".join(hiredis.pack_command(_hiredis_args(tuple(args)))
                             for args in commands)]
        except TypeError as exc:
            raise DataError(str(exc)) from None


def connect(url: str, *, cluster: bool = False, **options: Any):
    """A Redis client for `url`: `RedisCluster` in cluster mode, else `Redis.from_url`.
    Without a driver named (redis_options names one) no CLIENT SETINFO: redis-py would look
    its version up in the packages' metadata for every new connection, on the loop."""
    options.setdefault("driver_info", None)
    if not cluster:
        if "," in url.split("://", 1)[-1]:
            url = url.split(",", 1)[0]  # a seed list without cluster mode: the first node
        # rediss:// and unix:// URLs name their own connection class, which wins
        options.setdefault("connection_class", HiredisPackedConnection)
        return aioredis.Redis.from_url(url, **options)
    options = dict(options)
    options["retry"] = CLUSTER_RETRY
    options.pop("health_check_interval", None)  # per node connection; the cluster re-maps
    nodes = [ClusterNode(host, port) for host, port in seed_nodes(url)]
    client = RedisCluster(startup_nodes=nodes, **_credentials(url), **options)
    callbacks = client.response_callbacks  # one dict, shared with the client's nodes
    for name, callback in list(callbacks.items()):
        callbacks[name] = _without_keys(callback)
    return client


def _without_keys(callback):
    """A response callback that ignores the `keys` option. redis-py 7.4's cluster MULTI
    (pipeline(transaction=True)) hands each command's options to its callback, `keys` (a
    client-side-cache hint) included, which HGETALL's and others' callbacks refuse: every
    transaction with such a command raised TypeError (a live stream's viewer tick did)."""
    def call(response, **options):
        options.pop("keys", None)
        return callback(response, **options)
    return call


def settings_client(settings, **options: Any):
    """The Redis client for a process's settings (REDIS_URL, REDIS_CLUSTER)."""
    return connect(settings.redis_url, cluster=settings.redis_cluster, **options)


def is_cluster(client: Any) -> bool:
    return isinstance(client, RedisCluster)


async def node_client(client: Any, *, key: str | None = None, **options: Any) -> aioredis.Redis:
    """A plain client of one cluster node: the master serving `key`'s slot, or any master.
    For a single Redis, a new client of the same server."""
    if not is_cluster(client):
        kwargs = dict(client.connection_pool.connection_kwargs)
        kwargs.update(options)
        return aioredis.Redis(connection_pool=aioredis.ConnectionPool(
            connection_class=client.connection_pool.connection_class, **kwargs))
    await client.initialize()
    if key is not None:
        node = client.get_node_from_key(key)
    else:
        node = client.get_primaries()[0]
    kwargs = {k: v for k, v in node.connection_kwargs.items() if k in _NODE_OPTIONS}
    kwargs.update(options)
    return aioredis.Redis(host=node.host, port=node.port, **kwargs)


_NODE_OPTIONS = ("username", "password", "socket_timeout", "socket_connect_timeout",
                 "socket_keepalive", "decode_responses", "encoding", "encoding_errors",
                 "client_name")


class NodePubSub:
    """Plain pub/sub on a cluster (whose PUBLISH reaches every node): subscribed on one node,
    moving to the next seed node when that one fails. Callers subscribe again after an
    error, as they do with redis-py's PubSub."""

    def __init__(self, client: RedisCluster, **pubsub_options: Any):
        self._nodes = [(n.host, n.port) for n in client.nodes_manager.startup_nodes.values()] or \
            [("127.0.0.1", 6379)]
        given = client.get_connection_kwargs()
        self._kwargs = {k: given[k] for k in _NODE_OPTIONS if k in given}
        self._options = pubsub_options
        self._at = -1
        self._redis: aioredis.Redis | None = None
        self._pubsub = None
        self._next()

    def _next(self) -> None:
        old = (self._pubsub, self._redis)
        self._at = (self._at + 1) % len(self._nodes)
        host, port = self._nodes[self._at]
        self._redis = aioredis.Redis(host=host, port=port, **self._kwargs)
        self._pubsub = self._redis.pubsub(**self._options)
        self._closing = [c for c in old if c is not None]

    async def _close_old(self) -> None:
        closing, self._closing = self._closing, []
        for c in closing:
            try:
                await c.aclose()
            except Exception:
                pass

    @property
    def connection(self):
        """The current node's pub/sub connection (None before the first subscribe), as
        redis-py's PubSub has it: the revocation listener hears its reconnects."""
        return self._pubsub.connection

    async def subscribe(self, *channels: Any) -> Any:
        await self._close_old()
        try:
            return await self._pubsub.subscribe(*channels)
        except Exception:
            self._next()
            raise

    async def listen(self):
        try:
            async for message in self._pubsub.listen():
                yield message
        except Exception:
            self._next()
            raise

    async def aclose(self) -> None:
        await self._close_old()
        for c in (self._pubsub, self._redis):
            try:
                await c.aclose()
            except Exception:
                pass


async def publish(client: Any, channel: str, message: Any) -> int:
    """PUBLISH to a plain channel: redis-py's cluster client has no `publish()` (a cluster's
    PUBLISH reaches every node, whichever node takes it; routed here by the channel's slot)."""
    if is_cluster(client):
        return await client.execute_command("PUBLISH", channel, message)
    return await client.publish(channel, message)


def plain_pubsub(client: Any, **options: Any):
    """A PubSub for plain channels of this client's Redis (or cluster)."""
    if is_cluster(client):
        return NodePubSub(client, **options)
    return client.pubsub(**options)


async def mget(client: Any, keys: list) -> list:
    """MGET of keys that may live in several hash slots: one command on one Redis; on a
    cluster one MGET per slot (redis-py's `mget_nonatomic`), values in the keys' order."""
    if is_cluster(client):
        return await client.mget_nonatomic(keys)
    return await client.mget(keys)


async def run_scripts(client: Any, calls: list[tuple[Any, list, list]]) -> list:
    """Several registered-script calls [(script, keys, args)] in one round trip: a pipeline
    on one Redis; on a cluster (whose pipelines refuse EVALSHA) all at once, each routed to
    its keys' master."""
    if is_cluster(client):
        return list(await asyncio.gather(*(script(keys=keys, args=args)
                                           for script, keys, args in calls)))
    pipe = client.pipeline(transaction=False)
    for script, keys, args in calls:
        await script(keys=keys, args=args, client=pipe)
    return await pipe.execute()
