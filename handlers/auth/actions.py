"""Accounts and sessions: register, log in, refresh, reset the password, revoke devices.

`check_*` validate and authorise; `do_*` write (one short transaction), then do the Redis
and socket work after the commit. Audit entries are written inside the same transaction.
"""
from __future__ import annotations

import asyncio
import json
import re
import uuid

import structlog

from handlers.auth import queries as q
from handlers.auth.audit import Client, record
from handlers.auth.config import auth_config
from handlers.auth.guard import mark_revoked
from handlers.auth.hooks import display_name_check
from handlers.auth.passwords import Passwords
from handlers.auth.phones import normalize_phone
from handlers.auth.sessions import Issued, hash_refresh, issue_refresh, open_session
from rooms.names import session_room
from rooms.ratelimit import check_rate
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from server.payloads import VISIBLE_NAME
from server.privacy import holds_personal_data
from server.redis_clients import publish
from server.state import AppState

log = structlog.get_logger("auth")


def passwords(state: AppState) -> Passwords:
    pw = state.extras.get("auth_passwords")
    if pw is None:
        pw = state.extras["auth_passwords"] = Passwords(auth_config(state))
    return pw


# --- revocation ----------------------------------------------------------------------------

def revocation_channel(state: AppState) -> str:
    return state.key("auth", "revocations")


async def after_revoke(state: AppState, session_ids: list[str], reason: str) -> None:
    """After the commit: cache the revocation for the connect guard and tell every process
    to cut the sockets of these sessions (each process cuts its own, see lifecycle.py)."""
    if not session_ids:
        return
    await mark_revoked(state, session_ids)
    await publish(state.redis, revocation_channel(state),
                  json.dumps({"sessions": session_ids, "reason": reason}))


async def do_cut_local_sockets(state: AppState, session_ids: list[str], reason: str) -> int:
    """On one process: tell this process's sockets of these sessions why, then disconnect
    them. Runs on every process when a revocation is published."""
    sio = state.sio
    targets = []
    for sid in session_ids:
        targets.extend(sio.manager.get_participants("/", session_room(sid)))
    if not targets:
        return 0
    for sock, _eio in targets:
        await sio.emit("auth:session_revoked", {"reason": reason}, to=sock, ignore_queue=True)
    await asyncio.sleep(0.05)  # let the notice leave before the disconnect packet
    for sock, _eio in targets:
        try:
            await sio.disconnect(sock, ignore_queue=True)
        except Exception:  # already gone
            pass
    return len(targets)


async def do_revoke_session(state: AppState, user_id: str, session_id: str, client: Client, *,
                            by_session: str | None = None, reason: str = "signed_out") -> None:
    async with transaction(state.db) as tx:
        done = await tx.conn.fetchval(q.REVOKE_SESSION, session_id, user_id, reason)
        if done is None:
            raise NotFound("No such active session", code="session_not_found")
        await record(tx.conn, "session_revoked", client, user_id=user_id, session_id=session_id,
                     reason=reason, by_session=by_session)
    await after_revoke(state, [session_id], reason)


async def do_revoke_all_sessions(state: AppState, user_id: str, client: Client | None = None, *,
                                 except_session: str | None = None,
                                 reason: str = "signed_out_everywhere") -> list[str]:
    """Revoke every live session of a user (but `except_session`). Other domains call this
    (suspension, erasure). Live sockets of those sessions are disconnected on every node."""
    client = client or Client()
    async with transaction(state.db) as tx:
        ids = [r["id"] for r in await tx.conn.fetch(q.REVOKE_SESSIONS_EXCEPT, user_id,
                                                    except_session, reason)]
        for sid in ids:
            await record(tx.conn, "session_revoked", client, user_id=user_id, session_id=sid,
                         reason=reason, by_session=except_session)
    await after_revoke(state, ids, reason)
    return ids


async def do_list_sessions(state: AppState, user_id: str, current: str | None) -> list[dict]:
    rows = await state.db.fetch(q.LIST_SESSIONS, user_id)
    return [{"id": r["id"], "label": r["label"], "method": r["method"],
             "user_agent": r["user_agent"], "ip": r["ip"],
             "created_at": r["created_at"].isoformat(),
             "last_used_at": r["last_used_at"].isoformat(),
             "expires_at": r["expires_at"].isoformat(), "current": r["id"] == current}
            for r in rows]


