"""Chat on one in-process server: DMs, groups, history, sync, receipts, moderation, limits."""
from __future__ import annotations

import json
import uuid

import pytest

from handlers.moderation import gate


def cid() -> str:
    return uuid.uuid4().hex


async def system_event(sock, event: str) -> dict:
    """The next system message about `event`, skipping others (bounded)."""
    for _ in range(20):
        m = await sock.next("chat:message")
        if m["kind"] == "system" and m["data"]["event"] == event:
            return m
    raise AssertionError(f"no {event}")


async def dm(sock, to, text, **kw):
    return await sock.ok("chat:send", {"to": to.id, "client_id": cid(), "text": text, **kw})


async def test_first_dm_creates_the_conversation_and_reaches_every_device(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(live_app.url)
    a2 = await alice.connect(live_app.url)
    b1, b2 = await bob.connect(live_app.url), await bob.connect(live_app.url)
    sent = await dm(a, bob, "ezayak ya 3am")
    assert sent["seq"] == 1 and sent["sender_id"] == alice.id
    for sock in (b1, b2, a2, a):  # the sending socket too: clients dedupe by id
        got = await sock.next("chat:message")
        assert got["text"] == "ezayak ya 3am" and got["id"] == sent["id"] and got["seq"] == 1
    # the reply goes into the same conversation, with the next seq
    back = await b1.ok("chat:send", {"to": alice.id, "client_id": cid(), "text": "tamam"})
    assert back["conversation_id"] == sent["conversation_id"] and back["seq"] == 2
    assert (await a.next("chat:message"))["text"] == "tamam"


async def test_resend_after_a_lost_ack_does_not_duplicate(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)
    payload = {"to": bob.id, "client_id": "c-1", "text": "once"}
    first = await a.ok("chat:send", payload)
    again = await a.ok("chat:send", payload)
    assert again["id"] == first["id"] and again["seq"] == first["seq"] and again["duplicate"]
    assert (await b.next("chat:message"))["id"] == first["id"]
    assert await b.nothing("chat:message", 0.3)
    page = await b.ok("chat:history", {"conversation_id": first["conversation_id"]})
    assert [m["text"] for m in page["messages"]] == ["once"]


async def test_reply_media_edit_and_delete_tombstone(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)
    first = await dm(a, bob, "shoft el video?")
    conv = first["conversation_id"]
    reply = await b.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                     "text": "aywa", "reply_to": first["seq"],
                                     "media": {"id": "m-123", "kind": "image"}})
    assert reply["reply_to"] == 1 and reply["media"] == {"id": "m-123", "kind": "image"}
    bad = await b.call("chat:send", {"conversation_id": conv, "client_id": cid(), "text": "x",
                                     "reply_to": 99})
    assert bad["error"]["code"] == "reply_not_found"
    edited = await a.ok("chat:edit", {"conversation_id": conv, "seq": 1, "text": "shoft el clip?"})
    assert edited["edited_at"] and edited["rev"] > first["rev"]
    upd = await b.next("chat:message_updated")
    assert upd["seq"] == 1 and upd["text"] == "shoft el clip?"
    nope = await b.call("chat:edit", {"conversation_id": conv, "seq": 1, "text": "hacked"})
    assert nope["error"]["code"] == "not_your_message"
    await a.ok("chat:delete", {"conversation_id": conv, "seq": 1})
    upd = await b.next("chat:message_updated")
    assert upd["deleted"] is True and upd["text"] is None
    page = await b.ok("chat:history", {"conversation_id": conv})
    assert [(m["seq"], m["deleted"], m["text"]) for m in page["messages"]] == \
        [(1, True, None), (2, False, "aywa")]


async def test_history_pages_backwards_by_cursor(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(live_app.url)
    conv = (await dm(a, bob, "m1"))["conversation_id"]
    for i in range(2, 8):
        await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(), "text": f"m{i}"})
    seen, cursor = [], None
    for _ in range(10):
        page = await a.ok("chat:history", {"conversation_id": conv, "limit": 3,
                                           **({"cursor": cursor} if cursor else {})})
        seen = [m["text"] for m in page["messages"]] + seen
        cursor = page["cursor"]
        if cursor is None:
            break
    assert seen == [f"m{i}" for i in range(1, 8)]
    assert (await a.call("chat:history", {"conversation_id": conv, "cursor": "!!"})
            )["error"]["code"] == "invalid_cursor"


