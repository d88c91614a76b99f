"""Background jobs on Redis Streams consumer groups: enqueue, claim, ack, retry, reclaim.

One stream per queue (`<prefix>jobs:<queue>`), one consumer group (`workers`) that every
`python -m server worker` process joins with its own consumer name. Delivery is
at-least-once, so job functions must make idempotent outputs (write to deterministic
places, flip states with conditional UPDATEs).

- `await enqueue(state, "media.transcode", {"media_id": ...}, queue="media")` from any process;
  `unique_key=` makes a second enqueue of the same logical job a no-op while the first lives.
- A worker claims with XREADGROUP, runs `JOBS[name](state, payload)` (collected from
  `handlers/<domain>/jobs.py`), then XACKs. A running job holds a lease: every
  `reclaim_idle / 4` s it resets its pending entry's idle time (XCLAIM JUSTID, only while
  the entry is still its own), so it never looks idle while alive.
- A job that raises is retried with exponential backoff and jitter through a delayed ZSET
  (moved back to its stream by a Lua script when due), up to `max_attempts`; then it goes to
  the dead-letter stream and the domain's `ON_FAILURE[name](state, payload, error)` runs.
  Raise `PermanentJobError` to skip the remaining retries.
- A worker that dies (SIGKILL, OOM, lost machine) leaves its jobs pending; another worker
  takes them over with XAUTOCLAIM once they have been idle `reclaim_idle` seconds (8 by
  default: a dead worker's job is running again within seconds). A job
  delivered more than `max_attempts + 2` times this way is dead-lettered (a poison job that
  kills its worker must not kill every worker in turn).
- Redis lost its data (restart without persistence, failover to an empty node): the next
  claim meets NOGROUP, recreates the group and claims again at once.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping

import structlog

from server.config import Settings

log = structlog.get_logger("jobs")

JobFn = Callable[[Any, dict], Awaitable[Any]]
FailFn = Callable[[Any, dict, str], Awaitable[Any]]
GROUP = "workers"


class PermanentJobError(Exception):
    """Raised by a job that must not be retried (bad input, the thing it works on is gone)."""


def _env(settings: Settings, name: str, default: float) -> float:
    raw = settings.extra.get(name) if settings.extra else None
    if raw is None:
        raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class JobConfig:
    """Queue tuning, from JOB_* environment variables (or Settings.extra in tests)."""

    reclaim_idle: float = 8.0  # the lease: seconds a pending job may sit unrenewed
    max_attempts: int = 5
    backoff_base: float = 2.0  # seconds; attempt n waits base * 2**(n-1), jittered, capped
    backoff_max: float = 300.0
    block: float = 1.0  # seconds one XREADGROUP waits for new work
    stream_maxlen: int = 100_000

    @classmethod
    def from_settings(cls, settings: Settings) -> "JobConfig":
        return cls(reclaim_idle=_env(settings, "JOB_RECLAIM_IDLE", cls.reclaim_idle),
                   max_attempts=int(_env(settings, "JOB_MAX_ATTEMPTS", cls.max_attempts)),
                   backoff_base=_env(settings, "JOB_BACKOFF_BASE", cls.backoff_base),
                   backoff_max=_env(settings, "JOB_BACKOFF_MAX", cls.backoff_max),
                   block=_env(settings, "JOB_BLOCK", cls.block))

    def backoff(self, attempt: int) -> float:
        """Delay before attempt `attempt + 1` (attempt counts from 1), with full jitter/2."""
        delay = min(self.backoff_max, self.backoff_base * (2 ** max(0, attempt - 1)))
        return delay * (0.5 + random.random() / 2)


@dataclass
class Job:
    id: str  # logical job id (stable across retries)
    name: str
    payload: dict
    queue: str
    attempt: int  # 1 for the first run
    stream_id: str = ""  # this delivery's entry in the stream
    unique_key: str | None = None

    def fields(self) -> dict[str, str]:
        f = {"id": self.id, "name": self.name, "payload": json.dumps(self.payload),
             "queue": self.queue, "attempt": str(self.attempt)}
        if self.unique_key:
            f["unique"] = self.unique_key
        return f

    @classmethod
    def from_entry(cls, stream_id: Any, fields: Mapping) -> "Job":
        f = {_s(k): _s(v) for k, v in fields.items()}
        return cls(id=f["id"], name=f["name"], payload=json.loads(f.get("payload") or "{}"),
                   queue=f["queue"], attempt=int(f.get("attempt", 1)), stream_id=_s(stream_id),
                   unique_key=f.get("unique"))


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


# Renew a running job's lease: reset its idle time, but only while the entry is still ours
# (a plain XCLAIM would take back a job another worker has taken over meanwhile).
_RENEW = """
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
return 1
"""

# Move due delayed jobs back to their streams, atomically (no double delivery between workers).
_PROMOTE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, member in ipairs(due) do
  if redis.call('ZREM', KEYS[1], member) == 1 then
    local job = cjson.decode(member)
    local stream = ARGV[2] .. job['queue']
    local args = {stream, 'MAXLEN', '~', ARGV[3], '*'}
    for k, v in pairs(job) do table.insert(args, k); table.insert(args, v) end
    redis.call('XADD', unpack(args))
  end
end
return #due
"""


