"""Feed rules around the post itself: fan-out as a background job, moderator removals and
restores reaching timelines and screens, whose video a post may carry, subscriber-only posts."""
from __future__ import annotations

import uuid

from handlers.feed import timeline
from handlers.feed.actions import do_publish_waiting_posts
from tests.support.social import (bodies, follow, home_all, post, uploaded_video,
                                  video_post_waiting)
from tests.wallet_support import fund, key


async def test_fan_out_is_a_job_a_worker_process_runs_for_followers_on_another_process(
        server_procs, worker_procs, make_user):
    # serving processes that leave fan-out to `python -m server worker`
    one, two = await server_procs(2, FEED_WORKER_CONCURRENCY="0")
    author, fan = await make_user("Author"), await make_user("Fan")
    a, f = await author.connect(one.url), await fan.connect(two.url)
    await follow(f, author.id)
    p = await post(a, "ahlan ya shabab")  # acknowledged while no worker runs
    assert p["status"] == "published" and p["fanout"]["mode"] == "push"
    assert await f.nothing("feed:new", 0.5)
    assert await home_all(f) == []  # not in anyone's feed before it is fanned out
    await worker_procs(1)
    assert (await f.next("feed:new", timeout=30))["post"]["id"] == p["id"]
    assert bodies(await home_all(f)) == ["ahlan ya shabab"]


async def test_a_post_reaches_every_follower_across_follower_pages_and_timeline_batches(
        live_app, make_user, monkeypatch):
    # pages of 2 followers and Lua batches of 2 timelines: 5 followers span 3 of each
    monkeypatch.setattr(timeline, "FOLLOWER_PAGE", 2)
    monkeypatch.setattr(timeline, "FANOUT_BATCH", 2)
    author = await make_user("Author")
    fans = [await make_user(f"Fan{i}") for i in range(5)]
    a = await author.connect(live_app.url)
    socks = [await u.connect(live_app.url) for u in fans]
    for s in socks:
        await follow(s, author.id)
        await home_all(s)  # every timeline cached: each one is written by the fan-out
    p = await post(a, "lel koll")
    for s in socks:
        assert (await s.next("feed:new"))["post"]["id"] == p["id"]
        assert bodies(await home_all(s)) == ["lel koll"]
    await a.ok("feed:delete", {"post_id": p["id"]})
    for s in socks:
        assert (await s.next("feed:remove"))["post_id"] == p["id"]
    cached = [await live_app.state.redis.zrange(timeline.timeline_key(live_app.state, u.id),
                                                0, -1) for u in fans]
    assert cached == [[timeline.MARKER]] * 5  # out of every cached timeline


async def _report_and_decide(reporter, mod, post_id: str, decision: str) -> str:
    rep = await reporter.ok("mod:report", {"target_type": "post", "target_id": post_id,
                                           "reason": "harassment"})
    await mod.ok("mod:decide", {"item_id": rep["item_id"], "decision": decision})
    return rep["item_id"]


async def test_a_post_a_moderator_removes_leaves_feeds_and_screens_and_an_appeal_brings_it_back(
        live_app, make_user):
    author, fan, reporter = await make_user("A"), await make_user("F"), await make_user("R")
    mod = await make_user("Mod", role="moderator")
    a, f, r, m = [await u.connect(live_app.url) for u in (author, fan, reporter, mod)]
    await follow(f, author.id)
    older = await post(a, "sabah el kheir")
    await f.next("feed:new")
    p = await post(a, "ya 3am el nas")
    await f.next("feed:new")
    assert bodies(await home_all(f)) == ["ya 3am el nas", "sabah el kheir"]
    item = await _report_and_decide(r, m, p["id"], "remove")
    assert (await f.next("feed:remove"))["post_id"] == p["id"]
    assert bodies(await home_all(f)) == ["sabah el kheir"]
    assert bodies(await home_all(a)) == ["sabah el kheir"]
    await a.ok("mod:appeal", {"item_id": item, "text": "it was a joke"})
    await m.ok("mod:decide", {"item_id": item, "decision": "restore"})
    back = await f.next("feed:new")
    assert back["post"]["id"] == p["id"]
    assert [x["id"] for x in await home_all(f)] == [p["id"], older["id"]]  # where it was


async def test_a_held_post_a_moderator_restores_is_published_to_followers_as_new(
        live_app, make_user):
    author, fan = await make_user("A"), await make_user("F")
    mod = await make_user("Mod", role="moderator")
    a, f, m = [await u.connect(live_app.url) for u in (author, fan, mod)]
    await follow(f, author.id)
    await m.ok("mod:queue", {})
    held = await post(a, "enta 7mar")  # the gate's lists hold this insult
    assert held["status"] == "held"
    item = (await m.next("mod:item"))["item"]["id"]
    await post(a, "sabah el ward")
    await f.next("feed:new")
    await m.ok("mod:decide", {"item_id": item, "decision": "restore"})
    assert (await f.next("feed:new"))["post"]["id"] == held["id"]
    assert bodies(await home_all(f)) == ["enta 7mar", "sabah el ward"]  # published now


