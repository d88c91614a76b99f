"""Sharded pub/sub (Redis >= 7): a process hears the broadcasts of the rooms it has sockets in
and no others, follows its sockets as they join and leave, and still delivers everything
across processes; the single-channel mode keeps working."""
from __future__ import annotations

import asyncio
import uuid

from server.emitter import channel_name, write_only_emitter
from server.redis_clients import node_client, settings_client
from server.user_rooms import user_room

RATES = {"CHAT_USER_RATE": "1000/second", "CHAT_SOCKET_RATE": "1000/second"}


def room_channel(settings, room: str) -> str:
    return f"{channel_name(settings.redis_prefix, settings.redis_cluster)}#/#{room}"


async def subscribers(settings, room: str) -> int:
    """Subscribers of a room's shard channel, asked of the master serving it."""
    client = settings_client(settings)
    r = await node_client(client, key=room_channel(settings, room))
    try:
        reply = await r.execute_command("PUBSUB", "SHARDNUMSUB", room_channel(settings, room))
        return int(reply[1])  # [channel, count]
    finally:
        await r.aclose()
        await client.aclose()


async def until_subscribers(settings, room: str, n: int, within: float = 5.0) -> int:
    got = -1
    for _ in range(int(within / 0.05)):
        got = await subscribers(settings, room)
        if got == n:
            break
        await asyncio.sleep(0.05)
    return got


async def test_only_processes_holding_a_room_hear_it_and_follow_joins_and_leaves(
        settings, server_procs, make_user):
    a_proc, b_proc = await server_procs(2, SOCKETIO_PUBSUB="sharded", **RATES)
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(a_proc.url)
    phone = await bob.connect(a_proc.url)
    # both users are on A only: B is not subscribed to their rooms at all
    assert await until_subscribers(settings, user_room(bob.id), 1) == 1
    assert await subscribers(settings, user_room(alice.id)) == 1
    first = await a.ok("chat:send", {"to": bob.id, "client_id": uuid.uuid4().hex, "text": "m0"})
    assert (await phone.next("chat:message"))["text"] == "m0"

    # bob's laptop on B: B follows bob's room, and a DM reaches both devices once
    laptop = await bob.connect(b_proc.url)
    assert await subscribers(settings, user_room(bob.id)) == 2  # joined before connect returned
    await a.ok("chat:send", {"conversation_id": first["conversation_id"],
                             "client_id": uuid.uuid4().hex, "text": "m1"})
    for device in (phone, laptop):
        assert (await device.next("chat:message"))["text"] == "m1"
        assert await device.nothing("chat:message", 0.3)

    # the laptop leaves: B unsubscribes from bob's room (and from its sid room)
    await laptop.close()
    assert await until_subscribers(settings, user_room(bob.id), 1) == 1


async def test_a_broadcast_to_several_rooms_reaches_a_socket_in_all_of_them_once(
        settings, server_procs, make_user):
    (proc,) = await server_procs(1, SOCKETIO_PUBSUB="sharded")
    alice = await make_user("alice")
    sock = await alice.connect(proc.url)
    assert await until_subscribers(settings, user_room(alice.id), 1) == 1
    emitter = write_only_emitter(settings.redis_url, settings.redis_prefix,
                                 cluster=settings.redis_cluster, pubsub="sharded")
    mgr = emitter._target
    try:
        await mgr.emit("announce:both", {"n": 1}, room=[user_room(alice.id), sock.sio.get_sid()])
        await mgr.emit("announce:both", {"n": 2}, room=user_room(alice.id))
        assert await sock.next("announce:both") == {"n": 1}
        assert await sock.next("announce:both") == {"n": 2}  # n=1 came once, in order
        assert await sock.nothing("announce:both", 0.3)
    finally:
        await mgr.close()


async def test_single_channel_mode_still_delivers_across_processes(
        settings, server_procs, make_user):
    a_proc, b_proc = await server_procs(2, SOCKETIO_PUBSUB="channel", **RATES)  # both modes
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(a_proc.url)
    phone = await bob.connect(b_proc.url)
    await a.ok("chat:send", {"to": bob.id, "client_id": uuid.uuid4().hex, "text": "hi"})
    assert (await phone.next("chat:message"))["text"] == "hi"
    assert await subscribers(settings, user_room(bob.id)) == 0  # nobody on shard channels
