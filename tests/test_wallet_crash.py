"""A server process killed (SIGKILL) in the middle of tips and top-ups: after a restart the
ledger balances and nothing that was acknowledged is missing; re-sent callbacks credit once."""
from __future__ import annotations

import asyncio

import aiohttp

from handlers.wallet.config import SIM_FAWRY_KEY, SIM_FAWRY_MERCHANT
from handlers.wallet.invariants import ledger_report
from handlers.wallet.ledger import Ledger, clearing, wallet
from handlers.wallet.providers.fawry_sim import NOTIFY_PATH, FawrySimulator
from tests.wallet_support import key


async def test_sigkill_mid_traffic_loses_nothing_acknowledged(server_procs, make_user, db):
    fawry = await FawrySimulator(SIM_FAWRY_MERCHANT, SIM_FAWRY_KEY).start()
    try:
        [proc] = await server_procs(1, FAWRY_BASE_URL=fawry.base_url)
        creator = await make_user("creator", role="creator")
        fans = [await make_user(f"fan{i}") for i in range(6)]
        ledger = Ledger()
        async with db.acquire() as conn:
            for f in fans:
                await ledger.post(conn, kind="topup", amount=20_000, payee=f.id,
                                  legs=[(clearing("fawry"), -20_000), (wallet(f.id), 20_000)])
        socks = [await f.connect(proc.url) for f in fans]
        topups = [await s.ok("wallet:topup", {"provider": "fawry", "amount": 5_000,
                                               "idempotency_key": key()}) for s in socks]
        notes = [fawry.pay(t["reference"]) for t in topups]

        acked_tips: list[int] = []
        acked_credits: list[str] = []
        stop = asyncio.Event()

        async def tipper(sock):
            while not stop.is_set():
                try:
                    ack = await sock.call("wallet:tip", {"creator_id": creator.id, "amount": 100,
                                                         "idempotency_key": key()}, timeout=3)
                except Exception:
                    return
                if ack.get("ok"):
                    acked_tips.append(ack["data"]["tip_id"])

        async def notifier():
            async with aiohttp.ClientSession() as http:
                for note, t in zip(notes, topups):
                    if stop.is_set():
                        return
                    try:
                        async with http.post(proc.url + NOTIFY_PATH, json=note,
                                             timeout=aiohttp.ClientTimeout(total=3)) as r:
                            if r.status == 200:
                                acked_credits.append(t["payment_id"])
                    except Exception:
                        return
                    await asyncio.sleep(0.05)

        async def killer():
            while len(acked_tips) < 40 or len(acked_credits) < 2:
                await asyncio.sleep(0.02)
            proc.kill()           # SIGKILL: no drain, no shutdown hooks
            stop.set()

        await asyncio.wait_for(asyncio.gather(killer(), notifier(),
                                              *(tipper(s) for s in socks)), 60)

        [proc2] = await server_procs(1, FAWRY_BASE_URL=fawry.base_url)
        async with db.acquire() as conn:
            rep = await ledger_report(conn)
            stored = {r[0] for r in await conn.fetch(
                "SELECT id FROM wallet_transfers WHERE kind = 'tip'")}
            paid = {r[0] for r in await conn.fetch(
                "SELECT id::text FROM wallet_payments WHERE status = 'paid'")}
        assert rep["ok"], rep
        assert set(acked_tips) <= stored
        assert set(acked_credits) <= paid

        # the provider re-sends what it saw no 200 for; everything is credited exactly once
        async with aiohttp.ClientSession() as http:
            for note in notes:
                async with http.post(proc2.url + NOTIFY_PATH, json=note) as r:
                    body = await r.json(content_type=None)
                    assert r.status == 200 or body["code"] == "replayed", body
        async with db.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM wallet_payments "
                                       "WHERE status = 'paid'") == len(fans)
            tips = await conn.fetchval("SELECT count(*) FROM wallet_transfers WHERE kind='tip'")
            total = await conn.fetchval("SELECT sum(balance) FROM wallet_accounts "
                                        "WHERE kind = 'wallet'")
            rep = await ledger_report(conn)
        assert total == len(fans) * 25_000 - tips * 100
        assert rep["ok"], rep
    finally:
        await fawry.stop()
