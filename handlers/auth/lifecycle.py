"""Per process: listen for session revocations and cut this process's sockets of them."""
from __future__ import annotations

import asyncio
import json

import structlog

from handlers.auth.actions import do_cut_local_sockets, revocation_channel
from handlers.auth.config import auth_config
from handlers.auth.guard import session_checks
from handlers.auth.otp_channels import close_http
from server.outages import note_if_outage
from server.redis_clients import plain_pubsub
from server.state import AppState

log = structlog.get_logger("auth")


async def startup(state: AppState) -> None:
    auth_config(state)  # fail fast on bad settings
    pubsub = plain_pubsub(state.redis, ignore_subscribe_messages=True)
    state.extras["auth_pubsub"] = pubsub
    subscribed = False
    try:  # subscribe before the process reports ready, so no revocation is missed
        await asyncio.wait_for(pubsub.subscribe(revocation_channel(state)), 3)
        subscribed = True
    except Exception:  # Redis down: /readyz says so; the listener keeps trying
        log.warning("revocation_subscribe_failed")
    state.spawn(_listen(state, pubsub, subscribed))


async def shutdown(state: AppState) -> None:
    await close_http(state)
    pubsub = state.extras.pop("auth_pubsub", None)
    if pubsub is not None:
        try:
            await pubsub.aclose()
        except Exception:
            pass


async def _listen(state: AppState, pubsub, subscribed: bool) -> None:
    backoff = 0.5
    while True:
        try:
            if not subscribed:
                await pubsub.subscribe(revocation_channel(state))
                subscribed = True
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                backoff = 0.5
                try:
                    body = json.loads(message["data"])
                    sessions = [str(s) for s in body["sessions"]]
                    session_checks(state).heard_revoked(sessions)
                    await do_cut_local_sockets(state, sessions,
                                               str(body.get("reason", "revoked")))
                except Exception:
                    log.exception("revocation_message_failed")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if note_if_outage(exc, "revocation_listener") is None:  # outages: counted once
                log.warning("revocation_listener_failed", retry_in=backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)  # resubscribed within 1 s of Redis's return
            subscribed = False
