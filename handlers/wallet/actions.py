"""Wallet actions: `check_*` validate, `do_*` move money and queue events for after COMMIT.

Concurrency: every money move is one `wallet_post` call (ledger.py) that locks the touched
user account rows in account-id order inside its transaction; other state (payments,
subscriptions, cashouts) is locked `FOR UPDATE` before the ledger call in the same transaction.
No network call happens while a transaction is open: providers are called between them.
"""
from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date, datetime, time as dtime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import phonenumbers
import structlog

from handlers.interactions.actions import do_notify, notify
from handlers.live.access import register_access_rule
from handlers.live.actions import do_show_tips_in_rooms as show_tips_in_rooms
from handlers.moderation.gate import moderate_text
from handlers.wallet import queries as q
from handlers.wallet import schemas as s
from handlers.wallet.ledger import (PAYABLE, PLATFORM, InsufficientFunds, balances,
                                    check_amount, check_currency, claim, clearing, earnings,
                                    earnings_debit_legs,
                                    remember, request_hash, wallet)
from handlers.wallet.providers import Callback, PaymentRef, ProviderUnavailable
from handlers.wallet.providers.instapay import Stale, new_reference
from handlers.wallet.runtime import WalletRuntime, runtime
from handlers.wallet.tip_batch import TipBatcher, TipOrder, TipOutcome, resolve_accounts
from rooms.names import live_room, user_room
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict, Forbidden, NotFound
from server.privacy import holds_personal_data
from server.state import AppState

log = structlog.get_logger("wallet")
CAIRO = ZoneInfo("Africa/Cairo")
IPA = re.compile(r"^[a-z0-9._-]{2,40}@instapay$")
PAYMOB_WALLETS = ("vodafone_cash", "orange_cash")


def _uuid(value: str, what: str = "user") -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise NotFound(f"No such {what}", code=f"{what}_not_found") from None


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (datetime, date)) else v


async def _notify(state: AppState, user_id: str, kind: str, actor_id: str,
                  data: dict, target: tuple[str, str] | None = None) -> None:
    """Store and push a notification through the social domain's contract, after our own
    commit (money never waits on, or rolls back with, a notification). A failure is logged."""
    try:
        await notify(state, user_id=user_id, kind=kind, actor_id=actor_id,
                     target_kind=target[0] if target else None,
                     target_id=target[1] if target else None, data=data)
    except Exception:
        log.exception("wallet_notify_failed", user_id=user_id, kind=kind)


class TipNotices:
    """Tip notifications, coalesced per creator for `window` seconds and written in one
    transaction per creator. Tip notifications are grouped per (creator, stream) by the
    interactions domain, so writing one per tip would queue every tip to a streaming creator
    on that one row; here the tip's ack never waits for it. Pending notices are flushed on
    shutdown; a killed process loses at most `window` seconds of them (never money)."""

    def __init__(self, state: AppState, window: float = 0.2):
        self.state = state
        self.window = window
        self.pending: dict[str, list[tuple[str, str | None, dict]]] = {}
        self.flushing: asyncio.Task | None = None

    def add(self, creator_id: str, tipper_id: str, stream_id: str | None, data: dict) -> None:
        self.pending.setdefault(creator_id, []).append((tipper_id, stream_id, data))
        if self.flushing is None or self.flushing.done():
            self.flushing = self.state.spawn(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.window)
        await self.flush()

    async def flush(self) -> None:
        batch, self.pending = self.pending, {}
        for creator_id, items in batch.items():
            # one notice per fan and stream in the window: amounts summed, last tip id kept
            merged: dict[tuple[str, str | None], dict] = {}
            for tipper_id, stream_id, data in items:
                m = merged.setdefault((tipper_id, stream_id), {"amount": 0, "tips": 0})
                m["amount"] += data["amount"]
                m["tips"] += 1
                m["tip_id"] = data["tip_id"]
            try:
                async with transaction(self.state.db, self.state.emitter) as tx:
                    for (tipper_id, stream_id), data in merged.items():
                        await do_notify(tx, user_id=creator_id, kind="tip", actor_id=tipper_id,
                                        target_kind="stream" if stream_id else None,
                                        target_id=stream_id, data=data)
            except Exception:
                log.exception("wallet_tip_notices_failed", creator_id=creator_id,
                              count=len(items))


