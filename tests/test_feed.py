"""Posts and the home feed: fan-out, hybrid pull for big accounts, cursors under load,
rebuild after Redis loses a timeline, live push and retraction across processes."""
from __future__ import annotations

import asyncio

from handlers.feed import actions as feed
from handlers.feed import timeline
from handlers.media.actions import do_mark_failed, do_mark_ready
from tests.support.social import (bodies, fanned_out, follow, home_all, post, uploaded_video,
                                  video_post_waiting)


async def test_new_post_reaches_followers_feed_and_live_sockets_on_another_process(
        server_procs, make_user):
    one, two = await server_procs(2)
    author, fan, stranger = await make_user("Author"), await make_user("Fan"), \
        await make_user("Stranger")
    a = await author.connect(one.url)
    f_phone = await fan.connect(two.url)  # another process: the push crosses Redis
    s = await stranger.connect(two.url)
    await follow(f_phone, author.id)
    p = await post(a, "salam ya gama3a")
    pushed = await f_phone.next("feed:new")
    assert pushed["post"]["id"] == p["id"] and pushed["post"]["body"] == "salam ya gama3a"
    assert await s.nothing("feed:new", 0.3)
    assert bodies(await home_all(f_phone)) == ["salam ya gama3a"]
    assert await home_all(s) == []
    await a.ok("feed:delete", {"post_id": p["id"]})
    assert (await f_phone.next("feed:remove"))["post_id"] == p["id"]
    assert await home_all(f_phone) == []
    assert (await f_phone.call("feed:get", {"post_id": p["id"]}))["error"]["code"] \
        == "post_not_found"


async def test_big_accounts_are_pulled_at_read_and_merged_in_order(live_app, make_user):
    app = live_app
    app.state.settings = app.state.settings.with_(extra={"feed_pull_threshold": 3})
    star, friend, reader = await make_user("Star"), await make_user("Friend"), \
        await make_user("Reader")
    others = [await make_user(f"o{i}") for i in range(2)]
    r = await reader.connect(app.url)
    st, fr = await star.connect(app.url), await friend.connect(app.url)
    for u in (r, *[await o.connect(app.url) for o in others]):
        await follow(u, star.id)  # 3 followers: the star is pulled, not pushed
    await follow(r, friend.id)
    await home_all(r)  # the reader's timeline is cached from here on
    expected = []
    for i in range(6):
        sock, who = (st, "star") if i % 2 == 0 else (fr, "friend")
        res = await post(sock, f"{who}-{i}")
        assert res["fanout"]["mode"] == ("pull" if who == "star" else "push")
        assert (await r.next("feed:new"))["post"]["id"] == res["id"]  # fanned out
        expected.insert(0, f"{who}-{i}")
    cached = await app.state.redis.zrange(timeline.timeline_key(app.state, reader.id), 0, -1)
    assert len(cached) == 1 + 3  # marker + the friend's posts only
    assert bodies(await home_all(r, limit=2)) == expected
    # and what arrives later merges the same way
    await post(st, "star-late")
    await r.next("feed:new")
    assert bodies(await home_all(r, limit=3))[:2] == ["star-late", "friend-5"]


def spelled(i: int) -> str:
    """A word of its own for each number: moderation's flood check reads "new-1" and "new-2"
    as the same message repeated (digits do not count), and these posts are not a flood."""
    return "z".join("abcdefghijklmnop"[(i >> (4 * k)) & 15] for k in range(3))


