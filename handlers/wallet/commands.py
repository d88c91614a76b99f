"""CLI: `python -m server wallet-renew | wallet-expire | wallet-reconcile | wallet-check`.

Run `wallet-renew` from cron (or the worker's scheduler) e.g. every 10 minutes; it is safe to
run twice or concurrently (renewals are idempotent per subscription and period)."""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace


async def _with_state(fn):
    import redis.asyncio as aioredis

    from handlers.wallet.runtime import WalletRuntime
    from handlers.wallet.config import WalletConfig
    from server.app import resolve_stores
    from server.config import Settings
    from server.db import create_pool
    from server.emitter import write_only_emitter
    from server.metrics import Metrics
    from server.state import AppState
    from server.tokens import TokenKeys

    settings, emb = resolve_stores(Settings.from_env())
    state = AppState(settings=settings, keys=TokenKeys(settings), metrics=Metrics())
    state.db = await create_pool(settings.database_url, settings.database_schema)
    state.redis = aioredis.from_url(settings.redis_url)
    state.emitter = write_only_emitter(settings.redis_url, settings.redis_prefix)
    # No simulators from the CLI: they would live only as long as this command.
    rt = WalletRuntime(replace(WalletConfig.from_env(settings), simulators=False))
    state.extras["wallet"] = await rt.start()
    try:
        return await fn(state)
    finally:
        await rt.stop()
        await state.db.close()
        await state.redis.aclose()
        if emb is not None:
            emb.stop()


def _run(fn):
    def run(args):
        print(json.dumps(asyncio.run(_with_state(lambda st: fn(st, args))), default=str))
        return 0
    return run


async def _renew(state, args):
    from handlers.wallet.subscription_actions import do_renew_due
    return await do_renew_due(state)


async def _expire(state, args):
    from handlers.wallet.payment_actions import do_expire_topups
    return {"expired": await do_expire_topups(state)}


async def _reconcile(state, args):
    from handlers.wallet.payment_actions import do_reconcile
    return {"mismatches": await do_reconcile(state, args.days)}


async def _check(state, args):
    from handlers.wallet.invariants import ledger_report
    async with state.db.acquire() as conn:
        return await ledger_report(conn)


def add_commands(sub) -> None:
    p = sub.add_parser("wallet-renew", help="charge due subscription renewals (grace/lapse)")
    p.set_defaults(run=_run(_renew))
    p = sub.add_parser("wallet-expire", help="expire pending top-ups past their deadline")
    p.set_defaults(run=_run(_expire))
    p = sub.add_parser("wallet-reconcile", help="compare top-ups with provider status")
    p.add_argument("--days", type=int, default=7)
    p.set_defaults(run=_run(_reconcile))
    p = sub.add_parser("wallet-check", help="verify the ledger invariants; prints a report")
    p.set_defaults(run=_run(_check))
