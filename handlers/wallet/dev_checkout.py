"""Development checkout: pay a pending top-up through the local provider simulators, which
send the same signed callbacks the real providers send (so the balance moves and
`wallet:balance` is pushed exactly as in production).

- `GET /dev/payments`: a page of pending top-ups with Pay (and, for Paymob, Decline) buttons;
- `POST /dev/payments/{reference}` (JSON `{"action": "pay"|"decline"}` or the page's form):
  `reference` is the top-up's `reference`, its Fawry reference number or its Paymob order id;
- `python -m server dev-pay REFERENCE [--decline]` calls the route of the running server.
Only where the simulators run (development and tests); elsewhere these answer 404.
"""
from __future__ import annotations

import html

import asyncpg
from aiohttp import web

from handlers.wallet.runtime import runtime
from server.errors import AppError, BadRequest, NotFound
from server.state import STATE, AppState

PENDING = """SELECT merchant_ref, provider_ref, provider, method, amount, created_at
             FROM wallet_payments WHERE status = 'pending'
             ORDER BY created_at DESC LIMIT 50"""
FIND = """SELECT * FROM wallet_payments
          WHERE merchant_ref = $1 OR provider_ref = $1 ORDER BY created_at DESC LIMIT 1"""


def _sims(state: AppState) -> dict:
    sims = runtime(state).sims
    if not sims:
        raise NotFound("The development checkout runs only with the payment simulators",
                       code="not_found")
    return sims


async def do_dev_pay(state: AppState, reference: str, *, success: bool = True) -> dict:
    """Have the provider's simulator send the signed callback of a paid (or declined)
    top-up to this server; returns the provider's view and what the server answered."""
    sims = _sims(state)
    if not (1 <= len(reference) <= 100):
        raise BadRequest("reference is 1-100 characters", code="invalid_reference")
    async with state.db.acquire() as conn:
        p: asyncpg.Record | None = await conn.fetchrow(FIND, reference)
    if p is None:
        raise NotFound("No top-up has this reference", code="unknown_payment")
    if p["status"] != "pending":
        raise AppError("payment_not_pending", f"This top-up is already {p['status']}",
                       status=409)
    sim, ref = sims.get(p["provider"]), p["merchant_ref"]
    if sim is None:
        raise NotFound(f"No {p['provider']} simulator runs here", code="provider_not_configured")
    try:
        if p["provider"] == "paymob":
            status, answer = await sim.complete(sim.order_for(ref), success=success)
        elif not success:
            raise BadRequest("Only a Paymob checkout can be declined; a Fawry or InstaPay "
                             "top-up that is never paid expires", code="cannot_decline")
        elif p["provider"] == "fawry":
            status, answer = await sim.send(sim.pay(ref))
        else:
            status, answer = await sim.send(*sim.transfer(ref, p["amount"]))
    except KeyError:
        raise NotFound("This top-up was made through another process's simulator; pay it "
                       "on the server that created it", code="unknown_payment") from None
    return {"reference": ref, "provider": p["provider"], "paid": success,
            "callback_status": status, "callback_answer": answer}


async def page(request: web.Request) -> web.Response:
    state = request.app[STATE]
    _sims(state)
    async with state.db.acquire() as conn:
        rows = await conn.fetch(PENDING)
    items = []
    for r in rows:
        ref = html.escape(r["merchant_ref"])
        decline = ('<button name="action" value="decline">Decline</button>'
                   if r["provider"] == "paymob" else "")
        items.append(
            f"<tr><td>{ref}</td><td>{html.escape(r['provider'])} ({html.escape(r['method'])})"
            f"</td><td>EGP {r['amount'] / 100:.2f}</td><td>"
            f'<form method="post" action="/dev/payments/{ref}">'
            f'<button name="action" value="pay">Pay</button> {decline}</form></td></tr>')
    note = html.escape(request.query.get("done", ""))
    return web.Response(content_type="text/html", text=(
        "<!doctype html><meta charset=utf-8><title>Sawt: development payments</title>"
        "<h1>Pending top-ups</h1><p>Development only: Pay makes the provider simulator send "
        "its signed callback, as the real provider would.</p>"
        + (f"<p><b>{note}</b></p>" if note else "")
        + "<table border=1 cellpadding=4><tr><th>reference</th><th>provider</th>"
        "<th>amount</th><th></th></tr>" + "".join(items) + "</table>"))


async def pay(request: web.Request) -> web.Response:
    state = request.app[STATE]
    form = request.content_type == "application/x-www-form-urlencoded"
    if form:
        action = (await request.post()).get("action")
    else:
        body = await request.json() if request.can_read_body else {}
        action = body.get("action", "pay") if isinstance(body, dict) else None
    if action not in ("pay", "decline"):
        raise BadRequest('action is "pay" or "decline"', code="invalid_action")
    result = await do_dev_pay(state, request.match_info["reference"],
                              success=action == "pay")
    if form:
        raise web.HTTPSeeOther(f"/dev/payments?done={result['reference']}+{action}: "
                               f"{result['callback_status']}")
    return web.json_response(result)


def add_dev_routes(routes: web.RouteTableDef) -> None:
    routes.get("/dev/payments")(page)
    routes.post("/dev/payments/{reference}")(pay)