async def test_paging_while_100_posts_arrive_yields_every_post_once(live_app, make_user):
    state = live_app.state
    reader = await make_user("Reader")
    authors = [await make_user(f"a{i}") for i in range(10)]
    r = await reader.connect(live_app.url)
    for a in authors:
        await follow(r, a.id)
    old = [await feed.do_create_post(state, authors[i % 10].id,
                                     feed.NewPost(body=f"old-{i} {spelled(i)}")) for i in range(30)]

    async def arrive():
        async def one(i):
            await asyncio.sleep(0.002 * (i % 10))
            return await feed.do_create_post(state, authors[i % 10].id,
                                             feed.NewPost(body=f"new-{i} {spelled(i)}"))
        return await asyncio.gather(*(one(i) for i in range(100)))

    writer = asyncio.create_task(arrive())
    seen: list[str] = []
    page = await r.ok("feed:home", {"limit": 4})
    newer = page["newer_cursor"]
    seen += [p["id"] for p in page["items"]]
    while page["next_cursor"]:
        page = await r.ok("feed:home", {"limit": 4, "cursor": page["next_cursor"]})
        seen += [p["id"] for p in page["items"]]
        # and catch up on what arrived meanwhile, as an app does on pull-to-refresh
        up = await r.ok("feed:home", {"limit": 7, "newer_than": newer})
        newer = up["newer_cursor"]
        seen += [p["id"] for p in up["items"]]
    new = await writer
    for _ in range(len(old) + len(new)):  # the reader's app was told of every post
        await r.next("feed:new")
    for _ in range(100):
        up = await r.ok("feed:home", {"limit": 7, "newer_than": newer})
        newer = up["newer_cursor"]
        seen += [p["id"] for p in up["items"]]
        if not up["more"]:
            break
    assert len(seen) == len(set(seen)), "a post came twice"
    assert set(seen) == {p["id"] for p in old + new}


async def test_a_timeline_lost_from_redis_is_rebuilt_from_postgres(live_app, make_user):
    author, fan = await make_user("Author"), await make_user("Fan")
    a, f = await author.connect(live_app.url), await fan.connect(live_app.url)
    await follow(f, author.id)
    for i in range(5):
        await post(a, f"p{i}")
        await f.next("feed:new")
    assert bodies(await home_all(f)) == [f"p{i}" for i in reversed(range(5))]
    redis = live_app.state.redis
    keys = [k async for k in redis.scan_iter(match=live_app.state.key("*"))]
    await redis.delete(*keys)  # as if Redis had been flushed (counters and all)
    assert bodies(await home_all(f)) == [f"p{i}" for i in reversed(range(5))]
    await post(a, "after the flush")
    await f.next("feed:new")
    assert bodies(await home_all(f))[:2] == ["after the flush", "p4"]


async def test_video_post_is_published_only_when_its_media_is_ready(live_app, make_user):
    a, f, video, p = await video_post_waiting(live_app, make_user, "my first video")
    assert (await a.ok("feed:get", {"post_id": p["id"]}))["status"] == "pending_media"
    assert await home_all(f) == [] and await f.nothing("feed:new", 0.2)
    assert (await f.call("feed:get", {"post_id": p["id"]}))["error"]["code"] == "post_not_found"
    # the media worker finishes the ladder: the uploader hears it, the post goes out
    assert await do_mark_ready(live_app.state, video, [], f"{p['author']['id']}/{video}")
    assert (await a.next("media:ready"))["media_id"] == video
    assert (await f.next("feed:new"))["post"]["id"] == p["id"]
    assert bodies(await home_all(f)) == ["my first video"]
    # media already ready: the next post with it publishes at once
    again = await post(a, "same clip again", kind="video", media_id=video)
    assert again["status"] == "published"


async def test_a_video_post_whose_video_fails_stays_with_its_author_marked_failed(
        live_app, make_user):
    a, f, video, p = await video_post_waiting(live_app, make_user, "my broken clip")
    # the transcode finds the file corrupt: the uploader hears which post and why
    assert await do_mark_failed(live_app.state, video, "corrupt", "Not a playable video")
    told = await a.next("feed:media_failed")
    assert told == {"post_id": p["id"], "media_id": video, "code": "corrupt",
                    "reason": "Not a playable video"}
    assert (await a.ok("feed:get", {"post_id": p["id"]}))["status"] == "media_failed"
    assert await home_all(f) == [] and await f.nothing("feed:new", 0.2)
    # the video is gone for good: a new post cannot carry it
    again = await a.call("feed:post", {"kind": "video", "body": "retry", "media_id": video})
    assert again["ok"] is False and again["error"]["code"] == "media_failed"
    # the author can clear it away
    await a.ok("feed:delete", {"post_id": p["id"]})
    assert (await a.call("feed:get", {"post_id": p["id"]}))["error"]["code"] == \
        "post_not_found"


async def test_a_post_left_waiting_on_a_video_that_failed_is_settled_by_the_sweep(
        live_app, make_user):
    author = await make_user("Author")
    a = await author.connect(live_app.url)
    video = await uploaded_video(live_app.state, author.id)
    p = await post(a, "clip", kind="video", media_id=video)
    # the media worker died between failing the upload and telling the feed
    await live_app.state.db.execute("UPDATE media SET status = 'failed' WHERE id = $1::uuid",
                                    video)
    await feed.do_publish_waiting_posts(live_app.state)
    assert (await a.next("feed:media_failed"))["post_id"] == p["id"]
    assert (await a.ok("feed:get", {"post_id": p["id"]}))["status"] == "media_failed"