async def do_open_operator_session(state: AppState, user_id: str,
                                   role: str | None = None) -> Issued:
    """`python -m server token USER_ID`: a session labelled `operator` for an existing user."""
    cfg = auth_config(state)
    client = Client(user_agent="python -m server token")
    try:
        uuid.UUID(user_id)
    except ValueError:
        raise NotFound(f"No user {user_id}", code="user_not_found") from None
    async with transaction(state.db) as tx:
        user = await tx.conn.fetchrow(q.USER_BY_ID, user_id)
        if user is None:
            raise NotFound(f"No user {user_id}", code="user_not_found")
        issued = await open_session(tx.conn, state.keys, user_id=user_id,
                                    role=role or user["role"], label="operator",
                                    method="operator", client=client,
                                    refresh_ttl=cfg.refresh_token_ttl)
        await record(tx.conn, "session_opened", client, user_id=user_id,
                     session_id=issued.session_id, method="operator", role=issued.role)
    return issued


# --- registration, login, password reset -----------------------------------------------------

async def check_display_name(state: AppState, name: str) -> str:
    name = " ".join(name.split())
    if not (1 <= len(name) <= 50):
        raise BadRequest("Display name must be 1 to 50 characters", code="invalid_display_name")
    if not re.search(VISIBLE_NAME, name):  # only zero-width or direction characters
        raise BadRequest("A display name needs a visible character", code="invalid_display_name")
    await display_name_check.fire(state, name)
    return name


async def do_register(state: AppState, verification_token: str, password: str,
                      display_name: str, device: str, client: Client) -> Issued:
    """A new account for a verified phone: user row, password, first session. All or nothing;
    a phone that already has an account is `phone_taken` (409)."""
    from handlers.auth.otp import consume_verification

    cfg = auth_config(state)
    Passwords.check_policy(password)
    name = await check_display_name(state, display_name)
    phone = await consume_verification(state, verification_token, "register")
    pw_hash = await passwords(state).hash(password)
    async with transaction(state.db) as tx:
        user = await tx.conn.fetchrow(q.INSERT_USER, phone, name)
        if user is None:
            raise Conflict("This phone number already has an account; log in instead",
                           code="phone_taken")
        await tx.conn.execute(q.UPSERT_PASSWORD, user["id"], pw_hash)
        issued = await open_session(tx.conn, state.keys, user_id=user["id"], role=user["role"],
                                    label=device, method="register", client=client,
                                    refresh_ttl=cfg.refresh_token_ttl)
        await record(tx.conn, "signup", client, user_id=user["id"],
                     session_id=issued.session_id, phone=phone)
    return issued


def _fail_keys(state: AppState, phone: str) -> tuple[str, str]:
    return state.key("auth", "loginfail", phone), state.key("auth", "loginlock", phone)


async def check_login_allowed(state: AppState, phone: str, client: Client) -> None:
    """Per-IP rate, then the per-phone delay/lockout left by earlier failures. Applies the
    same to phones with and without an account."""
    cfg = auth_config(state)
    await check_rate(state, "auth:login:ip", client.ip or "-", cfg.login_rate_per_ip)
    fails_key, lock_key = _fail_keys(state, phone)
    wait_ms = await state.redis.pttl(lock_key)
    if wait_ms > 0:
        fails = int(await state.redis.get(fails_key) or 0)
        locked = fails >= cfg.login_lockout_after
        raise AppError("login_locked" if locked else "login_throttled",
                       "Too many failed attempts; try again later" if locked else
                       "Wait before trying again", status=429, retry_after=wait_ms / 1000)


async def note_login_failure(state: AppState, phone: str) -> int:
    """Count a failure; from the `login_free_failures`-th on, the next try waits 1, 2, 4 ...
    seconds; from `login_lockout_after` on, the phone is locked for `login_lockout_seconds`."""
    cfg = auth_config(state)
    fails_key, lock_key = _fail_keys(state, phone)
    pipe = state.redis.pipeline(transaction=True)
    pipe.incr(fails_key)
    pipe.expire(fails_key, cfg.login_lockout_seconds)
    fails, _ = await pipe.execute()
    if fails >= cfg.login_lockout_after:
        delay = cfg.login_lockout_seconds
    elif fails > cfg.login_free_failures:
        delay = min(2 ** (fails - cfg.login_free_failures - 1), cfg.login_lockout_seconds)
    else:
        delay = 0
    if delay:
        await state.redis.set(lock_key, b"1", px=int(delay * 1000))
    return fails


