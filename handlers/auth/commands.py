"""`python -m server token USER_ID` opens an `operator` session (see server/__main__.py);
`python -m server user create --phone P --role R` makes an account with a role."""
from __future__ import annotations

import asyncio

from server.redis_clients import settings_client

from server.config import Settings
from server.db import create_pool
from server.errors import AppError
from server.metrics import Metrics
from server.state import AppState
from server.tokens import TokenKeys


async def operator_token(settings: Settings, user_id: str, role: str | None = None) -> str:
    """Open a session labelled `operator` for an existing user; return its access token."""
    from handlers.auth.actions import do_open_operator_session
    from server.embedded import resolve_stores

    settings, emb = resolve_stores(settings)
    state = AppState(settings=settings, keys=TokenKeys(settings), metrics=Metrics())
    try:
        if settings.migrate_on_start:
            from server.migrations import migrate_dsn
            await migrate_dsn(settings.database_url, settings.database_schema)
        state.db = await create_pool(settings.database_url, settings.database_schema,
                                     min_size=1, max_size=1,
                                     statement_cache_size=settings.pg_statement_cache_size)
        state.redis = settings_client(settings)
        try:
            issued = await do_open_operator_session(state, user_id, role)
        finally:
            await state.db.close()
            await state.redis.aclose()
        return issued.access_token
    finally:
        if emb is not None:
            emb.stop()


def run_token(user_id: str, role: str | None, settings: Settings) -> int:
    import sys
    try:
        print(asyncio.run(operator_token(settings, user_id, role)))
    except AppError as err:
        print(f"{err.code}: {err.message}", file=sys.stderr)
        return 1
    return 0


def _user_create(args) -> int:
    import json
    import sys

    from handlers.auth.provision import do_provision_user
    from server.cli import command_state

    async def run() -> dict:
        async with command_state() as state:
            return await do_provision_user(state, args.phone, role=args.role, name=args.name,
                                           password=args.password)
    try:
        user = asyncio.run(run())
    except AppError as err:
        print(f"error: {err.code}: {err.message}", file=sys.stderr)
        return 1
    print(json.dumps(user))
    print(f"sign in: curl -s -X POST localhost:8080/v1/auth/login -H 'Content-Type: "
          f"application/json' -d '{{\"phone\": \"{user['phone']}\", \"password\": "
          f"\"{user['password']}\", \"device\": \"cli\"}}'", file=sys.stderr)
    return 0


def add_commands(sub) -> None:
    from server.sockets import ROLES

    p = sub.add_parser("token", help="open an `operator` session for a user; print its token")
    p.add_argument("user_id")
    p.add_argument("--role", default=None, choices=ROLES,
                   help="role claimed by the token (default: the user's stored role)")
    p.set_defaults(run=lambda args: run_token(args.user_id, args.role, Settings.from_env()))
    p = sub.add_parser("user", help="manage accounts from the command line")
    users = p.add_subparsers(dest="user_command", required=True)
    c = users.add_parser("create", help="create an account with a role (or change the role "
                                        "and password of the account with that phone)")
    c.add_argument("--phone", required=True, help="mobile number, e.g. 01012345678")
    c.add_argument("--role", default="user", choices=ROLES)
    c.add_argument("--name", default=None, help="display name (default: from role and phone)")
    c.add_argument("--password", default=None, help="default: a generated one, printed")
    c.set_defaults(run=_user_create)
