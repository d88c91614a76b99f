"""Sign-up, login, refresh, logout, password reset over HTTP against a running server."""
from __future__ import annotations

import asyncio

import pytest

from tests.support.auth_fixtures import api, app  # noqa: F401 (pytest fixtures)
from tests.support.clients import SocketClient

PHONE = "+201012345678"


async def test_a_new_user_signs_up_with_a_national_number_and_connects(app, api, clients):
    sent = await api.ok("POST", "/v1/auth/otp", {"phone": "010 1234 5678"}, expect=202)
    assert sent["phone"] == PHONE and sent["expires_in"] == 300 and sent["code_length"] == 6
    outbox = await api.ok("GET", "/v1/dev/outbox?phone=01012345678")
    msg = outbox["messages"][0]
    assert msg["channel"] == "whatsapp"
    assert msg["request"]["body"]["to"] == "201012345678"
    assert msg["request"]["body"]["template"]["components"][0]["parameters"][0]["text"] \
        == msg["code"]
    v = await api.ok("POST", "/v1/auth/otp/verify", {"phone": "01012345678",
                                                     "code": msg["code"]})
    reg = await api.ok("POST", "/v1/auth/register", {
        "verification_token": v["verification_token"], "password": "correct horse 42",
        "display_name": "Mona  Zaki", "device": "Pixel 8"}, expect=201)
    assert reg["token_type"] == "Bearer" and reg["expires_in"] == 900
    assert reg["refresh_token"].startswith("rt_")
    me = await api.ok("GET", "/v1/auth/me", token=reg["access_token"])
    assert me == {"user_id": reg["user_id"], "phone": PHONE, "display_name": "Mona Zaki",
                  "role": "user", "session_id": reg["session_id"]}
    claims = app.state.keys.verify(reg["access_token"])
    assert (claims.user_id, claims.session_id, claims.role) == (reg["user_id"],
                                                                reg["session_id"], "user")
    sock = clients(SocketClient(app.url, reg["access_token"]))
    await sock.connect()
    assert (await sock.ok("system:ping", {}))["user_id"] == reg["user_id"]


async def test_login_refresh_rotation_and_logout(app, api, clients):
    reg = await api.sign_up(PHONE)
    laptop = await api.login("01012345678", device="laptop")
    assert laptop["user_id"] == reg["user_id"] and laptop["session_id"] != reg["session_id"]
    sessions = (await api.ok("GET", "/v1/auth/sessions", token=laptop["access_token"]))[
        "sessions"]
    assert {s["label"] for s in sessions} == {"Pixel 8", "laptop"}
    assert [s["current"] for s in sessions if s["label"] == "laptop"] == [True]
    new = await api.ok("POST", "/v1/auth/refresh", {"refresh_token": laptop["refresh_token"]})
    assert new["session_id"] == laptop["session_id"]
    assert new["refresh_token"] != laptop["refresh_token"]
    assert new["access_token"] != laptop["access_token"]
    again = await api.ok("POST", "/v1/auth/refresh", {"refresh_token": new["refresh_token"]})
    await api.ok("POST", "/v1/auth/logout", token=again["access_token"], expect=204)
    status, err = await api.call("GET", "/v1/auth/me", token=again["access_token"])
    assert (status, err["code"]) == (401, "session_revoked")
    status, err = await api.call("POST", "/v1/auth/refresh",
                                 {"refresh_token": again["refresh_token"]})
    assert (status, err["code"]) == (401, "session_revoked")
    # the phone's session is untouched
    assert (await api.ok("GET", "/v1/auth/me", token=reg["access_token"]))["user_id"]


async def test_refresh_token_reuse_kills_the_family_and_the_live_socket(app, api, clients):
    reg = await api.sign_up(PHONE)
    sock = clients(SocketClient(app.url, reg["access_token"]))
    await sock.connect()
    stolen = reg["refresh_token"]
    rotated = await api.ok("POST", "/v1/auth/refresh", {"refresh_token": stolen})
    status, err = await api.call("POST", "/v1/auth/refresh", {"refresh_token": stolen})
    assert (status, err["code"]) == (401, "refresh_token_reused")
    assert (await sock.next("auth:session_revoked"))["reason"] == "refresh_reuse"
    for _ in range(100):
        if not sock.sio.connected:
            break
        await asyncio.sleep(0.05)
    assert not sock.sio.connected
    status, err = await api.call("POST", "/v1/auth/refresh",
                                 {"refresh_token": rotated["refresh_token"]})
    assert (status, err["code"]) == (401, "session_revoked")
    err = await SocketClient(app.url, rotated["access_token"]).try_connect()
    assert err["data"]["code"] == "session_revoked"
    rows = await app.state.db.fetch("SELECT event FROM auth_audit WHERE session_id = $1::uuid "
                                    "ORDER BY id", reg["session_id"])
    assert [r["event"] for r in rows] == ["signup", "refresh", "refresh_reuse_detected",
                                          "session_revoked"]


