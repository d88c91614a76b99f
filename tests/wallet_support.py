"""Helpers for the wallet tests: fund a wallet through the real ledger, read the invariants."""
from __future__ import annotations

import itertools
import uuid

from handlers.wallet.invariants import ledger_report
from handlers.wallet.ledger import clearing, wallet
from handlers.wallet.runtime import runtime


async def fund(state, user_id: str, amount: int) -> None:
    """Credit a wallet as a settled Fawry top-up would (provider clearing -> wallet)."""
    rt = runtime(state)
    async with state.db.acquire() as conn:
        await rt.ledger.post(conn, kind="topup", amount=amount,
                             legs=[(clearing("fawry"), -amount), (wallet(user_id), amount)],
                             payee=user_id, ref="test-funding")


async def report(state) -> dict:
    async with state.db.acquire() as conn:
        return await ledger_report(conn)


_TITLES = itertools.cycle(["ahlan ya gama3a", "sahret el gom3a", "leilet tarab", "masa el fann",
                           "ghonwet el bahr", "noor el shams", "amar el leil", "rehlet nile"])


async def start_live_stream(live_app, creator_sock, **create) -> str:
    """A stream of this creator, live (as its WHIP publisher would make it: the state, and a
    publisher lease so the orphan sweep leaves it alone); its id."""
    from handlers.live.ingest_actions import _pub_key

    create.setdefault("title", next(_TITLES))  # distinct words: repeated titles are a flood
    sid = (await creator_sock.ok("live:create", create))["stream"]["id"]
    state = live_app.state
    await state.redis.set(_pub_key(state, sid), b"test-publisher", ex=600)
    await state.db.execute("UPDATE live_streams SET state = 'live' WHERE id = $1::uuid", sid)
    return sid


def key() -> str:
    return uuid.uuid4().hex


async def make_cashout_ready(conn, user_id: str) -> None:
    """Give a creator a verified phone and a passkey. The identity domain (migration 0100)
    owns auth_passkeys; where it has not landed, a compatible minimal table stands in for it
    in this test's schema."""
    import os

    digits = "".join(str(b % 10) for b in os.urandom(8))
    await conn.execute("UPDATE users SET phone = $2 WHERE id = $1::uuid", user_id,
                       "+2010" + digits)
    await conn.execute("""CREATE TABLE IF NOT EXISTS auth_passkeys (
        user_id uuid NOT NULL, credential_id bytea NOT NULL UNIQUE, public_key bytea NOT NULL)""")
    await conn.execute("INSERT INTO auth_passkeys (user_id, credential_id, public_key) "
                       "VALUES ($1::uuid, $2, $3)", user_id, os.urandom(16), b"pk")
