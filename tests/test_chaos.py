"""Store faults under live chat (issue #26): a throwaway Redis and PostgreSQL on their own
loopback ports, two server processes and two workers, four devices chatting across the two
servers and resending unacked messages with the same client_id.

Each fault asserts: no acknowledged message lost or stored twice, no push delivered twice,
live delivery back within 2 s of the store's return, only documented error codes
(`unavailable`, `rate_limited`), an honest /readyz, and a bounded, all-JSON log.
Run alone: `pytest -m chaos`. Figures are printed (`-s`) for the issue's note.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import time

import asyncpg
import pytest
import redis.asyncio as aioredis

from server.jobs import JobQueue
from server.tokens import TokenKeys
from tests.conftest import insert_test_user
from tests.support.chaos import json_lines_only, start_cluster
from tests.support.chatload import Books, ChatLoad, Device, refusal_code
from tests.support.stores import isolated_settings

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(400)]

ENV = {"CHAT_USER_RATE": "1000/second", "CHAT_SOCKET_RATE": "1000/second",
       "LOG_LEVEL": "INFO", "JOB_BLOCK": "0.2", "WORKER_GRACE": "2",
       "MEDIA_SEGMENT_SECONDS": "1", "MEDIA_X264_PRESET": "ultrafast",
       "MEDIA_MAX_DURATION": "30", "MEDIA_POSTER_AT": "0.5", "MEDIA_PREVIEW_SECONDS": "1",
       "MEDIA_TEST_FRAME_DELAY": "0.08"}
ALLOWED_CODES = {"unavailable", "rate_limited"}
# The targets (2 s to live delivery, 1 s to a connect answer) on an idle machine; stretched
# by the machine's load per core, at most 1.5x, when it is shared (figures are printed).
STRETCH = min(1.5, max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1)))
LIVE_WITHIN = 2.0 * STRETCH
LOG_LINES_MAX = 40  # per process per fault


@pytest.fixture(scope="module")
def cluster():
    c = start_cluster(isolated_settings(log_level="INFO"), ENV)
    yield c
    c.stop()
    c.redis.kill()
    c.pg.destroy()
    shutil.rmtree(c.root, ignore_errors=True)


async def users(cluster, n: int):
    conn = await asyncpg.connect(cluster.settings.database_url, server_settings={
        "search_path": cluster.settings.database_schema})
    try:
        keys = TokenKeys(cluster.settings)
        return [await insert_test_user(conn, keys) for _ in range(n)]
    finally:
        await conn.close()


class Run:
    """The chat load on the cluster, and what it takes to judge one fault."""

    def __init__(self, cluster):
        self.cluster, self.books = cluster, Books()
        self.devices: list[Device] = []

    async def start(self) -> "Run":
        a, b = [s.url for s in self.cluster.servers]
        us = await users(self.cluster, 4)
        deadline = time.monotonic() + 30
        pairs = []
        for (x, y) in ((0, 1), (2, 3)):
            dx = Device(f"d{x}", us[x].token, [a, b] if x == 0 else [b, a], self.books)
            dy = Device(f"d{y}", us[y].token, [b, a] if x == 0 else [a, b], self.books)
            await dx.connect(deadline)
            await dy.connect(deadline)
            opener = f"open-{x}-{time.monotonic_ns()}"
            first = await dx.call("chat:send", {"to": us[y].id, "client_id": opener,
                                                "text": "hi"}, timeout=30)
            assert first and first["ok"], first
            self.books.acked[opener] = (first["data"]["conversation_id"],
                                             first["data"]["seq"])
            pairs.append((dx, dy, first["data"]["conversation_id"]))
            self.devices += [dx, dy]
        self.load = ChatLoad(pairs, self.books, [a, b])
        self.load.start()
        await asyncio.sleep(1.5)  # flowing before the fault
        self.mark = self.cluster.mark_logs()
        return self

    async def finish(self, settle: float | None = None) -> None:
        await asyncio.sleep(LIVE_WITHIN + 1.5 if settle is None else settle)
        await self.load.stop()
        await asyncio.sleep(0.5)  # the last pushes land
        for d in self.devices:
            await d.close()

    async def check(self, fault: str, t_down: float, t_back: float, *,
                    ready_down: bool) -> dict:
        """The assertions every fault shares; returns the figures for the report."""
        books = self.books
        # 1. every acked message stored exactly once, with the seq its ack named
        conn = await asyncpg.connect(self.cluster.settings.database_url, server_settings={
            "search_path": self.cluster.settings.database_schema})
        try:
            rows = await conn.fetch("SELECT client_id, conversation_id::text AS conv, seq "
                                    "FROM messages WHERE client_id = any($1::text[])",
                                    list(books.acked))
        finally:
            await conn.close()
        stored: dict[str, list] = {}
        for r in rows:
            stored.setdefault(r["client_id"], []).append((r["conv"], r["seq"]))
        lost = [c for c in books.acked if c not in stored]
        doubled = [c for c, v in stored.items() if len(v) > 1]
        wrong = [c for c, v in stored.items() if v[0] != books.acked[c]]
        assert not lost and not doubled and not wrong, (lost[:5], doubled[:5], wrong[:5])
        assert len(books.acked) > 20  # the load really ran
        # 2. nothing pushed twice to a device (local delivery + subscription de-duplicated)
        assert books.duplicates() == []
        # 3. live delivery back soon after the store's return
        first = books.first_receipt_after(t_back)
        assert first is not None, "no live delivery after the store came back"
        resumed = first - t_back
        assert resumed <= LIVE_WITHIN, (fault, resumed)
        # 4. only documented error codes, ever
        codes = books.codes_between(0, time.time())
        assert set(codes) <= ALLOWED_CODES, codes
        # 5. /readyz honest: not 200 while the store is out, 200 again after its return
        if ready_down:
            lied = [r for r in books.ready if r[0] > t_down + 1.0 and r[1] < t_back
                    and r[3] == 200]
            assert not lied, lied[:3]
        back = [r for r in books.ready if r[0] > t_back + LIVE_WITHIN]
        assert back and all(r[3] == 200 for r in back[-4:]), back[-4:]
        ready_again = {}
        for node in range(2):
            oks = [r[1] for r in books.ready if r[2] == node and r[0] >= t_back and r[3] == 200]
            ready_again[node] = round(min(oks) - t_back, 2) if oks else None
        # 6. logs: bounded, every line one JSON object
        lines = self.cluster.lines_since(self.mark)
        for name, ls in lines.items():
            assert json_lines_only(ls) == [], (name, json_lines_only(ls)[:3])
            assert len(ls) <= LOG_LINES_MAX, (name, len(ls), ls[:10])
        events = {name: [_event(ln) for ln in ls] for name, ls in lines.items()}
        figures = {"fault": fault, "live_delivery_resumed_s": round(resumed, 2),
                   "ready_again_s": ready_again, "codes": dict(codes),
                   "client_transport": dict(books.transport), "acked": len(books.acked),
                   "log_lines": {n: len(ls) for n, ls in lines.items()},
                   "log_events": events, "stretch": round(STRETCH, 2)}
        print("\nCHAOS " + json.dumps(figures))
        return figures


def _event(line: str) -> str:
    d = json.loads(line)
    extra = {k: d[k] for k in ("store", "down_seconds", "failed_calls", "failed_by_place")
             if k in d}
    return f"{d.get('event', '')[:90]}{' ' + json.dumps(extra) if extra else ''}"


async def test_redis_restarting_empty_loses_nothing_acked_and_pushes_resume(cluster):
    run = await Run(cluster).start()
    t_down = cluster.redis.kill()
    t_back = cluster.redis.start()
    await run.finish()
    await run.check("redis restart (empty)", t_down, t_back, ready_down=False)


async def test_redis_out_for_10s_degrades_clearly_and_delivers_again_on_its_return(cluster):
    run = await Run(cluster).start()
    t_down = cluster.redis.kill()
    await asyncio.sleep(2)
    # connecting while Redis is out: a CONNECT_ERROR `unavailable`, at once
    newcomer = (await users(cluster, 1))[0]
    dev = Device("late", newcomer.token, [cluster.servers[0].url], Books())
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        await dev.connect(time.monotonic() + 0.1)  # one attempt
    answered = time.monotonic() - t0
    assert [c for _t, _w, c in dev.books.codes] == ["unavailable"], dev.books.codes
    assert answered <= 1.0 * STRETCH, answered
    # an event that needs Redis (the home feed) says `unavailable`, never `internal`
    feed = await run.devices[0].call("feed:home", {})
    assert feed is not None and feed["ok"] is False
    assert feed["error"]["code"] == "unavailable" and feed["error"]["retry_after"] > 0, feed
    # the others the issue found answering `internal`: done, or a documented refusal
    answers = {}
    for event, payload in (
            ("feed:post", {"kind": "text", "body": "during the outage"}),
            ("wallet:tip", {"creator_id": newcomer.id, "amount": 100,
                            "idempotency_key": f"tip-{time.monotonic_ns()}"})):
        ack = await run.devices[0].call(event, payload)
        assert ack is not None, event
        answers[event] = "ok" if ack["ok"] else ack["error"]["code"]
    print("CHAOS answers while redis out:", answers)
    assert "internal" not in answers.values(), answers
    # chat keeps acking meanwhile (stored in PostgreSQL, delivered on the sender's node)
    acked_before = len(run.books.acked)
    await asyncio.sleep(10 - (time.time() - t_down))
    assert len(run.books.acked) > acked_before
    t_back = cluster.redis.start()
    await run.finish()
    figures = await run.check("redis 10 s outage", t_down, t_back, ready_down=True)
    figures["connect_answered_s"] = round(answered, 3)
    print("CHAOS connect while redis out: unavailable in %.3f s" % answered)
    for name in ("server0", "server1"):
        evs = " ".join(figures["log_events"][name])
        assert "store_down" in evs and "store_back" in evs, evs


async def test_postgres_restart_answers_unavailable_then_recovers(cluster):
    run = await Run(cluster).start()
    t_down = cluster.pg.stop()
    await asyncio.sleep(1.5)
    t_back = cluster.pg.start()
    await run.finish()
    await run.check("postgres restart", t_down, t_back, ready_down=True)


async def test_a_sigkilled_server_loses_nothing_acked_and_its_devices_resume_elsewhere(
        cluster):
    run = await Run(cluster).start()
    victim = cluster.servers[1]
    victim.kill()
    t_down = t_back = time.time()  # its devices move to the other server at once
    await asyncio.to_thread(cluster.wait_ready, cluster.start_server(1))  # a replacement
    run.load.urls[1] = cluster.servers[1].url
    await run.finish()
    await run.check("server SIGKILL", t_down, t_back, ready_down=False)


async def test_a_sigkilled_workers_job_is_taken_over_in_seconds_progress_never_back(
        cluster, tmp_path):
    from tests.support.media import make_clip, tus_upload

    run = await Run(cluster).start()
    owner = (await users(cluster, 1))[0]
    progress: list[dict] = []
    ready = asyncio.Event()
    dev = Device("uploader", owner.token, [cluster.servers[0].url], Books())
    await dev.connect(time.monotonic() + 10)
    dev.sio.on("media:progress", lambda m, *_: progress.append({**m, "t": time.time()}))
    dev.sio.on("media:ready", lambda m, *_: ready.set())
    clip = make_clip(tmp_path / "clip.mp4", seconds=3, width=640, height=360, fps=15)
    loc, _ = await asyncio.to_thread(tus_upload, cluster.servers[0].url, owner.token, clip,
                                     chunk_size=1 << 20)
    deadline = time.monotonic() + 60
    while not any(p["stage"] == "transcoding" and p["percent"] >= 20 for p in progress):
        assert time.monotonic() < deadline, progress
        await asyncio.sleep(0.05)
    r = aioredis.from_url(cluster.settings.redis_url)
    try:
        q = JobQueue(r, cluster.settings)
        [pending] = await r.xpending_range(q.stream("media"), "workers", min="-", max="+",
                                           count=10)
    finally:
        await r.aclose()
    holder_pid = int(pending["consumer"].decode().split(":")[1])
    i = next(i for i, w in enumerate(cluster.workers) if w.proc.pid == holder_pid)
    cluster.workers[i].kill()
    t_kill = time.time()
    await asyncio.wait_for(ready.wait(), 90)
    retried = [p for p in progress if p.get("retrying")]
    assert retried, progress  # the user is told the job runs again
    taken_over = retried[0]["t"] - t_kill
    percents = [p["percent"] for p in progress]
    assert percents == sorted(percents), percents  # never backwards
    await dev.close()
    cluster.workers[i] = cluster.start_worker(f"w{i}b")
    await run.finish()
    figures = await run.check("worker SIGKILL mid-job", t_kill, t_kill, ready_down=False)
    print("CHAOS worker job taken over after %.2f s (lease 8 s); progress %s"
          % (taken_over, percents))
    assert taken_over <= 8 * 2 * STRETCH
    assert "job_reclaimed" in " ".join(sum(figures["log_events"].values(), []))