async def test_revoking_other_devices_leaves_this_one(app, api):
    phone = await api.sign_up(PHONE)
    laptop = await api.login(PHONE, device="laptop")
    tablet = await api.login(PHONE, device="tablet")
    out = await api.ok("POST", "/v1/auth/sessions/revoke-others", token=tablet["access_token"])
    assert sorted(out["revoked"]) == sorted([phone["session_id"], laptop["session_id"]])
    for gone in (phone, laptop):
        status, err = await api.call("GET", "/v1/auth/me", token=gone["access_token"])
        assert err["code"] == "session_revoked"
    sessions = (await api.ok("GET", "/v1/auth/sessions", token=tablet["access_token"]))[
        "sessions"]
    assert [s["id"] for s in sessions] == [tablet["session_id"]]
    status, err = await api.call("DELETE", f"/v1/auth/sessions/{phone['session_id']}",
                                 token=tablet["access_token"])
    assert (status, err["code"]) == (404, "session_not_found")


async def test_password_reset_through_otp_signs_out_every_device(app, api):
    old = await api.sign_up(PHONE, password="old password 1")
    await app.state.redis.delete(app.state.key("auth", "otpcd", PHONE))  # skip the 60 s wait
    token = await api.verified(PHONE, purpose="reset_password")
    new = await api.ok("POST", "/v1/auth/password/reset", {
        "verification_token": token, "password": "new password 2", "device": "phone"})
    assert new["user_id"] == old["user_id"]
    status, err = await api.call("GET", "/v1/auth/me", token=old["access_token"])
    assert err["code"] == "session_revoked"
    status, err = await api.call("POST", "/v1/auth/login", {"phone": PHONE,
                                                            "password": "old password 1"})
    assert (status, err["code"]) == (401, "invalid_credentials")
    assert (await api.login(PHONE, password="new password 2"))["user_id"] == old["user_id"]


async def test_reset_code_for_an_unknown_phone_answers_the_same_and_sends_nothing(api):
    known = await api.call("POST", "/v1/auth/otp", {"phone": "+201112345678",
                                                    "purpose": "reset_password"})
    assert known[0] == 202 and known[1]["phone"] == "+201112345678"
    out = await api.ok("GET", "/v1/dev/outbox?phone=%2B201112345678")
    assert out["messages"] == []


async def test_two_parallel_registrations_of_the_same_phone_create_one_account(app, api):
    t1 = await api.verified(PHONE)
    await app.state.redis.delete(app.state.key("auth", "otpcd", PHONE))
    t2 = await api.verified(PHONE)
    bodies = [{"verification_token": t, "password": "correct horse 42", "display_name": n}
              for t, n in ((t1, "A"), (t2, "B"), (t1, "C"))]
    results = await asyncio.gather(*(api.call("POST", "/v1/auth/register", b)
                                      for b in bodies))
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == 1, results
    codes = sorted(b["code"] for s, b in results if s != 201)
    assert set(codes) <= {"phone_taken", "invalid_verification"}
    assert await app.state.db.fetchval("SELECT count(*) FROM users WHERE phone = $1",
                                       PHONE) == 1
    assert await app.state.db.fetchval("SELECT count(*) FROM auth_passwords") == 1


async def test_flash_call_code_is_the_last_digits_of_the_caller(api):
    sent = await api.ok("POST", "/v1/auth/otp", {"phone": "01512345678",
                                                "channel": "flash_call"}, expect=202)
    assert sent["caller_prefix"] and sent["phone"] == "+201512345678"
    msg = (await api.ok("GET", "/v1/dev/outbox?phone=01512345678"))["messages"][0]
    assert msg["channel"] == "flash_call" and msg["caller"].endswith(msg["code"])
    assert msg["request"]["body"]["phone_number"] == "+201512345678"
    v = await api.ok("POST", "/v1/auth/otp/verify", {"phone": "01512345678",
                                                     "code": msg["caller"][-6:]})
    assert v["verification_token"].startswith("vt_")


async def test_the_audit_log_records_the_story_without_codes_or_passwords(app, api):
    await api.sign_up(PHONE, password="s3cret-pass-word")
    await api.call("POST", "/v1/auth/login", {"phone": PHONE, "password": "wrong password"})
    await api.login(PHONE, password="s3cret-pass-word")
    rows = await app.state.db.fetch("SELECT event, phone_mask, ip, details::text AS d "
                                    "FROM auth_audit ORDER BY id")
    assert [r["event"] for r in rows] == ["otp_sent", "otp_verified", "signup",
                                          "login_failed", "login_success"]
    code = (await api.ok("GET", f"/v1/dev/outbox?phone={PHONE}"))["messages"][0]["code"]
    dump = " ".join(str(dict(r)) for r in rows)
    assert code not in dump and "s3cret" not in dump and "wrong password" not in dump
    assert rows[0]["phone_mask"] == "+2010*****678" and rows[0]["ip"] == "127.0.0.1"
    with pytest.raises(Exception, match="append-only"):
        await app.state.db.execute("DELETE FROM auth_audit")


async def test_an_abusive_display_name_is_refused_at_sign_up(app, api):
    """Moderation vets the name through auth's display_name_check hook (auth sits below
    moderation in the domain order, so it cannot call it directly)."""
    token = await api.verified(PHONE)
    status, body = await api.call("POST", "/v1/auth/register", {
        "verification_token": token, "password": "correct horse 42",
        "display_name": "Sharmoota", "device": "Pixel 8"})
    assert (status, body.get("code")) == (400, "display_name_refused"), (status, body)
    assert await app.state.db.fetchval("SELECT count(*) FROM users WHERE phone = $1",
                                       PHONE) == 0
