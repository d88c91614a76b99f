"""Top-ups through the payment providers: start one, verify and settle the provider's
callback (signature, replay, amount), InstaPay confirmations, expiry and reconciliation.
Same concurrency rules as actions.py."""
from __future__ import annotations

from datetime import datetime, timezone

import asyncpg
import structlog

from handlers.wallet.actions import egyptian_mobile, iso, parse_id
from handlers.wallet import queries as q
from handlers.wallet import schemas as s
from handlers.wallet.ledger import (check_amount, check_currency, claim, clearing,
                                    remember, request_hash, wallet)
from handlers.wallet.providers import Callback, PaymentRef, ProviderUnavailable
from handlers.wallet.providers.instapay import Stale, new_reference
from handlers.wallet.runtime import WalletRuntime, runtime
from rooms.names import user_room
from server.db import transaction
from server.errors import AppError, BadRequest, NotFound
from server.state import AppState

log = structlog.get_logger("wallet")
PAYMOB_WALLETS = ("vodafone_cash", "orange_cash")


def _payment_view(p: asyncpg.Record) -> dict:
    return {"payment_id": str(p["id"]), "provider": p["provider"], "method": p["method"],
            "amount": p["amount"], "status": p["status"], "reference": p["merchant_ref"],
            "instructions": p["instructions"], "expires_at": iso(p["expires_at"])}


def check_topup(rt: WalletRuntime, req: s.Topup) -> str:
    """Validate; returns the payment method recorded on the payment."""
    check_currency(req.currency)
    check_amount(req.amount, low=rt.config.min_topup, high=rt.config.max_topup, what="top-up")
    if req.provider not in rt.providers:
        raise BadRequest(f"Unknown payment provider {req.provider!r}",
                         code="unsupported_provider")
    if req.provider == "paymob":
        if req.method not in PAYMOB_WALLETS:
            raise BadRequest("method must be vodafone_cash or orange_cash",
                             code="unsupported_method")
        egyptian_mobile(req.phone)
        return req.method
    return {"fawry": "PAYATFAWRY", "instapay": "ipa"}[req.provider]


async def do_topup(state: AppState, user_id: str, req: s.Topup) -> dict:
    """Record a pending top-up (idempotent on the key), then ask the provider for payment
    instructions. Money moves only when the provider's signed callback arrives."""
    rt = runtime(state)
    method = check_topup(rt, req)
    scope = f"topup:{user_id}"
    body = {"provider": req.provider, "amount": req.amount, "currency": req.currency,
            "method": req.method, "phone": req.phone}
    async with transaction(state.db) as tx:
        prior = await claim(tx.conn, scope, req.idempotency_key, request_hash(body))
        if prior is None:
            pid = await tx.conn.fetchval(q.INSERT_PAYMENT, user_id, req.provider, method,
                                         new_reference(), req.amount,
                                         float(rt.config.topup_ttl_seconds))
            await remember(tx.conn, scope, req.idempotency_key, {"payment_id": pid})
        else:
            pid = prior["payment_id"]
        p = await tx.conn.fetchrow(q.PAYMENT_BY_ID, pid)
    if p["status"] == "pending" and not p["instructions"]:
        ref = PaymentRef(pid, p["merchant_ref"], user_id, p["amount"], p["method"],
                         req.phone, p["expires_at"])
        try:
            created = await rt.providers[p["provider"]].create_payment(ref)
        except ProviderUnavailable:
            async with state.db.acquire() as conn:
                await conn.execute(q.SET_PAYMENT_FAILED, pid)
            raise
        async with state.db.acquire() as conn:
            await conn.execute(q.SET_PAYMENT_CREATED, pid, created.provider_ref,
                               created.instructions)
            p = await conn.fetchrow(q.PAYMENT_BY_ID, pid)
    return _payment_view(p)


async def _find_payment(conn: asyncpg.Connection, provider: str, cb: Callback):
    if cb.merchant_ref:
        return await conn.fetchrow(q.PAYMENT_BY_MERCHANT_REF, cb.merchant_ref, provider)
    return await conn.fetchrow(q.PAYMENT_BY_PROVIDER_REF, cb.provider_ref, provider)


class Replayed(AppError):
    def __init__(self):
        super().__init__("replayed", "This callback was already processed", status=409)


async def check_callback(state: AppState, provider: str, cb: Callback, *,
                         requery: bool = False) -> asyncpg.Record:
    """Refuse replays, unknown payments, wrong amounts and stale callbacks; for providers
    whose callbacks carry no timestamp (Fawry), confirm a payment with the status API."""
    rt = runtime(state)
    async with state.db.acquire() as conn:
        if await conn.fetchval(q.EVENT_SEEN, provider, cb.event_key):
            raise Replayed()
        p = await _find_payment(conn, provider, cb)
    if p is None:
        raise NotFound("No payment matches this callback", code="unknown_payment")
    if cb.amount != p["amount"]:
        raise BadRequest(f"Callback amount {cb.amount} does not match the payment's "
                         f"{p['amount']}", code="amount_mismatch")
    if cb.sent_at is not None and (datetime.now(timezone.utc) - cb.sent_at).total_seconds() \
            > rt.config.callback_max_age_seconds:
        raise Stale()
    if p["status"] == "expired":
        raise Stale("The top-up expired before the payment was confirmed; reconciliation "
                    "reports it")
    if requery and cb.status == "paid" and p["status"] != "paid":
        st = await rt.providers[provider].query_status(p["merchant_ref"], p["provider_ref"])
        if st.status != "paid" or st.amount != p["amount"]:
            raise AppError("status_mismatch", "The provider's status API does not confirm "
                           "this payment", status=409)
    return p


