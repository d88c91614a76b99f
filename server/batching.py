"""Coalesce concurrent calls into one round trip: many connects, one MGET or pipeline;
many writes, one statement and one COMMIT (`GroupCommit`).

A `Batcher` collects the items submitted while it is busy and hands them to its `run`
function together; an idle batcher starts a batch on the next turn of the event loop, so a
lone call waits no longer than it would have alone, and a connect storm makes a few large
batches instead of thousands of round trips. One batch is in flight at a time (per batcher):
that is what makes the batches grow under load.
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Awaitable, Callable, Generic, Hashable, TypeVar

import structlog

log = structlog.get_logger("batching")

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
        self.busy_since: float | None = None  # loop time its batch in flight started

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
                self.busy_since = asyncio.get_running_loop().time()
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
            self.busy_since = None
            if self._pending:  # cancelled with items left: they must not wait forever
                for _, fut in self._pending:
                    fut.cancel()
                self._pending.clear()


OnCommit = Callable[[list, list], Awaitable[None]]


class GroupCommit(Generic[T, R]):
    """Group commit: the items submitted while batches are being written go in the next one.

    `write(conn, items)` stores a batch in one statement and one COMMIT and returns one result
    per item, in order (an exception in an item's place refuses that item alone).
    `submit(item)` returns only after its batch has committed. At low load a batch is one item
    written at once: no timer, no added latency; under load up to `max_inflight` batches are
    written at a time and the next one fills meanwhile. Items with the same `key` never share a
    batch nor sit in two batches in flight (the later waits for the next batch). A caller
    cancelled before its item was taken into a batch drops it; once taken, the item is
    written whatever happens to the caller. After a batch has committed, `on_commit(items,
    results)` runs once for the batch (its pushes); with `push_first` before the callers are
    answered, otherwise after. A batch's slot is free again only when that returns, which
    keeps pushes from piling up. `observe(size)` sees every batch's size (a histogram).
    While a batch is being written, another starts only once `min_extra` items wait (1: at
    once); fewer wait for a batch to finish and go together in the next one. (With chat at
    load, a lone send arriving just behind a large batch took the free slot alone: every
    other batch was one message, a statement and a COMMIT of its own.)
    """

    def __init__(self, pool, write: Callable[[Any, list[T]], Awaitable[list]],
                 on_commit: OnCommit | None = None, *, max_batch: int = 256,
                 max_inflight: int = 2, key: Callable[[T], Hashable] | None = None,
                 push_first: bool = False, observe: Callable[[int], None] | None = None,
                 name: str = "batch", min_extra: int = 1):
        self.pool = pool
        self.write = write
        self.on_commit = on_commit
        self.max_batch = max_batch
        self.max_inflight = max_inflight
        self.key = key
        self.push_first = push_first
        self.observe = observe
        self.name = name
        self.min_extra = max(1, min_extra)
        self.queue: deque[tuple[T, asyncio.Future]] = deque()
        self.busy: set = set()               # keys of items in a batch being written
        self.running: set[asyncio.Task] = set()
        self.batches = 0                     # counters for metrics and benchmarks
        self.items = 0

    async def submit(self, item: T) -> R:
        fut = asyncio.get_running_loop().create_future()
        self.queue.append((item, fut))
        self._start_batches()
        result = await fut
        if isinstance(result, BaseException):
            raise result
        return result

    def _start_batches(self) -> None:
        while len(self.running) < self.max_inflight and self.queue:
            if self.running and len(self.queue) < self.min_extra:
                return  # `_written` starts it when a batch in flight is done
            batch = self._take()
            if not batch:
                return
            task = asyncio.get_running_loop().create_task(self._write(batch))
            self.running.add(task)
            task.add_done_callback(self._written)

    def _take(self) -> list[tuple[T, asyncio.Future]]:
        key = self.key
        batch: list = []
        if key is None:
            while self.queue and len(batch) < self.max_batch:
                entry = self.queue.popleft()
                if not entry[1].done():   # the caller gave up before its item was taken
                    batch.append(entry)
            return batch
        held: deque = deque()
        keys: set = set()
        while self.queue and len(batch) < self.max_batch:
            item, fut = self.queue.popleft()
            if fut.done():
                continue
            k = key(item)
            if k in self.busy or k in keys:
                held.append((item, fut))
                continue
            keys.add(k)
            batch.append((item, fut))
        held.extend(self.queue)
        self.queue = held
        self.busy |= keys
        return batch

    async def _write(self, batch: list[tuple[T, asyncio.Future]]) -> None:
        items = [i for i, _ in batch]
        try:
            async with self.pool.acquire() as conn:
                results = await self.write(conn, items)
        except asyncio.CancelledError:
            _resolve(batch, [RuntimeError(f"{self.name} cancelled; outcome unknown")]
                     * len(batch))
            raise
        except Exception as exc:  # the pool or the connection failed: nobody gets an ack
            results = [exc] * len(batch)
        finally:
            if self.key is not None:
                self.busy -= {self.key(i) for i in items}
        self.batches += 1
        self.items += len(batch)
        if self.observe is not None:
            self.observe(len(batch))
        if not self.push_first:
            _resolve(batch, results)
        try:
            if self.on_commit is not None:
                await self.on_commit(items, results)
        except asyncio.CancelledError:
            raise
        except Exception:  # committed (and maybe acknowledged): pushes are best effort
            log.exception("group_commit_pushes_failed", batch=self.name, size=len(items))
        finally:
            _resolve(batch, results)

    def _written(self, task: asyncio.Task) -> None:
        self.running.discard(task)
        if task.cancelled():
            return
        self._start_batches()

    async def drain(self) -> None:
        """Wait until every queued item is written (shutdown)."""
        while self.queue or self.running:
            if self.running:
                await asyncio.wait(set(self.running))
            else:
                self._start_batches()
                await asyncio.sleep(0)


def _resolve(batch: list[tuple[Any, asyncio.Future]], results: list) -> None:
    for (_, fut), res in zip(batch, results):
        if not fut.done():
            fut.set_result(res)