async def test_a_post_carries_only_its_authors_own_video(live_app, make_user):
    alice, bob = await make_user("Alice"), await make_user("Bob")
    b = await bob.connect(live_app.url)
    state = live_app.state
    hers = await uploaded_video(state, alice.id, "ready")
    ack = await b.call("feed:post", {"kind": "video", "body": "look", "media_id": hers})
    assert ack["error"]["code"] == "not_media_owner"
    her_stream = await state.db.fetchval(
        "INSERT INTO live_streams (creator_id, key_hash) VALUES ($1::uuid, 'x') "
        "RETURNING id::text", alice.id)
    ack = await b.call("feed:post", {"kind": "video", "body": "look",
                                     "media_id": f"live:{her_stream}"})  # her recording
    assert ack["error"]["code"] == "not_media_owner"
    for unknown in (str(uuid.uuid4()), "media-123", f"live:{uuid.uuid4()}"):
        ack = await b.call("feed:post", {"kind": "video", "body": "x", "media_id": unknown})
        assert ack["error"]["code"] == "media_not_found"
    broken = await uploaded_video(state, bob.id, "failed")
    ack = await b.call("feed:post", {"kind": "video", "body": "x", "media_id": broken})
    assert ack["error"]["code"] == "media_failed"
    assert (await b.ok("feed:profile", {}))["items"] == []  # nothing half-written
    mine = await uploaded_video(state, bob.id, "ready")
    ok = await b.ok("feed:post", {"kind": "video", "body": "mine", "media_id": mine})
    assert ok["status"] == "published"


async def test_a_video_post_goes_out_even_if_the_media_worker_died_before_telling_the_feed(
        live_app, make_user):
    a, f, video, p = await video_post_waiting(live_app, make_user, "rehlet el gouna")
    # the worker committed "ready" and died before its hook told the feed
    await live_app.state.db.execute("UPDATE media SET status = 'ready' WHERE id = $1::uuid",
                                    video)
    assert await do_publish_waiting_posts(live_app.state) == [p["id"]]  # the minutely sweep
    assert (await f.next("feed:new"))["post"]["id"] == p["id"]
    assert await do_publish_waiting_posts(live_app.state) == []


async def test_subscriber_only_posts_are_a_locked_teaser_for_everyone_but_subscribers(
        live_app, make_user):
    creator = await make_user("Chef", role="creator")
    fan, subscriber, stranger = (await make_user("Fan"), await make_user("Sub"),
                                 await make_user("Stranger"))
    c, f, s, x = [await u.connect(live_app.url) for u in (creator, fan, subscriber, stranger)]
    await fund(live_app.state, subscriber.id, 12_000)
    tier = await c.ok("wallet:tier_set", {"name": "Gold", "price": 5_000})
    await s.ok("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": key()})
    await follow(f, creator.id)
    await follow(s, creator.id)
    p = await post(c, "el wasfa el sirriya", visibility="subscribers")
    for sock in (f, s):  # the push to many sockets carries the teaser
        pushed = (await sock.next("feed:new"))["post"]
        assert pushed["locked"] is True and pushed["body"] == ""
    full = await s.ok("feed:get", {"post_id": p["id"]})
    assert full["body"] == "el wasfa el sirriya" and full["locked"] is False
    assert (await home_all(s))[0]["body"] == "el wasfa el sirriya"
    for sock in (f, x):
        got = await sock.ok("feed:get", {"post_id": p["id"]})
        assert got["locked"] is True and got["body"] == "" and got["media_id"] is None
        prof = (await sock.ok("feed:profile", {"user_id": creator.id}))["items"]
        assert [(i["id"], i["locked"], i["body"]) for i in prof] == [(p["id"], True, "")]
    assert [(i["locked"], i["body"]) for i in await home_all(f)] == [(True, "")]
    # what lies behind the lock needs the subscription too
    for event, data in (("feed:watch", {"post_id": p["id"]}),
                        ("interactions:react", {"target_kind": "post", "target_id": p["id"],
                                                "kind": "like"}),
                        ("interactions:comment", {"post_id": p["id"], "body": "yummy"}),
                        ("interactions:comments", {"post_id": p["id"]})):
        assert (await f.call(event, data))["error"]["code"] == "subscribers_only", event
    await s.ok("interactions:comment", {"post_id": p["id"], "body": "tesalem edak"})
    assert (await c.ok("feed:get", {"post_id": p["id"]}))["body"] == "el wasfa el sirriya"


async def test_watchers_who_lose_sight_of_a_narrowed_post_stop_getting_its_comments(
        live_app, make_user):
    author, fan, stranger = (await make_user("Author"), await make_user("Fan"),
                             await make_user("Stranger"))
    a, f, s = (await author.connect(live_app.url), await fan.connect(live_app.url),
               await stranger.connect(live_app.url))
    await follow(f, author.id)
    p = await post(a, "mesa2 el kheir ya gama3a")
    await f.ok("feed:watch", {"post_id": p["id"]})
    await s.ok("feed:watch", {"post_id": p["id"]})
    await a.ok("feed:edit", {"post_id": p["id"], "visibility": "followers"})
    assert (await s.next("feed:remove"))["post_id"] == p["id"]
    assert (await f.next("feed:remove"))["post_id"] == p["id"]
    # the fan may still see it and watches again; the stranger may not
    await f.ok("feed:watch", {"post_id": p["id"]})
    assert (await s.call("feed:watch", {"post_id": p["id"]}))["ok"] is False
    await f.ok("interactions:comment", {"post_id": p["id"], "body": "mesa2 el noor"})
    assert (await f.next("interactions:comment"))["comment"]["body"] == "mesa2 el noor"
    assert await s.nothing("interactions:comment", 0.5)
