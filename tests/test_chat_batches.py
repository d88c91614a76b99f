"""Chat by group commit: a batch keeps every per-message rule, and a process killed in the
middle of batches loses nothing it acknowledged and doubles nothing."""
from __future__ import annotations

import asyncio
import uuid

from handlers.chat.batches import SendOrder, send_batcher, store_messages

RATES = {"CHAT_USER_RATE": "1000/second", "CHAT_SOCKET_RATE": "1000/second"}


def cid() -> str:
    return uuid.uuid4().hex


NUMBERS = ["sifr", "wahed", "etnen", "talata", "arbaa", "khamsa", "seta", "sabaa",
           "tamanya", "tesaa"]


def text_of(client_id: str) -> str:
    """A text of its own per client id, in words: the flood check reads digits as letters,
    so texts that differ only in their numbers can count as the same message."""
    return "rakam " + " ".join(NUMBERS[int(d)] for d in client_id if d.isdigit())


def order(conv, user, client_id, text, reply_to=None, held=False) -> SendOrder:
    return SendOrder(conv, user.id, client_id, text, reply_to, None, held,
                     {"layer": "test", "reason": "held"} if held else None)


async def test_one_batch_refuses_failing_messages_alone_and_numbers_the_rest_densely(
        live_app, make_user):
    alice, bob, eve = await make_user("alice"), await make_user("bob"), await make_user("eve")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)
    first = await a.ok("chat:send", {"to": bob.id, "client_id": "c0", "text": "awel"})
    conv = first["conversation_id"]
    batch = [
        order(conv, alice, "c1", "one"),
        order(conv, eve, "c2", "not a member"),
        order(conv, bob, "c3", "reply to nothing", reply_to=99),
        order(conv, bob, "c4", "two", reply_to=1),
        order(conv, alice, "c1", "one, resent in the same batch"),
        order(conv, alice, "c0", "awel, resent after its batch"),
        order(conv, alice, "c5", "three, held", held=True),
    ]
    async with live_app.state.db.acquire() as conn:
        out = await store_messages(conn, batch)
        stored = await conn.fetch("SELECT seq, client_id, body, status FROM messages "
                                  "WHERE conversation_id = $1 ORDER BY seq", conv)
        points = dict(await conn.fetch(
            "SELECT user_id::text, read_seq FROM conversation_members "
            "WHERE conversation_id = $1", conv))
        last = await conn.fetchrow("SELECT last_seq, last_rev FROM conversations "
                                   "WHERE id = $1", conv)
    assert [o.outcome for o in out] == ["stored", "not_member", "reply_not_found", "stored",
                                        "duplicate", "duplicate", "stored"]
    assert [out[i].row["seq"] for i in (0, 3, 6)] == [2, 3, 4]
    assert out[4].row["id"] == out[0].row["id"] and out[4].row["body"] == "one"
    assert out[5].row["id"] == first["id"]
    assert [(r["seq"], r["client_id"]) for r in stored] == [(1, "c0"), (2, "c1"), (3, "c4"),
                                                            (4, "c5")]
    assert stored[3]["status"] == "held"
    assert (last["last_seq"], last["last_rev"]) == (4, 4)
    assert points == {alice.id: 4, bob.id: 3}  # each sender's own message counts as read
    assert sorted(out[0].members) == sorted([alice.id, bob.id])


