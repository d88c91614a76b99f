"""What creators do with earnings: cash out (phone + passkey, limits, hold, admin review,
reversal on payout failure) and read their metrics."""
from __future__ import annotations

import re
from datetime import date, datetime, time as dtime, timedelta
from zoneinfo import ZoneInfo

import structlog

from handlers.live.viewer_history import latest_stream_viewers
from handlers.wallet.actions import egyptian_mobile, iso, parse_id
from handlers.wallet import queries as q
from handlers.wallet import schemas as s
from handlers.wallet.ledger import (PAYABLE, check_amount, check_currency, claim,
                                    clearing, earnings, earnings_debit_legs, remember, request_hash)
from handlers.wallet.runtime import WalletRuntime, runtime
from rooms.names import user_room
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict, Forbidden, NotFound
from server.state import AppState

log = structlog.get_logger("wallet")
CAIRO = ZoneInfo("Africa/Cairo")
IPA = re.compile(r"^[a-z0-9._-]{2,40}@instapay$")


async def check_cashout(state: AppState, user_id: str, req: s.Cashout) -> str:
    """Creators with a verified phone and a registered passkey, to a valid destination."""
    cfg = runtime(state).config
    check_currency(req.currency)
    check_amount(req.amount, low=cfg.min_cashout, high=cfg.daily_cashout_limit, what="cashout")
    if req.method == "mobile_wallet":
        dest = egyptian_mobile(req.destination)
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
    cid = parse_id(req.cashout_id, "cashout")
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
        co = await conn.fetchrow(q.CASHOUT, parse_id(cashout_id, "cashout"))
        if co is None or (str(co["user_id"]) != user_id and role != "admin"):
            raise NotFound("No such cashout", code="cashout_not_found")
        events = await conn.fetch(q.CASHOUT_EVENTS, co["id"])
    view = {k: iso(v) for k, v in dict(co).items()}
    view["id"], view["user_id"] = str(co["id"]), str(co["user_id"])
    view["events"] = [{k: iso(v) for k, v in dict(e).items()} for e in events]
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
    viewers = await latest_stream_viewers(state, creator_id)
    return {"since": req.since, "until": req.until,
            "earnings_by_day": [{**dict(r), "day": r["day"].isoformat()} for r in by_day],
            "totals": {"gross": sum(r["gross"] for r in by_day),
                       "net": sum(r["net"] for r in by_day)},
            "top_supporters": [dict(r) for r in top],
            "subscribers": [dict(r) for r in subs],
            "latest_stream_viewers": viewers}
