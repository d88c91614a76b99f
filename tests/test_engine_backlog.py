"""The listen backlog of a server process: when a process dies, all its sockets reconnect to
the survivors within about a second, and a survivor's loop is busy meanwhile. The kernel
queues connections it has not accepted yet, up to the backlog; past it, it drops their SYNs
and TCP retries them only after 1, 3, 7, 15 s. With aiohttp's default (128) a reconnect storm
of 5,000 sockets reached the survivor 15-20 s late (docs/benchmarks.md, #17 evening)."""
from __future__ import annotations

import asyncio
import os
import signal

STORM = 600  # connections arriving while the process cannot accept any


async def test_connections_wait_in_the_queue_while_the_process_is_busy(server_procs):
    (node,) = await server_procs(1)
    os.kill(node.proc.pid, signal.SIGSTOP)  # a loop too busy to accept (never for long)
    writers = []
    try:
        async def connect():
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", node.port), 2.0)
            except (TimeoutError, OSError):
                return False
            writers.append(writer)
            return True

        connected = await asyncio.gather(*(connect() for _ in range(STORM)))
    finally:
        os.kill(node.proc.pid, signal.SIGCONT)
        for w in writers:
            w.close()
    assert sum(connected) == STORM, (
        f"{STORM - sum(connected)} of {STORM} connections were dropped by the kernel "
        f"(listen backlog full) instead of waiting to be accepted")
