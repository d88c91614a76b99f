"""PDPL: the social domains export what they hold about a user and erase it."""
from __future__ import annotations

import handlers.feed.actions  # noqa: F401  (registers the holders)
import handlers.interactions.actions  # noqa: F401
import handlers.users.actions  # noqa: F401
from server.privacy import HOLDERS
from tests.support.social import follow, post


async def test_export_then_erase_leaves_nothing_of_the_user_and_fixes_counts(
        live_app, make_user, db):
    alice, bob = await make_user("Alice"), await make_user("Bob")
    a, b = await alice.connect(live_app.url), await bob.connect(live_app.url)
    await a.ok("users:update_profile", {"handle": "alice", "bio": "hi"})
    await follow(a, bob.id)
    await follow(b, alice.id)
    mine = await post(a, "my post")
    theirs = await post(b, "bob's post")
    await a.ok("interactions:react", {"target_id": theirs["id"], "kind": "love"})
    await a.ok("interactions:comment", {"post_id": theirs["id"], "body": "nice"})
    await b.ok("interactions:react", {"target_id": mine["id"], "kind": "like"})
    domains = ("users", "feed", "interactions")
    async with db.acquire() as conn:
        exported = {d: await HOLDERS[d].export(conn, alice.id) for d in domains}
    assert exported["users"]["profile"]["handle"] == "alice"
    assert [f["user_id"] for f in exported["users"]["following"]] == [bob.id]
    assert [p["body"] for p in exported["feed"]] == ["my post"]
    assert exported["interactions"]["comments"][0]["body"] == "nice"
    assert exported["interactions"]["reactions"][0]["kind"] == "love"
    assert exported["interactions"]["notifications"][0]["kind"] in ("follow", "reaction")
    async with db.acquire() as conn:
        async with conn.transaction():
            for d in domains:
                await HOLDERS[d].erase(conn, alice.id)
    for d in domains:
        if HOLDERS[d].after_commit:
            await HOLDERS[d].after_commit(live_app.state, alice.id)
    assert await db.fetchval("SELECT count(*) FROM follows WHERE $1 IN (follower_id, "
                             "followee_id)", alice.id) == 0
    assert await db.fetchval("SELECT count(*) FROM posts WHERE author_id = $1", alice.id) == 0
    assert await db.fetchval("SELECT count(*) FROM profiles WHERE user_id = $1", alice.id) == 0
    seen = await b.ok("feed:get", {"post_id": theirs["id"]})
    assert seen["reaction_total"] == 0 and seen["reactions"] == {}
    assert (await b.ok("users:profile", {}))["followers"] == 0
    assert (await b.ok("users:profile", {}))["following"] == 0
    comments = (await b.ok("interactions:comments", {"post_id": theirs["id"]}))["items"]
    assert comments[0]["deleted"] is True and comments[0]["body"] == ""