def tip_notices(state: AppState) -> TipNotices:
    tn = state.extras.get("wallet_tip_notices")
    if tn is None:
        tn = state.extras["wallet_tip_notices"] = TipNotices(state)
    return tn


# --- balances and history ----------------------------------------------------------------------
async def do_get_balance(state: AppState, user_id: str) -> dict:
    async with state.db.acquire() as conn:
        return await balances(conn, user_id)


async def do_history(state: AppState, user_id: str, req: s.History) -> dict:
    async with state.db.acquire() as conn:
        rows = await conn.fetch(q.HISTORY, user_id, req.before, req.limit)
    items = [{k: _iso(v) for k, v in dict(r).items()} for r in rows]
    return {"items": items,
            "next_before": items[-1]["entry_id"] if len(items) == req.limit else None}


# --- tips --------------------------------------------------------------------------------------
async def check_tip(state: AppState, tipper_id: str, req: s.Tip) -> None:
    cfg = runtime(state).config
    check_currency(req.currency)
    check_amount(req.amount, low=cfg.min_tip, high=cfg.max_tip, what="tip")
    if _uuid(req.creator_id) == tipper_id:
        raise BadRequest("You cannot tip yourself", code="self_tip")
    if req.message:
        d = await moderate_text(state, req.message, user_id=tipper_id, context="tip")
        if d.action == "block":
            raise AppError("message_blocked", "The tip message was refused", status=422)


def tip_batcher(state: AppState) -> TipBatcher:
    tb = state.extras.get("wallet_tip_batcher")
    if tb is None:
        async def pushes(orders: list[TipOrder], outcomes: list) -> None:
            await _push_committed_tips(state, orders, outcomes)
        cfg = runtime(state).config
        tb = state.extras["wallet_tip_batcher"] = TipBatcher(
            state.db, pushes, max_batch=cfg.tip_batch_max,
            max_inflight=cfg.tip_batches_in_flight)
    return tb


async def do_tip(state: AppState, tipper_id: str, req: s.Tip) -> dict:
    """Fan -> creator (minus the platform fee), posted by the tip batcher (group commit: the
    call returns once the batch holding this tip has committed). The batch's pushes follow
    (`_push_committed_tips`). A replayed idempotency key returns the first tip and pushes
    nothing again."""
    rt = runtime(state)
    creator_id = _uuid(req.creator_id)
    fee = req.amount * rt.config.platform_fee_bps // 10_000
    body = {"creator_id": creator_id, "amount": req.amount, "currency": req.currency,
            "stream_id": req.stream_id, "message": req.message}
    order = await resolve_accounts(rt.ledger, state.db, TipOrder(
        tipper_id, creator_id, req.amount, fee, req.idempotency_key, request_hash(body),
        req.stream_id, req.message))
    done = await tip_batcher(state).submit(order)
    if done.outcome == "creator_not_found":
        raise NotFound("No such creator", code="creator_not_found")
    if done.outcome == "creator_unavailable":
        raise AppError("creator_unavailable", "This creator cannot receive tips", status=403)
    if done.outcome == "insufficient_funds":
        raise InsufficientFunds()
    if done.outcome == "conflict":
        raise Conflict("This idempotency key was already used with a different request")
    tip = _tip_view(order, done)
    if done.outcome == "replayed":
        return {**tip, "replayed": True}
    return {**tip, "balance": done.wallet_after, "replayed": False}


def _tip_view(o: TipOrder, done: TipOutcome) -> dict:
    return {"tip_id": done.transfer_id, "creator_id": o.creator, "from_id": o.tipper,
            "amount": o.amount, "fee": o.fee, "net": o.amount - o.fee, "stream_id": o.ref}


