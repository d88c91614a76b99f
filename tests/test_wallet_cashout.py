"""Cashout: identity requirements, limits, hold, admin approve/reject, payout failure."""
from __future__ import annotations

import os
from dataclasses import replace

import asyncpg

from handlers.wallet.runtime import runtime
from tests.wallet_support import fund, key, report
from handlers.wallet.ledger import PLATFORM, earnings


async def _verified_creator(settings, make_user, live_app, *, earned: int, phone=True,
                            passkey=True):
    creator = await make_user("creator", role="creator")
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    try:
        if phone:
            await conn.execute("UPDATE users SET phone = $2 WHERE id = $1", creator.id,
                               "+2010" + os.urandom(4).hex()[:8].translate(
                                   str.maketrans("abcdef", "123456")))
        if passkey:
            # The identity domain (migration 0100) owns auth_passkeys; if it has not landed in
            # this checkout, a compatible minimal table stands in for it in this test schema.
            await conn.execute("""CREATE TABLE IF NOT EXISTS auth_passkeys (
                user_id uuid NOT NULL, credential_id bytea NOT NULL UNIQUE,
                public_key bytea NOT NULL)""")
            await conn.execute("INSERT INTO auth_passkeys (user_id, credential_id, public_key) "
                               "VALUES ($1, $2, $3)", creator.id, os.urandom(16), b"pk")
    finally:
        await conn.close()
    if earned:
        rt = runtime(live_app.state)
        async with live_app.state.db.acquire() as c:
            await rt.ledger.post(c, kind="adjustment", amount=earned,
                                 legs=[(PLATFORM, -earned), (earnings(creator.id), earned)])
    return creator


async def test_cashout_needs_verified_phone_and_passkey(live_app, make_user, settings):
    no_phone = await _verified_creator(settings, make_user, live_app, earned=10_000,
                                       phone=False)
    no_key = await _verified_creator(settings, make_user, live_app, earned=10_000,
                                     passkey=False)
    fan = await make_user("fan")
    body = {"amount": 6_000, "method": "mobile_wallet", "destination": "01001234567"}
    for user, code in ((no_phone, "phone_not_verified"), (no_key, "passkey_required"),
                       (fan, "forbidden")):
        s = await user.connect(live_app.url)
        ack = await s.call("wallet:cashout", {**body, "idempotency_key": key()})
        assert ack["error"]["code"] == code, ack


async def test_cashout_approved_and_paid_to_vodafone_cash(live_app, make_user, settings):
    creator = await _verified_creator(settings, make_user, live_app, earned=50_000)
    admin = await make_user("root", role="admin")
    cs, ad = await creator.connect(live_app.url), await admin.connect(live_app.url)
    bad = [({"amount": 100}, "amount_out_of_range"),
           ({"amount": 60_000}, "insufficient_funds"),
           ({"destination": "0123"}, "invalid_phone"),
           ({"method": "bank_wire"}, "unsupported_method"),
           ({"method": "instapay", "destination": "not an ipa"}, "invalid_destination")]
    base = {"amount": 20_000, "method": "mobile_wallet", "destination": "01001234567"}
    for change, code in bad:
        ack = await cs.call("wallet:cashout", {**base, **change, "idempotency_key": key()})
        assert ack["error"]["code"] == code, (change, ack)
    k = key()
    co = await cs.ok("wallet:cashout", {**base, "idempotency_key": k})
    assert co["status"] == "requested"
    assert (await cs.ok("wallet:balance", {}))["earnings"] == 30_000   # held
    again = await cs.ok("wallet:cashout", {**base, "idempotency_key": k})   # double submit
    assert again["cashout_id"] == co["cashout_id"] and again["replayed"]
    ack = await cs.call("wallet:cashout", {**base, "idempotency_key": key()})
    assert ack["error"]["code"] == "cashout_in_progress"
    assert (await cs.ok("wallet:balance", {}))["earnings"] == 30_000

    ack = await cs.call("wallet:cashout_review", {"cashout_id": co["cashout_id"],
                                                  "decision": "approve"})
    assert ack["error"]["code"] == "forbidden"
    res = await ad.ok("wallet:cashout_review", {"cashout_id": co["cashout_id"],
                                                "decision": "approve"})
    assert res["status"] == "paid"
    paymob = runtime(live_app.state).sims["paymob"]
    assert paymob.payouts[-1]["msisdn"] == "+201001234567"
    st = await cs.ok("wallet:cashout_status", {"cashout_id": co["cashout_id"]})
    assert [(e["from_status"], e["to_status"]) for e in st["events"]] == [
        (None, "requested"), ("requested", "approved"), ("approved", "paid")]
    ack = await ad.call("wallet:cashout_review", {"cashout_id": co["cashout_id"],
                                                  "decision": "reject"})
    assert ack["error"]["code"] == "cashout_not_pending"
    assert (await cs.ok("wallet:balance", {}))["earnings"] == 30_000
    assert (await report(live_app.state))["ok"]


async def test_cashout_rejected_or_failed_payout_is_reversed(live_app, make_user, settings):
    creator = await _verified_creator(settings, make_user, live_app, earned=50_000)
    admin = await make_user("root", role="admin")
    cs, ad = await creator.connect(live_app.url), await admin.connect(live_app.url)
    co = await cs.ok("wallet:cashout", {"amount": 20_000, "method": "instapay",
                                        "destination": "Star@InstaPay",
                                        "idempotency_key": key()})
    res = await ad.ok("wallet:cashout_review", {"cashout_id": co["cashout_id"],
                                                "decision": "reject", "note": "KYC mismatch"})
    assert res["status"] == "rejected"
    assert (await cs.ok("wallet:balance", {}))["earnings"] == 50_000

    bank = runtime(live_app.state).sims["instapay"]
    bank.fail_payouts_to.add("star@instapay")
    co2 = await cs.ok("wallet:cashout", {"amount": 15_000, "method": "instapay",
                                         "destination": "star@instapay",
                                         "idempotency_key": key()})
    assert (await cs.ok("wallet:balance", {}))["earnings"] == 35_000
    res = await ad.ok("wallet:cashout_review", {"cashout_id": co2["cashout_id"],
                                                "decision": "approve"})
    assert res["status"] == "failed" and "Unknown InstaPay address" in res["reason"]
    assert (await cs.ok("wallet:balance", {}))["earnings"] == 50_000
    st = await cs.ok("wallet:cashout_status", {"cashout_id": co2["cashout_id"]})
    assert [e["to_status"] for e in st["events"]] == ["requested", "approved", "failed"]
    # a daily limit applies to what was requested today (rejected/failed do not count)
    rt = runtime(live_app.state)
    rt.config = replace(rt.config, daily_cashout_limit=30_000)
    co3 = await cs.ok("wallet:cashout", {"amount": 20_000, "method": "instapay",
                                         "destination": "me@instapay", "idempotency_key": key()})
    assert (await ad.ok("wallet:cashout_review", {"cashout_id": co3["cashout_id"],
                                                  "decision": "approve"}))["status"] == "paid"
    ack = await cs.call("wallet:cashout", {"amount": 15_000, "method": "instapay",
                                           "destination": "me@instapay",
                                           "idempotency_key": key()})
    assert ack["error"]["code"] == "daily_limit_exceeded"
    assert (await cs.ok("wallet:balance", {}))["earnings"] == 30_000
    assert (await report(live_app.state))["ok"]
