"""Reports, the live review queue, decisions and the one appeal (in-process server)."""
from __future__ import annotations

import asyncio

import asyncpg

from handlers.moderation.actions import do_hold_for_review
from handlers.moderation.gate import moderate_text
from tests.support.clients import SocketClient


async def _conn(settings):
    return await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})


async def _post(settings, author_id: str, body: str) -> str:
    conn = await _conn(settings)
    try:
        return await conn.fetchval(
            "INSERT INTO posts (author_id, kind, body) VALUES ($1::uuid, 'text', $2) "
            "RETURNING id::text", author_id, body)
    finally:
        await conn.close()


async def _fetchval(settings, sql: str, *args):
    conn = await _conn(settings)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_a_report_reaches_every_moderator_live_and_a_claim_shows_to_the_others(
        live_app, make_user, settings):
    author, reporter = await make_user("author"), await make_user("reporter")
    mod1, mod2 = await make_user("mod1", role="moderator"), await make_user("mod2", role="moderator")
    post_id = await _post(settings, author.id, "ya sharmoota")
    m1, m2 = await mod1.connect(live_app.url), await mod2.connect(live_app.url)
    assert (await m1.ok("mod:queue", {}))["items"] == []
    await m2.ok("mod:queue", {})
    r = await reporter.connect(live_app.url)
    # the reporter's copy of the text is ignored: the post table is the truth
    rep = await r.ok("mod:report", {"target_type": "post", "target_id": post_id,
                                    "reason": "harassment", "text": "something else"})
    for m in (m1, m2):
        ev = await m.next("mod:item")
        assert ev["change"] == "reported"
        assert ev["item"]["text_snapshot"] == "ya sharmoota"
        assert ev["item"]["author_id"] == author.id and ev["item"]["report_count"] == 1
    claimed = await m1.ok("mod:claim", {"item_id": rep["item_id"]})
    assert claimed["claimed_by"] == mod1.id
    ev = await m2.next("mod:item")
    assert ev["change"] == "claimed" and ev["item"]["claimed_by"] == mod1.id
    ack = await m2.call("mod:claim", {"item_id": rep["item_id"]})
    assert ack["error"]["code"] == "already_claimed"
    ack = await m2.call("mod:decide", {"item_id": rep["item_id"], "decision": "remove"})
    assert ack["error"]["code"] == "already_claimed"


async def test_remove_takes_the_post_down_tells_the_author_and_one_appeal_can_restore_it(
        live_app, make_user, settings):
    author, reporter = await make_user("author"), await make_user("reporter")
    mod = await make_user("mod", role="moderator")
    post_id = await _post(settings, author.id, "kos omak")
    a, r, m = (await author.connect(live_app.url), await reporter.connect(live_app.url),
               await mod.connect(live_app.url))
    await m.ok("mod:queue", {})
    rep = await r.ok("mod:report", {"target_type": "post", "target_id": post_id,
                                    "reason": "harassment"})
    decided = await m.ok("mod:decide", {"item_id": rep["item_id"], "decision": "remove"})
    assert decided["acted_on_content"] is True
    assert await _fetchval(settings, "SELECT status FROM posts WHERE id = $1::uuid",
                           post_id) == "deleted"
    note = await a.next("mod:decision")
    assert note["decision"] == "remove" and note["can_appeal"] is True
    assert (await a.ok("mod:standing", {}))["strikes"] == 1
    assert (await r.ok("mod:standing", {}))["reports_upheld"] == 1
    # the decided item left the queue; the appeal brings it back, once
    await m.next("mod:item")  # reported
    await m.next("mod:item")  # decided
    assert (await a.ok("mod:appeal", {"item_id": rep["item_id"], "text": "it was a joke"}))[
        "appeal"] == "pending"
    ev = await m.next("mod:item")
    assert ev["change"] == "appealed"
    ack = await a.call("mod:appeal", {"item_id": rep["item_id"], "text": "again"})
    assert ack["error"]["code"] == "already_appealed"
    queue = (await m.ok("mod:queue", {}))["items"]
    assert [i["id"] for i in queue] == [rep["item_id"]]
    restored = await m.ok("mod:decide", {"item_id": rep["item_id"], "decision": "restore"})
    assert restored["appeal_status"] == "overturned"
    assert await _fetchval(settings, "SELECT status FROM posts WHERE id = $1::uuid",
                           post_id) == "published"
    assert (await m.ok("mod:queue", {}))["items"] == []
    # nobody else may appeal; nothing left to appeal
    ack = await r.call("mod:appeal", {"item_id": rep["item_id"]})
    assert ack["error"]["code"] == "forbidden"