async def test_concurrent_senders_share_batches_and_keep_every_rule(live_app, make_user):
    users = [await make_user(f"u{i}") for i in range(6)]
    socks = [await u.connect(live_app.url) for u in users]
    group = await socks[0].ok("chat:create_group", {"title": "shella",
                                                    "member_ids": [u.id for u in users[1:]]})
    conv = group["id"]
    for s in socks:
        await s.next("chat:message")  # the "created" system message, seq 1
    outsider = await (await make_user("outsider")).connect(live_app.url)
    batcher = send_batcher(live_app.state)
    batches, items = batcher.batches, batcher.items

    async def send(sock, client_id, text, **kw):
        return await sock.call("chat:send", {"conversation_id": conv, "client_id": client_id,
                                             "text": text, **kw})

    same = cid()
    calls = [send(s, cid(), f"{NUMBERS[i]} {NUMBERS[k]}") for k in range(6)
             for i, s in enumerate(socks)]
    calls += [send(socks[1], same, "once"), send(socks[1], same, "once"),
              send(socks[2], cid(), "bad reply", reply_to=10_000),
              send(outsider, cid(), "let me in")]
    acks = await asyncio.gather(*calls)
    good, twice, bad_reply, intruder = acks[:36], acks[36:38], acks[38], acks[39]
    assert all(a["ok"] for a in good + twice), [a for a in good + twice if not a["ok"]]
    assert bad_reply["error"]["code"] == "reply_not_found"
    assert intruder["error"]["code"] == "conversation_not_found"
    assert twice[0]["data"]["id"] == twice[1]["data"]["id"]
    assert sorted(bool(a["data"].get("duplicate")) for a in twice) == [False, True]
    firsts = [a for a in twice if not a["data"].get("duplicate")]
    seqs = sorted(a["data"]["seq"] for a in good + firsts)
    assert seqs == list(range(2, 2 + 37))  # dense, one seq per stored message
    assert batcher.items - items > batcher.batches - batches  # sends did share batches
    metrics = live_app.state.metrics.render().decode()
    assert 'sawt_group_commit_batch_size_count{batch="chat_send"}' in metrics
    # every member gets every message once, in seq order (nothing for refused ones)
    for s in socks:
        got = [(await s.next("chat:message"))["seq"] for _ in range(37)]
        assert got == seqs
        assert await s.nothing("chat:message", 0.3)


async def test_receipts_from_many_members_batch_and_move_forward_only(live_app, make_user):
    users = [await make_user(f"u{i}") for i in range(5)]
    socks = [await u.connect(live_app.url) for u in users]
    group = await socks[0].ok("chat:create_group", {"title": "receipts",
                                                    "member_ids": [u.id for u in users[1:]]})
    conv = group["id"]
    for k in range(3):
        await socks[0].ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                        "text": f"m{k}"})
    outsider = await (await make_user("outsider")).connect(live_app.url)
    acks = await asyncio.gather(
        *(s.call("chat:read", {"conversation_id": conv, "seq": 4}) for s in socks[1:]),
        *(s.call("chat:delivered", {"conversation_id": conv, "seq": 2}) for s in socks[1:]),
        outsider.call("chat:read", {"conversation_id": conv, "seq": 1}))
    assert all(a["data"]["seq"] == 4 for a in acks[:4]), acks[:4]  # 1 system + 3 texts
    assert all(not a["data"]["advanced"] for a in acks[4:8])  # read already moved it past 2
    assert acks[8]["error"]["code"] == "conversation_not_found"
    convs = await socks[1].ok("chat:conversations", {})
    (mine,) = [c for c in convs["conversations"] if c["id"] == conv]
    assert mine["read_seq"] == 4 and mine["delivered_seq"] == 4 and mine["unread"] == 0