async def clear_login_failures(state: AppState, phone: str) -> None:
    await state.redis.delete(*_fail_keys(state, phone))


async def do_login(state: AppState, phone_raw: str, password: str, device: str,
                   client: Client) -> Issued:
    """Phone + password. Wrong phone and wrong password get the same answer, same timing."""
    cfg = auth_config(state)
    phone = normalize_phone(phone_raw)
    await check_login_allowed(state, phone, client)
    row = await state.db.fetchrow(q.USER_WITH_PASSWORD_BY_PHONE, phone)
    pw = passwords(state)
    good = await pw.verify(row["hash"] if row else None, password[:256])
    if not good:
        fails = await note_login_failure(state, phone)
        await record(state.db, "login_failed", client, user_id=row["id"] if row else None,
                     phone=phone, failures=fails)
        raise Unauthorized("Phone number or password is wrong", code="invalid_credentials")
    if row["status"] != "active":
        raise Forbidden("This account is suspended", code="account_suspended")
    await clear_login_failures(state, phone)
    new_hash = await pw.hash(password) if pw.needs_rehash(row["hash"]) else None
    async with transaction(state.db) as tx:
        if new_hash:
            await tx.conn.execute(q.UPDATE_PASSWORD_HASH, row["id"], new_hash)
        issued = await open_session(tx.conn, state.keys, user_id=row["id"], role=row["role"],
                                    label=device, method="password", client=client,
                                    refresh_ttl=cfg.refresh_token_ttl)
        await record(tx.conn, "login_success", client, user_id=row["id"],
                     session_id=issued.session_id, method="password")
    return issued


async def do_reset_password(state: AppState, verification_token: str, new_password: str,
                            device: str, client: Client) -> Issued:
    """Set a new password after an OTP; every other session is signed out; returns a new one."""
    from handlers.auth.otp import consume_verification

    cfg = auth_config(state)
    Passwords.check_policy(new_password)
    phone = await consume_verification(state, verification_token, "reset_password")
    pw_hash = await passwords(state).hash(new_password)
    async with transaction(state.db) as tx:
        row = await tx.conn.fetchrow(q.USER_WITH_PASSWORD_BY_PHONE, phone)
        if row is None:
            raise Unauthorized("Verification token is not valid", code="invalid_verification")
        if row["status"] != "active":
            raise Forbidden("This account is suspended", code="account_suspended")
        await tx.conn.execute(q.UPSERT_PASSWORD, row["id"], pw_hash)
        revoked = [r["id"] for r in await tx.conn.fetch(q.REVOKE_SESSIONS_EXCEPT, row["id"],
                                                        None, "password_reset")]
        for sid in revoked:
            await record(tx.conn, "session_revoked", client, user_id=row["id"], session_id=sid,
                         reason="password_reset")
        issued = await open_session(tx.conn, state.keys, user_id=row["id"], role=row["role"],
                                    label=device, method="password", client=client,
                                    refresh_ttl=cfg.refresh_token_ttl)
        await record(tx.conn, "password_reset", client, user_id=row["id"],
                     session_id=issued.session_id)
    await after_revoke(state, revoked, "password_reset")
    await clear_login_failures(state, phone)
    return issued


# --- refresh -------------------------------------------------------------------------------

