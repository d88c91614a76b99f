"""Creator dashboard: earnings by day and source, top supporters, subscriber counts."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.wallet_support import fund, key


async def test_creator_sees_earnings_supporters_and_subscribers(live_app, make_user):
    creator = await make_user("star", role="creator")
    fans = [await make_user(n) for n in ("amr", "mona", "omar")]
    for f in fans:
        await fund(live_app.state, f.id, 50_000)
    cs = await creator.connect(live_app.url)
    tier = await cs.ok("wallet:tier_set", {"name": "Fan club", "price": 3_000})
    socks = [await f.connect(live_app.url) for f in fans]
    for sock, amounts in zip(socks, ([1_000, 2_000], [10_000], [500])):
        for a in amounts:
            await sock.ok("wallet:tip", {"creator_id": creator.id, "amount": a,
                                         "idempotency_key": key()})
    await socks[2].ok("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": key()})
    today = datetime.now(ZoneInfo("Africa/Cairo")).date()
    m = await cs.ok("wallet:metrics", {"since": (today - timedelta(days=6)).isoformat(),
                                       "until": today.isoformat()})
    by = {(r["day"], r["source"]): r for r in m["earnings_by_day"]}
    assert by[(today.isoformat(), "tip")]["gross"] == 13_500
    assert by[(today.isoformat(), "tip")]["count"] == 4
    assert by[(today.isoformat(), "tip")]["net"] == 13_500 - 1_350
    assert by[(today.isoformat(), "subscription")]["gross"] == 3_000
    assert m["totals"]["gross"] == 16_500
    assert [s["display_name"] for s in m["top_supporters"]] == ["mona", "omar", "amr"]
    assert m["subscribers"] == [{"tier_id": tier["id"], "name": "Fan club", "price": 3_000,
                                 "active": 1, "grace": 0, "new_in_range": 1}]
    old = await cs.ok("wallet:metrics", {"since": "2020-01-01", "until": "2020-01-31"})
    assert old["earnings_by_day"] == [] and old["top_supporters"] == []
    ack = await cs.call("wallet:metrics", {"since": "2026-13-01", "until": "2026-01-01"})
    assert ack["error"]["code"] == "invalid_date"
    fan_ack = await socks[0].call("wallet:metrics", {"since": "2020-01-01",
                                                     "until": "2020-01-02"})
    assert fan_ack["error"]["code"] == "forbidden"
