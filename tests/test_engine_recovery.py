"""Connection state recovery: on for every client (the official JS client needs no flag), on
one process and across two, after the socket's own process was SIGKILLed, and with each
restored room re-checked against the new token and current rights."""
from __future__ import annotations

import asyncio
import json
import signal
import uuid

from rooms.names import mod_queue_room, user_room
from server.redis_clients import settings_client
from tests.support.rawsio import RawSocket
from tests.support.recovery import run_recovery, settings_adapter


async def test_js_client_recovers_its_room_and_every_missed_event_on_another_process(
        server_procs, make_user, settings):
    a, b = await server_procs(2)
    alice = await make_user("alice")
    run = await run_recovery(settings, alice.token, [a.url, b.url], cycles=4)
    assert run.cycles == 4 and run.recovered == 4  # `socket.recovered` after every cut
    assert run.missed == [] and run.duplicated == 0
    assert run.seqs == list(range(run.sent))  # in order
    assert run.offsets == run.sent  # every broadcast carried its offset


async def test_js_client_recovers_on_the_same_process_without_asking(live_app, make_user,
                                                                     settings):
    """tests/js/recovery.js passes only its token: recovery is offered to every client."""
    alice = await make_user("alice")
    run = await run_recovery(settings, alice.token, [live_app.url], cycles=2)
    assert run.recovered == 2 and run.missed == [] and run.duplicated == 0


async def _session(settings, redis, pid: str) -> dict | None:
    raw = await redis.get(settings.key("sio", "session", pid))
    return json.loads(raw) if raw else None


async def _joined(settings, pid: str, room: str) -> None:
    """Until the socket's stored session has the room (bounded)."""
    redis = settings_client(settings)
    try:
        for _ in range(100):
            s = await _session(settings, redis, pid)
            if s and room in s["rooms"]:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the room join never reached the stored session")
    finally:
        await redis.aclose()


async def test_a_socket_whose_process_was_sigkilled_recovers_on_another(
        server_procs, make_user, settings):
    a, b = await server_procs(2)
    alice = await make_user("alice")
    emitter = settings_adapter(settings)
    room = f"test-room:{uuid.uuid4().hex[:8]}"
    sock = RawSocket(a.url)
    try:
        first = await sock.connect({"token": alice.token})
        await emitter.enter_room(first["sid"], "/", room)
        await _joined(settings, first["pid"], room)  # A has written the join to Redis
        a.proc.send_signal(signal.SIGKILL)  # no disconnect handler runs on A
        a.proc.wait(10)
        await sock.cut()
        for i in range(5):
            await emitter.emit("test:seq", {"i": i}, room=room)
        sock.url = sock.url.replace(str(a.port), str(b.port))
        again = await sock.connect({"token": alice.token})
        assert again == {"sid": first["sid"], "pid": first["pid"]}  # recovered
        got = [await sock.next() for _ in range(5)]
        assert got == [["test:seq", {"i": i}] for i in range(5)]  # missed, replayed in order
        await emitter.emit("test:seq", {"i": 5}, room=room)  # and the room is back, live
        assert await sock.next() == ["test:seq", {"i": 5}]
    finally:
        await sock.close()
        await emitter.close()


async def test_a_recovered_socket_is_not_replayed_what_its_room_got_before_it_connected(
        server_procs, make_user, settings):
    """With sharded pub/sub a process hears only its own sockets' rooms, so the newest offset
    it saw can be far behind the log: a socket connecting there must still start at the log's
    head, or a recovery replays broadcasts from before the socket existed."""
    (b,) = await server_procs(1)
    alice, bob = await make_user("alice"), await make_user("bob")
    emitter = settings_adapter(settings)
    bobs_room, room = (f"test-room:{uuid.uuid4().hex[:8]}" for _ in range(2))
    bob_sock, sock = RawSocket(b.url), RawSocket(b.url)
    try:
        seen = await bob_sock.connect({"token": bob.token})
        await emitter.enter_room(seen["sid"], "/", bobs_room)
        await _joined(settings, seen["pid"], bobs_room)
        await emitter.emit("test:seen", {"i": 0}, room=bobs_room)  # B hears this one
        assert await bob_sock.next() == ["test:seen", {"i": 0}]
        await emitter.emit("test:before", {"i": 1}, room=room)  # B has nobody in `room` yet
        first = await sock.connect({"token": alice.token})
        await emitter.enter_room(first["sid"], "/", room)
        await _joined(settings, first["pid"], room)
        await sock.cut()  # it received nothing: it comes back with its pid and no offset
        again = await sock.connect({"token": alice.token})
        assert again == {"sid": first["sid"], "pid": first["pid"]}  # recovered
        await emitter.emit("test:after", {"i": 2}, room=room)
        assert await sock.next() == ["test:after", {"i": 2}]  # not test:before first
    finally:
        await sock.close()
        await bob_sock.close()
        await emitter.close()