async def do_settle_callback(state: AppState, provider: str, cb: Callback,
                             payment: asyncpg.Record, *, confirmed_by: str) -> dict:
    """Credit exactly once. The callback's key is recorded in the same transaction as the
    credit; the payment row is locked first, so two deliveries racing cannot both credit."""
    rt = runtime(state)
    pid = str(payment["id"])
    async with transaction(state.db, state.emitter) as tx:
        p = await tx.conn.fetchrow(q.PAYMENT_BY_ID_LOCK, pid)
        if p["status"] == "paid":
            outcome = "duplicate"
        elif p["status"] == "expired":
            raise Stale("The top-up expired before the payment was confirmed")
        elif cb.status == "paid":
            outcome = "credited"
        elif cb.status in ("failed", "expired") and p["status"] == "pending":
            outcome = "failed"
        else:
            outcome = "ignored"
        if not await tx.conn.fetchval(q.RECORD_EVENT, provider, cb.event_key, pid, outcome,
                                      cb.raw):
            raise Replayed()
        if outcome == "credited":
            posted = await rt.ledger.post(
                tx.conn, kind="topup", amount=p["amount"], scope="payment", key=pid,
                body_hash=pid, legs=[(clearing(provider), -p["amount"]),
                                     (wallet(p["user_id"]), p["amount"])],
                payee=str(p["user_id"]), ref=pid)
            await tx.conn.execute(q.SET_PAYMENT_PAID, pid, posted.transfer_id, confirmed_by,
                                  cb.provider_ref)
            room = user_room(p["user_id"])
            tx.emit("wallet:topup", {"payment_id": pid, "status": "paid",
                                     "amount": p["amount"]}, room=room)
            tx.emit("wallet:balance", {"wallet": rt.ledger.balance_of(
                posted, wallet(p["user_id"])), "as_of": posted.transfer_id}, room=room)
        elif outcome == "failed":
            await tx.conn.execute(q.SET_PAYMENT_FAILED, pid)
            tx.emit("wallet:topup", {"payment_id": pid, "status": "failed",
                                     "amount": p["amount"]}, room=user_room(p["user_id"]))
    return {"status": outcome, "payment_id": pid}


async def do_confirm_instapay(state: AppState, admin_id: str, req: s.ConfirmInstaPay) -> dict:
    """An admin matched an incoming InstaPay transfer on the bank statement to a top-up."""
    async with state.db.acquire() as conn:
        p = await conn.fetchrow(q.PAYMENT_BY_ID, parse_id(req.payment_id, "payment"))
    if p is None or p["provider"] != "instapay":
        raise NotFound("No such InstaPay top-up", code="unknown_payment")
    cb = Callback(event_key=f"admin:{req.bank_reference}", merchant_ref=p["merchant_ref"],
                  provider_ref=req.bank_reference, amount=req.amount, status="paid",
                  raw={"admin_id": admin_id, "bank_reference": req.bank_reference,
                       "amount": req.amount})
    p = await check_callback(state, "instapay", cb)
    return await do_settle_callback(state, "instapay", cb, p, confirmed_by=f"admin:{admin_id}")


async def do_expire_topups(state: AppState) -> int:
    """Pending top-ups past their expiry become `expired` (a late callback is then stale)."""
    async with transaction(state.db, state.emitter) as tx:
        rows = await tx.conn.fetch(q.EXPIRE_PENDING)
        for r in rows:
            tx.emit("wallet:topup", {"payment_id": r["id"], "status": "expired",
                                     "amount": r["amount"]}, room=user_room(r["user_id"]))
    return len(rows)


async def do_reconcile(state: AppState, days: int = 7) -> list[dict]:
    """Compare every recent top-up with the provider's own status; returns the mismatches."""
    rt = runtime(state)
    async with state.db.acquire() as conn:
        rows = await conn.fetch(q.RECENT_PAYMENTS, days)
    mismatches = []
    for r in rows:
        adapter = rt.providers.get(r["provider"])
        if adapter is None:
            continue
        try:
            st = await adapter.query_status(r["merchant_ref"], r["provider_ref"])
        except ProviderUnavailable as exc:
            mismatches.append({"payment_id": r["id"], "ours": r["status"],
                               "provider": "unreachable", "detail": exc.message})
            continue
        ours_paid, theirs_paid = r["status"] == "paid", st.status == "paid"
        if ours_paid != theirs_paid or (theirs_paid and st.amount != r["amount"]):
            mismatches.append({"payment_id": r["id"], "provider_name": r["provider"],
                               "ours": r["status"], "provider": st.status,
                               "amount": r["amount"], "provider_amount": st.amount})
    return mismatches
