"""Passkeys (WebAuthn): registration for a signed-in user, usernameless login.

Challenges live in Redis for 5 minutes under an opaque `challenge_id` and are taken once
(GETDEL). Credentials are stored with their sign counter; a counter that does not grow is
refused (a cloned authenticator). Login options carry no phone, so they reveal nothing.
"""
from __future__ import annotations

import json
import secrets
from typing import Any

import webauthn
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, \
    InvalidRegistrationResponse, WebAuthnException
from webauthn.helpers.structs import AuthenticatorSelectionCriteria, \
    PublicKeyCredentialDescriptor, ResidentKeyRequirement, UserVerificationRequirement

from handlers.auth import queries as q
from handlers.auth.audit import Client, record
from handlers.auth.config import auth_config
from handlers.auth.sessions import Issued, open_session
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from server.state import AppState

CHALLENGE_TTL = 300


def _challenge_key(state: AppState, challenge_id: str) -> str:
    return state.key("auth", "webauthn", challenge_id)


async def _save_challenge(state: AppState, kind: str, challenge: bytes,
                          user_id: str | None = None, **extra) -> str:
    cid = secrets.token_urlsafe(16)
    await state.redis.set(_challenge_key(state, cid), json.dumps(
        {"kind": kind, "challenge": bytes_to_base64url(challenge), "user_id": user_id, **extra}),
        ex=CHALLENGE_TTL)
    return cid


async def _take_challenge(state: AppState, challenge_id: str, kind: str) -> dict:
    if not isinstance(challenge_id, str) or len(challenge_id) > 64:
        raise BadRequest("challenge_id is malformed", code="invalid_challenge")
    raw = await state.redis.getdel(_challenge_key(state, challenge_id))
    data = json.loads(raw) if raw else None
    if data is None or data.get("kind") != kind:
        raise AppError("invalid_challenge", "Challenge unknown, used or expired; start again",
                       status=400)
    return data


def _credential_id(credential: Any) -> bytes:
    try:
        return base64url_to_bytes(credential.get("rawId") or credential["id"])
    except Exception:
        raise BadRequest("credential.id is missing or not base64url",
                         code="invalid_credential") from None


async def do_passkey_register_options(state: AppState, user_id: str) -> dict:
    cfg = auth_config(state)
    user = await state.db.fetchrow(q.USER_BY_ID, user_id)
    if user is None:
        raise NotFound("No such user", code="user_not_found")
    existing = await state.db.fetch(q.PASSKEY_IDS_OF_USER, user_id)
    options = webauthn.generate_registration_options(
        rp_id=cfg.webauthn_rp_id, rp_name=cfg.webauthn_rp_name,
        user_id=user_id.encode(), user_name=user["phone"] or user_id,
        user_display_name=user["display_name"] or (user["phone"] or ""),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=bytes(r["credential_id"]))
                             for r in existing])
    cid = await _save_challenge(state, "register", options.challenge, user_id)
    return {"challenge_id": cid, "options": json.loads(webauthn.options_to_json(options))}


async def do_passkey_register(state: AppState, user_id: str, session_id: str, challenge_id: str,
                              credential: dict, name: str, client: Client) -> dict:
    cfg = auth_config(state)
    ch = await _take_challenge(state, challenge_id, "register")
    if ch["user_id"] != user_id:
        raise AppError("invalid_challenge", "This challenge belongs to someone else", status=400)
    try:
        v = webauthn.verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(ch["challenge"]),
            expected_rp_id=cfg.webauthn_rp_id, expected_origin=list(cfg.webauthn_origins))
    except (InvalidRegistrationResponse, WebAuthnException, KeyError, TypeError,
            ValueError) as exc:
        raise BadRequest(f"Passkey not accepted: {exc}", code="passkey_rejected") from None
    transports = [str(t) for t in (credential.get("response", {}).get("transports") or [])
                  if isinstance(t, str)][:8]
    async with transaction(state.db) as tx:
        row = await tx.conn.fetchrow(q.INSERT_PASSKEY, user_id, v.credential_id,
                                     v.credential_public_key, v.sign_count, transports,
                                     str(v.aaguid), (name or "Passkey")[:60])
        if row is None:
            raise Conflict("This passkey is already registered", code="passkey_exists")
        await record(tx.conn, "passkey_added", client, user_id=user_id, session_id=session_id,
                     passkey_id=row["id"])
    return {"id": row["id"], "name": row["name"], "created_at": row["created_at"].isoformat()}


async def do_passkey_login_options(state: AppState) -> dict:
    cfg = auth_config(state)
    options = webauthn.generate_authentication_options(
        rp_id=cfg.webauthn_rp_id, user_verification=UserVerificationRequirement.PREFERRED)
    cid = await _save_challenge(state, "login", options.challenge)
    return {"challenge_id": cid, "options": json.loads(webauthn.options_to_json(options))}


async def do_passkey_login(state: AppState, challenge_id: str, credential: dict, device: str,
                           client: Client) -> Issued:
    """Verify an assertion, advance the sign counter, open a session (method `passkey`)."""
    cfg = auth_config(state)
    ch = await _take_challenge(state, challenge_id, "login")
    cred_id = _credential_id(credential)
    failure = None
    async with transaction(state.db) as tx:
        pk = await tx.conn.fetchrow(q.PASSKEY_BY_CREDENTIAL_FOR_UPDATE, cred_id)
        if pk is None:
            failure = "unknown"
        else:
            try:
                v = webauthn.verify_authentication_response(
                    credential=credential,
                    expected_challenge=base64url_to_bytes(ch["challenge"]),
                    expected_rp_id=cfg.webauthn_rp_id,
                    expected_origin=list(cfg.webauthn_origins),
                    credential_public_key=bytes(pk["public_key"]),
                    credential_current_sign_count=pk["sign_count"])
            except (InvalidAuthenticationResponse, WebAuthnException, KeyError, TypeError,
                    ValueError) as exc:
                failure = str(exc)[:200]
        if failure is None:
            if pk["status"] != "active":
                raise Forbidden("This account is suspended", code="account_suspended")
            await tx.conn.execute(q.UPDATE_PASSKEY_USE, pk["id"], v.new_sign_count)
            issued = await open_session(tx.conn, state.keys, user_id=pk["user_id"],
                                        role=pk["role"], label=device, method="passkey",
                                        client=client, refresh_ttl=cfg.refresh_token_ttl)
            await record(tx.conn, "passkey_used", client, user_id=pk["user_id"],
                         session_id=issued.session_id, passkey_id=pk["id"])
    if failure is not None:
        await record(state.db, "passkey_failed", client,
                     user_id=pk["user_id"] if pk else None, reason=failure)
        raise Unauthorized("Passkey not accepted", code="passkey_rejected")
    return issued


async def do_list_passkeys(state: AppState, user_id: str) -> list[dict]:
    return [{"id": r["id"], "name": r["name"], "aaguid": r["aaguid"],
             "created_at": r["created_at"].isoformat(),
             "last_used_at": r["last_used_at"].isoformat() if r["last_used_at"] else None}
            for r in await state.db.fetch(q.LIST_PASSKEYS, user_id)]


async def do_remove_passkey(state: AppState, user_id: str, passkey_id: str, session_id: str,
                            client: Client) -> None:
    async with transaction(state.db) as tx:
        if await tx.conn.fetchval(q.DELETE_PASSKEY, passkey_id, user_id) is None:
            raise NotFound("No such passkey", code="passkey_not_found")
        await record(tx.conn, "passkey_removed", client, user_id=user_id, session_id=session_id,
                     passkey_id=passkey_id)