async def test_a_moderator_back_with_a_user_role_token_loses_the_queue_room(
        live_app, make_user, keys):
    mod = await make_user("mod", role="moderator")
    sock = RawSocket(live_app.url)
    try:
        first = await sock.connect({"token": mod.token})
        assert (await sock.call("mod:queue", {}))["ok"] is True
        await sock.cut()
        user_token = keys.sign(mod.id, role="user", session_id=mod.session_id)
        again = await sock.connect({"token": user_token})
        assert again == {"sid": first["sid"], "pid": first["pid"]}  # recovered...
        rooms = set(live_app.state.sio.manager.get_rooms(first["sid"], "/"))
        assert mod_queue_room() not in rooms and user_room(mod.id) in rooms  # ...without it
        await live_app.state.sio.emit("mod:item", {"secret": 1}, room=mod_queue_room())
        await live_app.state.sio.emit("test:probe", {}, room=user_room(mod.id))
        assert (await sock.next())[0] == "test:probe"  # not the report details
    finally:
        await sock.close()


async def test_a_viewer_removed_while_away_does_not_get_the_live_room_back(
        live_app, make_user):
    creator = await make_user("creator")
    viewer = await make_user("viewer")
    csock = await creator.connect(live_app.url)
    stream = (await csock.ok("live:create", {"title": "sahra"}))["stream"]
    sock = RawSocket(live_app.url)
    try:
        first = await sock.connect({"token": viewer.token})
        assert (await sock.call("live:join", {"stream_id": stream["id"]}))["ok"] is True
        await sock.cut()
        await csock.ok("live:remove", {"stream_id": stream["id"], "user_id": viewer.id})
        again = await sock.connect({"token": viewer.token})
        assert again["sid"] == first["sid"]
        rooms = set(live_app.state.sio.manager.get_rooms(first["sid"], "/"))
        assert f"live:{stream['id']}" not in rooms
    finally:
        await sock.close()


async def test_a_recovered_live_viewer_counts_again_and_can_chat(live_app, make_user):
    """Recovery gives the live room back; the viewer must be a viewer again too (the join's
    registration redone): before, the creator saw one viewer fewer and the viewer's chat
    was refused `not_in_stream` although the room's messages kept arriving."""
    creator, viewer, other = [await make_user(n) for n in ("creator", "viewer", "other")]
    csock = await creator.connect(live_app.url)
    stream = (await csock.ok("live:create", {"title": "sahra"}))["stream"]
    sock = RawSocket(live_app.url)
    try:
        first = await sock.connect({"token": viewer.token})
        assert (await sock.call("live:join", {"stream_id": stream["id"]}))["ok"] is True
        await sock.cut()
        again = await sock.connect({"token": viewer.token})
        assert again == {"sid": first["sid"], "pid": first["pid"]}  # recovered
        osock = await other.connect(live_app.url)
        joined = await osock.ok("live:join", {"stream_id": stream["id"]})
        assert joined["viewers"] == 2  # the recovered viewer and the new one
        ack = await sock.call("live:chat", {"stream_id": stream["id"], "text": "rege3t"})
        assert ack["ok"] is True, ack
    finally:
        await sock.close()


async def test_sockets_recovering_together_each_get_their_own_missed_packets(settings):
    """A storm's recoveries share one log read (recovery.py batches them): each socket gets
    exactly what came after its own offset, and one whose gap was trimmed is not recovered
    (before: MAXLEN trimming left max-deleted-entry-id at 0-0, so a socket that had missed
    trimmed packets was told it recovered and never saw them)."""
    from server.engine.recovery import RecoveryStore

    log_key = settings.key("test", "packet-log")
    store = RecoveryStore(settings.redis_url, key_prefix=settings.key("sio", "session", ""),
                          log_key=log_key, window=5, cluster=settings.redis_cluster)
    try:
        r = store.redis
        ids = [(await r.xadd(log_key, {"m": f"p{i}"})).decode() for i in range(6)]
        got = await asyncio.gather(store.missed(ids[1]), store.missed(ids[4]),
                                   store.missed("0-0"), store.missed(ids[5]),
                                   store.missed("not-an-offset"))
        assert [[m for _, m in g] if g is not None else None for g in got] == [
            [b"p2", b"p3", b"p4", b"p5"], [b"p5"], [b"p0", b"p1", b"p2", b"p3", b"p4", b"p5"],
            [], None]
        await r.xtrim(log_key, maxlen=3, approximate=False)  # p0..p2 are gone
        got = await asyncio.gather(store.missed(ids[1]), store.missed(ids[2]),
                                   store.missed(ids[3]))
        assert got[0] is None  # p2 was missed and can no longer be replayed
        assert got[1] is None  # its own offset is gone: whatever followed may be too
        assert [m for _, m in got[2]] == [b"p4", b"p5"]
    finally:
        await store.redis.delete(log_key)
        await store.close()
