"""Closing a Redis pub/sub whose listener task may still be reading it.

redis-py's `PubSub.aclose()` hands its connection back to the client's pool at once; if a
listener task is still awaiting a read on that connection, the next command that takes it from
the pool fails ("read() called while another coroutine is already waiting", or "Connection
closed by server"). On SIGTERM that made a process's own shutdown writes fail: the live
domain could not end its streams (viewers were told `host_lost` by another process 15 s later
instead of `server_restart`). So: stop the listener first, then close.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def close_listened_pubsub(pubsub: Any, listener: asyncio.Task | None) -> None:
    """Cancel the task reading `pubsub`, wait until it has stopped, then close `pubsub`."""
    if listener is not None and not listener.done():
        listener.cancel()
        with contextlib.suppress(BaseException):
            await listener
    with contextlib.suppress(Exception):
        await pubsub.aclose()
