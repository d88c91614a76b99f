"""The background-job queue: jobs run once acked, retry with backoff, dead-letter, reclaim."""
from __future__ import annotations

import asyncio

import pytest

from server.jobs import JobConfig, JobQueue, PermanentJobError, Worker
from server.worker import build_worker_state, close_worker_state

FAST = JobConfig(reclaim_idle=0.6, max_attempts=3, backoff_base=0.05, backoff_max=0.2,
                 block=0.1)


@pytest.fixture
async def wstate(settings):
    state = await build_worker_state(settings)
    yield state
    await close_worker_state(state)


async def run_until(worker: Worker, cond, timeout: float = 10.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop, grace=2))
    try:
        async with asyncio.timeout(timeout):
            while not cond():
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        await task


async def test_enqueued_job_runs_once_and_leaves_no_pending_entry(wstate):
    seen = []

    async def greet(state, payload):
        seen.append(payload["to"])

    q = JobQueue(wstate.redis, wstate.settings, FAST)
    await q.enqueue("greet", {"to": "amira"})
    w = Worker(wstate, {"greet": greet}, ["default"], queue=q)
    await run_until(w, lambda: seen)
    assert seen == ["amira"]
    assert await wstate.redis.xlen(q.stream("default")) == 0
    assert (await wstate.redis.xpending(q.stream("default"), "workers"))["pending"] == 0


async def test_failing_job_is_retried_with_backoff_until_it_succeeds(wstate):
    attempts = []

    async def flaky(state, payload):
        attempts.append(asyncio.get_running_loop().time())
        if len(attempts) < 3:
            raise ConnectionError("provider timed out")

    q = JobQueue(wstate.redis, wstate.settings, FAST)
    await q.enqueue("flaky", {})
    w = Worker(wstate, {"flaky": flaky}, ["default"], queue=q)
    await run_until(w, lambda: w.done == 1)
    assert len(attempts) == 3
    assert await q.dead() == []


async def test_job_that_keeps_failing_is_dead_lettered_and_its_domain_told(wstate):
    failures = []

    async def broken(state, payload):
        raise ValueError("bad input")

    async def on_fail(state, payload, error):
        failures.append((payload, error))

    q = JobQueue(wstate.redis, wstate.settings, FAST)
    await q.enqueue("broken", {"n": 1})
    w = Worker(wstate, {"broken": broken}, ["default"], queue=q, on_failure={"broken": on_fail})
    await run_until(w, lambda: failures)
    dead = await q.dead()
    assert len(dead) == 1 and dead[0]["attempt"] == "3" and "bad input" in dead[0]["error"]
    assert failures == [({"n": 1}, "ValueError: bad input")]


async def test_permanent_error_skips_retries(wstate):
    calls = []

    async def gone(state, payload):
        calls.append(1)
        raise PermanentJobError("the upload was deleted")

    q = JobQueue(wstate.redis, wstate.settings, FAST)
    await q.enqueue("gone", {})
    w = Worker(wstate, {"gone": gone}, ["default"], queue=q)
    await run_until(w, lambda: calls)
    await asyncio.sleep(0.3)
    assert len(calls) == 1
    assert (await q.dead())[0]["error"].endswith("the upload was deleted")


async def test_job_of_a_dead_worker_is_reclaimed_by_another(wstate):
    done = []

    async def work(state, payload):
        done.append(payload["id"])

    q = JobQueue(wstate.redis, wstate.settings, FAST)
    await q.enqueue("work", {"id": 7}, queue="media")
    # A worker claims it and then dies without acking (no heartbeat, no ack).
    claimed = await q.claim(["media"], "dead-worker", block=0.1)
    assert [j.payload for j in claimed] == [{"id": 7}]
    w = Worker(wstate, {"work": work}, ["media"], queue=q)
    await run_until(w, lambda: done)
    assert done == [7]
    assert (await wstate.redis.xpending(q.stream("media"), "workers"))["pending"] == 0


async def test_long_job_heartbeats_so_nobody_steals_it(wstate):
    runs = []

    async def slow(state, payload):
        runs.append(1)
        await asyncio.sleep(2.0)  # > 3 x reclaim_idle

    q = JobQueue(wstate.redis, wstate.settings, FAST)
    await q.enqueue("slow", {})
    a = Worker(wstate, {"slow": slow}, ["default"], queue=q)
    b = Worker(wstate, {"slow": slow}, ["default"], queue=q)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop, grace=3)) for w in (a, b)]
    async with asyncio.timeout(10):
        while a.done + b.done < 1:
            await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks)
    assert len(runs) == 1


async def test_unique_key_makes_a_second_enqueue_a_no_op(wstate):
    q = JobQueue(wstate.redis, wstate.settings, FAST)
    assert await q.enqueue("x", {}, unique_key="media:1") is not None
    assert await q.enqueue("x", {}, unique_key="media:1") is None
    assert await wstate.redis.xlen(q.stream("default")) == 1



async def test_queue_whose_redis_lost_its_data_recreates_its_group_and_claims_at_once(wstate):
    q = JobQueue(wstate.redis, wstate.settings, FAST)
    await q.ensure_group("media")
    await wstate.redis.delete(q.stream("media"))  # Redis restarted empty: no stream, no group
    await q.enqueue("work", {"id": 1}, queue="media")  # XADD makes a stream without a group
    claimed = await q.claim(["media"], "w1", block=0.1)  # NOGROUP: recreated, claimed again
    # the group was recreated from the stream's start, so the job queued meanwhile is there
    assert [j.payload for j in claimed] == [{"id": 1}]


async def test_a_lease_renewal_never_takes_back_a_job_another_worker_took_over(wstate):
    q = JobQueue(wstate.redis, wstate.settings, FAST)
    await q.enqueue("work", {"id": 2})
    [job] = await q.claim(["default"], "stalled", block=0.1)
    await asyncio.sleep(FAST.reclaim_idle + 0.2)  # its lease ran out (a stalled worker)
    [taken] = await q.claim(["default"], "healthy", block=0.1)
    assert taken.stream_id == job.stream_id
    assert await q.heartbeat(job, "stalled") is False  # the stalled one learns it lost it
    assert await q.heartbeat(taken, "healthy") is True
    [row] = await wstate.redis.xpending_range(q.stream("default"), "workers", min="-",
                                              max="+", count=10)
    assert row["consumer"] == b"healthy"
