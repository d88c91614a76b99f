"""Per process: hear that a returning publisher took over a stream this process hosts, and
let its old session go at once (see ingest_actions._take_over)."""
from __future__ import annotations

import asyncio
import json

import structlog

from handlers.live import ingest_actions as ingest
from handlers.live.runtime import runtime
from server.outages import note_if_outage
from server.pubsub_close import close_listened_pubsub
from server.redis_clients import plain_pubsub
from server.state import AppState

log = structlog.get_logger("live")


async def start_listening(state: AppState) -> None:
    pubsub = plain_pubsub(state.redis, ignore_subscribe_messages=True)
    state.extras["live_takeover_pubsub"] = pubsub
    subscribed = False
    try:  # before the process reports ready, so no takeover is missed
        await asyncio.wait_for(pubsub.subscribe(ingest.takeover_channel(state)), 3)
        subscribed = True
    except Exception:  # Redis down: the listener keeps trying
        log.warning("takeover_subscribe_failed")
    state.extras["live_takeover_listener"] = state.spawn(_listen(state, pubsub, subscribed))


async def stop_listening(state: AppState) -> None:
    pubsub = state.extras.pop("live_takeover_pubsub", None)
    listener = state.extras.pop("live_takeover_listener", None)
    if pubsub is not None:
        await close_listened_pubsub(pubsub, listener)


async def _listen(state: AppState, pubsub, subscribed: bool) -> None:
    backoff = 0.5
    while True:
        try:
            if not subscribed:
                await pubsub.subscribe(ingest.takeover_channel(state))
                subscribed = True
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                backoff = 0.5
                try:
                    body = json.loads(message["data"])
                    if body.get("node") == runtime(state).node:
                        state.spawn(ingest.do_publisher_gone(state, str(body["stream_id"]),
                                                             "replaced"))
                except Exception:
                    log.exception("takeover_message_failed")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if state.extras.get("live_takeover_pubsub") is not pubsub:
                return  # closed: the process is stopping
            if note_if_outage(exc, "takeover_listener") is None:  # outages: counted once
                log.warning("takeover_listener_failed", retry_in=backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)  # resubscribed within 1 s of Redis's return
            subscribed = False
