"""Trust score with explained factors; trending by time-decayed engagement."""
from __future__ import annotations

import uuid

from handlers.feed import trending
from handlers.users.trust import do_record_upheld_report
from tests.support.social import post


def points(explained: dict) -> dict:
    return {f["factor"]: f["points"] for f in explained["factors"]}


async def test_trust_moves_with_the_events_and_every_point_is_explained(live_app, make_user,
                                                                         db):
    alice, mod = await make_user("Alice"), await make_user("Mod", role="moderator")
    blockers = [await make_user(f"b{i}") for i in range(2)]
    a, m = await alice.connect(live_app.url), await mod.connect(live_app.url)
    fresh = await a.ok("trust:explain", {})
    assert fresh["score"] == 20 and points(fresh)["phone_verified"] == 0
    await db.execute("UPDATE users SET phone = $2 WHERE id = $1", alice.id, "+201001234567")
    await db.execute("INSERT INTO auth_passkeys (user_id, credential_id, public_key) "
                     "VALUES ($1, $2, $3)", alice.id, uuid.uuid4().bytes, b"k")
    assert (await a.ok("trust:explain", {}))["score"] == 55
    for b in blockers:
        await (await b.connect(live_app.url)).ok("users:block", {"user_id": alice.id})
    stored = await db.fetchval("SELECT score FROM trust_scores WHERE user_id = $1", alice.id)
    assert stored == 49  # recomputed when the blocks arrived
    await do_record_upheld_report(live_app.state, alice.id, "report-1")
    await do_record_upheld_report(live_app.state, alice.id, "report-1")  # same report again
    seen = await m.ok("trust:explain", {"user_id": alice.id})
    assert seen["score"] == 34
    assert points(seen) == {"base": 20, "phone_verified": 20, "passkey": 15, "account_age": 0,
                            "trusted_engagement": 0, "upheld_reports": -15,
                            "blocks_received": -6}
    assert sum(points(seen).values()) == seen["score"]
    ack = await (await blockers[0].connect(live_app.url)).call("trust:explain",
                                                               {"user_id": alice.id})
    assert ack["error"]["code"] == "forbidden"


async def test_trending_orders_by_decayed_engagement_and_pages_without_repeats(
        live_app, make_user, db):
    author, reader = await make_user("Author"), await make_user("Reader")
    fans = [await make_user(f"f{i}") for i in range(6)]
    a, r = await author.connect(live_app.url), await reader.connect(live_app.url)
    fs = [await f.connect(live_app.url) for f in fans]
    old_hit = await post(a, "old but loved")
    fresh = await post(a, "fresh")
    quiet = await post(a, "quiet")
    hidden = await post(a, "followers only", visibility="followers")
    for s in fs:
        await s.ok("interactions:react", {"target_id": old_hit["id"], "kind": "like"})
    for s in fs[:3]:
        await s.ok("interactions:react", {"target_id": fresh["id"], "kind": "love"})
    await fs[0].ok("interactions:react", {"target_id": quiet["id"], "kind": "like"})
    await fs[0].ok("users:follow", {"user_id": author.id})
    await fs[0].ok("interactions:react", {"target_id": hidden["id"], "kind": "like"})
    # six reactions 30 hours ago weigh less than three in the last hour
    await db.execute("UPDATE posts SET published_at = now() - interval '30 hours' "
                     "WHERE id = $1", old_hit["id"])
    await trending.recompute(live_app.state)
    seen, cursor = [], None
    for _ in range(5):
        page = await r.ok("feed:trending", {"limit": 2, **({"cursor": cursor} if cursor
                                                           else {})})
        seen += [p["body"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["fresh", "quiet", "old but loved"]
    await r.ok("users:mute", {"user_id": author.id})
    assert (await r.ok("feed:trending", {}))["items"] == []


async def test_trending_shows_recent_posts_before_anyone_reacts(live_app, make_user):
    """A new app, or a quiet hour: trending is never empty while recent public posts exist,
    and a reaction lifts a post above its unreacted peers."""
    author, reader, fan = await make_user("Author"), await make_user("Reader"), \
        await make_user("Fan")
    a, r, f = (await author.connect(live_app.url), await reader.connect(live_app.url),
               await fan.connect(live_app.url))
    first = await post(a, "awel post")
    second = await post(a, "tany post")
    await trending.recompute(live_app.state)  # the minutely rescore
    bodies = [p["body"] for p in (await r.ok("feed:trending", {}))["items"]]
    assert set(bodies) == {"awel post", "tany post"}
    await f.ok("interactions:react", {"target_id": first["id"], "kind": "like"})
    await trending.recompute(live_app.state)
    bodies = [p["body"] for p in (await r.ok("feed:trending", {}))["items"]]
    assert bodies[0] == "awel post" and second["id"]
