"""Accounts made by an operator (`python -m server user create`, `seed`): a phone, a role and
a password, with no OTP round trip. Same rows, checks and audit trail as a sign-up."""
from __future__ import annotations

import secrets

from handlers.auth import queries as q
from handlers.auth.actions import check_display_name, passwords
from handlers.auth.audit import Client, record
from handlers.auth.passwords import Passwords
from handlers.auth.phones import normalize_phone
from server.errors import BadRequest
from server.state import AppState


async def do_provision_user(state: AppState, phone_raw: str, *, role: str = "user",
                            name: str | None = None, password: str | None = None) -> dict:
    """Create the account for `phone` (or update the existing one's role and password);
    returns it with the password to sign in with (a generated one unless given)."""
    from server.sockets import ROLES

    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    phone = normalize_phone(phone_raw)
    password = password or "sawt-" + secrets.token_urlsafe(9)
    Passwords.check_policy(password)
    display = await check_display_name(state, name or f"{role.title()} {phone[-4:]}")
    pw_hash = await passwords(state).hash(password)
    client = Client(user_agent="python -m server user create")
    async with state.db.acquire() as conn, conn.transaction():
        user = await conn.fetchrow(q.INSERT_USER, phone, display)
        created = user is not None
        if not created:
            user = await conn.fetchrow(
                "SELECT id::text, role FROM users WHERE phone = $1 FOR UPDATE", phone)
        await conn.execute(q.UPSERT_PASSWORD, user["id"], pw_hash)
        if user["role"] != role:
            await conn.execute(q.SET_ROLE, user["id"], role)
            await record(conn, "role_changed", client, user_id=user["id"], by="operator",
                         old=user["role"], new=role)
        if created:
            await record(conn, "signup", client, user_id=user["id"], phone=phone)
    return {"user_id": user["id"], "phone": phone, "role": role, "password": password,
            "created": created}