class JobQueue:
    """The Redis side of the queue; safe to share by every task of one process."""

    def __init__(self, redis, settings: Settings, config: JobConfig | None = None):
        self.redis = redis
        self.settings = settings
        self.config = config or JobConfig.from_settings(settings)
        self._promote = redis.register_script(_PROMOTE)
        self._renew = redis.register_script(_RENEW)
        self._groups: set[str] = set()

    def stream(self, queue: str) -> str:
        # every job key carries the tag {job} on a Redis Cluster: the promote script moves
        # due jobs into any queue's stream, building the stream keys from the prefix
        return self.settings.key("jobs", queue, tag="job")

    @property
    def delayed_key(self) -> str:
        return self.settings.key("jobs", "_delayed", tag="job")

    @property
    def dead_key(self) -> str:
        return self.settings.key("jobs", "_dead", tag="job")

    def unique_lock(self, unique_key: str) -> str:
        return self.settings.key("jobs", "_unique", unique_key, tag="job")

    async def ensure_group(self, queue: str) -> None:
        if queue in self._groups:
            return
        try:
            await self.redis.xgroup_create(self.stream(queue), GROUP, id="0", mkstream=True)
        except Exception as exc:  # BUSYGROUP: another worker made it first
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups.add(queue)

    async def enqueue(self, name: str, payload: dict, *, queue: str = "default",
                      delay: float = 0.0, unique_key: str | None = None,
                      unique_ttl: int = 24 * 3600) -> str | None:
        """Queue a job; returns its id, or None when `unique_key` is already queued/running."""
        if unique_key is not None:
            fresh = await self.redis.set(self.unique_lock(unique_key), "1", nx=True,
                                         ex=unique_ttl)
            if not fresh:
                return None
        job = Job(id=uuid.uuid4().hex, name=name, payload=payload, queue=queue, attempt=1,
                  unique_key=unique_key)
        await self._put(job, delay)
        return job.id

    async def _put(self, job: Job, delay: float) -> None:
        if delay > 0:
            await self.redis.zadd(self.delayed_key,
                                  {json.dumps(job.fields(), sort_keys=True): time.time() + delay})
        else:
            await self.redis.xadd(self.stream(job.queue), job.fields(),
                                  maxlen=self.config.stream_maxlen, approximate=True)

    async def promote_due(self) -> int:
        return int(await self._promote(
            keys=[self.delayed_key],
            args=[time.time(), self.settings.key("jobs", "", tag="job"),
                  self.config.stream_maxlen]))

    async def claim(self, queues: list[str], consumer: str, count: int = 1,
                    block: float | None = None) -> list[Job]:
        """Jobs abandoned by dead workers first, then new ones (waiting up to `block` s)."""
        for attempt in (1, 2):
            for q in queues:
                await self.ensure_group(q)
            try:
                jobs = await self.reclaim(queues, consumer, count)
                if jobs:
                    return jobs
                block_ms = int((self.config.block if block is None else block) * 1000)
                resp = await self.redis.xreadgroup(GROUP, consumer,
                                                   {self.stream(q): ">" for q in queues},
                                                   count=count, block=block_ms or None)
                break
            except Exception as exc:  # Redis lost the stream (emptied, new node): remake it
                if "NOGROUP" not in str(exc) or attempt == 2:
                    raise
                log.warning("job_group_recreated", queues=queues)
                self._groups.difference_update(queues)
        out = []
        for _stream, entries in resp or []:
            for sid, fields in entries:
                if fields:
                    out.append(Job.from_entry(sid, fields))
        return out

    async def reclaim(self, queues: list[str], consumer: str, count: int) -> list[Job]:
        idle_ms = int(self.config.reclaim_idle * 1000)
        out: list[Job] = []
        for q in queues:
            resp = await self.redis.xautoclaim(self.stream(q), GROUP, consumer, idle_ms,
                                               start_id="0-0", count=count)
            entries = resp[1] if resp else []
            for sid, fields in entries:
                if not fields:  # trimmed away meanwhile; nothing to run
                    await self.redis.xack(self.stream(q), GROUP, sid)
                    continue
                job = Job.from_entry(sid, fields)
                deliveries = await self._deliveries(q, sid)
                log.warning("job_reclaimed", job_id=job.id, job=job.name, queue=q,
                            deliveries=deliveries)
                if deliveries > self.config.max_attempts + 2:
                    await self.dead_letter(job, f"delivered {deliveries} times; its workers "
                                                "kept dying")
                    continue
                out.append(job)
            if len(out) >= count:
                break
        return out

    async def _deliveries(self, queue: str, sid: str) -> int:
        rows = await self.redis.xpending_range(self.stream(queue), GROUP, min=sid, max=sid,
                                               count=1)
        return int(rows[0]["times_delivered"]) if rows else 1

    async def heartbeat(self, job: Job, consumer: str) -> bool:
        """Renew the lease (reset the pending entry's idle time: this job is alive, do not
        reclaim it). False when the entry is no longer ours (taken over, or Redis lost it)."""
        return bool(await self._renew(keys=[self.stream(job.queue)],
                                      args=[GROUP, job.stream_id, consumer]))

    async def ack(self, job: Job) -> None:
        stream = self.stream(job.queue)
        async with self.redis.pipeline(transaction=True) as p:
            p.xack(stream, GROUP, job.stream_id)
            p.xdel(stream, job.stream_id)
            if job.unique_key:
                p.delete(self.unique_lock(job.unique_key))
            await p.execute()

    async def retry(self, job: Job, error: str) -> float | None:
        """Schedule the next attempt; returns its delay, or None if the job is now dead."""
        if job.attempt >= self.config.max_attempts:
            await self.dead_letter(job, error)
            return None
        delay = self.config.backoff(job.attempt)
        nxt = Job(id=job.id, name=job.name, payload=job.payload, queue=job.queue,
                  attempt=job.attempt + 1, unique_key=job.unique_key)
        stream = self.stream(job.queue)
        async with self.redis.pipeline(transaction=True) as p:
            p.zadd(self.delayed_key, {json.dumps(nxt.fields(), sort_keys=True):
                                      time.time() + delay})
            p.xack(stream, GROUP, job.stream_id)
            p.xdel(stream, job.stream_id)
            await p.execute()
        return delay

    async def dead_letter(self, job: Job, error: str) -> None:
        stream = self.stream(job.queue)
        async with self.redis.pipeline(transaction=True) as p:
            p.xadd(self.dead_key, {**job.fields(), "error": error[:2000],
                                   "failed_at": str(time.time())}, maxlen=10_000,
                   approximate=True)
            p.xack(stream, GROUP, job.stream_id)
            p.xdel(stream, job.stream_id)
            if job.unique_key:
                p.delete(self.unique_lock(job.unique_key))
            await p.execute()

    async def dead(self, count: int = 100) -> list[dict]:
        rows = await self.redis.xrevrange(self.dead_key, count=count)
        return [{_s(k): _s(v) for k, v in f.items()} for _sid, f in rows]


