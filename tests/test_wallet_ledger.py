"""Ledger invariants held by PostgreSQL itself, and 1,000 concurrent tips."""
from __future__ import annotations

import asyncio
import random

import asyncpg
import pytest

from handlers.wallet import schemas as s
from handlers.wallet.actions import do_tip
from handlers.wallet.ledger import InsufficientFunds, Ledger, PLATFORM, earnings, wallet
from server.errors import AppError
from tests.wallet_support import fund, key, report


async def test_entries_and_transfers_cannot_be_updated_or_deleted(db, make_user):
    fan = await make_user("fan")
    ledger = Ledger()
    async with db.acquire() as conn:
        await ledger.post(conn, kind="adjustment", amount=500,
                          legs=[(PLATFORM, -500), (wallet(fan.id), 500)])
        for sql in ("UPDATE wallet_entries SET amount = amount * 2",
                    "DELETE FROM wallet_entries",
                    "UPDATE wallet_transfers SET amount = 1",
                    "DELETE FROM wallet_transfers",
                    "TRUNCATE wallet_entries CASCADE",
                    "UPDATE wallet_accounts SET balance = 1000000 WHERE user_id IS NOT NULL",
                    "DELETE FROM wallet_accounts"):
            with pytest.raises(asyncpg.PostgresError):
                await conn.execute(sql)
        assert await conn.fetchval("SELECT balance FROM wallet_accounts WHERE user_id = $1",
                                   fan.id) == 500


async def test_unbalanced_transfer_and_late_entries_are_refused_at_commit(db, make_user):
    fan = await make_user("fan")
    ledger = Ledger()
    async with db.acquire() as conn:
        [acc] = await ledger.account_ids(conn, [wallet(fan.id)])
        with pytest.raises(asyncpg.PostgresError, match="does not balance"):
            async with conn.transaction():
                tid = await conn.fetchval("INSERT INTO wallet_transfers (kind, amount) "
                                          "VALUES ('adjustment', 100) RETURNING id")
                await conn.execute("INSERT INTO wallet_entries (transfer_id, account_id, amount)"
                                   " VALUES ($1, $2, 100)", tid, acc)
        posted = await ledger.post(conn, kind="adjustment", amount=100,
                                   legs=[(PLATFORM, -100), (wallet(fan.id), 100)])
        # a balanced pair slipped into an old transfer is refused too
        with pytest.raises(asyncpg.PostgresError, match="same transaction"):
            await conn.execute("INSERT INTO wallet_entries (transfer_id, account_id, amount) "
                               "VALUES ($1, $2, 7)", posted.transfer_id, acc)
        assert (await conn.fetchval("SELECT balance FROM wallet_accounts WHERE id = $1", acc)
                == 100)


async def test_overdraft_is_refused_by_the_database(db, make_user):
    fan, creator = await make_user("fan"), await make_user("c", role="creator")
    ledger = Ledger()
    async with db.acquire() as conn:
        await ledger.post(conn, kind="adjustment", amount=300,
                          legs=[(PLATFORM, -300), (wallet(fan.id), 300)])
        with pytest.raises(InsufficientFunds):
            await ledger.post(conn, kind="tip", amount=301,
                              legs=[(wallet(fan.id), -301), (earnings(creator.id), 301)])
        [acc] = await ledger.account_ids(conn, [wallet(fan.id)])
        # even raw SQL that bypasses the Python checks cannot overdraw
        with pytest.raises(asyncpg.CheckViolationError):
            async with conn.transaction():
                tid = await conn.fetchval("INSERT INTO wallet_transfers (kind, amount) "
                                          "VALUES ('adjustment', 400) RETURNING id")
                await conn.execute("INSERT INTO wallet_entries (transfer_id, account_id, amount)"
                                   " SELECT $1, a, m FROM unnest($2::bigint[], $3::bigint[]) "
                                   "AS u(a, m)", tid, [acc, (await ledger.account_ids(
                                       conn, [PLATFORM]))[0]], [-400, 400])


async def test_a_thousand_concurrent_tips_from_wallets_with_just_enough(live_app, make_user):
    state = live_app.state
    creators = [await make_user(f"c{i}", role="creator") for i in range(5)]
    fans = [await make_user(f"f{i}") for i in range(100)]
    # each fan can afford 8 of the 10 tips of 500 they will try
    await asyncio.gather(*(fund(state, f.id, 8 * 500) for f in fans))
    attempts = [(f, random.choice(creators)) for f in fans for _ in range(10)]
    random.shuffle(attempts)

    async def one(fan, creator):
        req = s.Tip(creator_id=creator.id, amount=500, idempotency_key=key())
        try:
            return await do_tip(state, fan.id, req)
        except AppError as err:
            return err.code

    results = await asyncio.gather(*(one(f, c) for f, c in attempts))
    accepted = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if not isinstance(r, dict)]
    assert len(accepted) == 800 and set(refused) == {"insufficient_funds"}
    ids = [r["tip_id"] for r in accepted]
    assert len(set(ids)) == 800
    async with state.db.acquire() as conn:
        stored = {r["id"] for r in await conn.fetch(
            "SELECT id FROM wallet_transfers WHERE kind = 'tip'")}
        assert stored == set(ids)
        assert await conn.fetchval("SELECT count(*) FROM wallet_accounts WHERE kind = 'wallet' "
                                   "AND balance <> 0") == 0
        earned = await conn.fetchval("SELECT sum(balance) FROM wallet_accounts "
                                     "WHERE kind = 'earnings'")
    assert earned == 800 * 450
    r = await report(state)
    assert r["ok"] and r["sum_of_all_entries"] == 0 and r["negative_balances"] == 0
