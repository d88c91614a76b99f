"""The Redis client factory (server/redis_clients.py) on whatever Redis the tests use: one
Redis in scripts/test.sh, a 3-master Redis Cluster in scripts/test_cluster.sh. What the
domains do with it must work the same on both."""
from __future__ import annotations

import asyncio

import pytest

from redis.crc import key_slot

from server.redis_clients import mget, plain_pubsub, publish, settings_client


async def test_a_transaction_reads_a_hash_and_resets_it(settings):
    """A live stream's viewer tick: MULTI with ZCARD, HGETALL and DEL of one stream's keys
    (redis-py's cluster MULTI raised TypeError on HGETALL's `keys` option)."""
    r = settings_client(settings)
    try:
        viewers = settings.key("live", "viewers", "s1", tag="s1")
        reactions = settings.key("live", "reactions", "s1", tag="s1")
        await r.zadd(viewers, {"u1": 1, "u2": 2})
        await r.hset(reactions, mapping={"heart": 3})
        async with r.pipeline(transaction=True) as pipe:
            pipe.zcard(viewers)
            pipe.hgetall(reactions)
            pipe.delete(reactions)
            assert await pipe.execute() == [2, {b"heart": b"3"}, 1]
    finally:
        await r.aclose()


async def test_a_transaction_snapshots_a_sorted_set(settings):
    """The trending snapshot: MULTI with ZUNIONSTORE (redis-py's cluster MULTI looked up its
    keys with COMMAND GETKEYS from a thread on another event loop: RuntimeError) and a RENAME
    (refused by name in cluster pipelines; sent as a raw command)."""
    r = settings_client(settings)
    try:
        live = settings.key("trending", "live", tag="trending")
        snap = settings.key("trending", "snap", 1, tag="trending")
        await r.zadd(live + ":new", {"p1": 2.0, "p2": 1.0})
        async with r.pipeline(transaction=True) as pipe:
            pipe.execute_command("RENAME", live + ":new", live)
            pipe.zunionstore(snap, [live])
            pipe.expire(snap, 60)
            assert await pipe.execute() == [True, 2, True]
        assert await r.zrevrange(snap, 0, -1) == [b"p1", b"p2"]
    finally:
        await r.aclose()


async def test_keys_without_a_tag_spread_and_mget_reads_them_in_order(settings):
    """Untagged keys land in many slots on a cluster; MGET over them (the auth guard's
    session lookups) answers in the keys' order."""
    r = settings_client(settings)
    try:
        keys = [settings.key("auth", "sess", f"s{i}") for i in range(20)]
        if settings.redis_cluster:
            assert len({key_slot(k.encode()) for k in keys}) > 1
            assert key_slot(settings.key("a", tag="x").encode()) == \
                key_slot(settings.key("b", tag="x").encode())
        for i, k in enumerate(keys[::2]):
            await r.set(k, f"v{i}")
        assert await mget(r, keys) == [f"v{i // 2}".encode() if i % 2 == 0 else None
                                       for i in range(20)]
    finally:
        await r.aclose()


async def test_a_plain_publish_reaches_a_plain_subscriber(settings):
    """Session revocation and live takeover: PUBLISH from one client, heard by another's
    subscription (the cluster client has no publish())."""
    r = settings_client(settings)
    sub = plain_pubsub(r, ignore_subscribe_messages=True)
    channel = settings.key("test", "revocations")
    try:
        await sub.subscribe(channel)
        assert sub.connection is not None
        await publish(r, channel, "hello")
        got = None
        async with asyncio.timeout(5):
            async for message in sub.listen():
                if message.get("type") == "message":
                    got = message["data"]
                    break
        assert got == b"hello"
    finally:
        await sub.aclose()
        await r.aclose()


async def test_commands_packed_by_hiredis_reach_redis_as_redis_pys_packer_sends_them(settings):
    """HiredisPackedConnection: what a user stores comes back the same (Arabic text, binary,
    numbers, a command named with a space, a pipeline and a transaction), and a value redis-py
    refuses is still refused with its DataError, before anything is sent."""
    from redis.exceptions import DataError

    from server.redis_clients import HiredisPackedConnection, connect

    if settings.redis_cluster:
        pytest.skip("single-node clients only: a cluster's clients keep redis-py's packer")
    r = connect(settings.redis_url)
    assert r.connection_pool.connection_class is HiredisPackedConnection
    key = f"{settings.redis_prefix}packing:"
    try:
        await r.set(key + "text", "صباح الفل ✓")
        assert await r.get(key + "text") == "صباح الفل ✓".encode()
        await r.zadd(key + "z", {"a": 1.5, "b": 0.1, "c": 10**20})
        assert await r.zrange(key + "z", 0, -1, withscores=True) == [
            (b"b", 0.1), (b"a", 1.5), (b"c", 1e20)]
        async with r.pipeline(transaction=False) as p:
            p.set(key + "n", 41).incr(key + "n").get(key + "n").config_get("maxmemory")
            assert (await p.execute())[:3] == [True, 42, b"42"]
        async with r.pipeline(transaction=True) as p:
            p.set(key + "bin", b"\x00\xff\r\n").get(key + "bin")
            assert await p.execute() == [True, b"\x00\xff\r\n"]
        for bad in (None, True, {"a": 1}):
            with pytest.raises(DataError):
                await r.set(key + "bad", bad)
        assert await r.exists(key + "bad") == 0
    finally:
        await r.delete(*[key + k for k in ("text", "z", "n", "bin", "bad")])
        await r.aclose()
