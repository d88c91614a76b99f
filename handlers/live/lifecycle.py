"""Per-process start/stop of the live domain: heartbeat/sweeper and viewer-count ticks;
on shutdown the streams this process hosts end cleanly."""
from __future__ import annotations

import asyncio

import structlog

from handlers.live import actions as a
from handlers.live import ingest_actions as ingest
from handlers.live import takeover
from handlers.live.runtime import runtime
from media.ice import configure_host_addresses, configure_port_range
from server.state import AppState

log = structlog.get_logger("live")


async def _every(seconds: float, fn, state: AppState, name: str) -> None:
    while True:
        try:
            await fn(state)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live_loop_failed", loop=name)
            await asyncio.sleep(seconds)  # back off
        await asyncio.sleep(seconds)


async def startup(state: AppState) -> None:
    configure_host_addresses()
    configure_port_range()
    rt = runtime(state)
    rt.loop = asyncio.get_running_loop()
    await takeover.start_listening(state)
    state.spawn(_every(3.0, ingest.do_heartbeat, state, "heartbeat"))
    state.spawn(_every(rt.tick, a.do_viewer_tick, state, "viewers"))


async def shutdown(state: AppState) -> None:
    await takeover.stop_listening(state)
    await ingest.do_end_local_streams(state, "server_restart")
