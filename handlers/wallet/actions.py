"""Wallet actions: `check_*` validate, `do_*` move money and queue events for after COMMIT.

Concurrency: every money move is one `wallet_post` call (ledger.py) that locks the touched
user account rows in account-id order inside its transaction; other state (payments,
subscriptions, cashouts) is locked `FOR UPDATE` before the ledger call in the same transaction.
No network call happens while a transaction is open: providers are called between them.
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec
import phonenumbers
import structlog

from handlers.live.actions import check_join
from handlers.notifications.actions import do_notify, notify
from handlers.live.actions import do_show_tips_in_rooms as show_tips_in_rooms
from handlers.moderation.gate import moderate_text
from handlers.wallet import queries as q
from handlers.wallet import schemas as s
from handlers.wallet.ledger import (InsufficientFunds, balances, check_amount, check_currency,
                                    request_hash)
from handlers.wallet.runtime import runtime
from handlers.wallet.tip_batch import TipBatcher, TipOrder, TipOutcome, resolve_accounts
from rooms.names import live_room, user_room
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict, NotFound
from server.privacy import holds_personal_data
from server.state import AppState

log = structlog.get_logger("wallet")


def parse_id(value: str, what: str = "user") -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise NotFound(f"No such {what}", code=f"{what}_not_found") from None


def egyptian_mobile(phone: str | None) -> str:
    try:
        n = phonenumbers.parse(phone or "", "EG")
    except phonenumbers.NumberParseException:
        n = None
    if n is None or not phonenumbers.is_valid_number(n) or n.country_code != 20 or \
            phonenumbers.number_type(n) != phonenumbers.PhoneNumberType.MOBILE:
        raise BadRequest("An Egyptian mobile wallet number is needed", code="invalid_phone")
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


def iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (datetime, date)) else v


async def notify_after_commit(state: AppState, user_id: str, kind: str, actor_id: str,
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
    items = [{k: iso(v) for k, v in dict(r).items()} for r in rows]
    return {"items": items,
            "next_before": items[-1]["entry_id"] if len(items) == req.limit else None}


# --- tips --------------------------------------------------------------------------------------
async def check_tip(state: AppState, tipper_id: str, req: s.Tip, role: str = "user") -> s.Tip:
    """Validate a tip; returns the request to post. A tip shown in a stream names a live
    stream of that creator which the tipper may watch (the live room's own join check: not
    removed, not blocked, visibility), and its message is moderated as live chat is: blocked
    -> refused; held -> the tip goes through without its message in the room."""
    cfg = runtime(state).config
    check_currency(req.currency)
    check_amount(req.amount, low=cfg.min_tip, high=cfg.max_tip, what="tip")
    creator_id = parse_id(req.creator_id)
    if creator_id == tipper_id:
        raise BadRequest("You cannot tip yourself", code="self_tip")
    if req.stream_id is not None:
        stream = await check_join(state, tipper_id, role, req.stream_id)
        if stream["creator_id"] != creator_id:
            raise AppError("stream_mismatch", "That stream is not this creator's", status=409)
        if stream["state"] not in ("live", "reconnecting"):
            raise Conflict("That stream is not live", code="stream_not_live")
    if req.message:
        d = await moderate_text(state, req.message, user_id=tipper_id,
                                context="live_chat" if req.stream_id else "tip")
        if d.action == "block":
            raise AppError("message_blocked", "The tip message was refused", status=422)
        if d.action == "hold":
            return msgspec.structs.replace(req, message=None)
    return req


def tip_batcher(state: AppState) -> TipBatcher:
    tb = state.extras.get("wallet_tip_batcher")
    if tb is None:
        async def pushes(orders: list[TipOrder], outcomes: list) -> None:
            await _push_committed_tips(state, orders, outcomes)
        cfg = runtime(state).config
        tb = state.extras["wallet_tip_batcher"] = TipBatcher(
            state.db, pushes, max_batch=cfg.tip_batch_max,
            max_inflight=cfg.tip_batches_in_flight,
            observe=state.metrics.batch_observer("wallet_tip"))
    return tb


async def do_tip(state: AppState, tipper_id: str, req: s.Tip) -> dict:
    """Fan -> creator (minus the platform fee), posted by the tip batcher (group commit: the
    call returns once the batch holding this tip has committed). The batch's pushes follow
    (`_push_committed_tips`). A replayed idempotency key returns the first tip and pushes
    nothing again."""
    rt = runtime(state)
    creator_id = parse_id(req.creator_id)
    fee = rt.platform_fee(req.amount)
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


# --- PDPL --------------------------------------------------------------------------------------
async def _export(conn: asyncpg.Connection, user_id: str) -> dict:
    pay = await conn.fetch("""SELECT id::text, provider, method, amount, status, created_at
                              FROM wallet_payments WHERE user_id = $1::uuid""", user_id)
    cos = await conn.fetch("""SELECT id::text, amount, method, destination, status, created_at
                              FROM wallet_cashouts WHERE user_id = $1::uuid""", user_id)
    hist = await conn.fetch(q.HISTORY, user_id, None, 10_000)
    return {"balances": await balances(conn, user_id),
            "payments": [{k: iso(v) for k, v in dict(r).items()} for r in pay],
            "cashouts": [{k: iso(v) for k, v in dict(r).items()} for r in cos],
            "ledger": [{k: iso(v) for k, v in dict(r).items()} for r in hist]}


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
