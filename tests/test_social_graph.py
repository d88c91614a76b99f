"""Profiles, follow/block/mute and follower lists, as users see them over the socket."""
from __future__ import annotations

from tests.support.social import follow


async def test_profile_shows_counts_relation_and_badge(live_app, make_user):
    alice, bob, root = await make_user("Alice"), await make_user("Bob"), \
        await make_user("root", role="admin")
    a, b, r = (await alice.connect(live_app.url), await bob.connect(live_app.url),
               await root.connect(live_app.url))
    me = await a.ok("users:update_profile", {"handle": "alice_eg", "bio": "من القاهرة",
                                              "interests": ["football", "music"]})
    assert me["handle"] == "alice_eg" and me["bio"] == "من القاهرة"
    await follow(b, alice.id)
    await r.ok("users:verify", {"user_id": alice.id})
    seen = await b.ok("users:profile", {"handle": "@ALICE_eg"})
    assert seen["id"] == alice.id and seen["verified"] is True
    assert seen["followers"] == 1 and seen["relation"]["following"] is True
    assert (await b.ok("users:profile", {}))["following"] == 1
    # only admins grant badges; handles are unique ignoring case
    assert (await b.call("users:verify", {"user_id": bob.id}))["error"]["code"] == "forbidden"
    taken = await b.call("users:update_profile", {"handle": "Alice_EG"})
    assert taken["error"]["code"] == "handle_taken"


async def test_following_yourself_or_a_stranger_id_is_a_clear_error(live_app, make_user):
    alice = await make_user()
    a = await alice.connect(live_app.url)
    ack = await a.call("users:follow", {"user_id": alice.id})
    assert ack["error"]["code"] == "cannot_follow_self"
    ack = await a.call("users:follow", {"user_id": "00000000-0000-0000-0000-000000000001"})
    assert ack["error"]["code"] == "user_not_found"
    assert (await a.ok("users:profile", {}))["following"] == 0


async def test_block_cuts_follows_both_ways_and_hides_the_profile(live_app, make_user):
    alice, bob = await make_user("Alice"), await make_user("Bob")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)
    await follow(a, bob.id)
    await follow(b, alice.id)
    await a.ok("users:block", {"user_id": bob.id})
    for sock, other in ((b, alice.id), (a, bob.id)):
        ack = await sock.call("users:profile", {"user_id": other})
        assert ack["error"]["code"] == "blocked"
        assert (await sock.call("users:followers", {"user_id": other}))["error"]["code"] \
            == "blocked"
    ack = await b.call("users:follow", {"user_id": alice.id})
    assert ack["error"]["code"] == "blocked"
    assert (await a.ok("users:profile", {}))["followers"] == 0
    assert (await b.ok("users:profile", {}))["following"] == 0
    await a.ok("users:unblock", {"user_id": bob.id})
    await follow(b, alice.id)
    assert (await a.ok("users:profile", {}))["followers"] == 1


async def test_follower_list_pages_by_cursor_without_repeats(live_app, make_user):
    star = await make_user("Star")
    fans = [await make_user(f"fan{i}") for i in range(7)]
    for f in fans:
        await follow(await f.connect(live_app.url), star.id)
    s = await star.connect(live_app.url)
    seen, cursor = [], None
    for _ in range(10):
        page = await s.ok("users:followers", {"limit": 3, **({"cursor": cursor} if cursor
                                                             else {})})
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(f.id for f in fans)
    assert [u["id"] for u in (await s.ok("users:following", {"user_id": fans[0].id}))[
        "items"]] == [star.id]
    bad = await s.call("users:followers", {"cursor": "not-ours"})
    assert bad["error"]["code"] == "invalid_cursor"
