"""Reactions, threaded comments, mentions and grouped notifications."""
from __future__ import annotations

import asyncio
import random

from handlers.interactions import actions as inter
from server.errors import AppError
from tests.support.social import follow, post


async def test_reaction_counts_are_exact_after_200_concurrent_toggles(live_app, make_user, db):
    state = live_app.state
    author = await make_user("Author")
    a = await author.connect(live_app.url)
    p = await post(a, "react to me")
    users = [await make_user(f"u{i}") for i in range(40)]
    rnd = random.Random(7)

    async def toggle(u):
        kind = rnd.choice(inter.REACTION_KINDS[:3])
        try:
            await inter.do_react(state, u.id, inter.React(target_id=p["id"], kind=kind))
        except AppError as err:  # same kind again, or a race with our own un-react
            if err.code != "already_reacted":
                raise
            try:
                await inter.do_unreact(state, u.id, "post", p["id"])
            except AppError as err2:
                if err2.code != "not_reacted":
                    raise

    await asyncio.gather(*(toggle(users[i % 40]) for i in range(200)))
    truth = {r["kind"]: r["n"] for r in await db.fetch(
        "SELECT kind, count(*) AS n FROM reactions WHERE target_id = $1 GROUP BY kind",
        p["id"])}
    seen = await a.ok("feed:get", {"post_id": p["id"]})
    assert seen["reactions"] == truth
    assert seen["reaction_total"] == sum(truth.values())


async def test_reacting_twice_is_refused_switching_is_not_and_viewers_see_it_live(
        live_app, make_user):
    author, fan, viewer = await make_user("Author"), await make_user("Fan"), \
        await make_user("Viewer")
    a, f, v = (await author.connect(live_app.url), await fan.connect(live_app.url),
               await viewer.connect(live_app.url))
    p = await post(a, "hi")
    await v.ok("feed:watch", {"post_id": p["id"]})
    r = await f.ok("interactions:react", {"target_id": p["id"], "kind": "love"})
    assert r["reactions"] == {"love": 1}
    assert (await v.next("interactions:reaction"))["reactions"] == {"love": 1}
    again = await f.call("interactions:react", {"target_id": p["id"], "kind": "love"})
    assert again["error"]["code"] == "already_reacted"
    r = await f.ok("interactions:react", {"target_id": p["id"], "kind": "haha"})
    assert r["reactions"] == {"haha": 1} and r["total"] == 1
    bad = await f.call("interactions:react", {"target_id": p["id"], "kind": "poop"})
    assert bad["error"]["code"] == "invalid_reaction"
    assert (await f.ok("feed:get", {"post_id": p["id"]}))["my_reaction"] == "haha"
    await f.ok("interactions:unreact", {"target_id": p["id"]})
    assert (await a.ok("feed:get", {"post_id": p["id"]}))["reaction_total"] == 0


