"""Passkeys with a software authenticator (soft-webauthn), no browser."""
from __future__ import annotations

import base64

import pytest
from soft_webauthn import SoftWebauthnDevice

from tests.conftest import LiveApp
from tests.support.auth_api import FAST_AUTH, AuthApi

ORIGIN = "http://localhost:8080"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _to_device(options: dict) -> dict:
    """The JSON options our server sends -> what navigator.credentials receives (bytes)."""
    pk = dict(options)
    pk["challenge"] = _unb64url(pk["challenge"])
    if "user" in pk:
        pk["user"] = {**pk["user"], "id": _unb64url(pk["user"]["id"])}
    return {"publicKey": pk}


def _to_json(cred: dict) -> dict:
    """The browser's PublicKeyCredential -> the JSON a client posts (base64url fields)."""
    resp = {k: _b64url(v) for k, v in cred["response"].items() if v is not None}
    return {"id": _b64url(cred["rawId"]), "rawId": _b64url(cred["rawId"]),
            "type": "public-key", "response": resp}


@pytest.fixture
async def api(settings):
    app = await LiveApp(settings.with_(extra={"auth": FAST_AUTH})).start()
    client = AuthApi(app.url)
    client.app = app
    yield client
    await client.close()
    await app.stop()


async def _add_passkey(api: AuthApi, token: str, device: SoftWebauthnDevice, name: str) -> dict:
    opts = await api.ok("POST", "/v1/auth/passkeys/register/options", token=token)
    assert opts["options"]["rp"]["id"] == "localhost"
    cred = device.create(_to_device(opts["options"]), ORIGIN)
    return await api.ok("POST", "/v1/auth/passkeys/register", {
        "challenge_id": opts["challenge_id"], "credential": _to_json(cred), "name": name},
        token=token, expect=201)


async def _passkey_login(api: AuthApi, device: SoftWebauthnDevice) -> tuple[int, dict]:
    opts = await api.ok("POST", "/v1/auth/passkeys/login/options")
    assertion = device.get(_to_device(opts["options"]), ORIGIN)
    return await api.call("POST", "/v1/auth/passkeys/login", {
        "challenge_id": opts["challenge_id"], "credential": _to_json(assertion),
        "device": "iPhone"})


async def test_register_two_passkeys_and_log_in_with_each(api):
    reg = await api.sign_up("+201012345678")
    phone_key, laptop_key = SoftWebauthnDevice(), SoftWebauthnDevice()
    await _add_passkey(api, reg["access_token"], phone_key, "phone")
    await _add_passkey(api, reg["access_token"], laptop_key, "laptop")
    listed = (await api.ok("GET", "/v1/auth/passkeys", token=reg["access_token"]))["passkeys"]
    assert [p["name"] for p in listed] == ["phone", "laptop"]
    for device in (phone_key, laptop_key, phone_key):
        status, out = await _passkey_login(api, device)
        assert status == 200, out
        assert out["user_id"] == reg["user_id"] and out["session_id"] != reg["session_id"]
        me = await api.ok("GET", "/v1/auth/me", token=out["access_token"])
        assert me["user_id"] == reg["user_id"]
    counts = await api.app.state.db.fetch("SELECT name, sign_count FROM auth_passkeys "
                                          "ORDER BY name")
    assert [(r["name"], r["sign_count"]) for r in counts] == [("laptop", 1), ("phone", 2)]
    events = await api.app.state.db.fetch("SELECT event FROM auth_audit WHERE event LIKE "
                                          "'passkey%' ORDER BY id")
    assert [r["event"] for r in events] == ["passkey_added"] * 2 + ["passkey_used"] * 3


async def test_replayed_assertion_cloned_key_and_removed_passkey_are_refused(api):
    reg = await api.sign_up("+201012345678")
    device = SoftWebauthnDevice()
    added = await _add_passkey(api, reg["access_token"], device, "phone")
    opts = await api.ok("POST", "/v1/auth/passkeys/login/options")
    assertion = _to_json(device.get(_to_device(opts["options"]), ORIGIN))
    body = {"challenge_id": opts["challenge_id"], "credential": assertion}
    assert (await api.call("POST", "/v1/auth/passkeys/login", body))[0] == 200
    status, err = await api.call("POST", "/v1/auth/passkeys/login", body)  # replay
    assert (status, err["code"]) == (400, "invalid_challenge")
    device.sign_count = 0  # a clone whose counter went backwards
    status, err = await _passkey_login(api, device)
    assert (status, err["code"]) == (401, "passkey_rejected")
    await api.ok("DELETE", f"/v1/auth/passkeys/{added['id']}", token=reg["access_token"],
                 expect=204)
    device.sign_count = 10
    status, err = await _passkey_login(api, device)
    assert (status, err["code"]) == (401, "passkey_rejected")


async def test_a_passkey_from_another_origin_is_refused(api):
    reg = await api.sign_up("+201012345678")
    opts = await api.ok("POST", "/v1/auth/passkeys/register/options",
                        token=reg["access_token"])
    cred = SoftWebauthnDevice().create(_to_device(opts["options"]), "https://evil.example")
    status, err = await api.call("POST", "/v1/auth/passkeys/register", {
        "challenge_id": opts["challenge_id"], "credential": _to_json(cred)},
        token=reg["access_token"])
    assert (status, err["code"]) == (400, "passkey_rejected")
