"""HTTP surface of auth under /v1/auth (and the development outbox). Thin: parse, act, answer."""
from __future__ import annotations

import uuid
from typing import Any

import msgspec
from aiohttp import web

from handlers.auth.actions import do_list_sessions, do_login, do_refresh, do_register, \
    do_reset_password, do_revoke_all_sessions, do_revoke_session, do_set_role
from handlers.auth.audit import Client
from handlers.auth.config import auth_config
from handlers.auth.guard import authenticate
from handlers.auth.otp import do_send_otp, do_verify_otp
from handlers.auth.otp_channels import read_outbox
from handlers.auth.passkeys import do_list_passkeys, do_passkey_login, \
    do_passkey_login_options, do_passkey_register, do_passkey_register_options, \
    do_remove_passkey
from handlers.auth.phones import normalize_phone
from handlers.auth import queries as q
from server.errors import AppError, NotFound
from server.payloads import decode_json
from server.state import STATE

routes = web.RouteTableDef()
MAX_BODY = 16 * 1024  # every auth body is small; passkey credentials are the largest


class OtpRequest(msgspec.Struct, forbid_unknown_fields=True):
    phone: str
    channel: str = "whatsapp"
    purpose: str = "register"


class OtpVerify(msgspec.Struct, forbid_unknown_fields=True):
    phone: str
    code: str
    purpose: str = "register"


class Register(msgspec.Struct, forbid_unknown_fields=True):
    verification_token: str
    password: str
    display_name: str
    device: str = "app"


class Login(msgspec.Struct, forbid_unknown_fields=True):
    phone: str
    password: str
    device: str = "app"


class Reset(msgspec.Struct, forbid_unknown_fields=True):
    verification_token: str
    password: str
    device: str = "app"