async def _push_committed_tips(state: AppState, orders: list[TipOrder],
                               outcomes: list) -> None:
    """After a tip batch committed: `wallet:balance` to each tipper and (once, the latest) to
    each creator, `wallet:tip` and the live domain's `live:tip` to the stream's room, all in
    two Redis round trips; the creators' notifications are coalesced by TipNotices."""
    sends, live, creators = [], [], {}
    notices = tip_notices(state)
    for o, done in zip(orders, outcomes):
        if not isinstance(done, TipOutcome) or done.outcome != "posted":
            continue
        sends.append(("wallet:balance", {"wallet": done.wallet_after,
                                         "as_of": done.transfer_id}, user_room(o.tipper)))
        creators[o.creator] = {"earnings": done.earnings_after, "as_of": done.earnings_as_of}
        notices.add(o.creator, o.tipper, o.ref, {"tip_id": done.transfer_id,
                                                 "amount": o.amount})
        if o.ref:
            sends.append(("wallet:tip", {**_tip_view(o, done), "from_name":
                                         done.tipper_name or "", "message": o.message},
                          live_room(o.ref)))
            live.append((o.ref, {"from_user_id": o.tipper, "amount_piastres": o.amount,
                                 "message": o.message, "tip_id": done.transfer_id}))
    sends.extend(("wallet:balance", b, user_room(c)) for c, b in creators.items())
    if sends:
        await state.emitter.emit_many(sends)
    if live:
        await show_tips_in_rooms(state, live)


# --- top-ups -----------------------------------------------------------------------------------
def _payment_view(p: asyncpg.Record) -> dict:
    return {"payment_id": str(p["id"]), "provider": p["provider"], "method": p["method"],
            "amount": p["amount"], "status": p["status"], "reference": p["merchant_ref"],
            "instructions": p["instructions"], "expires_at": _iso(p["expires_at"])}


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
        _egyptian_mobile(req.phone)
        return req.method
    return {"fawry": "PAYATFAWRY", "instapay": "ipa"}[req.provider]


def _egyptian_mobile(phone: str | None) -> str:
    try:
        n = phonenumbers.parse(phone or "", "EG")
    except phonenumbers.NumberParseException:
        n = None
    if n is None or not phonenumbers.is_valid_number(n) or n.country_code != 20 or \
            phonenumbers.number_type(n) != phonenumbers.PhoneNumberType.MOBILE:
        raise BadRequest("An Egyptian mobile wallet number is needed", code="invalid_phone")
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


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
        p = await conn.fetchrow(q.PAYMENT_BY_ID, _uuid(req.payment_id, "payment"))
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


# --- creator subscriptions ---------------------------------------------------------------------
def _fee(state: AppState, amount: int) -> int:
    return amount * runtime(state).config.platform_fee_bps // 10_000


async def do_set_tier(state: AppState, creator_id: str, req: s.SetTier) -> dict:
    check_amount(req.price, low=100, high=10_000_000, what="tier price")
    async with state.db.acquire() as conn:
        r = await conn.fetchrow(q.UPSERT_TIER, creator_id, req.name, req.price, req.active)
    return dict(r)


async def do_list_tiers(state: AppState, creator_id: str) -> dict:
    async with state.db.acquire() as conn:
        rows = await conn.fetch(q.TIERS_OF, _uuid(creator_id, "creator"))
    return {"tiers": [dict(r) for r in rows]}


async def do_subscribe(state: AppState, user_id: str, req: s.Subscribe) -> dict:
    """Charge the first month and open the subscription, in one transaction."""
    rt = runtime(state)
    tier_id = _uuid(req.tier_id, "tier")
    scope = f"subscribe:{user_id}"
    async with transaction(state.db, state.emitter) as tx:
        c = tx.conn
        prior = await claim(c, scope, req.idempotency_key, request_hash({"tier_id": tier_id}))
        if prior is not None:
            return {**prior, "replayed": True}
        tier = await c.fetchrow(q.TIER, tier_id)
        if tier is None or not tier["active"]:
            raise NotFound("No such tier", code="tier_not_found")
        creator = tier["creator_id"]
        if creator == user_id:
            raise BadRequest("You cannot subscribe to yourself", code="self_subscription")
        users = {r["id"]: r for r in await c.fetch(q.USERS, [creator])}
        if users.get(creator) is None or users[creator]["status"] != "active":
            raise AppError("creator_unavailable", "This creator cannot take subscriptions",
                           status=403)
        sub = await c.fetchrow(q.INSERT_SUBSCRIPTION, tier_id, creator, user_id,
                               rt.config.period_days)
        if sub is None:
            raise Conflict("You already subscribe to this creator", code="already_subscribed")
        price, fee = tier["price"], _fee(state, tier["price"])
        posted = await rt.ledger.post(
            c, kind="subscription", amount=price, payer=user_id, payee=creator,
            ref=sub["id"], legs=[(wallet(user_id), -price), (earnings(creator), price - fee),
                                 (PLATFORM, fee)])
        result = {"subscription_id": sub["id"], "tier_id": tier_id, "creator_id": creator,
                  "status": "active", "price": price,
                  "current_period_end": _iso(sub["current_period_end"]),
                  "transfer_id": posted.transfer_id}
        await remember(c, scope, req.idempotency_key, result)
        tx.emit("wallet:balance", {"wallet": rt.ledger.balance_of(posted, wallet(user_id)),
                                   "as_of": posted.transfer_id}, room=user_room(user_id))
        tx.emit("wallet:balance", {"earnings": rt.ledger.balance_of(posted, earnings(creator)),
                                   "as_of": posted.transfer_id}, room=user_room(creator))
    await _notify(state, creator, "subscription", user_id, {"tier": tier["name"],
                                                            "subscription_id": sub["id"]})
    return {**result, "replayed": False}


