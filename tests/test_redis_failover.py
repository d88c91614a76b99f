"""Redis Cluster failover: a master is SIGKILLed and its replica promoted.

Under chat traffic (the master holding the Socket.IO adapter's slot: its packet log and
every shard channel): the servers find the new master, the sockets stay connected, no
acknowledged message is lost, live delivery resumes, and a send made while the slot has no
master is refused `unavailable` (retryable), never `internal`. And one client's Lua script
runs on the promoted replica (whose script cache is empty) once it is promoted.

Each test starts its own cluster (about 3 s); a failover takes 2-5 s (node timeout 1 s)."""
from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from server.emitter import channel_name
from server.redis_clients import connect, settings_client
from tests.redis_cluster import start_cluster, stop_cluster
from tests.support.stores import drop_test_stores, isolated_settings

RATES = {"CHAT_USER_RATE": "1000/second", "CHAT_SOCKET_RATE": "1000/second"}

pytestmark = pytest.mark.failover


@pytest.fixture
def redis_cluster():  # noqa: F811  (one cluster per test: each kills a master)
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        stop_cluster(cluster)


@pytest.fixture
async def settings(tmp_path, redis_cluster):  # noqa: F811
    s = isolated_settings(media_root=tmp_path / "media", data_dir=tmp_path / "data",
                          redis_url=redis_cluster.url, redis_cluster=True)
    yield s
    await drop_test_stores(s)


async def master_port_of(settings, key: str) -> int:
    r = settings_client(settings)
    try:
        await r.initialize()
        return r.get_node_from_key(key).port
    finally:
        await r.aclose()


async def test_killing_the_adapters_master_loses_no_acknowledged_message(
        settings, redis_cluster, server_procs, make_user):  # noqa: F811
    a_proc, b_proc = await server_procs(2, **RATES)
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(a_proc.url)
    phone = await bob.connect(b_proc.url)
    first = await a.ok("chat:send", {"to": bob.id, "client_id": uuid.uuid4().hex, "text": "m1"})
    conv = first["conversation_id"]
    acked = [first["seq"]]
    refused: list[str] = []

    async def send(i: int) -> None:
        """One message, retried with its client_id (idempotent) while Redis fails over."""
        cid = uuid.uuid4().hex
        for _ in range(60):
            ack = await a.call("chat:send", {"conversation_id": conv, "client_id": cid,
                                             "text": f"m{i}"}, timeout=15)
            if ack["ok"]:
                acked.append(ack["data"]["seq"])
                return
            refused.append(ack["error"]["code"])
            await asyncio.sleep(0.25)
        raise AssertionError(f"m{i} never accepted: {refused[-3:]}")

    for i in range(2, 11):
        await send(i)
    victim = await master_port_of(settings, channel_name(settings.redis_prefix, True) + ":log")
    replica = redis_cluster.replica_of(victim)
    deadline = time.monotonic() + 20
    while str(replica) not in redis_cluster.cli(victim, "cluster", "slots"):
        # the replica shows in CLUSTER SLOTS once it has replicated something, so the slot map
        # refreshed during the failover knows it as a replica (it kept that role in redis-py's
        # node cache after its promotion: every script on the slot answered NOSCRIPT)
        assert time.monotonic() < deadline, "the replica never showed in CLUSTER SLOTS"
        redis_cluster.cli(victim, "INCR", "{sio}failover-probe")  # the adapter's slot
        await asyncio.sleep(0.2)
    redis_cluster.kill(victim)
    killed_at = time.monotonic()
    for i in range(11, 41):
        await send(i)
        await asyncio.sleep(0.05)
    failed = [line[:3000] for p in (a_proc, b_proc) for line in p.log_tail(400_000).splitlines()
              if '"event_failed"' in line]
    assert set(refused) <= {"unavailable"}, (refused, failed[:3])
    assert redis_cluster.wait_ok(30, skip=(victim,)), "the replica was not promoted"
    assert await master_port_of(settings, channel_name(settings.redis_prefix, True) + ":log") \
        != victim

    # delivery resumes: a message sent now is pushed live to the phone on the other process
    await send(41)
    live = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            m = await phone.next("chat:message", timeout=1)
        except asyncio.TimeoutError:
            continue
        live.append(m["seq"])
        if m["seq"] == acked[-1]:
            break
    assert live and live[-1] == acked[-1], f"no live delivery after failover: {live[-5:]}"
    assert phone.sio.connected  # the socket never dropped

    # nothing acknowledged is lost: what the phone saw plus a sync from its last seen seq
    assert acked == list(range(1, 42))
    seen = sorted(set(live + [m["seq"] for m in phone.drain("chat:message")]))
    synced = await phone.ok("chat:sync", {"conversations": [
        {"conversation_id": conv, "last_seq": 0}]})
    (c,) = synced["conversations"]
    assert [m["seq"] for m in c["messages"]] == acked
    assert set(seen) <= set(acked)
    print(f"failover: killed master {victim}; {len(refused)} refusals while it failed over "
          f"({sorted(set(refused))}); resumed within {time.monotonic() - killed_at:.1f}s")


async def test_a_script_runs_on_the_promoted_replica_of_its_slot(redis_cluster):  # noqa: F811
    """The client has seen the replica (a slot map refresh after it caught up), the master
    dies, the replica is promoted without the master's script cache: the script's next
    calls fail only until the promotion, then run there (NOSCRIPT -> SCRIPT LOAD on every
    primary, the promoted one among them)."""
    r = connect(redis_cluster.url, cluster=True)
    try:
        incr = r.register_script("return redis.call('INCR', KEYS[1])")
        key = "failover:{counter}"
        await incr(keys=[key])
        victim = (await r.initialize()).get_node_from_key(key).port
        replica = redis_cluster.replica_of(victim)
        assert replica is not None
        deadline = time.monotonic() + 30
        while str(replica) not in redis_cluster.cli(redis_cluster.ports[0], "cluster",
                                                       "slots"):
            # CLUSTER SLOTS lists a replica once it has replicated something
            assert time.monotonic() < deadline, "the replica never showed in CLUSTER SLOTS"
            await incr(keys=[key])
            await asyncio.sleep(0.1)
        r._initialize = True  # a slot map refresh that sees the replica (any error does it)
        await r.initialize()
        redis_cluster.kill(victim)
        killed_at = time.monotonic()
        errors: list[str] = []
        while time.monotonic() - killed_at < 25:
            try:
                await incr(keys=[key])
                break
            except Exception as exc:  # connection refused, then CLUSTERDOWN, until promoted
                errors.append(type(exc).__name__)
                await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"the script never ran again: {errors[-3:]}")
        assert r.get_node_from_key(key).port == replica
        assert "NoScriptError" not in errors, errors
        print(f"script ran on the promoted replica {time.monotonic() - killed_at:.1f}s after "
              f"the kill; {len(errors)} failed calls meanwhile ({sorted(set(errors))})")
    finally:
        await r.aclose()