class Refresh(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: str


class PasskeyRegister(msgspec.Struct, forbid_unknown_fields=True):
    challenge_id: str
    credential: dict[str, Any]
    name: str = "Passkey"


class PasskeyLogin(msgspec.Struct, forbid_unknown_fields=True):
    challenge_id: str
    credential: dict[str, Any]
    device: str = "app"


async def body(request: web.Request, kind: type):
    """A small JSON body: 415 for other content types, 413 past MAX_BODY, 400 when malformed."""
    if request.content_type != "application/json":
        raise AppError("unsupported_media_type", "Send Content-Type: application/json",
                       status=415)
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise AppError("payload_too_large", f"Body exceeds {MAX_BODY} bytes", status=413)
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise AppError("payload_too_large", f"Body exceeds {MAX_BODY} bytes", status=413)
    return decode_json(kind, raw)


def _uuid_or_404(value: str, code: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound("Not found", code=code) from None


@routes.post("/v1/auth/otp")
async def send_otp(request: web.Request) -> web.Response:
    req = await body(request, OtpRequest)
    sent = await do_send_otp(request.app[STATE], req.phone, req.channel, req.purpose,
                             Client.of(request))
    return web.json_response(sent, status=202)


@routes.post("/v1/auth/otp/verify")
async def verify_otp(request: web.Request) -> web.Response:
    req = await body(request, OtpVerify)
    return web.json_response(await do_verify_otp(request.app[STATE], req.phone, req.code,
                                                 req.purpose, Client.of(request)))


@routes.post("/v1/auth/register")
async def register(request: web.Request) -> web.Response:
    req = await body(request, Register)
    issued = await do_register(request.app[STATE], req.verification_token, req.password,
                               req.display_name, req.device, Client.of(request))
    return web.json_response(issued.as_json(), status=201)


@routes.post("/v1/auth/login")
async def login(request: web.Request) -> web.Response:
    req = await body(request, Login)
    issued = await do_login(request.app[STATE], req.phone, req.password, req.device,
                            Client.of(request))
    return web.json_response(issued.as_json())


@routes.post("/v1/auth/password/reset")
async def reset_password(request: web.Request) -> web.Response:
    req = await body(request, Reset)
    issued = await do_reset_password(request.app[STATE], req.verification_token, req.password,
                                     req.device, Client.of(request))
    return web.json_response(issued.as_json())


@routes.post("/v1/auth/refresh")
async def refresh(request: web.Request) -> web.Response:
    req = await body(request, Refresh)
    issued = await do_refresh(request.app[STATE], req.refresh_token, Client.of(request))
    return web.json_response(issued.as_json())


@routes.get("/v1/auth/me")
async def me(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    user = await request.app[STATE].db.fetchrow(q.USER_BY_ID, claims.user_id)
    if user is None:
        raise NotFound("No such user", code="user_not_found")
    return web.json_response({"user_id": user["id"], "phone": user["phone"],
                              "display_name": user["display_name"], "role": user["role"],
                              "session_id": claims.session_id})


@routes.post("/v1/auth/logout")
async def logout(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    await do_revoke_session(request.app[STATE], claims.user_id, claims.session_id,
                            Client.of(request), by_session=claims.session_id)
    return web.Response(status=204)


@routes.get("/v1/auth/sessions")
async def list_sessions(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    return web.json_response({"sessions": await do_list_sessions(
        request.app[STATE], claims.user_id, claims.session_id)})


@routes.delete("/v1/auth/sessions/{session_id}")
async def revoke_session(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    sid = _uuid_or_404(request.match_info["session_id"], "session_not_found")
    await do_revoke_session(request.app[STATE], claims.user_id, sid, Client.of(request),
                            by_session=claims.session_id)
    return web.Response(status=204)


@routes.post("/v1/auth/sessions/revoke-others")
async def revoke_others(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    ids = await do_revoke_all_sessions(request.app[STATE], claims.user_id, Client.of(request),
                                       except_session=claims.session_id,
                                       reason="signed_out_by_other_device")
    return web.json_response({"revoked": ids})


@routes.post("/v1/auth/passkeys/register/options")
async def passkey_register_options(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    return web.json_response(await do_passkey_register_options(request.app[STATE],
                                                               claims.user_id))


@routes.post("/v1/auth/passkeys/register")
async def passkey_register(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    req = await body(request, PasskeyRegister)
    added = await do_passkey_register(request.app[STATE], claims.user_id, claims.session_id,
                                      req.challenge_id, req.credential, req.name,
                                      Client.of(request))
    return web.json_response(added, status=201)


@routes.get("/v1/auth/passkeys")
async def passkeys(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    return web.json_response({"passkeys": await do_list_passkeys(request.app[STATE],
                                                                 claims.user_id)})


# a UUID only: `DELETE /v1/auth/passkeys/login` is the login route answering 405, not a passkey
UUID_RE = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


@routes.delete("/v1/auth/passkeys/{passkey_id:" + UUID_RE + "}")
async def remove_passkey(request: web.Request) -> web.Response:
    claims = await authenticate(request)
    pid = _uuid_or_404(request.match_info["passkey_id"], "passkey_not_found")
    await do_remove_passkey(request.app[STATE], claims.user_id, pid, claims.session_id,
                            Client.of(request))
    return web.Response(status=204)


@routes.post("/v1/auth/passkeys/login/options")
async def passkey_login_options(request: web.Request) -> web.Response:
    return web.json_response(await do_passkey_login_options(request.app[STATE]))


@routes.post("/v1/auth/passkeys/login")
async def passkey_login(request: web.Request) -> web.Response:
    req = await body(request, PasskeyLogin)
    issued = await do_passkey_login(request.app[STATE], req.challenge_id, req.credential,
                                    req.device, Client.of(request))
    return web.json_response(issued.as_json())


class SetRole(msgspec.Struct, forbid_unknown_fields=True):
    role: str


@routes.put("/v1/auth/users/{user_id}/role")
async def set_role(request: web.Request) -> web.Response:
    claims = await authenticate(request, roles=("admin",))
    uid = _uuid_or_404(request.match_info["user_id"], "user_not_found")
    req = await body(request, SetRole)
    return web.json_response(await do_set_role(request.app[STATE], claims.user_id, uid,
                                               req.role, Client.of(request)))


@routes.get("/v1/dev/outbox")
async def dev_outbox(request: web.Request) -> web.Response:
    """Development only: what the OTP simulators would have sent to a phone, newest first.
    Outside development (and test) this answers exactly like a route that does not exist."""
    state = request.app[STATE]
    if state.settings.is_production or not state.settings.is_dev_or_test \
            or not auth_config(state).dev_outbox:
        raise web.HTTPNotFound()
    phone = normalize_phone(request.query.get("phone", ""))
    return web.json_response({"phone": phone, "messages": await read_outbox(state, phone)})
