"""Presence and typing on one in-process server (cross-process cases: test_chat_cluster.py)."""
from __future__ import annotations

import uuid

import pytest

from tests.conftest import LiveApp


@pytest.fixture
async def quick_app(settings):
    """A server whose typing indicators expire after 0.4 s (5 s by default)."""
    app = await LiveApp(settings.with_(typing_ttl=0.4, typing_throttle=0.2)).start()
    yield app
    await app.stop()


async def open_dm(sock, other) -> str:
    ack = await sock.ok("chat:send", {"to": other.id, "client_id": uuid.uuid4().hex,
                                      "text": "salam"})
    return ack["conversation_id"]


async def test_presence_online_away_offline_with_last_seen(live_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a = await alice.connect(live_app.url)
    await open_dm(a, bob)
    sub = await a.ok("presence:subscribe", {"user_ids": [bob.id]})
    assert sub["presence"] == [{"user_id": bob.id, "status": "offline", "last_seen": None}]
    phone = await bob.connect(live_app.url)
    assert (await a.next("presence:update"))["status"] == "online"
    laptop = await bob.connect(live_app.url)
    assert await a.nothing("presence:update", 0.2)  # still online: no news
    await phone.ok("presence:set", {"status": "away"})
    assert await a.nothing("presence:update", 0.2)  # the laptop is in the foreground
    await laptop.ok("presence:set", {"status": "away"})
    assert (await a.next("presence:update"))["status"] == "away"
    await phone.close()
    await laptop.close()
    gone = await a.next("presence:update")
    assert gone["status"] == "offline" and gone["last_seen"] > 0
    again = await a.ok("presence:subscribe", {"user_ids": [bob.id]})
    assert again["presence"] == [gone]


async def test_presence_is_visible_only_to_conversation_partners_and_followers(
        live_app, make_user, db):
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    a = await alice.connect(live_app.url)
    c = await carol.connect(live_app.url)
    await open_dm(a, bob)
    sub = await c.ok("presence:subscribe", {"user_ids": [alice.id, bob.id]})
    assert sub["presence"] == [] and sorted(sub["denied"]) == sorted([alice.id, bob.id])
    # the users domain owns `follows`; create its shape here if it has not landed yet
    await db.execute("""CREATE TABLE IF NOT EXISTS follows (
        follower_id uuid NOT NULL, followee_id uuid NOT NULL,
        PRIMARY KEY (follower_id, followee_id))""")
    await db.execute("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)",
                     carol.id, alice.id)
    sub = await c.ok("presence:subscribe", {"user_ids": [alice.id, bob.id]})
    assert [p["user_id"] for p in sub["presence"]] == [alice.id]
    assert sub["presence"][0]["status"] == "online" and sub["denied"] == [bob.id]
    # following is one way: alice does not follow carol
    assert (await a.ok("presence:subscribe", {"user_ids": [carol.id]}))["denied"] == [carol.id]
    b = await bob.connect(live_app.url)
    assert await c.nothing("presence:update", 0.3)  # carol may not watch bob
    await b.close()


async def test_typing_is_throttled_and_expires_by_itself(quick_app, make_user):
    alice, bob = await make_user("alice"), await make_user("bob")
    a, b = await alice.connect(quick_app.url), await bob.connect(quick_app.url)
    conv = await open_dm(a, bob)
    first = await a.ok("typing:start", {"conversation_id": conv})
    assert first["pushed"] is True
    assert await b.next("typing:update") == {"conversation_id": conv, "user_id": alice.id,
                                             "typing": True, "expires_in_ms": 400}
    again = await a.ok("typing:start", {"conversation_id": conv})
    assert again["pushed"] is False  # throttled: bob already knows
    # alice goes quiet: the indicator comes down by itself
    stopped = await b.next("typing:update", timeout=5)
    assert stopped["typing"] is False and stopped["user_id"] == alice.id
    assert await a.nothing("typing:update", 0.01)  # the typer is not told about herself
    # an explicit stop takes it down at once
    await a.ok("typing:start", {"conversation_id": conv})
    assert (await b.next("typing:update"))["typing"] is True
    await a.ok("typing:stop", {"conversation_id": conv})
    assert (await b.next("typing:update"))["typing"] is False
    assert await b.nothing("typing:update", 0.6)  # and no late expiry push after it


async def test_a_watcher_gets_one_update_per_friend_when_many_devices_come_and_go_at_once(
        live_app, make_user, db):
    """Presence writes are batched; each friend still goes online once and offline once."""
    import asyncio

    alice = await make_user("alice")
    friends = [await make_user(f"friend-{i}") for i in range(6)]
    await db.executemany("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)",
                         [(alice.id, f.id) for f in friends])
    a = await alice.connect(live_app.url)
    await a.ok("presence:subscribe", {"user_ids": [f.id for f in friends]})
    devices = await asyncio.gather(*(f.connect(live_app.url) for f in friends for _ in (1, 2)))
    online = [await a.next("presence:update") for _ in friends]
    assert sorted(u["user_id"] for u in online) == sorted(f.id for f in friends)
    assert {u["status"] for u in online} == {"online"}
    assert await a.nothing("presence:update", 0.3)  # the second device is no news
    await asyncio.gather(*(d.close() for d in devices))
    offline = [await a.next("presence:update") for _ in friends]
    assert sorted(u["user_id"] for u in offline) == sorted(f.id for f in friends)
    assert all(u["status"] == "offline" and u["last_seen"] > 0 for u in offline)
    assert await a.nothing("presence:update", 0.3)
