"""The real provider HTTP clients against local simulators of WhatsApp Cloud API and the
flash-call API; the development outbox exists only outside production."""
from __future__ import annotations

import pytest
from aiohttp import web

from handlers.auth import otp_flash_call, otp_whatsapp
from tests.conftest import LiveApp
from tests.support.auth_api import FAST_AUTH, AuthApi
from tests.support.servers import free_port


@pytest.fixture
async def providers():
    """Both simulators on one local port; yields (base_url, received messages)."""
    received = {"whatsapp": [], "flash_call": []}
    app = web.Application()
    app.add_subapp("/wa", otp_whatsapp.simulator_app("wa-token", received["whatsapp"]))
    app.add_subapp("/fc", otp_flash_call.simulator_app("fc-key", received["flash_call"]))
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


async def _app_with(settings, base: str, wa_token: str = "wa-token"):
    cfg = {**FAST_AUTH, "otp_simulate": False, "whatsapp_api_url": f"{base}/wa/v21.0",
           "whatsapp_phone_number_id": "1055", "whatsapp_token": wa_token,
           "flash_call_api_url": f"{base}/fc", "flash_call_api_key": "fc-key",
           "flash_call_profile_id": "prof-1"}
    return await LiveApp(settings.with_(extra={"auth": cfg})).start()


async def test_codes_go_out_through_the_provider_apis(settings, providers):
    base, received = providers
    app = await _app_with(settings, base)
    api = AuthApi(app.url)
    try:
        await api.ok("POST", "/v1/auth/otp", {"phone": "01012345678"}, expect=202)
        (wa,) = received["whatsapp"]
        assert wa["phone_number_id"] == "1055" and wa["body"]["to"] == "201012345678"
        tpl = wa["body"]["template"]
        assert tpl["name"] == "sawt_otp" and tpl["language"] == {"code": "ar"}
        code = tpl["components"][0]["parameters"][0]["text"]
        assert len(code) == 6 and code.isdigit()
        assert tpl["components"][1] == {"type": "button", "sub_type": "url", "index": "0",
                                        "parameters": [{"type": "text", "text": code}]}
        await api.ok("POST", "/v1/auth/otp/verify", {"phone": "01012345678", "code": code})
        await api.ok("POST", "/v1/auth/otp", {"phone": "01112345678", "channel": "flash_call"},
                     expect=202)
        (fc,) = received["flash_call"]
        assert fc["phone_number"] == "+201112345678" and fc["verify_profile_id"] == "prof-1"
        await api.ok("POST", "/v1/auth/otp/verify", {"phone": "01112345678",
                                                     "code": fc["custom_code"]})
        out = await api.ok("GET", "/v1/dev/outbox?phone=01012345678")
        assert out["messages"] == []  # real providers were used, nothing simulated
    finally:
        await api.close()
        await app.stop()


async def test_a_provider_refusal_is_a_502_and_the_user_may_retry_at_once(settings, providers):
    base, received = providers
    app = await _app_with(settings, base, wa_token="revoked-token")
    api = AuthApi(app.url)
    try:
        for _ in range(2):  # no cooldown was left behind by the failed send
            status, err = await api.call("POST", "/v1/auth/otp", {"phone": "01012345678"})
            assert (status, err["code"]) == (502, "otp_delivery_failed")
        assert received["whatsapp"] == []
    finally:
        await api.close()
        await app.stop()


async def test_the_dev_outbox_does_not_exist_in_production(settings, monkeypatch):
    # production refuses to start on the payment simulators' keys: give it real-looking ones
    for var in ("FAWRY_SECURE_KEY", "PAYMOB_HMAC_SECRET", "INSTAPAY_PARTNER_SECRET"):
        monkeypatch.setenv(var, f"test-production-{var.lower()}")
    app = await LiveApp(settings.with_(env="production")).start()
    api = AuthApi(app.url)
    try:
        status, err = await api.call("GET", "/v1/dev/outbox?phone=01012345678")
        assert (status, err["code"]) == (404, "not_found")
    finally:
        await api.close()
        await app.stop()


def test_production_defaults_are_argon2id_recommended_parameters():
    from argon2 import Type

    from handlers.auth.config import AuthConfig
    from handlers.auth.passwords import Passwords

    h = Passwords(AuthConfig()).hasher
    assert (h.time_cost, h.memory_cost, h.parallelism, h.type) == (3, 65536, 4, Type.ID)
