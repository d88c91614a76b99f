"""Phone verification: send a 6-digit code, check it, hand back a short-lived verification
token that registration or password reset consumes once.

Redis only (codes are ephemeral; losing Redis means asking for a new code):
  auth:otp:<purpose>:<phone>  hash {h: HMAC(code), n: attempts, channel}, TTL 5 min
  auth:otpcd:<phone>          resend cooldown, 60 s
  auth:vt:<sha256(token)>     {"phone", "purpose"}, TTL 10 min, taken with GETDEL
Codes are stored as HMAC-SHA256 under a server key, never in clear, never logged.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from handlers.auth import queries as q
from handlers.auth.audit import Client, record
from handlers.auth.config import auth_config
from handlers.auth.otp_channels import HttpTransport, OtpChannel, OutboxTransport
from handlers.auth.otp_flash_call import FlashCallChannel
from handlers.auth.otp_whatsapp import WhatsAppChannel
from handlers.auth.phones import normalize_phone
from rooms.ratelimit import check_rate
from server.errors import AppError, BadRequest, Unauthorized
from server.state import AppState

CHANNELS = ("whatsapp", "flash_call")
PURPOSES = ("register", "reset_password")
CODE_DIGITS = 6


def channel_for(state: AppState, name: str) -> OtpChannel:
    """The channel `name`, over the simulator's outbox or real HTTP (OTP_SIMULATE)."""
    cfg = auth_config(state)
    transport = OutboxTransport(state) if cfg.otp_simulate else HttpTransport(state)
    if name == "whatsapp":
        return WhatsAppChannel(cfg, transport)
    if name == "flash_call":
        return FlashCallChannel(cfg, transport)
    raise AppError("unknown_channel", "Channel must be 'whatsapp' or 'flash_call'")


