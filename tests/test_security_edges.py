"""The input boundary: provider callbacks verify their signature before converting anything,
and every HTTP body and socket payload is bounded in depth, numbers and text at the edge."""
from __future__ import annotations

import json

import aiohttp
import pytest

from handlers.wallet.runtime import runtime
from tests.support.rawsock import RawSocket

FAWRY = "/v1/payments/fawry/notify"


async def post_raw(url: str, body: bytes, **kw) -> tuple[int, str, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=body, headers={"Content-Type": "application/json"},
                             **kw) as r:
            return r.status, r.content_type, await r.json(content_type=None)


def fawry_note(amount) -> bytes:
    return json.dumps({"requestId": "r1", "fawryRefNumber": "900000001",
                       "merchantRefNumber": "m1", "paymentAmount": amount, "orderAmount": amount,
                       "orderStatus": "PAID", "paymentMethod": "PAYATFAWRY",
                       "messageSignature": "00" * 32}, ensure_ascii=False).encode()


@pytest.mark.parametrize("amount", ["1e400000", "1e4300", "-1", "Infinity", "١٥٠", "1_000",
                                    "150.001e2", 1e300])
async def test_fawry_amount_of_any_form_is_refused_before_conversion(live_app, amount):
    # before: the amount was converted before the signature was compared ("1e400000" held
    # the loop for seconds, then answered 500). Now: 401 at once, nothing converted.
    status, ctype, body = await post_raw(live_app.url + FAWRY, fawry_note(amount))
    assert status == 401 and ctype == "application/problem+json"
    assert body["code"] == "bad_signature"


@pytest.mark.parametrize("raw", [b'{"paymentAmount": Infinity}', b'{"paymentAmount": NaN}',
                                 b'{"paymentAmount": 1e400}', b'{"a": ' + b'[' * 100_000])
async def test_callback_bodies_that_are_not_bounded_json_are_400(live_app, raw):
    for path in (FAWRY, "/v1/payments/paymob/callback?hmac=00"):
        status, ctype, body = await post_raw(live_app.url + path, raw)
        assert status == 400 and ctype == "application/problem+json", (path, body)
        assert body["code"] in ("invalid_json", "invalid_payload")


async def test_deeply_nested_body_is_400_not_500(live_app):
    deep = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, ctype, body = await post_raw(live_app.url + FAWRY, deep)
    assert status == 400 and body["code"] == "invalid_payload" and "nested" in body["title"]


@pytest.mark.parametrize("sig", ["ü" * 64, "٠" * 64, 12, None, ["a"]])
async def test_non_ascii_or_non_string_signatures_are_401(live_app, sig):
    note = json.loads(fawry_note("150.00"))
    note["messageSignature"] = sig
    status, _, body = await post_raw(live_app.url + FAWRY, json.dumps(note).encode())
    assert status == 401 and body["code"] == "bad_signature"
    headers = {"X-Partner-Timestamp": "1700000000", "X-Partner-Signature": "ü" * 64}
    async with aiohttp.ClientSession() as http:
        async with http.post(live_app.url + "/v1/payments/instapay/notify", data=b"{}",
                             headers=headers) as r:
            assert r.status == 401


async def test_signed_fawry_notification_with_string_amount_still_verifies(live_app, make_user):
    fawry = runtime(live_app.state).sims["fawry"]
    fawry.callback_url = live_app.url
    fan = await make_user("fan")
    sock = await fan.connect(live_app.url)
    pay = await sock.ok("wallet:topup", {"provider": "fawry", "amount": 15_000,
                                          "idempotency_key": "k-string-amount"})
    note = fawry.pay(pay["reference"])
    assert note["orderAmount"] == 150.0
    status, body = await fawry.send(note)
    assert status == 200 and body["status"] == "credited"


@pytest.mark.parametrize("payload", [
    '["users:update_profile", {"bio": "\\ud800"}]',          # lone surrogate
    '["feed:home", ' + "[" * 100_000 + "]" * 100_000 + "]",  # 100,000 deep
    '["wallet:history", {"before": 9223372036854775808}]',   # past 64 bits
    '["users:update_profile", {"display_name": "a\\u0000b"}]',  # NUL
    '["feed:home", {"limit": 1e400}]',                        # not a finite number
])
async def test_socket_payloads_past_the_bounds_are_invalid_payload(live_app, make_user, payload):
    user = await make_user("prober")
    sock = await RawSocket(live_app.url, user.token).connect()
    try:
        ack = await sock.call_raw(payload)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_payload", ack
        assert (await sock.call("wallet:balance", {}))["ok"] is True  # still connected
    finally:
        await sock.close()


async def test_msgpack_packets_go_through_the_same_bounds(settings, make_user):
    import socketio

    from tests.conftest import LiveApp

    app = await LiveApp(settings.with_(socketio_serializer="msgpack")).start()
    client = socketio.AsyncClient(serializer="msgpack", reconnection=False)
    try:
        user = await make_user("packer")
        await client.connect(app.url, auth={"token": user.token}, transports=["websocket"])
        deep: list = []
        for _ in range(40):
            deep = [deep]
        ack = await client.call("feed:home", {"cursor": deep}, timeout=10)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_payload", ack
        ack = await client.call("users:update_profile", {"bio": "a\x00b"}, timeout=10)
        assert ack["error"]["code"] == "invalid_payload", ack
        assert (await client.call("wallet:balance", {}, timeout=10))["ok"] is True
    finally:
        await client.disconnect()
        await app.stop()
