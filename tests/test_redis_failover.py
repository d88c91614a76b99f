"""Redis Cluster failover under chat traffic: the master holding the Socket.IO adapter's slot
(its packet log and every shard channel) is SIGKILLed; its replica is promoted; the servers
find the new master, the sockets stay connected, no acknowledged message is lost, and live
delivery resumes."""
from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from server.emitter import channel_name
from server.redis_clients import settings_client
from tests.redis_cluster import redis_cluster  # noqa: F401  (the fixture)
from tests.support.stores import drop_test_stores, isolated_settings

RATES = {"CHAT_USER_RATE": "1000/second", "CHAT_SOCKET_RATE": "1000/second"}

pytestmark = pytest.mark.failover


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
    redis_cluster.kill(victim)
    killed_at = time.monotonic()
    for i in range(11, 41):
        await send(i)
        await asyncio.sleep(0.05)
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
