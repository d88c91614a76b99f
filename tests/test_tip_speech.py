"""A tip is announced only where it belongs: a live stream of that creator the tipper may
watch, with its message moderated as live chat is. Refused tips move no money."""
from __future__ import annotations

from handlers.moderation import gate
from tests.wallet_support import fund, key, report, start_live_stream


async def test_a_tip_names_only_a_live_stream_of_that_creator_the_tipper_may_watch(
        live_app, make_user):
    fan = await make_user("fan")
    creator = await make_user("creator", role="creator")
    other = await make_user("other", role="creator")
    blocker = await make_user("blocker", role="creator")
    await fund(live_app.state, fan.id, 10_000)
    fs, cs, os_, bs = [await u.connect(live_app.url) for u in (fan, creator, other, blocker)]
    others_stream = await start_live_stream(live_app, os_)
    members_only = await start_live_stream(live_app, cs, visibility="subscribers")
    not_started = (await cs.ok("live:create", {"title": "later"}))["stream"]["id"]
    ended = await start_live_stream(live_app, cs)
    await cs.ok("live:end", {"stream_id": ended})
    removed_from = await start_live_stream(live_app, cs)
    await fs.ok("live:join", {"stream_id": removed_from})
    await cs.ok("live:remove", {"stream_id": removed_from, "user_id": fan.id})
    blocked_in = await start_live_stream(live_app, bs)
    await bs.ok("users:block", {"user_id": fan.id})

    before = await report(live_app.state)
    for stream_id, creator_id, code in [
            (others_stream, creator.id, "stream_mismatch"),
            (members_only, creator.id, "stream_not_visible"),
            (not_started, creator.id, "stream_not_live"),
            (ended, creator.id, "stream_ended"),
            (removed_from, creator.id, "removed_from_stream"),
            (blocked_in, blocker.id, "stream_not_visible"),
            ("6f1d0f7e-0000-4000-8000-000000000000", creator.id, "stream_not_found"),
            ("stream-1", creator.id, "stream_not_found")]:
        ack = await fs.call("wallet:tip", {"creator_id": creator_id, "amount": 500,
                                           "idempotency_key": key(), "stream_id": stream_id,
                                           "message": "shoufouni"})
        assert ack["ok"] is False and ack["error"]["code"] == code, (stream_id, ack)
    assert await fs.ok("wallet:balance", {}) == {"wallet": 10_000, "earnings": 0}
    assert await report(live_app.state) == before


async def test_a_tip_message_is_moderated_like_live_chat(live_app, make_user, monkeypatch):
    async def rules(state, text, user_id, context):
        if "bit.ly/" in text:
            return gate.Decision("block", layer="test", reason="link")
        if "7mar" in text:
            return gate.Decision("hold", layer="test", reason="insult")
        return None

    monkeypatch.setattr(gate, "RULES", [rules])
    fan, viewer = await make_user("fan"), await make_user("viewer")
    creator = await make_user("creator", role="creator")
    await fund(live_app.state, fan.id, 10_000)
    fs, vs, cs = [await u.connect(live_app.url) for u in (fan, viewer, creator)]
    stream = await start_live_stream(live_app, cs)
    await vs.ok("live:join", {"stream_id": stream})
    tip = {"creator_id": creator.id, "amount": 500, "stream_id": stream}
    ack = await fs.call("wallet:tip", {**tip, "idempotency_key": key(),
                                       "message": "shoof bit.ly/x"})
    assert ack["error"]["code"] == "message_blocked"
    await fs.ok("wallet:tip", {**tip, "idempotency_key": key(), "message": "enta ya 7mar"})
    shown = await vs.next("wallet:tip")
    assert shown["amount"] == 500 and shown["message"] is None   # the tip, not the insult
    assert (await vs.next("live:tip"))["message"] is None
