"""Creator subscriptions: subscribe, renew with and without funds (grace, lapse), cancel."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from handlers.wallet.subscription_actions import do_renew_due, is_subscriber
from tests.wallet_support import fund, key, report


async def _setup(live_app, make_user, funds: int):
    fan, creator = await make_user("fan"), await make_user("creator", role="creator")
    await fund(live_app.state, fan.id, funds)
    cs, fs = await creator.connect(live_app.url), await fan.connect(live_app.url)
    tier = await cs.ok("wallet:tier_set", {"name": "Gold", "price": 5_000})
    tiers = await fs.ok("wallet:tiers", {"creator_id": creator.id})
    assert [t["name"] for t in tiers["tiers"]] == ["Gold"]
    return fan, creator, fs, cs, tier


async def test_subscribe_renew_with_funds_and_cancel_at_period_end(live_app, make_user):
    fan, creator, fs, cs, tier = await _setup(live_app, make_user, 12_000)
    k = key()
    sub = await fs.ok("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": k})
    assert sub["status"] == "active" and sub["price"] == 5_000
    again = await fs.ok("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": k})
    assert again["subscription_id"] == sub["subscription_id"] and again["replayed"]
    ack = await fs.call("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": key()})
    assert ack["error"]["code"] == "already_subscribed"
    assert (await fs.ok("wallet:balance", {}))["wallet"] == 7_000
    async with live_app.state.db.acquire() as conn:
        assert await is_subscriber(conn, fan.id, creator.id)

    later = datetime.now(timezone.utc) + timedelta(days=31)
    assert (await do_renew_due(live_app.state, now=later))["renewed"] == 1
    assert (await do_renew_due(live_app.state, now=later))["renewed"] == 0  # not twice
    assert (await fs.ok("wallet:balance", {}))["wallet"] == 2_000
    assert (await cs.ok("wallet:balance", {}))["earnings"] == 2 * 4_500

    await fs.ok("wallet:unsubscribe", {"subscription_id": sub["subscription_id"]})
    counts = await do_renew_due(live_app.state, now=later + timedelta(days=31))
    assert counts["canceled"] == 1 and counts["renewed"] == 0
    assert (await fs.ok("wallet:balance", {}))["wallet"] == 2_000
    async with live_app.state.db.acquire() as conn:
        assert not await is_subscriber(conn, fan.id, creator.id)
    assert (await report(live_app.state))["ok"]


async def test_renewal_without_funds_goes_to_grace_then_lapses(live_app, make_user):
    fan, creator, fs, cs, tier = await _setup(live_app, make_user, 6_000)
    sub = await fs.ok("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": key()})
    later = datetime.now(timezone.utc) + timedelta(days=31)
    assert (await do_renew_due(live_app.state, now=later))["grace"] == 1
    assert (await fs.next("wallet:subscription"))["status"] == "grace"
    async with live_app.state.db.acquire() as conn:
        assert await is_subscriber(conn, fan.id, creator.id)   # grace keeps access
    assert (await fs.ok("wallet:balance", {}))["wallet"] == 1_000
    # still short a day later: stays in grace; after grace ends: lapsed
    assert (await do_renew_due(live_app.state, now=later + timedelta(days=1)))["grace"] == 0
    counts = await do_renew_due(live_app.state, now=later + timedelta(days=4))
    assert counts["lapsed"] == 1
    subs = await fs.ok("wallet:subscriptions", {})
    assert subs["subscriptions"][0]["status"] == "lapsed"
    async with live_app.state.db.acquire() as conn:
        assert not await is_subscriber(conn, fan.id, creator.id)
    assert (await fs.ok("wallet:balance", {}))["wallet"] == 1_000
    # money arrives during grace on another subscription: renewal succeeds
    sub2 = await fs.call("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": key()})
    assert sub2["error"]["code"] == "insufficient_funds"
    assert sub["subscription_id"]


async def test_grace_then_funds_renews(live_app, make_user):
    fan, creator, fs, cs, tier = await _setup(live_app, make_user, 6_000)
    await fs.ok("wallet:subscribe", {"tier_id": tier["id"], "idempotency_key": key()})
    later = datetime.now(timezone.utc) + timedelta(days=31)
    assert (await do_renew_due(live_app.state, now=later))["grace"] == 1
    await fund(live_app.state, fan.id, 5_000)
    assert (await do_renew_due(live_app.state, now=later + timedelta(days=1)))["renewed"] == 1
    subs = await fs.ok("wallet:subscriptions", {})
    assert subs["subscriptions"][0]["status"] == "active"
    assert (await fs.ok("wallet:balance", {}))["wallet"] == 1_000