async def test_sync_returns_exactly_what_was_missed_and_edits(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(live_app.url)
    b = await bob.connect(live_app.url)
    conv = (await dm(a, bob, "m1"))["conversation_id"]
    await b.next("chat:message")
    state = await b.ok("chat:sync", {"conversations": [{"conversation_id": conv,
                                                        "last_seq": 0}]})
    bob_seq, bob_rev = state["conversations"][0]["last_seq"], \
        state["conversations"][0]["last_rev"]
    await b.close()
    for i in range(2, 6):
        await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(), "text": f"m{i}"})
    await a.ok("chat:edit", {"conversation_id": conv, "seq": 1, "text": "m1 (edited)"})
    b = await bob.connect(live_app.url)
    got = await b.ok("chat:sync", {"conversations": [
        {"conversation_id": conv, "last_seq": bob_seq, "last_rev": bob_rev}], "limit": 3})
    c = got["conversations"][0]
    assert [m["seq"] for m in c["messages"]] == [2, 3, 4] and c["has_more"]
    assert [(m["seq"], m["text"]) for m in c["changed"]] == [(1, "m1 (edited)")]
    got = await b.ok("chat:sync", {"conversations": [
        {"conversation_id": conv, "last_seq": c["last_seq"], "last_rev": c["last_rev"]}]})
    c = got["conversations"][0]
    assert [m["seq"] for m in c["messages"]] == [5] and not c["has_more"] and not c["changed"]
    # a device with no state gets what the user never confirmed: nothing, now
    assert (await b.ok("chat:sync", {}))["conversations"] == []


async def test_sync_while_messages_flow_answers_a_point_that_covers_what_it_returns(
        settings, make_user):
    """The client applies live messages above the answered last_seq; were a returned message
    above it, the client would apply it twice (once from sync, once live)."""
    import asyncio

    from tests.conftest import LiveApp

    app = await LiveApp(settings.with_(chat_socket_rate="1000/second",
                                       chat_user_rate="1000/second",
                                       chat_event_rate="1000/second")).start()
    try:
        alice, bob = await make_user("alice"), await make_user("bob")
        senders = [await alice.connect(app.url) for _ in range(4)]
        b = await bob.connect(app.url)
        conv = (await dm(senders[0], bob, "m0"))["conversation_id"]

        async def send(sock, k):
            for i in range(40):
                await sock.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                            "text": f"{k}.{i}"})

        flow = asyncio.gather(*(send(s, k) for k, s in enumerate(senders)))
        last_seen = 1
        while not flow.done():
            got = await b.ok("chat:sync", {"conversations": [
                {"conversation_id": conv, "last_seq": last_seen}]})
            (c,) = got["conversations"]
            assert [m["seq"] for m in c["messages"]] == \
                list(range(last_seen + 1, c["last_seq"] + 1))
            last_seen = c["last_seq"]
        await flow
    finally:
        await app.stop()


async def test_device_without_state_gets_unconfirmed_messages(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(live_app.url)
    conv = (await dm(a, bob, "m1"))["conversation_id"]
    await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(), "text": "m2"})
    b = await bob.connect(live_app.url)
    got = await b.ok("chat:sync", {})
    assert [(c["conversation_id"], [m["text"] for m in c["messages"]])
            for c in got["conversations"]] == [(conv, ["m1", "m2"])]
    receipt = await a.next("chat:receipt")
    assert receipt == {"conversation_id": conv, "user_id": bob.id, "kind": "delivered",
                       "seq": 2}


async def test_read_receipts_and_unread_counts(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)
    conv = (await dm(a, bob, "1"))["conversation_id"]
    for t in ("2", "3"):
        await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(), "text": t})
    listing = (await b.ok("chat:conversations", {}))["conversations"]
    assert [(c["id"], c["unread"], c["kind"]) for c in listing] == [(conv, 3, "dm")]
    assert (await a.ok("chat:conversations", {}))["conversations"][0]["unread"] == 0
    r = await b.ok("chat:read", {"conversation_id": conv, "seq": 2})
    assert r["advanced"] and r["seq"] == 2
    assert await a.next("chat:receipt") == {"conversation_id": conv, "user_id": bob.id,
                                            "kind": "read", "seq": 2}
    assert (await b.ok("chat:conversations", {}))["conversations"][0]["unread"] == 1
    # receipts never move back, nor past the last message
    assert not (await b.ok("chat:read", {"conversation_id": conv, "seq": 1}))["advanced"]
    assert (await b.ok("chat:read", {"conversation_id": conv, "seq": 50}))["seq"] == 3


