"""Socket events of the wallet: parse, check, do, ack. Money moves need an idempotency_key."""
from __future__ import annotations

from handlers.wallet import actions as a
from handlers.wallet import creator_actions as creator
from handlers.wallet import payment_actions as pay
from handlers.wallet import subscription_actions as subs
from handlers.wallet import schemas as s
from rooms.ratelimit import check_rate
from server.errors import ok
from server.payloads import decode
from server.sockets import SocketContext, on


@on("wallet:balance")
async def on_balance(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await a.do_get_balance(ctx.state, ctx.user_id))


@on("wallet:history")
async def on_history(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await a.do_history(ctx.state, ctx.user_id, decode(s.History, data)))


@on("wallet:tip")
async def on_tip(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(s.Tip, data)
    await check_rate(ctx.state, "wallet:tip", ctx.user_id, "30/second")
    req = await a.check_tip(ctx.state, ctx.user_id, req, ctx.role)
    return ok(await a.do_tip(ctx.state, ctx.user_id, req))


@on("wallet:topup")
async def on_topup(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(s.Topup, data)
    await check_rate(ctx.state, "wallet:topup", ctx.user_id, "30/minute")
    return ok(await pay.do_topup(ctx.state, ctx.user_id, req))


@on("wallet:instapay_confirm", roles=("admin",))
async def on_instapay_confirm(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await pay.do_confirm_instapay(ctx.state, ctx.user_id,
                                          decode(s.ConfirmInstaPay, data)))


@on("wallet:tier_set", roles=("creator",))
async def on_tier_set(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await subs.do_set_tier(ctx.state, ctx.user_id, decode(s.SetTier, data)))


@on("wallet:tiers")
async def on_tiers(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await subs.do_list_tiers(ctx.state, decode(s.ListTiers, data).creator_id))


@on("wallet:subscribe")
async def on_subscribe(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await subs.do_subscribe(ctx.state, ctx.user_id, decode(s.Subscribe, data)))


@on("wallet:unsubscribe")
async def on_unsubscribe(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await subs.do_cancel_subscription(ctx.state, ctx.user_id,
                                             decode(s.CancelSubscription, data)))


@on("wallet:subscriptions")
async def on_subscriptions(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await subs.do_my_subscriptions(ctx.state, ctx.user_id))


@on("wallet:cashout", roles=("creator",))
async def on_cashout(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(s.Cashout, data)
    await check_rate(ctx.state, "wallet:cashout", ctx.user_id, "20/minute")
    dest = await creator.check_cashout(ctx.state, ctx.user_id, req)
    return ok(await creator.do_request_cashout(ctx.state, ctx.user_id, req, dest))


@on("wallet:cashout_status")
async def on_cashout_status(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(s.CashoutId, data)
    return ok(await creator.do_cashout_status(ctx.state, ctx.user_id, ctx.role, req.cashout_id))


@on("wallet:cashout_review", roles=("admin",))
async def on_cashout_review(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await creator.do_review_cashout(ctx.state, ctx.user_id, decode(s.ReviewCashout, data)))


@on("wallet:metrics", roles=("creator",))
async def on_metrics(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await creator.do_creator_metrics(ctx.state, ctx.user_id, decode(s.Metrics, data)))