async def test_content_held_by_the_gate_enters_the_queue_and_restore_publishes_it(
        live_app, make_user, settings):
    author, mod = await make_user("author"), await make_user("mod", role="moderator")
    m = await mod.connect(live_app.url)
    await m.ok("mod:queue", {})
    text = "enta 7mar"
    decision = await moderate_text(live_app.state, text, user_id=author.id, context="post")
    assert decision.action == "hold"
    conn = await _conn(settings)
    post_id = await conn.fetchval(
        "INSERT INTO posts (author_id, kind, body, status) VALUES ($1::uuid, 'text', $2, 'held')"
        " RETURNING id::text", author.id, text)
    await conn.close()
    await do_hold_for_review(live_app.state, target_type="post", target_id=post_id,
                             author_id=author.id, text=text, decision=decision)
    ev = await m.next("mod:item")
    assert ev["change"] == "held" and ev["item"]["auto_decision"]["layer"] == "lists"
    await m.ok("mod:decide", {"item_id": ev["item"]["id"], "decision": "restore"})
    assert await _fetchval(settings, "SELECT status FROM posts WHERE id = $1::uuid",
                           post_id) == "published"


async def test_a_report_cannot_put_words_in_someones_mouth(live_app, make_user, settings):
    # before: a target type with no table here kept the reporter's `text` and `author_id`,
    # and a moderator's `warn` on it gave the named user a warning
    reporter, other = await make_user("reporter"), await make_user("other")
    mod = await make_user("mod", role="moderator")
    r, m = await reporter.connect(live_app.url), await mod.connect(live_app.url)
    ack = await r.call("mod:report", {"target_type": "live_comment", "target_id": "c-1",
                                      "reason": "spam", "text": "kalemny 01012345678",
                                      "author_id": other.id})
    assert ack["error"]["code"] == "invalid_target"
    ack = await r.call("mod:report", {"target_type": "post", "target_id": "c-2",
                                      "reason": "bogus"})
    assert ack["error"]["code"] == "invalid_reason"
    # an item from before this rule, holding a reporter's copy: decided, nobody penalised
    conn = await _conn(settings)
    try:
        item = await conn.fetchval(
            "INSERT INTO mod_items (target_type, target_id, author_id, text_snapshot, "
            "snapshot_from, source) VALUES ('live_comment', 'c-9', $1::uuid, 'words', "
            "'reporter', 'report') RETURNING id::text", other.id)
    finally:
        await conn.close()
    decided = await m.ok("mod:decide", {"item_id": item, "decision": "warn"})
    assert decided["acted_on_content"] is False
    o = await other.connect(live_app.url)
    assert (await o.ok("mod:standing", {}))["warnings"] == 0


async def test_live_chat_is_reported_from_the_servers_copy(live_app, make_user):
    creator, talker, reporter = [await make_user(n) for n in ("creator", "talker", "reporter")]
    mod = await make_user("mod", role="moderator")
    cs, ts, rs = [await u.connect(live_app.url) for u in (creator, talker, reporter)]
    sid = (await cs.ok("live:create", {"title": "sahra"}))["stream"]["id"]
    await ts.ok("live:join", {"stream_id": sid})
    msg = await ts.ok("live:chat", {"stream_id": sid, "text": "ahlan ya gama3a"})
    rep = await rs.ok("mod:report", {"target_type": "live_chat", "target_id": str(msg["id"]),
                                     "reason": "spam", "text": "something he never said"})
    m = await mod.connect(live_app.url)
    item = next(i for i in (await m.ok("mod:queue", {}))["items"] if i["id"] == rep["item_id"])
    assert item["text_snapshot"] == "ahlan ya gama3a" and item["author_id"] == talker.id
    assert item["snapshot_from"] == "server"
    ack = await rs.call("mod:report", {"target_type": "live_chat", "target_id": "99999999",
                                       "reason": "spam"})
    assert ack["error"]["code"] == "target_not_found"


async def test_suspension_signs_the_author_out_and_only_staff_work_the_queue(
        live_app, make_user, settings):
    author, reporter = await make_user("author"), await make_user("reporter")
    mod = await make_user("mod", role="moderator")
    post_id = await _post(settings, author.id, "ha2tlak")
    a, r, m = (await author.connect(live_app.url), await reporter.connect(live_app.url),
               await mod.connect(live_app.url))
    ack = await r.call("mod:queue", {})
    assert ack["error"]["code"] == "forbidden"
    rep = await r.ok("mod:report", {"target_type": "post", "target_id": post_id,
                                    "reason": "violence"})
    await m.ok("mod:decide", {"item_id": rep["item_id"], "decision": "suspend",
                              "suspend_hours": 24})
    assert await _fetchval(settings, "SELECT status FROM users WHERE id = $1::uuid",
                           author.id) == "suspended"
    for _ in range(50):  # the auth domain cuts the sockets of revoked sessions
        if not a.sio.connected:
            break
        await asyncio.sleep(0.1)
    assert not a.sio.connected
    # the same access token cannot come back while the suspension stands
    refused = await SocketClient(live_app.url, author.token).try_connect()
    assert refused is not None and refused["data"]["code"] == "session_revoked"
    audit = await _fetchval(settings, "SELECT count(*) FROM pdpl_audit WHERE action = "
                                      "'mod_decide' AND subject_id = $1::uuid", author.id)
    assert audit == 1
