"""Top-ups through each provider's simulator: signed callbacks credit exactly once; forged,
replayed, stale, mismatched and unknown callbacks are refused with a code and move nothing."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import asyncpg

from handlers.wallet.payment_actions import do_expire_topups, do_reconcile
from handlers.wallet.runtime import runtime
from tests.wallet_support import key, report


def sims(live_app):
    s = runtime(live_app.state).sims
    for sim in s.values():
        sim.callback_url = live_app.url
    return s


async def test_fawry_reference_paid_credits_once(live_app, make_user):
    fawry = sims(live_app)["fawry"]
    fan = await make_user("fan")
    sock = await fan.connect(live_app.url)
    k = key()
    pay = await sock.ok("wallet:topup", {"provider": "fawry", "amount": 15_000,
                                          "idempotency_key": k})
    assert pay["status"] == "pending" and pay["instructions"]["fawry_reference"]
    again = await sock.ok("wallet:topup", {"provider": "fawry", "amount": 15_000,
                                            "idempotency_key": k})
    assert again["payment_id"] == pay["payment_id"]  # a retried request is the same top-up
    ref = pay["reference"]

    # forged signature: refused before anything else is looked at
    status, body = await fawry.send(fawry.notification(ref, status="PAID", forge=True))
    assert status == 401 and body["code"] == "bad_signature"
    # a signed "PAID" that the status API does not confirm (customer has not paid yet)
    status, body = await fawry.send(fawry.notification(ref, status="PAID"))
    assert status == 409 and body["code"] == "status_mismatch"
    # a signed notification for an amount we never asked for
    status, body = await fawry.send(fawry.notification(ref, status="PAID", amount=1_500))
    assert status == 400 and body["code"] == "amount_mismatch"
    assert await sock.ok("wallet:balance", {}) == {"wallet": 0, "earnings": 0}

    note = fawry.pay(ref)
    status, body = await fawry.send(note)
    assert status == 200 and body["status"] == "credited"
    assert (await sock.next("wallet:topup"))["status"] == "paid"
    assert (await sock.next("wallet:balance"))["wallet"] == 15_000
    status, body = await fawry.send(note)                      # the same notification again
    assert status == 409 and body["code"] == "replayed"
    status, body = await fawry.send(fawry.notification(ref))   # a second, distinct PAID one
    assert status == 200 and body["status"] == "duplicate"
    status, body = await fawry.send(fawry.notification(ref, status="UNPAID"))  # reordered
    assert status == 200 and body["status"] == "duplicate"
    assert await sock.ok("wallet:balance", {}) == {"wallet": 15_000, "earnings": 0}
    assert (await report(live_app.state))["ok"]


async def test_fawry_unknown_payment_and_bad_input(live_app, make_user):
    fawry = sims(live_app)["fawry"]
    fan = await make_user("fan")
    sock = await fan.connect(live_app.url)
    fawry.orders["NOT-OURS"] = {"fawryRefNumber": "1", "merchantRefNumber": "NOT-OURS",
                                "orderAmount": 1000, "orderStatus": "PAID",
                                "paymentMethod": "PAYATFAWRY", "customerProfileId": "x"}
    status, body = await fawry.send(fawry.notification("NOT-OURS"))
    assert status == 404 and body["code"] == "unknown_payment"
    for payload, code in [
        ({"provider": "fawry", "amount": 100}, "amount_out_of_range"),
        ({"provider": "fawry", "amount": -5}, "invalid_amount"),
        ({"provider": "fawry", "amount": 1000.5}, "invalid_payload"),
        ({"provider": "fawry", "amount": 5000, "currency": "USD"}, "unsupported_currency"),
        ({"provider": "stripe", "amount": 5000}, "unsupported_provider"),
        ({"provider": "paymob", "amount": 5000, "method": "vodafone_cash",
          "phone": "12345"}, "invalid_phone"),
    ]:
        ack = await sock.call("wallet:topup", {**payload, "idempotency_key": key()})
        assert ack["error"]["code"] == code, (payload, ack)


async def test_paymob_vodafone_cash_callback_credits_once(live_app, make_user):
    paymob = sims(live_app)["paymob"]
    fan = await make_user("fan")
    sock = await fan.connect(live_app.url)
    pay = await sock.ok("wallet:topup", {"provider": "paymob", "amount": 20_000,
                                          "method": "vodafone_cash", "phone": "01001234567",
                                          "idempotency_key": key()})
    assert pay["instructions"]["kind"] == "paymob_checkout"
    order = paymob.order_for(pay["reference"])

    params, body = paymob.pay(order, forge=True)
    st, res = await paymob.send(params, body)
    assert st == 401 and res["code"] == "bad_signature"
    params, body = paymob.pay(order)
    tampered = {**body, "obj": {**body["obj"], "amount_cents": 2_000_000}}
    st, res = await paymob.send(params, tampered)          # amount edited after signing
    assert st == 401 and res["code"] == "bad_signature"
    late_params, late_body = paymob.pay(order, created_at=datetime.now(timezone.utc)
                                        - timedelta(days=3))
    st, res = await paymob.send(late_params, late_body)
    assert st == 409 and res["code"] == "stale"
    wrong_params, wrong_body = paymob.pay(order, amount=100)
    st, res = await paymob.send(wrong_params, wrong_body)
    assert st == 400 and res["code"] == "amount_mismatch"

    st, res = await paymob.send(params, body)
    assert st == 200 and res["status"] == "credited"
    st, res = await paymob.send(params, body)
    assert st == 409 and res["code"] == "replayed"
    assert await sock.ok("wallet:balance", {}) == {"wallet": 20_000, "earnings": 0}
    assert (await report(live_app.state))["ok"]


async def test_paymob_declined_transaction_marks_the_top_up_failed(live_app, make_user):
    paymob = sims(live_app)["paymob"]
    fan = await make_user("fan")
    sock = await fan.connect(live_app.url)
    pay = await sock.ok("wallet:topup", {"provider": "paymob", "amount": 5_000,
                                          "method": "orange_cash", "phone": "+201201234567",
                                          "idempotency_key": key()})
    params, body = paymob.pay(paymob.order_for(pay["reference"]), success=False)
    st, res = await paymob.send(params, body)
    assert st == 200 and res["status"] == "failed"
    assert (await sock.next("wallet:topup"))["status"] == "failed"
    assert await sock.ok("wallet:balance", {}) == {"wallet": 0, "earnings": 0}


async def test_instapay_credited_by_bank_partner_only(live_app, make_user):
    bank = sims(live_app)["instapay"]
    fan, admin = await make_user("fan"), await make_user("root", role="admin")
    sock = await fan.connect(live_app.url)
    pay = await sock.ok("wallet:topup", {"provider": "instapay", "amount": 30_000,
                                          "idempotency_key": key()})
    ins = pay["instructions"]
    assert ins["pay_to"] == "sawt@instapay" and ins["reference"] == pay["reference"]
    ref = pay["reference"]
    # there is no way for the user to confirm it: only the bank partner or an admin
    ack = await sock.call("wallet:instapay_confirm", {"payment_id": pay["payment_id"],
                                                      "bank_reference": "x123", "amount": 30_000})
    assert ack["error"]["code"] == "forbidden"

    raw, headers = bank.transfer(ref, 30_000, forge=True)
    st, res = await bank.send(raw, headers)
    assert st == 401 and res["code"] == "bad_signature"
    raw, headers = bank.transfer(ref, 30_000, timestamp=time.time() - 3600)
    st, res = await bank.send(raw, headers)
    assert st == 409 and res["code"] == "stale"
    raw, headers = bank.transfer(ref, 29_000)
    st, res = await bank.send(raw, headers)
    assert st == 400 and res["code"] == "amount_mismatch"
    raw, headers = bank.transfer("SWTNOSUCHREF", 30_000)
    st, res = await bank.send(raw, headers)
    assert st == 404 and res["code"] == "unknown_payment"

    raw, headers = bank.transfer(ref, 30_000, bank_txn_id="IPN-1")
    st, res = await bank.send(raw, headers)
    assert st == 200 and res["status"] == "credited"
    st, res = await bank.send(raw, headers)
    assert st == 409 and res["code"] == "replayed"
    assert await sock.ok("wallet:balance", {}) == {"wallet": 30_000, "earnings": 0}

    # admin confirmation path on a second top-up
    pay2 = await sock.ok("wallet:topup", {"provider": "instapay", "amount": 10_000,
                                           "idempotency_key": key()})
    ad = await admin.connect(live_app.url)
    res = await ad.ok("wallet:instapay_confirm", {"payment_id": pay2["payment_id"],
                                                  "bank_reference": "STMT-77", "amount": 10_000})
    assert res["status"] == "credited"
    ack = await ad.call("wallet:instapay_confirm", {"payment_id": pay2["payment_id"],
                                                    "bank_reference": "STMT-77",
                                                    "amount": 10_000})
    assert ack["error"]["code"] == "replayed"
    assert await sock.ok("wallet:balance", {}) == {"wallet": 40_000, "earnings": 0}


async def test_pending_top_ups_expire_and_reconciliation_reports_late_payments(
        live_app, make_user, settings):
    fawry = sims(live_app)["fawry"]
    fan = await make_user("fan")
    sock = await fan.connect(live_app.url)
    pay = await sock.ok("wallet:topup", {"provider": "fawry", "amount": 12_000,
                                          "idempotency_key": key()})
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    await conn.execute("UPDATE wallet_payments SET expires_at = now() - interval '1 minute' "
                       "WHERE id = $1", pay["payment_id"])
    await conn.close()
    assert await do_expire_topups(live_app.state) == 1
    assert (await sock.next("wallet:topup"))["status"] == "expired"
    note = fawry.pay(pay["reference"])             # the customer pays after the deadline
    st, res = await fawry.send(note)
    assert st == 409 and res["code"] == "stale"
    assert await sock.ok("wallet:balance", {}) == {"wallet": 0, "earnings": 0}
    mismatches = await do_reconcile(live_app.state)
    assert [(m["payment_id"], m["ours"], m["provider"]) for m in mismatches] == [
        (pay["payment_id"], "expired", "paid")]
