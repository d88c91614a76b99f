"""Chat across real server processes sharing PostgreSQL and Redis: delivery to every device
exactly once and in order, recovery after a process is SIGKILLed, presence without ghosts,
and rate limits that hold across processes."""
from __future__ import annotations

import asyncio
import uuid

# Fast presence so the ghost test needs seconds, not the default 15 s TTL.
# Alice sends faster than a person types, so these tests lift the per-user/socket limits.
RATES = {"CHAT_USER_RATE": "1000/second", "CHAT_SOCKET_RATE": "1000/second"}
FAST = {"PRESENCE_HEARTBEAT": "0.5", "PRESENCE_TTL": "3", **RATES}


def cid() -> str:
    return uuid.uuid4().hex


async def collect(sock, n: int, timeout: float = 10) -> list[dict]:
    return [await sock.next("chat:message", timeout) for _ in range(n)]


async def test_every_message_reaches_both_devices_on_other_processes_once_in_order(
        server_procs, make_user):
    a_proc, b_proc, c_proc = await server_procs(3, **RATES)
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(a_proc.url)
    phone = await bob.connect(b_proc.url)
    laptop = await bob.connect(c_proc.url)
    first = await a.ok("chat:send", {"to": bob.id, "client_id": cid(), "text": "m0"})
    conv = first["conversation_id"]
    acked = [first["seq"]]
    for i in range(1, 40):
        ack = await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                       "text": f"m{i}"})
        acked.append(ack["seq"])
    assert acked == list(range(1, 41))
    for device in (phone, laptop):
        got = await collect(device, 40)
        assert [m["seq"] for m in got] == acked
        assert [m["text"] for m in got] == [f"m{i}" for i in range(40)]
        assert await device.nothing("chat:message", 0.3)  # and nothing twice


async def test_sigkilled_process_loses_nothing_acknowledged_and_leaves_no_ghost(
        server_procs, make_user):
    a_proc, b_proc, c_proc = await server_procs(3, **FAST)
    alice, bob, dina = await make_user("alice"), await make_user("bob"), await make_user("dina")
    a = await alice.connect(a_proc.url)
    phone = await bob.connect(b_proc.url)
    laptop = await bob.connect(c_proc.url)
    dina_sock = await dina.connect(b_proc.url)  # dina is only on B
    first = await a.ok("chat:send", {"to": bob.id, "client_id": cid(), "text": "m1"})
    conv = first["conversation_id"]
    await a.ok("chat:send", {"to": dina.id, "client_id": cid(), "text": "ya dina"})
    watched = await a.ok("presence:subscribe", {"user_ids": [dina.id, bob.id]})
    assert {p["user_id"]: p["status"] for p in watched["presence"]} == \
        {dina.id: "online", bob.id: "online"}

    acked = [first["seq"]]

    async def alice_keeps_sending():
        for i in range(2, 61):
            ack = await a.call("chat:send", {"conversation_id": conv, "client_id": cid(),
                                             "text": f"m{i}"})
            assert ack["ok"], ack
            acked.append(ack["data"]["seq"])
            await asyncio.sleep(0.02)

    sender = asyncio.create_task(alice_keeps_sending())
    try:
        before_kill = await collect(phone, 10)
        b_proc.kill()  # SIGKILL: no drain, no disconnect hooks, no goodbye
        for _ in range(100):  # the client notices the dead transport (bounded wait)
            if not phone.sio.connected:
                break
            await asyncio.sleep(0.05)
        before_kill += phone.drain("chat:message")
        # the phone comes back on C with the last seq it saw
        phone2 = await bob.connect(c_proc.url)
        last_seen = before_kill[-1]["seq"]
        synced = await phone2.ok("chat:sync", {"conversations": [
            {"conversation_id": conv, "last_seq": last_seen}]})
        await sender
    finally:
        sender.cancel()
    assert acked == list(range(1, 61))

    have = [m["seq"] for m in before_kill]
    assert have == list(range(1, len(have) + 1))  # in order, no gap, before the kill
    (c,) = synced["conversations"]
    recovered = [m["seq"] for m in c["messages"]]
    assert recovered == list(range(last_seen + 1, c["last_seq"] + 1))  # nothing twice
    # then the live stream: the client applies what is past its sync point
    live: list[int] = []
    while (have + recovered + live)[-1] < 60:
        m = await phone2.next("chat:message")
        if m["seq"] > c["last_seq"]:
            live.append(m["seq"])
    assert have + recovered + live == acked  # every acknowledged message, once, in order

    # bob's laptop on C never noticed anything
    assert [m["seq"] for m in await collect(laptop, 60)] == acked

    # dina was only on B: she goes offline for alice, pushed, and on a fresh read
    for _ in range(40):
        update = await a.next("presence:update", timeout=15)
        if update["user_id"] == dina.id:
            break
    assert update["status"] == "offline" and update["last_seen"] > 0
    now = await a.ok("presence:subscribe", {"user_ids": [dina.id, bob.id]})
    assert {p["user_id"]: p["status"] for p in now["presence"]} == \
        {dina.id: "offline", bob.id: "online"}  # bob is still on C
    del dina_sock


async def test_rate_limit_holds_across_two_processes_for_one_user(server_procs, make_user):
    p1, p2 = await server_procs(2, CHAT_USER_RATE="4/minute")
    alice, bob = await make_user("alice"), await make_user("bob")
    on_1, on_2 = await alice.connect(p1.url), await alice.connect(p2.url)
    for i, sock in enumerate((on_1, on_2, on_1, on_2)):
        await sock.ok("chat:send", {"to": bob.id, "client_id": cid(), "text": f"hi {i}"})
    for sock in (on_1, on_2):
        ack = await sock.call("chat:send", {"to": bob.id, "client_id": cid(), "text": "more"})
        assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"
        assert 0 < ack["error"]["retry_after"] <= 60