async def do_cancel_subscription(state: AppState, user_id: str,
                                 req: s.CancelSubscription) -> dict:
    """Cancel at period end: the fan keeps access until then; no renewal charge follows."""
    async with transaction(state.db) as tx:
        sub = await tx.conn.fetchrow(q.SUBSCRIPTION_LOCK, _uuid(req.subscription_id,
                                                                "subscription"))
        if sub is None or str(sub["subscriber_id"]) != user_id:
            raise NotFound("No such subscription", code="subscription_not_found")
        if sub["status"] not in ("active", "grace"):
            raise Conflict("This subscription is not live", code="subscription_not_live")
        await tx.conn.execute(q.CANCEL_AT_END, sub["id"])
    return {"subscription_id": str(sub["id"]), "cancel_at_period_end": True,
            "current_period_end": _iso(sub["current_period_end"])}


async def do_my_subscriptions(state: AppState, user_id: str) -> dict:
    async with state.db.acquire() as conn:
        rows = await conn.fetch(q.MY_SUBSCRIPTIONS, user_id)
    return {"subscriptions": [{k: _iso(v) for k, v in dict(r).items()} for r in rows]}


async def do_renew_due(state: AppState, now: datetime | None = None, batch: int = 500) -> dict:
    """The renewal job. For each subscription whose period ended: cancel if asked, else charge
    the next month (idempotent per subscription and period, so a re-run after a crash never
    charges twice); without funds enter grace, and lapse when grace is over."""
    rt = runtime(state)
    now = now or datetime.now(timezone.utc)
    counts = {"renewed": 0, "grace": 0, "lapsed": 0, "canceled": 0}
    async with state.db.acquire() as conn:
        due = [r["id"] for r in await conn.fetch(q.DUE_SUBSCRIPTIONS, now, batch)]
    for sid in due:
        async with transaction(state.db, state.emitter) as tx:
            c = tx.conn
            sub = await c.fetchrow(q.SUBSCRIPTION_LOCK, sid)
            if sub["status"] not in ("active", "grace") or sub["current_period_end"] > now:
                continue  # another worker got there first
            subscriber, creator = str(sub["subscriber_id"]), str(sub["creator_id"])
            room = user_room(subscriber)
            if sub["cancel_at_period_end"]:
                await c.execute(q.SET_SUB_STATUS, sid, "canceled", None)
                counts["canceled"] += 1
                tx.emit("wallet:subscription", {"subscription_id": sid, "status": "canceled"},
                        room=room)
                continue
            tier = await c.fetchrow(q.TIER, sub["tier_id"])
            price, fee = tier["price"], _fee(state, tier["price"])
            try:
                async with c.transaction():  # savepoint: an overdraft leaves the rest intact
                    posted = await rt.ledger.post(
                        c, kind="subscription", amount=price, payer=subscriber, payee=creator,
                        ref=sid, scope="renewal",
                        key=f"{sid}:{sub['current_period_end'].isoformat()}", body_hash=sid,
                        legs=[(wallet(subscriber), -price), (earnings(creator), price - fee),
                              (PLATFORM, fee)])
            except InsufficientFunds:
                posted = None
            if posted is not None:
                r = await c.fetchrow(q.RENEWED, sid, rt.config.period_days)
                counts["renewed"] += 1
                tx.emit("wallet:subscription", {"subscription_id": sid, "status": "active",
                                                "current_period_end": _iso(
                                                    r["current_period_end"])}, room=room)
                tx.emit("wallet:balance", {"wallet": rt.ledger.balance_of(
                    posted, wallet(subscriber)), "as_of": posted.transfer_id}, room=room)
            elif sub["status"] == "active":
                until = sub["current_period_end"] + timedelta(days=rt.config.grace_days)
                await c.execute(q.SET_SUB_STATUS, sid, "grace", until)
                counts["grace"] += 1
                tx.emit("wallet:subscription", {"subscription_id": sid, "status": "grace",
                                                "grace_until": _iso(until)}, room=room)
            elif sub["grace_until"] is not None and now >= sub["grace_until"]:
                await c.execute(q.SET_SUB_STATUS, sid, "lapsed", None)
                counts["lapsed"] += 1
                tx.emit("wallet:subscription", {"subscription_id": sid, "status": "lapsed"},
                        room=room)
    return counts


