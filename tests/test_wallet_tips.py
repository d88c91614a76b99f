"""Tips over the socket: live room, notification, balances; bad input leaves the ledger alone."""
from __future__ import annotations

import asyncio

from tests.wallet_support import fund, key, report, start_live_stream


async def test_tip_shows_live_notifies_creator_and_pushes_balances(live_app, make_user):
    fan, creator = await make_user("fan"), await make_user("creator", role="creator")
    viewer = await make_user("viewer")
    await fund(live_app.state, fan.id, 10_000)
    fs = await fan.connect(live_app.url)
    cs = await creator.connect(live_app.url)
    vs = await viewer.connect(live_app.url)
    stream = await start_live_stream(live_app, cs)
    await vs.ok("live:join", {"stream_id": stream})
    tip = await fs.ok("wallet:tip", {"creator_id": creator.id, "amount": 2_000,
                                      "idempotency_key": key(), "stream_id": stream,
                                      "message": "ya 3am el7elw"})
    assert tip["amount"] == 2_000 and tip["fee"] == 200 and tip["net"] == 1_800
    assert tip["balance"] == 8_000
    live = await vs.next("wallet:tip")
    assert live["amount"] == 2_000 and live["from_name"] == "fan"
    assert live["message"] == "ya 3am el7elw"
    note = await cs.next("notify")
    assert note["kind"] == "tip" and note["data"]["amount"] == 2_000
    assert note["text"] == "fan sent you a tip"
    assert (await vs.next("live:tip"))["amount_piastres"] == 2_000  # the live domain's event
    assert (await fs.next("wallet:balance"))["wallet"] == 8_000
    assert (await cs.next("wallet:balance"))["earnings"] == 1_800
    assert await fs.ok("wallet:balance", {}) == {"wallet": 8_000, "earnings": 0}
    assert (await report(live_app.state))["ok"]


async def test_bad_tips_get_clear_codes_and_move_nothing(live_app, make_user, settings):
    import asyncpg

    fan, creator = await make_user("fan"), await make_user("creator", role="creator")
    banned = await make_user("banned", role="creator")
    plain = await make_user("plain")
    await fund(live_app.state, fan.id, 5_000)
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    await conn.execute("UPDATE users SET status = 'suspended' WHERE id = $1", banned.id)
    await conn.close()
    fs = await fan.connect(live_app.url)
    before = await report(live_app.state)
    cases = [
        ({"creator_id": creator.id, "amount": -500}, "invalid_amount"),
        ({"creator_id": creator.id, "amount": 0}, "invalid_amount"),
        ({"creator_id": creator.id, "amount": 10.5}, "invalid_payload"),
        ({"creator_id": creator.id, "amount": 500, "currency": "USD"}, "unsupported_currency"),
        ({"creator_id": fan.id, "amount": 500}, "self_tip"),
        ({"creator_id": banned.id, "amount": 500}, "creator_unavailable"),
        ({"creator_id": plain.id, "amount": 500}, "creator_not_found"),
        ({"creator_id": "not-a-uuid", "amount": 500}, "user_not_found"),
        ({"creator_id": creator.id, "amount": 6_000}, "insufficient_funds"),
    ]
    for payload, code in cases:
        ack = await fs.call("wallet:tip", {**payload, "idempotency_key": key()})
        assert ack["ok"] is False and ack["error"]["code"] == code, (payload, ack)
    after = await report(live_app.state)
    assert after["transfers"] == before["transfers"] and after["ok"]
    assert await fs.ok("wallet:balance", {}) == {"wallet": 5_000, "earnings": 0}


async def test_same_key_twenty_times_in_parallel_is_one_tip(live_app, make_user):
    fan, creator = await make_user("fan"), await make_user("creator", role="creator")
    await fund(live_app.state, fan.id, 10_000)
    fs = await fan.connect(live_app.url)
    k = key()
    body = {"creator_id": creator.id, "amount": 1_000, "idempotency_key": k}
    acks = await asyncio.gather(*(fs.call("wallet:tip", body) for _ in range(20)))
    assert all(a["ok"] for a in acks), acks
    assert len({a["data"]["tip_id"] for a in acks}) == 1
    assert sum(1 for a in acks if not a["data"]["replayed"]) == 1
    assert await fs.ok("wallet:balance", {}) == {"wallet": 9_000, "earnings": 0}
    # same key, different body: conflict, nothing moves
    ack = await fs.call("wallet:tip", {**body, "amount": 2_000})
    assert ack["error"]["code"] == "conflict"
    assert await fs.ok("wallet:balance", {}) == {"wallet": 9_000, "earnings": 0}
