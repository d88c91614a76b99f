"""What attackers and broken clients get: limits, lockouts, clear refusals, never a 500."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import LiveApp
from tests.support.auth_api import FAST_AUTH, AuthApi
from tests.support.auth_fixtures import api, app  # noqa: F401 (pytest fixtures)
from tests.support.clients import SocketClient

PHONE = "+201012345678"


async def test_otp_brute_force_stops_at_the_limit(api):
    await api.ok("POST", "/v1/auth/otp", {"phone": PHONE}, expect=202)
    code = await api.latest_code(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    left = []
    for _ in range(5):
        status, err = await api.call("POST", "/v1/auth/otp/verify", {"phone": PHONE,
                                                                     "code": wrong})
        assert (status, err["code"]) == (400, "wrong_code")
        left.append(err["details"]["attempts_left"])
    assert left == [4, 3, 2, 1, 0]
    status, err = await api.call("POST", "/v1/auth/otp/verify", {"phone": PHONE, "code": code})
    assert (status, err["code"]) == (400, "otp_expired")  # the right code is void now


async def test_arabic_indic_digits_are_read_as_the_same_number(api):
    sent = await api.ok("POST", "/v1/auth/otp", {"phone": "٠١٠١٢٣٤٥٦٧٨"}, expect=202)
    assert sent["phone"] == PHONE


async def test_resend_waits_for_the_cooldown(api):
    await api.ok("POST", "/v1/auth/otp", {"phone": PHONE}, expect=202)
    status, err = await api.call("POST", "/v1/auth/otp", {"phone": PHONE})
    assert (status, err["code"]) == (429, "otp_cooldown") and 55 <= err["retry_after"] <= 60


async def test_per_phone_rate_limit_holds_even_across_cooldowns(app, api):
    for _ in range(5):
        await app.state.redis.delete(app.state.key("auth", "otpcd", PHONE))
        await api.ok("POST", "/v1/auth/otp", {"phone": PHONE}, expect=202)
    await app.state.redis.delete(app.state.key("auth", "otpcd", PHONE))
    status, err = await api.call("POST", "/v1/auth/otp", {"phone": PHONE})
    assert (status, err["code"]) == (429, "rate_limited")


async def test_failed_logins_slow_down_then_lock_and_never_reveal_the_phone(app, api):
    await api.sign_up(PHONE)
    unknown = "+201199999999"
    for phone in (PHONE, unknown):
        answers = []
        for _ in range(4):
            status, err = await api.call("POST", "/v1/auth/login",
                                         {"phone": phone, "password": "not it at all"})
            answers.append((status, err["code"]))
        assert answers == [(401, "invalid_credentials")] * 4
        status, err = await api.call("POST", "/v1/auth/login",
                                     {"phone": phone, "password": "correct horse 42"})
        assert (status, err["code"]) == (429, "login_throttled")
        assert 0 < err["retry_after"] <= 1
    # push the real phone to the lockout
    for _ in range(6):
        await app.state.redis.delete(app.state.key("auth", "loginlock", PHONE))
        await api.call("POST", "/v1/auth/login", {"phone": PHONE, "password": "nope nope"})
    status, err = await api.call("POST", "/v1/auth/login",
                                 {"phone": PHONE, "password": "correct horse 42"})
    assert (status, err["code"]) == (429, "login_locked") and err["retry_after"] > 800


BAD_OTP_REQUESTS = [
    ({"phone": "12345"}, "invalid_phone"),
    ({"phone": "+20101234567"}, "invalid_phone"),          # one digit short
    ({"phone": "+20221234567"}, "invalid_phone"),          # Cairo landline, not mobile
    ({"phone": "01012345678 ext. 5"}, "invalid_phone"),
    ({"phone": PHONE, "channel": "sms"}, "unknown_channel"),
    ({"phone": PHONE, "purpose": "anything"}, "unknown_purpose"),
    ({"phone": 201012345678}, "invalid_payload"),
    ({"phone": PHONE, "extra": 1}, "invalid_payload"),
]


async def test_bad_otp_requests_are_clear_400s(api):
    answers = [(await api.call("POST", "/v1/auth/otp", payload)) for payload, _ in
               BAD_OTP_REQUESTS]
    assert [(s, e["code"]) for s, e in answers] == [(400, c) for _, c in BAD_OTP_REQUESTS]


async def test_wrong_content_type_oversized_and_broken_bodies(api):
    status, err = await api.call("POST", "/v1/auth/login", data="phone=1&password=2",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (status, err["code"]) == (415, "unsupported_media_type")
    status, err = await api.call("POST", "/v1/auth/login",
                                 {"phone": PHONE, "password": "x" * 20_000})
    assert (status, err["code"]) == (413, "payload_too_large")
    status, err = await api.call("POST", "/v1/auth/login", data=b"{not json",
                                 headers={"Content-Type": "application/json"})
    assert (status, err["code"]) == (400, "invalid_json")
    status, err = await api.call("POST", "/v1/auth/otp/verify",
                                 {"phone": PHONE, "code": "12ab56"})
    assert (status, err["code"]) == (400, "invalid_code_format")
    status, err = await api.call("POST", "/v1/auth/refresh", {"refresh_token": "rt_nope"})
    assert (status, err["code"]) == (401, "invalid_refresh_token")
    status, err = await api.call("DELETE", "/v1/auth/sessions/not-a-uuid", token="x")
    assert (status, err["code"]) == (401, "unauthorized")


async def test_bad_registrations_leave_no_partial_account(app, api):
    token = await api.verified(PHONE)
    status, err = await api.call("POST", "/v1/auth/register", {
        "verification_token": token, "password": "short", "display_name": "Mona"})
    assert (status, err["code"]) == (400, "weak_password")
    status, err = await api.call("POST", "/v1/auth/register", {
        "verification_token": token, "password": "long enough 1", "display_name": "   "})
    assert (status, err["code"]) == (400, "invalid_display_name")
    status, err = await api.call("POST", "/v1/auth/register", {
        "verification_token": "vt_forged", "password": "long enough 1", "display_name": "M"})
    assert (status, err["code"]) == (401, "invalid_verification")
    assert await app.state.db.fetchval("SELECT count(*) FROM users") == 0
    # the token survived the refused attempts and still works once
    await api.ok("POST", "/v1/auth/register", {
        "verification_token": token, "password": "long enough 1", "display_name": "Mona"},
        expect=201)
    status, err = await api.call("POST", "/v1/auth/register", {
        "verification_token": token, "password": "long enough 1", "display_name": "Mona"})
    assert (status, err["code"]) == (401, "invalid_verification")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256_with(secret: bytes, payload: dict) -> str:
    """An HS256 token signed with an arbitrary key (PyJWT refuses PEM keys as HMAC secrets)."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(payload).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


