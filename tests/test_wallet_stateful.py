"""Hypothesis drives random top-ups, tips (with replayed keys), cashout holds, approvals,
rejections and failed payouts against real PostgreSQL and an in-memory model. After every
step: every transfer sums to zero, cached balances equal the sum of entries and the model,
no balance is below zero, and no entry ever changed or vanished."""
from __future__ import annotations

import asyncio
from dataclasses import replace

import asyncpg
import pytest
from hypothesis import HealthCheck, settings as hsettings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition,
                                 rule, run_state_machine_as_test)

from handlers.wallet import schemas as s
from handlers.wallet.actions import do_tip
from handlers.wallet.creator_actions import check_cashout, do_request_cashout, do_review_cashout
from handlers.wallet.payment_actions import check_callback, do_settle_callback, do_topup
from handlers.wallet.invariants import ledger_report
from handlers.wallet.runtime import runtime
from server.errors import AppError
from tests.conftest import LiveApp
from tests.support.stores import drop_test_stores, isolated_settings
from tests.wallet_support import key, make_cashout_ready

ENTRY_DIGEST = """SELECT count(*), md5(coalesce(string_agg(id || ':' || transfer_id || ':' ||
                  account_id || ':' || amount, ',' ORDER BY id), ''))
                  FROM wallet_entries WHERE id <= $1"""


