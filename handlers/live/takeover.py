"""Per process: hear that a returning publisher took over a stream this process hosts, and
let its old session go at once (see ingest_actions._take_over)."""
from __future__ import annotations

import json

import structlog

from handlers.live import ingest_actions as ingest
from handlers.live.runtime import runtime
from server.channel_listener import ChannelListener
from server.state import AppState

log = structlog.get_logger("live")


async def start_listening(state: AppState) -> None:
    """Before the process reports ready, so no takeover is missed."""
    async def heard(data: bytes) -> None:
        body = json.loads(data)
        if body.get("node") == runtime(state).node:
            state.spawn(ingest.do_publisher_gone(state, str(body["stream_id"]), "replaced"))

    listener = ChannelListener(state, ingest.takeover_channel(state), heard, name="takeover")
    state.extras["live_takeover"] = listener
    await listener.start()


async def stop_listening(state: AppState) -> None:
    listener = state.extras.pop("live_takeover", None)
    if listener is not None:
        await listener.stop()
