"""The session guard's look-up lanes (handlers/auth/guard.py `Lanes`): one large batch per
round trip while the store answers fast, overlapping batches when it is slow."""
from __future__ import annotations

import asyncio

from handlers.auth.guard import Lanes


async def test_a_crowd_of_checks_against_a_fast_store_goes_in_one_batch():
    batches: list[list[int]] = []

    async def run(items):
        batches.append(items)
        return items

    lanes = Lanes(run, 3)
    results = await asyncio.gather(*(lanes.submit(i) for i in range(30)))
    assert results == list(range(30))
    # taken in turn, the lanes made three batches of ten for one round trip's work
    assert [len(b) for b in batches] == [30]


async def test_checks_arriving_while_a_slow_batch_is_in_flight_do_not_wait_for_it():
    started: list[float] = []
    loop = asyncio.get_running_loop()

    async def run(items):
        started.append(loop.time())
        await asyncio.sleep(0.3 if len(started) == 1 else 0.01)  # the first store call hangs
        return items

    lanes = Lanes(run, 3, patience=0.002)
    first = asyncio.ensure_future(lanes.submit("a"))
    await asyncio.sleep(0.05)  # the first batch is in flight, and slow
    t0 = loop.time()
    second = await asyncio.wait_for(lanes.submit("b"), 1)
    assert second == "b"
    assert loop.time() - t0 < 0.2, "a check queued behind the slow batch"
    assert not first.done()
    assert await first == "a"