async def is_subscriber(conn: asyncpg.Connection, viewer_id: str, creator_id: str) -> bool:
    """The subscriber-only posts gate: a live (active or grace) subscription to the creator."""
    if viewer_id == creator_id:
        return True
    return bool(await conn.fetchval(q.IS_SUBSCRIBER, viewer_id, creator_id))


async def _subscribers_may_watch(state: AppState, stream: dict, user_id: str) -> bool:
    """Live streams with visibility `subscribers`: the wallet decides who may watch."""
    async with state.db.acquire() as conn:
        return await is_subscriber(conn, user_id, str(stream["creator_id"]))


register_access_rule("subscribers", _subscribers_may_watch)


# --- cashout -----------------------------------------------------------------------------------
async def check_cashout(state: AppState, user_id: str, req: s.Cashout) -> str:
    """Creators with a verified phone and a registered passkey, to a valid destination."""
    cfg = runtime(state).config
    check_currency(req.currency)
    check_amount(req.amount, low=cfg.min_cashout, high=cfg.daily_cashout_limit, what="cashout")
    if req.method == "mobile_wallet":
        dest = _egyptian_mobile(req.destination)
    elif req.method == "instapay":
        dest = req.destination.strip().lower()
        if not IPA.match(dest):
            raise BadRequest("An InstaPay address looks like name@instapay",
                             code="invalid_destination")
    else:
        raise BadRequest("method must be mobile_wallet or instapay", code="unsupported_method")
    async with state.db.acquire() as conn:
        users = await conn.fetch(q.USERS, [user_id])
        if not users or users[0]["role"] != "creator" or users[0]["status"] != "active":
            raise Forbidden("Only active creators can cash out", code="not_a_creator")
        if not users[0]["phone"]:
            raise Forbidden("Verify your phone number before cashing out",
                            code="phone_not_verified")
        has_passkey = await conn.fetchval(q.HAS_PASSKEY_TABLE) and \
            await conn.fetchval(q.HAS_PASSKEY, user_id)
        if not has_passkey:
            raise Forbidden("Register a passkey before cashing out", code="passkey_required")
    return dest


async def _cashout_event(tx, cashout_id: str, frm: str | None, to: str, actor: str | None,
                         note: str = "") -> None:
    await tx.conn.execute(q.CASHOUT_EVENT, cashout_id, frm, to, actor, note)