# Count an attempt and hand back the stored HMAC, atomically. Returns nil when no code.
_ATTEMPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
return {n, redis.call('HGET', KEYS[1], 'h')}
"""


def _otp_key(state: AppState, purpose: str, phone: str) -> str:
    return state.key("auth", "otp", purpose, phone)


def _code_mac(state: AppState, phone: str, purpose: str, code: str) -> str:
    secret = (state.settings.jwt_private_key or state.settings.jwt_secret).encode()
    key = hashlib.sha256(b"sawt-otp:" + secret).digest()
    return hmac.new(key, f"{purpose}|{phone}|{code}".encode(), hashlib.sha256).hexdigest()


def check_otp_request(phone_raw: object, channel: str, purpose: str) -> str:
    phone = normalize_phone(phone_raw)
    if channel not in CHANNELS:
        raise BadRequest("channel must be 'whatsapp' or 'flash_call'", code="unknown_channel")
    if purpose not in PURPOSES:
        raise BadRequest("purpose must be 'register' or 'reset_password'",
                         code="unknown_purpose")
    return phone


async def do_send_otp(state: AppState, phone_raw: str, channel: str, purpose: str,
                      client: Client) -> dict:
    """Send a fresh code (replacing any earlier one). For `reset_password` to a phone without
    an account nothing is sent, and the answer is the same."""
    cfg = auth_config(state)
    phone = check_otp_request(phone_raw, channel, purpose)
    cooldown = state.key("auth", "otpcd", phone)
    if not await state.redis.set(cooldown, b"1", ex=cfg.otp_resend_cooldown, nx=True):
        wait = max(await state.redis.pttl(cooldown), 1) / 1000
        raise AppError("otp_cooldown", f"Wait {wait:.0f} s before asking for another code",
                       status=429, retry_after=wait)
    await check_rate(state, "auth:otp:ip", client.ip or "-", cfg.otp_rate_per_ip)
    await check_rate(state, "auth:otp:phone", phone, cfg.otp_rate_per_phone)
    answer = {"phone": phone, "channel": channel, "purpose": purpose, "code_length": CODE_DIGITS,
              "expires_in": cfg.otp_ttl, "resend_after": cfg.otp_resend_cooldown}
    if channel == "flash_call":
        answer["caller_prefix"] = cfg.flash_call_caller_prefix
    user_id = await state.db.fetchval(q.USER_ID_BY_PHONE, phone)
    if purpose == "reset_password" and user_id is None:
        return answer
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    key = _otp_key(state, purpose, phone)
    pipe = state.redis.pipeline(transaction=True)
    pipe.delete(key)
    pipe.hset(key, mapping={"h": _code_mac(state, phone, purpose, code), "n": 0,
                            "channel": channel})
    pipe.expire(key, cfg.otp_ttl)
    await pipe.execute()
    try:
        provider_id = await channel_for(state, channel).send(phone, code)
    except AppError:
        await state.redis.delete(key, cooldown)
        raise
    await record(state.db, "otp_sent", client, user_id=user_id, phone=phone, channel=channel,
                 purpose=purpose, provider_id=provider_id)
    return answer


async def do_verify_otp(state: AppState, phone_raw: str, code: str, purpose: str,
                        client: Client) -> dict:
    """Check a code: 5 attempts, then the code is void. Success returns a verification token."""
    cfg = auth_config(state)
    phone = check_otp_request(phone_raw, "whatsapp", purpose)
    if not (isinstance(code, str) and len(code) == CODE_DIGITS and code.isascii()
            and code.isdigit()):
        raise BadRequest(f"The code is {CODE_DIGITS} digits", code="invalid_code_format")
    await check_rate(state, "auth:otpverify:ip", client.ip or "-", "120/hour")
    key = _otp_key(state, purpose, phone)
    got = await state.redis.eval(_ATTEMPT, 1, key)
    if got is None:
        raise AppError("otp_expired", "No valid code for this number; ask for a new one",
                       status=400)
    attempts, mac = int(got[0]), got[1].decode() if got[1] else ""
    if attempts > cfg.otp_max_attempts:
        await state.redis.delete(key)
        raise AppError("otp_attempts_exceeded", "Too many wrong codes; ask for a new one",
                       status=429)
    if not hmac.compare_digest(mac, _code_mac(state, phone, purpose, code)):
        left = cfg.otp_max_attempts - attempts
        if left <= 0:
            await state.redis.delete(key)
        await record(state.db, "otp_failed", client, phone=phone, purpose=purpose,
                     attempt=attempts)
        raise AppError("wrong_code", "That code is not right", status=400,
                       details={"attempts_left": max(left, 0)})
    if not await state.redis.delete(key):  # a parallel request took it first
        raise AppError("otp_expired", "No valid code for this number; ask for a new one",
                       status=400)
    token = "vt_" + secrets.token_urlsafe(32)
    await state.redis.set(_vt_key(state, token), json.dumps({"phone": phone, "purpose": purpose}),
                          ex=cfg.verification_token_ttl)
    user_id = await state.db.fetchval(q.USER_ID_BY_PHONE, phone)
    await record(state.db, "otp_verified", client, user_id=user_id, phone=phone, purpose=purpose)
    return {"verification_token": token, "phone": phone, "purpose": purpose,
            "expires_in": cfg.verification_token_ttl}


def _vt_key(state: AppState, token: str) -> str:
    return state.key("auth", "vt", hashlib.sha256(token.encode()).hexdigest())


async def consume_verification(state: AppState, token: str, purpose: str) -> str:
    """The phone a verification token proves, once. Unknown, used or expired -> 401."""
    if not isinstance(token, str) or not token.startswith("vt_") or len(token) > 100:
        raise Unauthorized("Verification token is not valid", code="invalid_verification")
    raw = await state.redis.getdel(_vt_key(state, token))
    if raw is None:
        raise Unauthorized("Verification token is not valid, used or expired",
                           code="invalid_verification")
    data = json.loads(raw)
    if data.get("purpose") != purpose:
        raise Unauthorized("Verification token was issued for something else",
                           code="invalid_verification")
    return data["phone"]