async def test_a_group_title_of_only_invisible_characters_is_refused(live_app, make_user):
    """A title of zero-width or direction characters shows as nothing in the members'
    conversation lists (or as a spoofed name): refused like such a display name."""
    alice, bob = await make_user("alice"), await make_user("bob")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)
    for title in ("\u200b\u200f", "\u202e\u2066 \u3164", "\ufeff"):
        ack = await a.call("chat:create_group", {"title": title, "member_ids": [bob.id]})
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_title", title
    assert await b.nothing("chat:message", 0.3)  # no group was made
    conv = (await a.ok("chat:create_group", {"title": "\u200fel shella",
                                             "member_ids": [bob.id]}))["id"]
    ack = await a.call("chat:rename", {"conversation_id": conv, "title": "\u200b"})
    assert ack["ok"] is False and ack["error"]["code"] == "invalid_title"


async def test_group_members_admins_rename_leave(live_app, make_user):
    alice, bob, carol, dan = [await make_user(n) for n in ("alice", "bob", "carol", "dan")]
    a, b, c, d = [await u.connect(live_app.url) for u in (alice, bob, carol, dan)]
    g = await a.ok("chat:create_group", {"title": "el shella", "member_ids": [bob.id, carol.id]})
    conv = g["id"]
    for s in (b, c):
        assert (await s.next("chat:message"))["data"]["event"] == "created"
    await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(), "text": "ahlan"})
    assert (await b.next("chat:message"))["text"] == "ahlan"
    # a member is not an admin
    assert (await b.call("chat:add_members", {"conversation_id": conv, "user_ids": [dan.id]})
            )["error"]["code"] == "not_conversation_admin"
    await a.ok("chat:add_members", {"conversation_id": conv, "user_ids": [dan.id]})
    assert (await d.next("chat:message"))["data"] == {"event": "members_added",
                                                      "user_ids": [dan.id]}
    # dan sees what happens from when he joined, not before
    page = await d.ok("chat:history", {"conversation_id": conv})
    assert [m["data"]["event"] for m in page["messages"]] == ["members_added"]
    await a.ok("chat:rename", {"conversation_id": conv, "title": "el gama3a"})
    assert (await d.next("chat:message"))["data"]["title"] == "el gama3a"
    await a.ok("chat:remove_member", {"conversation_id": conv, "user_id": carol.id})
    await system_event(c, "member_removed")
    await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(), "text": "after"})
    assert [m["text"] or m["data"]["event"] for m in [await b.next("chat:message")
                                                      for _ in range(4)]] == \
        ["members_added", "renamed", "member_removed", "after"]
    assert await c.nothing("chat:message", 0.3)
    assert (await c.call("chat:history", {"conversation_id": conv})
            )["error"]["code"] == "conversation_not_found"
    # the only admin leaves: the longest-standing member becomes admin
    await a.ok("chat:leave", {"conversation_id": conv})
    left = await system_event(b, "member_left")
    assert left["data"]["promoted"] == bob.id
    await b.ok("chat:set_admin", {"conversation_id": conv, "user_id": dan.id, "admin": True})
    listing = {x["id"]: x for x in (await d.ok("chat:conversations", {}))["conversations"]}
    assert listing[conv]["role"] == "admin" and listing[conv]["title"] == "el gama3a"
    # DMs have no members to manage
    dmc = (await dm(b, dan, "hi"))["conversation_id"]
    assert (await b.call("chat:leave", {"conversation_id": dmc}))["error"]["code"] == "not_a_group"