async def do_request_cashout(state: AppState, user_id: str, req: s.Cashout,
                             destination: str) -> dict:
    """Hold the amount (earnings -> cashout payable) and queue the request for an admin."""
    rt = runtime(state)
    scope = f"cashout:{user_id}"
    body = {"amount": req.amount, "method": req.method, "destination": destination}
    async with transaction(state.db, state.emitter) as tx:
        c = tx.conn
        prior = await claim(c, scope, req.idempotency_key, request_hash(body))
        if prior is not None:
            return {**prior, "replayed": True}
        today = await c.fetchval(q.CASHED_OUT_TODAY, user_id)
        if today + req.amount > rt.config.daily_cashout_limit:
            raise AppError("daily_limit_exceeded", "This would pass today's cashout limit",
                           status=409, details={"limit": rt.config.daily_cashout_limit,
                                                "used": today})
        cid = await c.fetchval(q.INSERT_CASHOUT, user_id, req.amount, req.method, destination)
        if cid is None:
            raise Conflict("A cashout is already in progress", code="cashout_in_progress")
        debit = await earnings_debit_legs(c, user_id, req.amount)
        posted = await rt.ledger.post(c, kind="cashout_hold", amount=req.amount, ref=cid,
                                      payer=user_id, legs=[*debit, (PAYABLE, req.amount)])
        await c.execute(q.SET_CASHOUT, cid, "requested", posted.transfer_id, None, None)
        await _cashout_event(tx, cid, None, "requested", user_id)
        result = {"cashout_id": cid, "status": "requested", "amount": req.amount,
                  "method": req.method, "hold_transfer_id": posted.transfer_id}
        await remember(c, scope, req.idempotency_key, result)
        room = user_room(user_id)
        tx.emit("wallet:cashout", {"cashout_id": cid, "status": "requested"}, room=room)
        tx.emit("wallet:balance", {"earnings": rt.ledger.balance_of(posted, earnings(user_id)),
                                   "as_of": posted.transfer_id}, room=room)
    return {**result, "replayed": False}


async def _reverse_cashout(rt: WalletRuntime, tx, co, to_status: str, actor: str | None,
                           note: str) -> int:
    """Give the held amount back to the creator's earnings (reject or payout failure)."""
    cid, uid = str(co["id"]), str(co["user_id"])
    posted = await rt.ledger.post(tx.conn, kind="cashout_reversal", amount=co["amount"],
                                  ref=cid, payee=uid, reverses=co["hold_transfer_id"],
                                  legs=[(PAYABLE, -co["amount"]), (earnings(uid), co["amount"])])
    await tx.conn.execute(q.SET_CASHOUT, cid, to_status, None, posted.transfer_id, None)
    await _cashout_event(tx, cid, co["status"], to_status, actor, note)
    room = user_room(uid)
    tx.emit("wallet:cashout", {"cashout_id": cid, "status": to_status, "note": note}, room=room)
    tx.emit("wallet:balance", {"earnings": rt.ledger.balance_of(posted, earnings(uid)),
                               "as_of": posted.transfer_id}, room=room)
    return posted.transfer_id


async def do_review_cashout(state: AppState, admin_id: str, req: s.ReviewCashout) -> dict:
    """Reject (reverse the hold) or approve: mark approved, pay out through the provider with
    no transaction open, then settle (payable -> provider clearing) or reverse on failure."""
    rt = runtime(state)
    cid = _uuid(req.cashout_id, "cashout")
    if req.decision not in ("approve", "reject"):
        raise BadRequest("decision must be approve or reject", code="invalid_decision")
    async with transaction(state.db, state.emitter) as tx:
        co = await tx.conn.fetchrow(q.CASHOUT_LOCK, cid)
        if co is None:
            raise NotFound("No such cashout", code="cashout_not_found")
        if co["status"] != "requested":
            raise Conflict(f"This cashout is already {co['status']}", code="cashout_not_pending")
        if req.decision == "reject":
            await _reverse_cashout(rt, tx, co, "rejected", admin_id, req.note)
            return {"cashout_id": cid, "status": "rejected"}
        await tx.conn.execute(q.SET_CASHOUT, cid, "approved", None, None, None)
        await _cashout_event(tx, cid, "requested", "approved", admin_id, req.note)
        tx.emit("wallet:cashout", {"cashout_id": cid, "status": "approved"},
                room=user_room(co["user_id"]))
    provider = "paymob" if co["method"] == "mobile_wallet" else "instapay"
    adapter = rt.providers.get(provider)
    if adapter is None:
        payout_ok, ref, reason = False, None, f"{provider} is not configured"
    else:
        out = await adapter.payout(cid, co["amount"], co["destination"])
        payout_ok, ref, reason = out.ok, out.provider_ref, out.reason
    async with transaction(state.db, state.emitter) as tx:
        co = await tx.conn.fetchrow(q.CASHOUT_LOCK, cid)
        if payout_ok:
            posted = await rt.ledger.post(
                tx.conn, kind="cashout_paid", amount=co["amount"], ref=cid,
                payer=str(co["user_id"]),
                legs=[(PAYABLE, -co["amount"]), (clearing(provider), co["amount"])])
            await tx.conn.execute(q.SET_CASHOUT, cid, "paid", None, posted.transfer_id, ref)
            await _cashout_event(tx, cid, "approved", "paid", None, f"{provider} {ref}")
            tx.emit("wallet:cashout", {"cashout_id": cid, "status": "paid"},
                    room=user_room(co["user_id"]))
            return {"cashout_id": cid, "status": "paid", "provider_ref": ref}
        await _reverse_cashout(rt, tx, co, "failed", None, f"payout failed: {reason}")
    return {"cashout_id": cid, "status": "failed", "reason": reason}