async def test_a_process_killed_in_the_middle_of_batches_loses_and_doubles_nothing(
        server_procs, make_user, db):
    """Alice floods a DM from process A with many sends in flight, so batches are always
    being written; A is SIGKILLed. Every acknowledged message is stored exactly once with the
    seq its ack gave; every unacknowledged one is stored once or not at all, and resending it
    through process B answers `duplicate` exactly when it was stored."""
    a_proc, b_proc = await server_procs(2, **RATES)
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(a_proc.url)
    bob_sock = await bob.connect(b_proc.url)
    conv = (await a.ok("chat:send", {"to": bob.id, "client_id": "open", "text": "salam"})
            )["conversation_id"]
    acked: dict[str, int] = {"open": 1}
    sent: list[str] = []
    stop = asyncio.Event()

    async def flood(lane: int):
        for k in range(400):  # bounded; the kill comes long before the end
            if stop.is_set():
                return
            client_id = f"l{lane:02d}-{k:03d}"
            sent.append(client_id)
            try:
                ack = await a.call("chat:send", {"conversation_id": conv,
                                                 "client_id": client_id,
                                                 "text": text_of(client_id)}, timeout=3)
            except Exception:  # the process died with this send in flight
                return
            if ack.get("ok"):
                acked[client_id] = ack["data"]["seq"]

    lanes = [asyncio.create_task(flood(i)) for i in range(40)]
    try:
        for _ in range(200):  # let batches flow (bounded)
            if len(acked) > 150:
                break
            await asyncio.sleep(0.05)
        a_proc.kill()  # SIGKILL: batches in flight die with it, no drain
        stop.set()
        await asyncio.wait(lanes, timeout=15)
    finally:
        for t in lanes:
            t.cancel()
    unacked = [c for c in sent if c not in acked]
    assert len(acked) > 150 and unacked  # some sends were in flight when it died

    rows = await db.fetch("SELECT client_id, seq FROM messages WHERE conversation_id = $1 "
                          "ORDER BY seq", conv)
    stored = {r["client_id"]: r["seq"] for r in rows}
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))  # dense: no torn batch
    assert len(stored) == len(rows)  # no client_id twice
    assert all(stored.get(c) == seq for c, seq in acked.items())  # acked: stored, same seq

    # the app resends what it has no ack for, through the surviving process
    a2 = await alice.connect(b_proc.url)
    for c in unacked:
        ack = await a2.ok("chat:send", {"conversation_id": conv, "client_id": c,
                                        "text": text_of(c)})  # the same message again
        if c in stored:
            assert ack.get("duplicate") and ack["seq"] == stored[c]
        else:
            assert not ack.get("duplicate")
    final = await db.fetch("SELECT client_id, seq FROM messages WHERE conversation_id = $1 "
                           "ORDER BY seq", conv)
    assert [r["seq"] for r in final] == list(range(1, len(final) + 1))
    assert sorted(r["client_id"] for r in final) == sorted(set(acked) | set(unacked))
    # bob, on B throughout, catches up by sync and has each message once, in order
    synced = await bob_sock.ok("chat:sync", {"conversations": [
        {"conversation_id": conv, "last_seq": 0}], "limit": 200})
    got: list[int] = []
    while True:
        (c,) = synced["conversations"]
        got += [m["seq"] for m in c["messages"]]
        if not c["has_more"]:
            break
        synced = await bob_sock.ok("chat:sync", {"conversations": [
            {"conversation_id": conv, "last_seq": c["last_seq"]}], "limit": 200})
    assert got == [r["seq"] for r in final]



def batch_sizes(metrics: str, batch: str) -> tuple[float, float]:
    """(number of batches, items in them) of one batcher, from /metrics' histogram."""
    got = {}
    for line in metrics.splitlines():
        for part in ("_count", "_sum"):
            head = f'sawt_group_commit_batch_size{part}{{batch="{batch}"}}'
            if line.startswith(head):
                got[part] = float(line.split()[-1])
    return got.get("_count", 0.0), got.get("_sum", 0.0)


