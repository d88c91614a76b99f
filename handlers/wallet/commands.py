"""CLI: `python -m server wallet-renew | wallet-expire | wallet-reconcile | wallet-check`.

Run `wallet-renew` from cron (or the worker's scheduler) e.g. every 10 minutes; it is safe to
run twice or concurrently (renewals are idempotent per subscription and period)."""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace


async def _with_state(fn):
    from server.redis_clients import settings_client

    from handlers.wallet.runtime import WalletRuntime
    from handlers.wallet.config import WalletConfig
    from server.embedded import resolve_stores
    from server.config import Settings
    from server.db import create_pool
    from server.emitter import settings_emitter
    from server.metrics import Metrics
    from server.state import AppState
    from server.tokens import TokenKeys

    settings, emb = resolve_stores(Settings.from_env())
    state = AppState(settings=settings, keys=TokenKeys(settings), metrics=Metrics())
    state.db = await create_pool(settings.database_url, settings.database_schema,
                                 statement_cache_size=settings.pg_statement_cache_size)
    state.redis = settings_client(settings)
    state.emitter = settings_emitter(settings)
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
    add_dev_commands(sub)


def _dev_pay(args) -> int:
    """POST /dev/payments/{reference} on the running server (its URL from DATA_DIR's
    stores.json when it owns the embedded stores, else --server)."""
    import sys

    import aiohttp

    from server.config import Settings
    from server.embedded import served_url

    base = args.server or served_url(Settings.from_env().data_dir) or "http://127.0.0.1:8080"

    async def call():
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/dev/payments/{args.reference}",
                                 json={"action": "decline" if args.decline else "pay"}) as r:
                return r.status, await r.json(content_type=None)
    try:
        status, body = asyncio.run(call())
    except aiohttp.ClientError as exc:
        print(f"error: no server answers at {base} ({exc}); start `python -m server serve` "
              f"or pass --server", file=sys.stderr)
        return 1
    print(json.dumps(body))
    return 0 if status == 200 else 1


def add_dev_commands(sub) -> None:
    p = sub.add_parser("dev-pay", help="development: pay (or decline) a pending top-up "
                                       "through the provider simulator")
    p.add_argument("reference", help="the top-up's reference, Fawry reference or Paymob order")
    p.add_argument("--decline", action="store_true", help="Paymob only: decline instead")
    p.add_argument("--server", default=None, help="default: the running serve of DATA_DIR")
    p.set_defaults(run=_dev_pay)