async def enqueue(state, name: str, payload: dict, *, queue: str = "default", delay: float = 0.0,
                  unique_key: str | None = None) -> str | None:
    """Queue a job from any process that has `state.redis` (server, worker, CLI)."""
    q = state.extras.get("jobs")
    if q is None:
        q = state.extras["jobs"] = JobQueue(state.redis, state.settings)
    return await q.enqueue(name, payload, queue=queue, delay=delay, unique_key=unique_key)


@dataclass
class Worker:
    """Runs jobs from `queues` with `concurrency` tasks until `stop` is set."""

    state: Any
    jobs: dict[str, JobFn]
    queues: list[str]
    concurrency: int = 1
    on_failure: dict[str, FailFn] = field(default_factory=dict)
    consumer: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")
    queue: JobQueue | None = None
    done: int = 0

    def __post_init__(self) -> None:
        if self.queue is None:
            self.queue = JobQueue(self.state.redis, self.state.settings)
        self.state.extras["jobs"] = self.queue

    async def run(self, stop: asyncio.Event, grace: float = 30.0) -> None:
        """Claim and run jobs until `stop`; then give running jobs `grace` s to finish."""
        log.info("worker_started", consumer=self.consumer, queues=self.queues,
                 jobs=sorted(self.jobs), concurrency=self.concurrency)
        loops = [asyncio.create_task(self._loop(stop, i)) for i in range(self.concurrency)]
        promoter = asyncio.create_task(self._promoter(stop))
        try:
            await stop.wait()
            # Claim loops return after their current job; what is still running after the
            # grace is cancelled and stays pending for another worker to reclaim.
            await asyncio.wait(loops, timeout=grace)
        finally:
            for t in [*loops, promoter]:
                t.cancel()
            await asyncio.gather(*loops, promoter, return_exceptions=True)
        log.info("worker_stopped", consumer=self.consumer, done=self.done)

    async def _promoter(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.queue.promote_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("promote_failed")
            await asyncio.sleep(0.25)

    async def _loop(self, stop: asyncio.Event, n: int) -> None:
        consumer = f"{self.consumer}:{n}"
        backoff = 0.5
        while not stop.is_set():
            try:
                jobs = await self.queue.claim(self.queues, consumer, count=1)
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("claim_failed")  # a store outage is counted, not written
                await asyncio.sleep(backoff * (0.5 + random.random() / 2))
                backoff = min(1.0, backoff * 2)  # claiming again within 1 s of Redis's return
                continue
            for job in jobs:
                await self.run_one(job, consumer)

    async def run_one(self, job: Job, consumer: str) -> bool:
        """Run one claimed job to ack, retry or dead letter. True if it succeeded."""
        fn = self.jobs.get(job.name)
        structlog.contextvars.bind_contextvars(job_id=job.id, job=job.name, attempt=job.attempt)
        beat = asyncio.create_task(self._heartbeat(job, consumer))
        started = time.monotonic()
        try:
            if fn is None:
                raise PermanentJobError(f"no job named {job.name!r} in this worker")
            await fn(self.state, job.payload)
        except asyncio.CancelledError:
            # Shutting down mid-job: leave it pending; another worker reclaims it.
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, PermanentJobError):
                await self.queue.dead_letter(job, error)
                delay = None
            else:
                delay = await self.queue.retry(job, error)
            if delay is None:
                log.error("job_dead", error=error)
                await self._failed(job, error)
            else:
                log.warning("job_retry", error=error, retry_in=round(delay, 2))
            return False
        else:
            await self.queue.ack(job)
            self.done += 1
            # jobs that run every few seconds (fn.periodic = True) log at DEBUG
            (log.debug if getattr(fn, "periodic", False) else log.info)(
                "job_done", seconds=round(time.monotonic() - started, 3))
            return True
        finally:
            beat.cancel()
            structlog.contextvars.clear_contextvars()

    async def _failed(self, job: Job, error: str) -> None:
        hook = self.on_failure.get(job.name)
        if hook is None:
            return
        try:
            await hook(self.state, job.payload, error)
        except Exception:
            log.exception("job_failure_hook_failed")

    async def _heartbeat(self, job: Job, consumer: str) -> None:
        every = max(0.1, self.queue.config.reclaim_idle / 4)
        lost = False
        while True:
            await asyncio.sleep(every)
            try:
                ours = await self.queue.heartbeat(job, consumer)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("heartbeat_failed")
                continue
            if not ours and not lost:
                lost = True  # outputs are idempotent; the other run's result stands too
                log.warning("job_lease_lost", stream_id=job.stream_id)


def collect_jobs(domains) -> tuple[dict[str, JobFn], dict[str, FailFn], list[str]]:
    """JOBS, ON_FAILURE and QUEUES of every handlers/<domain>/jobs.py."""
    jobs: dict[str, JobFn] = {}
    failures: dict[str, FailFn] = {}
    queues = ["default"]
    for d in domains:
        mod = d.jobs
        if mod is None:
            continue
        for name, fn in getattr(mod, "JOBS", {}).items():
            if name in jobs:
                raise ValueError(f"job {name!r} defined twice")
            jobs[name] = fn
        failures.update(getattr(mod, "ON_FAILURE", {}))
        for q in getattr(mod, "QUEUES", ()):
            if q not in queues:
                queues.append(q)
    return jobs, failures, queues