async def test_non_member_cannot_join_read_or_touch_a_conversation(live_app, make_user):
    alice, bob, eve = await make_user("alice"), await make_user("bob"), await make_user("eve")
    a, e = await alice.connect(live_app.url), await eve.connect(live_app.url)
    conv = (await dm(a, bob, "secret"))["conversation_id"]
    g = (await a.ok("chat:create_group", {"title": "g", "member_ids": [bob.id]}))["id"]
    for target in (conv, g, str(uuid.uuid4())):
        attempts = {
            "chat:send": {"conversation_id": target, "client_id": cid(), "text": "let me in"},
            "chat:history": {"conversation_id": target},
            "chat:read": {"conversation_id": target, "seq": 1},
            "chat:delivered": {"conversation_id": target, "seq": 1},
            "chat:edit": {"conversation_id": target, "seq": 1, "text": "x"},
            "chat:delete": {"conversation_id": target, "seq": 1},
            "chat:leave": {"conversation_id": target},
            "chat:add_members": {"conversation_id": target, "user_ids": [eve.id]},
            "chat:remove_member": {"conversation_id": target, "user_id": alice.id},
            "chat:rename": {"conversation_id": target, "title": "mine"},
            "chat:set_admin": {"conversation_id": target, "user_id": eve.id, "admin": True},
            "typing:start": {"conversation_id": target},
            "typing:stop": {"conversation_id": target},
        }
        for event, payload in attempts.items():
            ack = await e.call(event, payload)
            assert ack["ok"] is False, (event, ack)
            # the same answer whether the conversation exists or not
            assert ack["error"]["code"] == "conversation_not_found", (event, ack)
    synced = await e.ok("chat:sync", {"conversations": [{"conversation_id": conv,
                                                         "last_seq": 0}]})
    assert synced == {"conversations": [], "gone": [conv]}
    assert (await e.ok("chat:conversations", {}))["conversations"] == []
    sub = await e.ok("presence:subscribe", {"user_ids": [alice.id, bob.id]})
    assert sub["presence"] == [] and sorted(sub["denied"]) == sorted([alice.id, bob.id])
    await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(), "text": "more"})
    assert await e.nothing("chat:message", 0.3)
    assert await e.nothing("typing:update", 0.01)


async def test_blocked_message_is_refused_and_nobody_sees_it(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)

    async def rule(state, text, user_id, context):
        if "forbidden-word" in text:
            return gate.Decision("block", layer="lists", reason="words.tsv:7 forbidden-word",
                                 category="insult")
        if "check-me" in text:
            return gate.Decision("hold", layer="patterns", reason="Needs review")
        return None

    gate.RULES.append(rule)
    try:
        conv = (await dm(a, bob, "salam"))["conversation_id"]
        await b.next("chat:message")
        ack = await a.call("chat:send", {"conversation_id": conv, "client_id": cid(),
                                         "text": "you forbidden-word"})
        assert ack["ok"] is False and ack["error"]["code"] == "message_blocked"
        # the kind of harm, never the rule that matched (that would teach evasion)
        assert "insults" in ack["error"]["message"]
        assert "forbidden-word" not in json.dumps(ack) and "tsv" not in json.dumps(ack)
        assert await b.nothing("chat:message", 0.3)
        held = await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                        "text": "please check-me"})
        assert held["held"] is True
        echoes = [await a.next("chat:message") for _ in range(2)]  # the author's sockets
        assert [m["text"] for m in echoes] == ["salam", "please check-me"]
        assert await b.nothing("chat:message", 0.3)
        bob_view = await b.ok("chat:history", {"conversation_id": conv})
        assert [m["text"] for m in bob_view["messages"]] == ["salam"]
        alice_view = await a.ok("chat:history", {"conversation_id": conv})
        assert [m["text"] for m in alice_view["messages"]] == ["salam", "please check-me"]
    finally:
        gate.RULES.remove(rule)


async def test_blocked_user_cannot_message(live_app, make_user, db):
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(live_app.url)
    b = await bob.connect(live_app.url)
    await dm(a, bob, "before")
    # the users domain owns `blocks`; create its shape here if it has not landed yet
    await db.execute("""CREATE TABLE IF NOT EXISTS blocks (
        blocker_id uuid NOT NULL, blocked_id uuid NOT NULL,
        PRIMARY KEY (blocker_id, blocked_id))""")
    await db.execute("INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)",
                     bob.id, alice.id)
    ack = await a.call("chat:send", {"to": bob.id, "client_id": cid(), "text": "after"})
    assert ack["ok"] is False and ack["error"]["code"] == "blocked"
    ack = await b.call("chat:send", {"to": alice.id, "client_id": cid(), "text": "me neither"})
    assert ack["error"]["code"] == "blocked"


