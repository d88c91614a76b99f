"""Circles (policies, roles, members-only posts) and stories that expire (injected clock)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.support.social import follow, home_all, post


async def test_circle_posts_are_for_members_only(live_app, make_user):
    owner, member, outsider = await make_user("Owner"), await make_user("Member"), \
        await make_user("Outsider")
    o, m, x = (await owner.connect(live_app.url), await member.connect(live_app.url),
               await outsider.connect(live_app.url))
    await follow(x, owner.id)  # following the owner does not open the circle
    circle = await o.ok("circles:create", {"name": "Zamalek fans", "join_policy": "open"})
    assert (await m.ok("circles:join", {"circle_id": circle["id"]}))["status"] == "active"
    p = await post(o, "members only", visibility="circle", circle_id=circle["id"])
    got = await m.next("feed:new")
    assert got["post"]["id"] == p["id"] and got["feed"] == "circle"
    assert await x.nothing("feed:new", 0.3)
    assert [i["id"] for i in (await m.ok("feed:circle", {"circle_id": circle["id"]}))["items"]] \
        == [p["id"]]
    assert (await x.call("feed:circle", {"circle_id": circle["id"]}))["error"]["code"] \
        == "not_circle_member"
    assert (await x.call("feed:get", {"post_id": p["id"]}))["error"]["code"] == "post_not_found"
    assert await home_all(x) == [] and await home_all(m) == []
    ack = await x.call("feed:post", {"body": "let me in", "visibility": "circle",
                                     "circle_id": circle["id"]})
    assert ack["error"]["code"] == "not_circle_member"
    await m.ok("circles:leave", {"circle_id": circle["id"]})
    assert (await m.call("feed:get", {"post_id": p["id"]}))["error"]["code"] == "post_not_found"


async def test_approval_and_invite_only_circles_and_roles(live_app, make_user):
    owner, admin, joiner, invitee = (await make_user("Owner"), await make_user("Admin"),
                                     await make_user("Joiner"), await make_user("Invitee"))
    o, a, j, i = [await u.connect(live_app.url) for u in (owner, admin, joiner, invitee)]
    circle = await o.ok("circles:create", {"name": "Book club", "join_policy": "approval"})
    cid = circle["id"]
    assert (await a.ok("circles:join", {"circle_id": cid}))["status"] == "requested"
    req = await o.next("notify")
    assert req["kind"] == "circle_request"
    await o.ok("circles:approve", {"circle_id": cid, "user_id": admin.id})
    await o.ok("circles:set_role", {"circle_id": cid, "user_id": admin.id, "role": "admin"})
    # the admin invites; the invitee gets a notification and joins
    await a.ok("circles:invite", {"circle_id": cid, "user_id": invitee.id})
    note = await i.next("notify")
    assert note["kind"] == "circle_invite" and note["target_id"] == cid
    assert (await i.ok("circles:join", {"circle_id": cid}))["status"] == "active"
    # members list is for members; an admin cannot remove the owner
    members = await j.call("circles:members", {"circle_id": cid})
    assert members["error"]["code"] == "not_circle_member"
    roles = {u["id"]: u["role"] for u in (await i.ok("circles:members",
                                                      {"circle_id": cid}))["items"]}
    assert roles == {owner.id: "owner", admin.id: "admin", invitee.id: "member"}
    ack = await a.call("circles:remove", {"circle_id": cid, "user_id": owner.id})
    assert ack["error"]["code"] == "cannot_remove"
    await a.ok("circles:remove", {"circle_id": cid, "user_id": invitee.id})
    ack = await o.call("circles:leave", {"circle_id": cid})
    assert ack["error"]["code"] == "owner_cannot_leave"
    secret = await o.ok("circles:create", {"name": "Family", "join_policy": "invite"})
    ack = await j.call("circles:join", {"circle_id": secret["id"]})
    assert ack["error"]["code"] == "invite_required"
    ack = await j.call("circles:invite", {"circle_id": secret["id"], "user_id": joiner.id})
    assert ack["error"]["code"] == "not_circle_admin"


async def test_stories_vanish_from_every_read_path_after_24_hours(live_app, make_user):
    state = live_app.state
    t0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    clock = {"now": t0}
    state.extras["clock"] = lambda: clock["now"]
    author, fan = await make_user("Author"), await make_user("Fan")
    a, f = await author.connect(live_app.url), await fan.connect(live_app.url)
    await follow(f, author.id)
    story = await a.ok("feed:post", {"body": "breakfast", "story": True})
    assert story["expires_at"].startswith("2026-11-26T12:00")
    assert (await f.next("feed:new"))["feed"] == "stories"
    assert await home_all(f) == []  # stories live in their own tray, not the home feed
    clock["now"] = t0 + timedelta(hours=23, minutes=59)
    tray = (await f.ok("feed:stories"))["items"]
    assert [s["id"] for s in tray[0]["stories"]] == [story["id"]]
    await f.ok("interactions:comment", {"post_id": story["id"], "body": "bel hana"})
    clock["now"] = t0 + timedelta(hours=24, seconds=1)
    assert (await f.ok("feed:stories"))["items"] == []
    assert (await a.ok("feed:stories"))["items"] == []
    for sock in (f, a):
        assert (await sock.call("feed:get", {"post_id": story["id"]}))["error"]["code"] \
            == "post_not_found"
    ack = await f.call("interactions:react", {"target_id": story["id"], "kind": "like"})
    assert ack["error"]["code"] == "post_not_found"
    ack = await f.call("interactions:comments", {"post_id": story["id"]})
    assert ack["error"]["code"] == "post_not_found"
    assert (await f.ok("feed:profile", {"user_id": author.id}))["items"] == []
