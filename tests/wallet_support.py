"""Helpers for the wallet tests: fund a wallet through the real ledger, read the invariants."""
from __future__ import annotations

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


def key() -> str:
    return uuid.uuid4().hex
