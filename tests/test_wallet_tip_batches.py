"""Tips posted in batches (group commit): each tip keeps the outcome it would have alone."""
from __future__ import annotations

import asyncio

from handlers.wallet import schemas as s
from handlers.wallet.actions import do_get_balance, do_tip, tip_batcher
from handlers.wallet.invariants import ledger_report
from handlers.wallet.ledger import Ledger, clearing, request_hash, wallet
from handlers.wallet.tip_batch import TipOrder, post_tips, resolve_accounts
from server.errors import AppError
from tests.wallet_support import fund, key, report


async def _fund(db, ledger: Ledger, user_id: str, amount: int) -> None:
    async with db.acquire() as conn:
        await ledger.post(conn, kind="topup", amount=amount, payee=user_id, ref="test",
                          legs=[(clearing("fawry"), -amount), (wallet(user_id), amount)])


async def _order(db, ledger: Ledger, tipper, creator, amount: int, k: str | None = None,
                 body: str = "same") -> TipOrder:
    return await resolve_accounts(ledger, db, TipOrder(
        tipper.id, creator.id, amount, amount // 10, k or key(), request_hash({"b": body}),
        None))


async def test_one_batch_refuses_the_failing_tips_and_posts_the_rest(db, make_user):
    ledger = Ledger()
    creator = await make_user("creator", role="creator")
    banned = await make_user("banned", role="creator")
    plain = await make_user("plain")
    rich, poor, again, changed, to_banned, to_plain, empty = [
        await make_user(n) for n in ("rich", "poor", "again", "changed", "to_banned",
                                     "to_plain", "empty")]
    for fan, amount in ((rich, 5_000), (poor, 900), (again, 5_000), (changed, 5_000),
                        (to_banned, 5_000), (to_plain, 5_000)):
        await _fund(db, ledger, fan.id, amount)
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET status = 'suspended' WHERE id = $1", banned.id)
        first = await post_tips(conn, [await _order(db, ledger, again, creator, 1_000, "k-again"),
                                       await _order(db, ledger, changed, creator, 1_000,
                                                    "k-changed")])
        assert [o.outcome for o in first] == ["posted", "posted"]
        before = await ledger_report(conn)

        batch = [await _order(db, ledger, rich, creator, 1_000),
                 await _order(db, ledger, poor, creator, 1_000),
                 await _order(db, ledger, again, creator, 1_000, "k-again"),
                 await _order(db, ledger, changed, creator, 1_000, "k-changed", body="other"),
                 await _order(db, ledger, to_banned, banned, 1_000),
                 await _order(db, ledger, to_plain, plain, 1_000),
                 await _order(db, ledger, empty, creator, 1_000)]
        out = await post_tips(conn, batch)
        assert [o.outcome for o in out] == [
            "posted", "insufficient_funds", "replayed", "conflict", "creator_unavailable",
            "creator_not_found", "insufficient_funds"]
        assert out[0].wallet_after == 4_000
        assert out[2].transfer_id == first[0].transfer_id      # the first tip, not a new one
        wallets = dict(await conn.fetch(
            "SELECT user_id::text, balance FROM wallet_accounts WHERE kind = 'wallet'"))
        earned = await conn.fetchval("SELECT sum(balance) FROM wallet_accounts "
                                     "WHERE kind = 'earnings' AND user_id = $1", creator.id)
        after = await ledger_report(conn)
    assert wallets[rich.id] == 4_000 and wallets[poor.id] == 900
    assert wallets[again.id] == 4_000 and wallets[changed.id] == 4_000
    assert wallets[to_banned.id] == wallets[to_plain.id] == 5_000
    assert earned == 3 * 900 and out[0].earnings_after == earned
    assert after["transfers"] == before["transfers"] + 1 and after["ok"], after