async def test_followers_only_posts_and_edits(live_app, make_user):
    author, fan, other = await make_user("A"), await make_user("F"), await make_user("O")
    a, f, o = (await author.connect(live_app.url), await fan.connect(live_app.url),
               await other.connect(live_app.url))
    await follow(f, author.id)
    p = await post(a, "for my people", visibility="followers")
    assert (await f.ok("feed:get", {"post_id": p["id"]}))["body"] == "for my people"
    assert (await o.call("feed:get", {"post_id": p["id"]}))["error"]["code"] == "post_not_found"
    assert (await o.ok("feed:profile", {"user_id": author.id}))["items"] == []
    pub = await post(a, "for everyone")
    await o.ok("feed:watch", {"post_id": pub["id"]})
    await a.ok("feed:edit", {"post_id": pub["id"], "body": "for everyone (edited)"})
    assert (await o.next("feed:update"))["post"]["body"] == "for everyone (edited)"
    await a.ok("feed:edit", {"post_id": pub["id"], "visibility": "followers"})
    assert (await o.next("feed:remove"))["post_id"] == pub["id"]
    assert (await o.call("feed:get", {"post_id": pub["id"]}))["error"]["code"] \
        == "post_not_found"
    ack = await f.call("feed:edit", {"post_id": pub["id"], "body": "hijack"})
    assert ack["error"]["code"] == "not_author"


async def test_blocked_and_muted_authors_stay_out_of_every_read_path(live_app, make_user):
    author, fan = await make_user("Author"), await make_user("Fan")
    a, f = await author.connect(live_app.url), await fan.connect(live_app.url)
    await follow(f, author.id)
    p = await post(a, "hello")
    await a.ok("feed:post", {"body": "a story", "story": True})
    await fanned_out(live_app.state)
    assert bodies(await home_all(f)) == ["hello"]
    assert len((await f.ok("feed:stories"))["items"]) == 1
    await f.ok("users:mute", {"user_id": author.id})
    f.drain("feed:new")
    assert await home_all(f) == []
    assert (await f.ok("feed:stories"))["items"] == []
    await post(a, "while muted")
    await fanned_out(live_app.state)
    assert await f.nothing("feed:new", 0.3)
    await f.ok("users:unmute", {"user_id": author.id})
    assert bodies(await home_all(f)) == ["while muted", "hello"]
    await a.ok("users:block", {"user_id": fan.id})
    assert await home_all(f) == []
    assert (await f.ok("feed:stories"))["items"] == []
    assert (await f.call("feed:get", {"post_id": p["id"]}))["error"]["code"] == "blocked"
    assert (await f.call("feed:profile", {"user_id": author.id}))["error"]["code"] == "blocked"
    ack = await f.call("users:follow", {"user_id": author.id})
    assert ack["error"]["code"] == "blocked"


async def test_a_held_post_is_seen_by_its_author_only_and_waits_in_the_review_queue(
        live_app, make_user):
    author, fan, mod = await make_user("A"), await make_user("F"), \
        await make_user("Mod", role="moderator")
    a, f, m = (await author.connect(live_app.url), await fan.connect(live_app.url),
               await mod.connect(live_app.url))
    await follow(f, author.id)
    await m.ok("mod:queue", {})
    held = await post(a, "enta 7mar")  # the gate's lists hold this insult
    assert held["status"] == "held"
    item = await m.next("mod:item")
    assert item["change"] == "held" and item["item"]["target_id"] == held["id"]
    assert await f.nothing("feed:new", 0.3)
    assert await home_all(f) == []
    assert (await f.call("feed:get", {"post_id": held["id"]}))["error"]["code"] \
        == "post_not_found"
    assert (await a.ok("feed:get", {"post_id": held["id"]}))["status"] == "held"
    # a report from the feed lands in the same queue
    ok = await post(a, "sabah el kheir")
    await f.ok("interactions:report", {"target_kind": "post", "target_id": ok["id"],
                                        "reason": "spam"})
    assert (await m.next("mod:item"))["change"] == "reported"