def test_ledger_state_machine(tmp_path):
    loop = asyncio.new_event_loop()
    cfg = isolated_settings(media_root=tmp_path / "m", data_dir=tmp_path / "d")
    app = LiveApp(cfg)
    run = loop.run_until_complete
    run(app.start())
    state = app.state
    rt = runtime(state)
    rt.config = replace(rt.config, min_cashout=100, min_tip=100)
    fawry = rt.sims["fawry"]

    class Wallets(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            async def mk():
                async with state.db.acquire() as c:
                    fans = [await c.fetchval("INSERT INTO users (display_name) VALUES ($1) "
                                             "RETURNING id::text", f"f{i}") for i in range(3)]
                    creators = [await c.fetchval(
                        "INSERT INTO users (display_name, role) VALUES ($1, 'creator') "
                        "RETURNING id::text", f"c{i}") for i in range(2)]
                    for cr in creators:
                        await make_cashout_ready(c, cr)
                    max_id = await c.fetchval("SELECT coalesce(max(id), 0) FROM wallet_entries")
                    digest = await c.fetchrow(ENTRY_DIGEST, max_id)
                return fans, creators, max_id, tuple(digest)
            self.fans, self.creators, self.seen_max, self.seen_digest = run(mk())
            self.wallet = {u: 0 for u in self.fans}
            self.earn = {u: 0 for u in self.creators}
            self.open: dict[str, tuple[str, int]] = {}   # creator -> (cashout id, amount)
            self.tips: list[tuple[str, s.Tip, int]] = []  # for replays

        @rule(fan=st.integers(0, 2), amount=st.integers(1000, 20_000))
        def top_up(self, fan, amount):
            user = self.fans[fan]

            async def go():
                p = await do_topup(state, user, s.Topup(provider="fawry", amount=amount,
                                                        idempotency_key=key()))
                cb = rt.providers["fawry"].verify_notification(fawry.pay(p["reference"]))
                pay = await check_callback(state, "fawry", cb, requery=True)
                return await do_settle_callback(state, "fawry", cb, pay, confirmed_by="t")
            assert run(go())["status"] == "credited"
            self.wallet[user] += amount

        @rule(fan=st.integers(0, 2), creator=st.integers(0, 1),
              amount=st.integers(100, 8_000))
        def tip(self, fan, creator, amount):
            user, cr = self.fans[fan], self.creators[creator]
            req = s.Tip(creator_id=cr, amount=amount, idempotency_key=key())
            try:
                res = run(do_tip(state, user, req))
            except AppError as err:
                assert err.code == "insufficient_funds" and self.wallet[user] < amount
                return
            assert self.wallet[user] >= amount and res["balance"] == self.wallet[user] - amount
            self.wallet[user] -= amount
            self.earn[cr] += res["net"]
            self.tips.append((user, req, res["tip_id"]))

        @precondition(lambda self: self.tips)
        @rule(pick=st.integers(0, 10_000))
        def replay_tip(self, pick):
            user, req, tip_id = self.tips[pick % len(self.tips)]
            res = run(do_tip(state, user, req))
            assert res["replayed"] and res["tip_id"] == tip_id

        @rule(creator=st.integers(0, 1), amount=st.integers(100, 20_000))
        def request_cashout(self, creator, amount):
            cr = self.creators[creator]
            req = s.Cashout(amount=amount, method="mobile_wallet", destination="01001234567",
                            idempotency_key=key())

            async def go():
                dest = await check_cashout(state, cr, req)
                return await do_request_cashout(state, cr, req, dest)
            try:
                res = run(go())
            except AppError as err:
                if cr in self.open:
                    assert err.code == "cashout_in_progress"
                else:
                    assert err.code == "insufficient_funds" and self.earn[cr] < amount
                return
            assert cr not in self.open and self.earn[cr] >= amount
            self.earn[cr] -= amount
            self.open[cr] = (res["cashout_id"], amount)

        @precondition(lambda self: self.open)
        @rule(pick=st.integers(0, 1), outcome=st.sampled_from(["approve", "reject", "fail"]))
        def review_cashout(self, pick, outcome):
            cr = sorted(self.open)[pick % len(self.open)]
            cid, amount = self.open.pop(cr)
            paymob = rt.sims["paymob"]
            if outcome == "fail":
                paymob.fail_payouts_to.add("+201001234567")
            try:
                res = run(do_review_cashout(state, "00000000-0000-0000-0000-000000000000",
                                            s.ReviewCashout(
                                                cashout_id=cid,
                                                decision="reject" if outcome == "reject"
                                                else "approve")))
            finally:
                paymob.fail_payouts_to.clear()
            expected = {"approve": "paid", "reject": "rejected", "fail": "failed"}[outcome]
            assert res["status"] == expected
            if outcome != "approve":
                self.earn[cr] += amount

        @rule()
        def tamper_is_refused(self):
            async def go():
                async with state.db.acquire() as c:
                    for sql in ("UPDATE wallet_entries SET amount = amount + 1 WHERE id = "
                                "(SELECT max(id) FROM wallet_entries)",
                                "DELETE FROM wallet_entries WHERE id = "
                                "(SELECT min(id) FROM wallet_entries)",
                                "UPDATE wallet_transfers SET amount = amount + 1"):
                        with pytest.raises(asyncpg.PostgresError):
                            await c.execute(sql)
            run(go())

        @invariant()
        def ledger_holds(self):
            async def go():
                async with state.db.acquire() as c:
                    rep = await ledger_report(c)
                    cached = {r["user_id"]: (r["kind"], r["balance"]) for r in await c.fetch(
                        "SELECT user_id::text, kind, sum(balance)::bigint AS balance "
                        "FROM wallet_accounts WHERE user_id = ANY($1::uuid[]) "
                        "GROUP BY 1, 2", self.fans + self.creators)}
                    digest = tuple(await c.fetchrow(ENTRY_DIGEST, self.seen_max))
                    new_max = await c.fetchval("SELECT coalesce(max(id), 0) FROM wallet_entries")
                    new_digest = tuple(await c.fetchrow(ENTRY_DIGEST, new_max))
                return rep, cached, digest, new_max, new_digest
            rep, cached, digest, new_max, new_digest = run(go())
            assert rep["ok"], rep
            assert digest == self.seen_digest          # no entry changed or vanished
            self.seen_max, self.seen_digest = new_max, new_digest
            for u, bal in {**self.wallet, **self.earn}.items():
                assert cached.get(u, (None, 0))[1] == bal, (u, cached.get(u), bal)
                assert bal >= 0

    try:
        run_state_machine_as_test(Wallets, settings=hsettings(
            max_examples=5, stateful_step_count=20, deadline=None,
            suppress_health_check=list(HealthCheck)))
    finally:
        run(app.stop())
        run(drop_test_stores(cfg))
        loop.close()
