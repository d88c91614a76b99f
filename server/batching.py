"""Coalesce concurrent calls into one round trip: many connects, one MGET or pipeline.

A `Batcher` collects the items submitted while it is busy and hands them to its `run`
function together; an idle batcher starts a batch on the next turn of the event loop, so a
lone call waits no longer than it would have alone, and a connect storm makes a few large
batches instead of thousands of round trips. One batch is in flight at a time (per batcher):
that is what makes the batches grow under load.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """`await batcher.submit(item)` -> the result `run(items)` gave for that item.

    `run` takes a list of items and returns one result per item, in order; if it raises,
    every caller of that batch gets the exception.
    """

    def __init__(self, run: Callable[[list[T]], Awaitable[list[R]]], *, max_items: int = 500):
        self._run = run
        self.max_items = max_items
        self._pending: list[tuple[T, asyncio.Future]] = []
        self._task: asyncio.Task | None = None

    def submit_nowait(self, item: T) -> asyncio.Future:
        """Queue `item`; the future resolves with its result (no task per item)."""
        fut = asyncio.get_running_loop().create_future()
        self._pending.append((item, fut))
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return fut

    async def submit(self, item: T) -> R:
        return await self.submit_nowait(item)

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[:self.max_items]
                del self._pending[:self.max_items]
                try:
                    results = await self._run([item for item, _ in batch])
                except asyncio.CancelledError:
                    for _, fut in batch:
                        fut.cancel()
                    raise
                except Exception as exc:
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for (_, fut), result in zip(batch, results):
                    if not fut.done():
                        fut.set_result(result)
        finally:
            self._task = None
            if self._pending:  # cancelled with items left: they must not wait forever
                for _, fut in self._pending:
                    fut.cancel()
                self._pending.clear()