async def test_replies_to_replies_come_in_thread_order_and_page(live_app, make_user):
    author, b, c = await make_user("Author"), await make_user("B"), await make_user("C")
    a, sb, sc = (await author.connect(live_app.url), await b.connect(live_app.url),
                 await c.connect(live_app.url))
    p = await post(a, "thread")
    await sc.ok("feed:watch", {"post_id": p["id"]})
    c1 = await sb.ok("interactions:comment", {"post_id": p["id"], "body": "1"})
    assert (await sc.next("interactions:comment"))["comment"]["id"] == c1["id"]
    c2 = await sc.ok("interactions:comment", {"post_id": p["id"], "body": "2"})
    r11 = await a.ok("interactions:comment", {"post_id": p["id"], "body": "1.1",
                                               "parent_id": c1["id"]})
    r111 = await sb.ok("interactions:comment", {"post_id": p["id"], "body": "1.1.1",
                                                 "parent_id": r11["id"]})
    r12 = await sc.ok("interactions:comment", {"post_id": p["id"], "body": "1.2",
                                                "parent_id": c1["id"]})
    assert r111["depth"] == 2
    got, cursor = [], None
    for _ in range(10):
        page = await sc.ok("interactions:comments", {"post_id": p["id"], "limit": 2,
                                                      **({"cursor": cursor} if cursor else {})})
        got += [(x["body"], x["depth"]) for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert got == [("1", 0), ("1.1", 1), ("1.1.1", 2), ("1.2", 1), ("2", 0)]
    sub = await sc.ok("interactions:comments", {"post_id": p["id"], "parent_id": c1["id"]})
    assert [x["body"] for x in sub["items"]] == ["1.1", "1.1.1", "1.2"]
    # removing a comment keeps its replies under a placeholder
    await sb.ok("interactions:delete_comment", {"comment_id": c1["id"]})
    items = (await sc.ok("interactions:comments", {"post_id": p["id"]}))["items"]
    assert items[0]["deleted"] is True and items[0]["body"] == "" and len(items) == 5
    assert (await a.ok("feed:get", {"post_id": p["id"]}))["comment_count"] == 4
    del c2, r12


async def test_commenting_on_a_deleted_post_fails_and_writes_nothing(live_app, make_user, db):
    author, fan = await make_user("Author"), await make_user("Fan")
    a, f = await author.connect(live_app.url), await fan.connect(live_app.url)
    p = await post(a, "soon gone")
    await a.ok("feed:delete", {"post_id": p["id"]})
    ack = await f.call("interactions:comment", {"post_id": p["id"], "body": "late"})
    assert ack["error"]["code"] == "post_not_found"
    ack = await f.call("interactions:react", {"target_id": p["id"], "kind": "like"})
    assert ack["error"]["code"] == "post_not_found"
    assert await db.fetchval("SELECT count(*) FROM comments") == 0
    assert await db.fetchval("SELECT count(*) FROM notifications") == 0


async def test_notifications_group_push_live_count_unread_and_skip_muted(live_app, make_user):
    author = await make_user("Author")
    a = await author.connect(live_app.url)
    await a.ok("users:update_profile", {"handle": "the_author"})
    p = await post(a, "notify me")
    fans = [await make_user(n) for n in ("Ahmed", "Mona", "Karim", "Muted")]
    socks = [await u.connect(live_app.url) for u in fans]
    await a.ok("users:mute", {"user_id": fans[3].id})
    for s in socks:
        await s.ok("interactions:react", {"target_id": p["id"], "kind": "like"})
    pushes = [await a.next("notify") for _ in range(3)]
    assert await a.nothing("notify", 0.3)  # the muted user never notifies
    assert pushes[-1]["text"] == "Karim and 2 others reacted to your post"
    assert pushes[-1]["unread_count"] == 1
    await socks[0].ok("interactions:comment", {"post_id": p["id"],
                                                "body": "@the_author mabrouk!"})
    await follow(socks[1], author.id)
    page = await a.ok("notifications:list", {})
    kinds = [n["kind"] for n in page["items"]]
    assert kinds == ["follow", "comment", "reaction"]  # the mention of the post's author
    assert page["unread_count"] == 3                     # is folded into the comment
    assert page["items"][2]["actor_count"] == 3
    await a.ok("notifications:read", {"ids": [page["items"][0]["id"]]})
    assert (await a.ok("notifications:unread"))["unread_count"] == 2
    await a.ok("notifications:read", {})
    assert (await a.ok("notifications:unread"))["unread_count"] == 0
    # a new reaction after reading starts a new group
    await socks[2].ok("interactions:unreact", {"target_id": p["id"]})
    await socks[2].ok("interactions:react", {"target_id": p["id"], "kind": "wow"})
    a.drain("notify")
    assert (await a.ok("notifications:unread"))["unread_count"] == 1


async def test_mentions_notify_the_mentioned_user_unless_they_blocked_the_author(
        live_app, make_user):
    author, nour, sara = await make_user("Author"), await make_user("Nour"), \
        await make_user("Sara")
    a, n, s = (await author.connect(live_app.url), await nour.connect(live_app.url),
               await sara.connect(live_app.url))
    await n.ok("users:update_profile", {"handle": "nour"})
    await s.ok("users:update_profile", {"handle": "sara"})
    await s.ok("users:block", {"user_id": author.id})
    p = await post(a, "hello")
    await a.ok("interactions:comment", {"post_id": p["id"], "body": "@nour @sara shoufo"})
    got = await n.next("notify")
    assert got["kind"] == "mention" and got["text"] == "Author mentioned you"
    assert await s.nothing("notify", 0.3)


async def test_report_is_handed_to_moderation(live_app, make_user):
    author, fan = await make_user("Author"), await make_user("Fan")
    a, f = await author.connect(live_app.url), await fan.connect(live_app.url)
    p = await post(a, "reported")
    received = []

    async def sink(state, reporter, report):
        received.append((reporter, report.target_id, report.reason))
        return {"report_id": "r1"}

    inter.REPORT_SINKS.insert(0, sink)
    try:
        got = await f.ok("interactions:report", {"target_kind": "post", "target_id": p["id"],
                                                  "reason": "spam"})
    finally:
        inter.REPORT_SINKS.remove(sink)
    assert got == {"report_id": "r1"} and received == [(fan.id, p["id"], "spam")]