async def test_a_user_over_the_limit_is_refused_per_message_inside_a_batch(settings,
                                                                          make_user):
    """The per-user limit (across the user's devices) is checked for sends arriving together
    in one Redis call: still each message is counted and refused on its own."""
    from rooms.ratelimit import clear_rate
    from tests.conftest import LiveApp

    app = await LiveApp(settings.with_(chat_user_rate="5/minute",
                                       chat_socket_rate="1000/second")).start()
    try:
        alice, bob = await make_user("alice"), await make_user("bob")
        phone, laptop = await alice.connect(app.url), await alice.connect(app.url)
        b = await bob.connect(app.url)
        first = await phone.ok("chat:send", {"to": bob.id, "client_id": cid(), "text": "awel"})
        conv = first["conversation_id"]
        assert (await b.next("chat:message"))["seq"] == 1
        before = batch_sizes(app.state.metrics.render().decode(), "rate_limit")
        acks = await asyncio.gather(*(
            (phone, laptop)[k % 2].call("chat:send", {"conversation_id": conv,
                                                      "client_id": cid(),
                                                      "text": text_of(str(k))})
            for k in range(8)))
        stored = [a for a in acks if a["ok"]]
        refused = [a for a in acks if not a["ok"]]
        assert len(stored) == 4, acks  # 5 a minute: the DM's first message and four more
        assert all(a["error"]["code"] == "rate_limited" and a["error"]["retry_after"] > 0
                   for a in refused), refused
        assert sorted(a["data"]["seq"] for a in stored) == [2, 3, 4, 5]
        batches, hits = batch_sizes(app.state.metrics.render().decode(), "rate_limit")
        assert hits - before[1] >= 8 and batches - before[0] < hits - before[1], \
            (before, batches, hits)  # the eight checks shared Redis calls
        assert sorted([(await b.next("chat:message"))["seq"] for _ in range(4)]) == [2, 3, 4, 5]
        assert await b.nothing("chat:message", 0.3)  # nothing of the refused ones
        # edits count against the same per-user budget
        edit = await laptop.call("chat:edit", {"conversation_id": conv, "seq": 2,
                                               "text": "badalt"})
        assert edit["error"]["code"] == "rate_limited", edit
        # the counters are `limits`' own: clearing them there lets the user send again
        await clear_rate(app.state, "chat:send:user", alice.id, "5/minute")
        await phone.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                     "text": "tani"})
    finally:
        await app.stop()


async def test_sends_arriving_behind_a_batch_in_flight_go_together_in_the_next(live_app,
                                                                              make_user):
    """A batch is being written (held here by a lock on its conversation); sends that arrive
    one by one meanwhile wait and are stored together by the next batch, each with its own
    seq and ack, instead of a statement and a COMMIT each (operators see it on /metrics)."""
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    a, b, c = (await alice.connect(live_app.url), await bob.connect(live_app.url),
               await carol.connect(live_app.url))
    held = (await a.ok("chat:send", {"to": bob.id, "client_id": cid(), "text": "awel"})
            )["conversation_id"]
    other = (await a.ok("chat:send", {"to": carol.id, "client_id": cid(), "text": "ahlan"})
             )["conversation_id"]
    before = batch_sizes(live_app.state.metrics.render().decode(), "chat_send")
    async with live_app.state.db.acquire() as locker:
        tx = locker.transaction()
        await tx.start()
        await locker.execute("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE", held)
        blocked = asyncio.create_task(a.call("chat:send", {"conversation_id": held,
                                                           "client_id": cid(),
                                                           "text": "mestanny"}))
        me = await locker.fetchval("SELECT pg_backend_pid()")
        for _ in range(100):  # until that batch waits for the lock
            if await locker.fetchval("SELECT count(*) FROM pg_stat_activity "
                                     "WHERE $1 = ANY (pg_blocking_pids(pid))", me):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the first batch never waited for the lock")
        behind = []
        for k in range(4):
            behind.append(asyncio.create_task(a.call("chat:send", {
                "conversation_id": other, "client_id": cid(), "text": text_of(str(k))})))
            await asyncio.sleep(0.1)
        assert not any(t.done() for t in behind)  # they wait for the batch in flight
        await tx.rollback()
    first = await blocked
    acks = await asyncio.gather(*behind)
    assert first["ok"] and first["data"]["seq"] == 2, first
    assert [x["data"]["seq"] for x in acks] == [2, 3, 4, 5], acks
    batches, items = batch_sizes(live_app.state.metrics.render().decode(), "chat_send")
    assert (batches - before[0], items - before[1]) == (2, 5)
    assert [(await c.next("chat:message"))["seq"] for _ in range(5)] == [1, 2, 3, 4, 5]
