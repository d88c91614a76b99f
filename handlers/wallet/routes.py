"""Provider callbacks (HTTP). Each verifies the provider's signature before reading anything
else, refuses replays, unknown payments, mismatched amounts and stale callbacks, and credits
exactly once. Errors are problem+json with a stable `code`."""
from __future__ import annotations

from aiohttp import web

from handlers.wallet import payment_actions as pay
from handlers.wallet.dev_checkout import add_dev_routes
from handlers.wallet.runtime import runtime
from server.errors import NotFound
from server.payloads import parse_json_body
from server.state import STATE

routes = web.RouteTableDef()


def _adapter(request: web.Request, name: str):
    adapter = runtime(request.app[STATE]).providers.get(name)
    if adapter is None:
        raise NotFound(f"{name} is not configured", code="provider_not_configured")
    return adapter


async def _json(request: web.Request):
    """The callback body through the input boundary (bounded size, depth and numbers)."""
    return parse_json_body(await request.read())


@routes.post("/v1/payments/fawry/notify")
async def fawry_notify(request: web.Request) -> web.Response:
    """FawryPay server notification V2 (no timestamp: re-query the status API first)."""
    state = request.app[STATE]
    cb = _adapter(request, "fawry").verify_notification(await _json(request))
    payment = await pay.check_callback(state, "fawry", cb, requery=True)
    return web.json_response(await pay.do_settle_callback(state, "fawry", cb, payment,
                                                        confirmed_by="provider"))


@routes.post("/v1/payments/paymob/callback")
async def paymob_callback(request: web.Request) -> web.Response:
    """Paymob Transaction Processed callback, `?hmac=` HMAC-SHA512 over the documented fields."""
    state = request.app[STATE]
    cb = _adapter(request, "paymob").verify_callback(request.query.get("hmac"),
                                                      await _json(request))
    payment = await pay.check_callback(state, "paymob", cb)
    return web.json_response(await pay.do_settle_callback(state, "paymob", cb, payment,
                                                        confirmed_by="provider"))


@routes.post("/v1/payments/instapay/notify")
async def instapay_notify(request: web.Request) -> web.Response:
    """The bank partner saw an InstaPay transfer arrive at the platform's address."""
    state = request.app[STATE]
    raw = await request.read()
    cb = _adapter(request, "instapay").verify_notification(
        raw, request.headers.get("X-Partner-Timestamp"),
        request.headers.get("X-Partner-Signature"))
    payment = await pay.check_callback(state, "instapay", cb)
    return web.json_response(await pay.do_settle_callback(state, "instapay", cb, payment,
                                                        confirmed_by="bank_partner"))


add_dev_routes(routes)  # /dev/payments: only answers where the simulators run