async def test_the_same_key_twice_in_one_batch_posts_one_tip(db, make_user):
    """The batcher never puts one tipper twice in a batch; if a batch had the same key twice
    anyway, the database refuses the batch and each tip is posted alone: one tip, one replay."""
    ledger = Ledger()
    creator, fan = await make_user("creator", role="creator"), await make_user("fan")
    await _fund(db, ledger, fan.id, 3_000)
    k = key()
    async with db.acquire() as conn:
        out = await post_tips(conn, [await _order(db, ledger, fan, creator, 1_000, k),
                                     await _order(db, ledger, fan, creator, 1_000, k)])
        assert [o.outcome for o in out] == ["posted", "replayed"]
        assert out[0].transfer_id == out[1].transfer_id
        assert await conn.fetchval("SELECT balance FROM wallet_accounts WHERE user_id = $1",
                                   fan.id) == 2_000
        assert (await ledger_report(conn))["ok"]


async def test_same_key_twenty_times_among_other_fans_tips_is_one_tip(live_app, make_user):
    state = live_app.state
    creator = await make_user("creator", role="creator")
    fan, others = await make_user("fan"), [await make_user(f"o{i}") for i in range(20)]
    await asyncio.gather(*(fund(state, u.id, 1_000) for u in [fan, *others]))
    await do_tip(state, others[0].id, s.Tip(creator_id=creator.id, amount=100,
                                            idempotency_key=key()))
    batcher = tip_batcher(state)
    batches, tips = batcher.batches, batcher.tips
    same = s.Tip(creator_id=creator.id, amount=1_000, idempotency_key=key())

    async def tip(user, req):
        try:
            return await do_tip(state, user.id, req)
        except AppError as err:
            return err.code

    results = await asyncio.gather(
        *(tip(fan, same) for _ in range(20)),
        *(tip(o, s.Tip(creator_id=creator.id, amount=900, idempotency_key=key()))
          for o in others))
    mine, theirs = results[:20], results[20:]
    assert len({r["tip_id"] for r in mine}) == 1
    assert sum(1 for r in mine if not r["replayed"]) == 1
    assert all(isinstance(r, dict) and not r["replayed"] for r in theirs), theirs
    assert batcher.tips - tips > batcher.batches - batches     # tips did share batches
    assert (await do_get_balance(state, fan.id))["wallet"] == 0
    async with state.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM wallet_transfers WHERE kind = 'tip' "
                                   "AND payer_id = $1", fan.id) == 1
    assert (await report(state))["ok"]


async def test_tips_through_two_server_processes_keep_the_ledger_whole(server_procs, make_user,
                                                                        db):
    """Two processes, each with its own batcher, write batches that touch the same wallets
    and the same creator's earnings at once: no deadlock, no overdraft, nothing lost."""
    procs = await server_procs(2)
    creator = await make_user("creator", role="creator")
    fans = [await make_user(f"fan{i}") for i in range(12)]
    ledger = Ledger()
    for f in fans:
        await _fund(db, ledger, f.id, 8 * 300)          # 8 of the 12 tips each will try
    socks = [[await f.connect(p.url) for p in procs] for f in fans]

    async def tips(sock):
        acks = []
        for _ in range(6):
            acks.append(await sock.call("wallet:tip", {"creator_id": creator.id, "amount": 300,
                                                       "idempotency_key": key()}))
        return acks

    acks = [a for r in await asyncio.gather(*(tips(s) for pair in socks for s in pair))
            for a in r]
    accepted = [a["data"]["tip_id"] for a in acks if a["ok"]]
    assert {a["error"]["code"] for a in acks if not a["ok"]} == {"insufficient_funds"}
    assert len(accepted) == len(set(accepted)) == 12 * 8
    async with db.acquire() as conn:
        stored = {r[0] for r in await conn.fetch("SELECT id FROM wallet_transfers "
                                                  "WHERE kind = 'tip'")}
        left = await conn.fetchval("SELECT sum(balance) FROM wallet_accounts "
                                   "WHERE kind = 'wallet'")
        rep = await ledger_report(conn)
    assert stored == set(accepted) and left == 0
    assert rep["ok"] and rep["negative_balances"] == 0, rep
