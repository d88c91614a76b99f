"""Creator subscriptions: tiers, subscribe, cancel, renewals with grace, and the gate other
domains ask (`is_subscriber`, the live "subscribers" access rule)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import asyncpg
import structlog

from handlers.feed.posts import register_subscription_check
from handlers.live.access import register_access_rule
from handlers.wallet.actions import iso, notify_after_commit, parse_id
from handlers.wallet import queries as q
from handlers.wallet import schemas as s
from handlers.wallet.ledger import (PLATFORM, InsufficientFunds, check_amount, claim,
                                    earnings, remember, request_hash, wallet)
from handlers.wallet.runtime import runtime
from rooms.names import user_room
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict, NotFound
from server.state import AppState

log = structlog.get_logger("wallet")


async def do_set_tier(state: AppState, creator_id: str, req: s.SetTier) -> dict:
    check_amount(req.price, low=100, high=10_000_000, what="tier price")
    async with state.db.acquire() as conn:
        r = await conn.fetchrow(q.UPSERT_TIER, creator_id, req.name, req.price, req.active)
    return dict(r)


async def do_list_tiers(state: AppState, creator_id: str) -> dict:
    async with state.db.acquire() as conn:
        rows = await conn.fetch(q.TIERS_OF, parse_id(creator_id, "creator"))
    return {"tiers": [dict(r) for r in rows]}


async def do_subscribe(state: AppState, user_id: str, req: s.Subscribe) -> dict:
    """Charge the first month and open the subscription, in one transaction."""
    rt = runtime(state)
    tier_id = parse_id(req.tier_id, "tier")
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
        price, fee = tier["price"], runtime(state).platform_fee(tier["price"])
        posted = await rt.ledger.post(
            c, kind="subscription", amount=price, payer=user_id, payee=creator,
            ref=sub["id"], legs=[(wallet(user_id), -price), (earnings(creator), price - fee),
                                 (PLATFORM, fee)])
        result = {"subscription_id": sub["id"], "tier_id": tier_id, "creator_id": creator,
                  "status": "active", "price": price,
                  "current_period_end": iso(sub["current_period_end"]),
                  "transfer_id": posted.transfer_id}
        await remember(c, scope, req.idempotency_key, result)
        tx.emit("wallet:balance", {"wallet": rt.ledger.balance_of(posted, wallet(user_id)),
                                   "as_of": posted.transfer_id}, room=user_room(user_id))
        tx.emit("wallet:balance", {"earnings": rt.ledger.balance_of(posted, earnings(creator)),
                                   "as_of": posted.transfer_id}, room=user_room(creator))
    await notify_after_commit(state, creator, "subscription", user_id, {"tier": tier["name"],
                                                            "subscription_id": sub["id"]})
    return {**result, "replayed": False}


async def do_cancel_subscription(state: AppState, user_id: str,
                                 req: s.CancelSubscription) -> dict:
    """Cancel at period end: the fan keeps access until then; no renewal charge follows."""
    async with transaction(state.db) as tx:
        sub = await tx.conn.fetchrow(q.SUBSCRIPTION_LOCK, parse_id(req.subscription_id,
                                                                "subscription"))
        if sub is None or str(sub["subscriber_id"]) != user_id:
            raise NotFound("No such subscription", code="subscription_not_found")
        if sub["status"] not in ("active", "grace"):
            raise Conflict("This subscription is not live", code="subscription_not_live")
        await tx.conn.execute(q.CANCEL_AT_END, sub["id"])
    return {"subscription_id": str(sub["id"]), "cancel_at_period_end": True,
            "current_period_end": iso(sub["current_period_end"])}


async def do_my_subscriptions(state: AppState, user_id: str) -> dict:
    async with state.db.acquire() as conn:
        rows = await conn.fetch(q.MY_SUBSCRIPTIONS, user_id)
    return {"subscriptions": [{k: iso(v) for k, v in dict(r).items()} for r in rows]}


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
            price, fee = tier["price"], runtime(state).platform_fee(tier["price"])
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
                                                "current_period_end": iso(
                                                    r["current_period_end"])}, room=room)
                tx.emit("wallet:balance", {"wallet": rt.ledger.balance_of(
                    posted, wallet(subscriber)), "as_of": posted.transfer_id}, room=room)
            elif sub["status"] == "active":
                until = sub["current_period_end"] + timedelta(days=rt.config.grace_days)
                await c.execute(q.SET_SUB_STATUS, sid, "grace", until)
                counts["grace"] += 1
                tx.emit("wallet:subscription", {"subscription_id": sid, "status": "grace",
                                                "grace_until": iso(until)}, room=room)
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
register_subscription_check(is_subscriber)
