"""Scheduled wallet jobs, for `python -m server worker` (or the CLI commands beside them)."""
from __future__ import annotations

import structlog

from handlers.wallet import payment_actions as pay
from handlers.wallet import subscription_actions as subs

log = structlog.get_logger("wallet")


async def renew_subscriptions(state, payload: dict | None = None) -> dict:
    return await subs.do_renew_due(state)


async def expire_topups(state, payload: dict | None = None) -> dict:
    return {"expired": await pay.do_expire_topups(state)}


async def reconcile(state, payload: dict | None = None) -> dict:
    from handlers.wallet.runtime import runtime

    rt = runtime(state)
    if not rt.providers:  # a worker process: adapters are built on first use
        await rt.start()
    days = int((payload or {}).get("days", 7))
    mismatches = await pay.do_reconcile(state, days)
    for m in mismatches:  # the report: each disagreement is a warning in the worker's log
        log.warning("wallet_reconcile_mismatch", **m)
    log.info("wallet_reconciled", days=days, mismatches=len(mismatches))
    return {"mismatches": mismatches}


JOBS = {"wallet.renew_subscriptions": renew_subscriptions,
        "wallet.expire_topups": expire_topups,
        "wallet.reconcile": reconcile}
