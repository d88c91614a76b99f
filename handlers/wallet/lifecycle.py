"""Wallet start/stop: adapters (or simulators), and the loop that expires pending top-ups."""
from __future__ import annotations

import asyncio
import os

import structlog

from handlers.wallet.config import WalletConfig
from handlers.wallet.runtime import WalletRuntime
from server.state import AppState

log = structlog.get_logger("wallet")


async def startup(state: AppState) -> None:
    rt = WalletRuntime(WalletConfig.from_env(state.settings))
    state.extras["wallet"] = await rt.start()
    for sim in rt.sims.values():  # development: simulated callbacks come back to this server
        sim.callback_from = lambda: state.self_url
    every = float(os.environ.get("WALLET_EXPIRE_EVERY", 60))
    if every > 0:
        state.spawn(_expire_loop(state, every))
    renew = float(os.environ.get("WALLET_RENEW_EVERY", 600))
    if renew > 0:
        state.spawn(_schedule(state, "wallet.renew_subscriptions", renew))
    reconcile = float(os.environ.get("WALLET_RECONCILE_EVERY", 3600))
    if reconcile > 0:
        state.spawn(_schedule(state, "wallet.reconcile", reconcile))


async def shutdown(state: AppState) -> None:
    batcher = state.extras.get("wallet_tip_batcher")
    if batcher is not None:        # tips already taken are written; their callers get acks
        await batcher.drain()
    notices = state.extras.get("wallet_tip_notices")
    if notices is not None:
        await notices.flush()
    rt = state.extras.get("wallet")
    if rt is not None:
        await rt.stop()


async def _expire_loop(state: AppState, every: float) -> None:
    from handlers.wallet.payment_actions import do_expire_topups

    while True:
        await asyncio.sleep(every)
        try:
            await do_expire_topups(state)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("topup_expiry_failed")


async def _schedule(state: AppState, job: str, every: float) -> None:
    """Every serving process offers the job (renewals, reconciliation) to the worker queue;
    the unique key keeps one pending at a time, and both jobs are idempotent anyway."""
    from server.jobs import enqueue

    while True:
        await asyncio.sleep(every)
        try:
            await enqueue(state, job, {}, unique_key=job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("wallet_job_enqueue_failed", job=job)