async def _refused_everywhere(url: str, token: str) -> str:
    api = AuthApi(url)
    try:
        status, err = await api.call("GET", "/v1/auth/sessions", token=token)
    finally:
        await api.close()
    assert status == 401, err
    sock_err = await SocketClient(url, token).try_connect()
    assert sock_err is not None and sock_err["data"]["code"] == err["code"]
    return err["code"]


async def test_forged_expired_and_revoked_tokens_are_refused_at_http_and_socket(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    app = await LiveApp(settings.with_(extra={"auth": FAST_AUTH}, jwt_private_key=pem,
                                       jwt_public_key=pub.decode())).start()
    api = AuthApi(app.url)
    try:
        assert app.state.keys.algorithm == "RS256"
        reg = await api.sign_up(PHONE)
        assert jwt.get_unverified_header(reg["access_token"])["alg"] == "RS256"
        good = jwt.decode(reg["access_token"], options={"verify_signature": False})
        now = int(time.time())
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cases = {
            "alg_none": jwt.encode(good, None, algorithm="none"),
            "hs_rs_confusion": _hs256_with(pub, good),
            "wrong_signature": jwt.encode(good, other, algorithm="RS256"),
            "expired": app.state.keys.sign(reg["user_id"], session_id=reg["session_id"],
                                           now=now - 3600, ttl=60),
            "no_session": app.state.keys.sign(reg["user_id"]),
        }
        codes = {name: await _refused_everywhere(app.url, tok) for name, tok in cases.items()}
        assert codes == {"alg_none": "unauthorized", "hs_rs_confusion": "unauthorized",
                         "wrong_signature": "unauthorized", "expired": "token_expired",
                         "no_session": "session_required"}
        await api.ok("POST", "/v1/auth/logout", token=reg["access_token"], expect=204)
        assert await _refused_everywhere(app.url, reg["access_token"]) == "session_revoked"
    finally:
        await api.close()
        await app.stop()


async def test_only_admins_change_roles_and_the_role_arrives_with_the_next_refresh(
        app, api, make_user):
    reg = await api.sign_up(PHONE)
    admin = await make_user("root", role="admin")
    status, err = await api.call("PUT", f"/v1/auth/users/{reg['user_id']}/role",
                                 {"role": "admin"}, token=reg["access_token"])
    assert (status, err["code"]) == (403, "forbidden")
    out = await api.ok("PUT", f"/v1/auth/users/{reg['user_id']}/role", {"role": "creator"},
                       token=admin.token)
    assert out == {"user_id": reg["user_id"], "role": "creator", "previous": "user"}
    fresh = await api.ok("POST", "/v1/auth/refresh", {"refresh_token": reg["refresh_token"]})
    assert fresh["role"] == "creator"
    assert app.state.keys.verify(fresh["access_token"]).role == "creator"