async def test_size_limit_and_bad_payloads(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(live_app.url)
    too_long = await a.call("chat:send", {"to": bob.id, "client_id": cid(), "text": "x" * 4001})
    assert too_long["error"]["code"] == "message_too_long"
    for payload, code in [
        ({"to": bob.id, "client_id": cid()}, "empty_message"),
        ({"to": "not-a-uuid", "client_id": cid(), "text": "x"}, "invalid_payload"),
        ({"to": alice.id, "client_id": cid(), "text": "me"}, "invalid_recipient"),
        ({"to": str(uuid.uuid4()), "client_id": cid(), "text": "x"}, "user_not_found"),
        ({"client_id": cid(), "text": "x"}, "invalid_payload"),
        ({"to": bob.id, "client_id": cid(), "media": {"id": "x", "kind": "exe"}},
         "invalid_media"),
    ]:
        ack = await a.call("chat:send", payload)
        assert ack["ok"] is False and ack["error"]["code"] == code, (payload, ack)


async def test_sending_too_fast_is_rate_limited_with_retry_after(settings, make_user):
    from tests.conftest import LiveApp

    app = await LiveApp(settings.with_(chat_socket_rate="3/minute")).start()
    try:
        alice, bob = await make_user("alice"), await make_user("bob")
        a = await alice.connect(app.url)
        for i in range(3):
            await dm(a, bob, f"m{i}")
        ack = await a.call("chat:send", {"to": bob.id, "client_id": cid(), "text": "m3"})
        assert ack["error"]["code"] == "rate_limited" and ack["error"]["retry_after"] > 0
        # another socket of the same user has its own per-socket budget
        a2 = await alice.connect(app.url)
        await dm(a2, bob, "from the laptop")
    finally:
        await app.stop()


async def test_held_message_goes_to_review_and_a_restore_reaches_the_members(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    mod = await make_user("mona", role="moderator")
    a, b, m = [await u.connect(live_app.url) for u in (alice, bob, mod)]

    async def rule(state, text, user_id, context):
        return gate.Decision("hold", layer="patterns", reason="Needs review") \
            if "check-me" in text else None

    gate.RULES.append(rule)
    try:
        first = await dm(a, bob, "salam")
        conv = first["conversation_id"]
        held = await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                        "text": "please check-me"})
    finally:
        gate.RULES.remove(rule)
    assert held["held"] is True
    queue = (await m.ok("mod:queue", {}))["items"]
    item = next(i for i in queue if i["target_id"] == held["id"])
    assert item["target_type"] == "chat_message" and item["author_id"] == alice.id
    before = await b.ok("chat:sync", {"conversations": [{"conversation_id": conv,
                                                         "last_seq": 0, "last_rev": 0}]})
    c = before["conversations"][0]
    assert [x["text"] for x in c["messages"]] == ["salam"]
    await m.ok("mod:decide", {"item_id": item["id"], "decision": "restore"})
    after = await b.ok("chat:sync", {"conversations": [
        {"conversation_id": conv, "last_seq": c["last_seq"], "last_rev": c["last_rev"]}]})
    changed = after["conversations"][0]["changed"]
    assert [(x["seq"], x["text"], x["held"]) for x in changed] == [(2, "please check-me", False)]


async def test_editing_a_held_message_does_not_release_it(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)

    async def rule(state, text, user_id, context):
        return gate.Decision("hold", layer="patterns", reason="Needs review") \
            if "check-me" in text else None

    gate.RULES.append(rule)
    try:
        conv = (await dm(a, bob, "salam"))["conversation_id"]
        held = await a.ok("chat:send", {"conversation_id": conv, "client_id": cid(),
                                        "text": "please check-me"})
    finally:
        gate.RULES.remove(rule)
    edited = await a.ok("chat:edit", {"conversation_id": conv, "seq": held["seq"],
                                      "text": "innocent now"})
    assert edited["held"] is True and edited["text"] == "innocent now"
    await a.ok("chat:delete", {"conversation_id": conv, "seq": held["seq"]})
    assert (await b.next("chat:message"))["text"] == "salam"
    assert await b.nothing("chat:message", 0.2) and await b.nothing("chat:message_updated", 0.2)
    assert [m["text"] for m in (await b.ok("chat:history", {"conversation_id": conv})
                                )["messages"]] == ["salam"]