async def do_refresh(state: AppState, refresh_token: str, client: Client) -> Issued:
    """Rotate a refresh token. A token used twice revokes its session (the whole family) and
    cuts that device's sockets: whoever holds a copy, thief or owner, must sign in again."""
    cfg = auth_config(state)
    if not refresh_token.startswith("rt_") or len(refresh_token) > 100:
        raise Unauthorized("Refresh token is not valid", code="invalid_refresh_token")
    h = hash_refresh(refresh_token)
    outcome, issued = "ok", None
    async with transaction(state.db) as tx:
        row = await tx.conn.fetchrow(q.REFRESH_FOR_UPDATE, h)
        if row is None:
            raise Unauthorized("Refresh token is not valid", code="invalid_refresh_token")
        sid, uid = row["session_id"], row["user_id"]
        if row["revoked_at"] is not None or not row["session_fresh"]:
            outcome = "session_revoked"
        elif row["rotated_at"] is not None:
            outcome = "reused"
            await tx.conn.execute(q.REVOKE_SESSION, sid, uid, "refresh_reuse")
            await record(tx.conn, "refresh_reuse_detected", client, user_id=uid, session_id=sid)
            await record(tx.conn, "session_revoked", client, user_id=uid, session_id=sid,
                         reason="refresh_reuse")
        elif not row["fresh"]:
            outcome = "expired"
        elif row["status"] != "active":
            outcome = "suspended"
        else:
            await tx.conn.execute(q.MARK_REFRESH_ROTATED, h)
            new_refresh = await issue_refresh(tx.conn, sid, cfg.refresh_token_ttl)
            await tx.conn.execute(q.TOUCH_SESSION, sid, client.user_agent, client.ip)
            await record(tx.conn, "refresh", client, user_id=uid, session_id=sid)
            access = state.keys.sign(uid, role=row["role"], session_id=sid)
            issued = Issued(uid, sid, row["role"], access, new_refresh, state.keys.ttl)
    if outcome == "reused":
        await after_revoke(state, [sid], "refresh_reuse")
        raise Unauthorized("This refresh token was already used; the session is signed out",
                           code="refresh_token_reused")
    if outcome == "session_revoked":
        raise Unauthorized("This session was signed out", code="session_revoked")
    if outcome == "expired":
        raise Unauthorized("Refresh token expired; sign in again", code="refresh_token_expired")
    if outcome == "suspended":
        raise Forbidden("This account is suspended", code="account_suspended")
    return issued


# --- roles -------------------------------------------------------------------------------

async def do_set_role(state: AppState, admin_id: str, user_id: str, role: str,
                      client: Client) -> dict:
    """An admin changes a user's role. Tokens carry the role, so it applies from the user's
    next refresh or sign-in (at most one access-token lifetime)."""
    from server.sockets import ROLES

    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    async with transaction(state.db) as tx:
        old = await tx.conn.fetchval(
            "SELECT role FROM users WHERE id = $1::uuid FOR UPDATE", user_id)
        if old is None:
            raise NotFound("No such user", code="user_not_found")
        await tx.conn.execute(q.SET_ROLE, user_id, role)
        await record(tx.conn, "role_changed", client, user_id=user_id, by=admin_id,
                     old=old, new=role)
    return {"user_id": user_id, "role": role, "previous": old}


# --- PDPL ----------------------------------------------------------------------------------

async def export_personal_data(conn, user_id: str) -> dict:
    sessions = [dict(r) for r in await conn.fetch(q.EXPORT_SESSIONS, user_id)]
    passkeys = [dict(r) for r in await conn.fetch(q.LIST_PASSKEYS, user_id)]
    audit = [dict(r) for r in await conn.fetch(q.AUDIT_OF_USER, user_id)]
    has_password = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM auth_passwords WHERE user_id = $1::uuid)", user_id)
    return {"has_password": has_password, "sessions": sessions, "passkeys": passkeys,
            "security_log": audit}


async def erase_personal_data(conn, user_id: str) -> None:
    """Credentials go; sessions are revoked and stripped of device details; the security log
    keeps its events (append-only) with IP and user agent removed."""
    await conn.execute(q.ERASE_CREDENTIALS, user_id)
    await conn.execute("SET LOCAL sawt.audit_erase = 'on'")
    await conn.execute(q.ERASE_AUDIT_OF_USER, user_id)
    await conn.execute("SET LOCAL sawt.audit_erase = 'off'")


async def after_erase(state: AppState, user_id: str) -> None:
    ids = [r["id"] for r in await state.db.fetch(
        "SELECT id::text FROM auth_sessions WHERE user_id = $1::uuid", user_id)]
    await after_revoke(state, ids, "account_erased")


holds_personal_data("auth", export=export_personal_data, erase=erase_personal_data,
                    after_commit=after_erase)