async def do_cashout_status(state: AppState, user_id: str, role: str, cashout_id: str) -> dict:
    async with state.db.acquire() as conn:
        co = await conn.fetchrow(q.CASHOUT, _uuid(cashout_id, "cashout"))
        if co is None or (str(co["user_id"]) != user_id and role != "admin"):
            raise NotFound("No such cashout", code="cashout_not_found")
        events = await conn.fetch(q.CASHOUT_EVENTS, co["id"])
    view = {k: _iso(v) for k, v in dict(co).items()}
    view["id"], view["user_id"] = str(co["id"]), str(co["user_id"])
    view["events"] = [{k: _iso(v) for k, v in dict(e).items()} for e in events]
    return view


# --- creator metrics ---------------------------------------------------------------------------
def _day(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{what} must be YYYY-MM-DD", code="invalid_date") from None


async def do_creator_metrics(state: AppState, creator_id: str, req: s.Metrics) -> dict:
    """Earnings by day and source, top supporters and subscriber counts over Cairo days
    [since, until]. Served from the partial index on transfers (payee_id, created_at)."""
    since, until = _day(req.since, "since"), _day(req.until, "until")
    if until < since or (until - since).days > 366:
        raise BadRequest("The range must be at most a year, since <= until",
                         code="invalid_range")
    start = datetime.combine(since, dtime(), CAIRO)
    end = datetime.combine(until + timedelta(days=1), dtime(), CAIRO)
    async with state.db.acquire() as conn:
        by_day = await conn.fetch(q.EARNINGS_BY_DAY, creator_id, start, end)
        top = await conn.fetch(q.TOP_SUPPORTERS, creator_id, start, end)
        subs = await conn.fetch(q.SUBSCRIBER_COUNTS, creator_id, start, end)
    return {"since": req.since, "until": req.until,
            "earnings_by_day": [{**dict(r), "day": r["day"].isoformat()} for r in by_day],
            "totals": {"gross": sum(r["gross"] for r in by_day),
                       "net": sum(r["net"] for r in by_day)},
            "top_supporters": [dict(r) for r in top],
            "subscribers": [dict(r) for r in subs]}


# --- PDPL --------------------------------------------------------------------------------------
async def _export(conn: asyncpg.Connection, user_id: str) -> dict:
    pay = await conn.fetch("""SELECT id::text, provider, method, amount, status, created_at
                              FROM wallet_payments WHERE user_id = $1::uuid""", user_id)
    cos = await conn.fetch("""SELECT id::text, amount, method, destination, status, created_at
                              FROM wallet_cashouts WHERE user_id = $1::uuid""", user_id)
    hist = await conn.fetch(q.HISTORY, user_id, None, 10_000)
    return {"balances": await balances(conn, user_id),
            "payments": [{k: _iso(v) for k, v in dict(r).items()} for r in pay],
            "cashouts": [{k: _iso(v) for k, v in dict(r).items()} for r in cos],
            "ledger": [{k: _iso(v) for k, v in dict(r).items()} for r in hist]}


async def _erase(conn: asyncpg.Connection, user_id: str) -> None:
    """The ledger is a financial record we must keep (and it holds only ids and amounts);
    what identifies a person beyond the id - payout destinations, payment instructions with
    phone numbers - is pseudonymised."""
    await conn.execute("""UPDATE wallet_cashouts SET destination = 'erased'
                          WHERE user_id = $1::uuid AND status IN ('paid', 'rejected', 'failed')""",
                       user_id)
    await conn.execute("UPDATE wallet_payments SET instructions = '{}' WHERE user_id = $1::uuid",
                       user_id)


holds_personal_data("wallet", export=_export, erase=_erase)
