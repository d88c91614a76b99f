"""Socket load tool: real Socket.IO clients from several processes against one or more nodes.

    python -m scripts.loadtest SCENARIO --url http://127.0.0.1:8080 [--url ...] [options]

Scenarios
  idle       hold --clients sockets for --duration seconds
  broadcast  --clients receivers; an admin announces --messages events to everyone
  chat       --clients/2 pairs DM each other across the nodes at --rate msgs/s in total
             (each pair's DM is opened by one untimed message first)
  feed       --authors post at --rate posts/s in total; their online followers get feed:new
  live       a creator's stream; --clients viewers join; --chatters send live chat at --rate
  storm      --clients sockets through one loopback balancer over the nodes; events to all
             at --rate; the first --url's node is SIGKILLed after --kill-after s; its sockets
             reconnect and must recover every missed event (scripts/loadtest_storm.py)

Users are minted straight into the servers' database (same DATABASE_URL/DATABASE_SCHEMA/
JWT_SECRET environment as the servers, as `python -m server token` does): a real user row
and an operator session each. A progress line per second; a summary at the end (connects/s,
msgs/s, p50/p95/p99 latency, errors by code, CPU and RSS of the server processes);
`--json FILE` writes it as JSON. Every latency is receive time minus the send time carried in
the payload ("lt:<ms>"), on one machine's clock.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import re
import sys
import time
from collections import Counter
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAMP = re.compile(r"lt:(\d+)")


def now_ms() -> float:
    return time.time() * 1000


def pct(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))], 2)


# --- users ---------------------------------------------------------------------------------
@asynccontextmanager
async def servers_stores():
    """The servers' own PostgreSQL and Redis, from the same environment they run with."""
    from server.embedded import resolve_stores
    from server.config import Settings
    from server.worker import build_worker_state, close_worker_state

    settings, _ = resolve_stores(Settings.from_env())
    state = await build_worker_state(settings)
    try:
        yield state
    finally:
        await close_worker_state(state)


async def mint_users(n: int, *, admins: int = 0, creators: int = 0) -> list[dict]:
    """n users (the first `admins` admins, then `creators` creators) with live sessions."""
    from handlers.auth.sessions import Client, open_session

    users = []
    async with servers_stores() as state:
        roles = ["admin"] * admins + ["creator"] * creators + ["user"] * (n - admins - creators)
        async with state.db.acquire() as conn:
            ids = [r[0] for r in await conn.fetch(
                "INSERT INTO users (display_name, role) SELECT 'load ' || i, r "
                "FROM unnest($1::text[]) WITH ORDINALITY AS t(r, i) RETURNING id::text", roles)]
            for start in range(0, n, 500):
                async with conn.transaction():
                    for uid, role in zip(ids[start:start + 500], roles[start:start + 500]):
                        issued = await open_session(
                            conn, state.keys, user_id=uid, role=role, label="loadtest",
                            method="operator", client=Client(user_agent="loadtest"),
                            refresh_ttl=3600)
                        users.append({"id": uid, "token": issued.access_token, "role": role})
    return users


async def add_follows(pairs: list[tuple[str, str]]) -> None:
    async with servers_stores() as state:
        await state.db.executemany(
            "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            pairs)


# --- one load process ------------------------------------------------------------------------
class Stats:
    def __init__(self):
        self.connected = 0
        self.connect_ms: list[float] = []
        self.sent = 0
        self.received = 0
        self.lat: list[float] = []
        self.sent_at: list[int] = []  # the send stamp of each latency sample, for the timeline
        self.errors: Counter = Counter()
        self.first_send = self.last_recv = None
        self.viewers = None
        self.phase_cpu = None  # this load process's CPU % over the timed phase

    def on_stamped(self, data) -> None:
        m = STAMP.search(json.dumps(data, ensure_ascii=False))
        if m:
            t = now_ms()
            self.received += 1
            self.lat.append(t - int(m.group(1)))
            self.sent_at.append(int(m.group(1)))
            self.last_recv = t

    def snapshot(self) -> dict:
        return {"connected": self.connected, "sent": self.sent, "received": self.received,
                "errors": sum(self.errors.values())}


async def _load_process(idx: int, plan: dict, q: mp.Queue, barrier) -> None:
    import aiohttp

    from scripts.sio_client import LeanSocket

    st = Stats()
    t_conn0 = t_conn1 = time.time()
    sc = plan["scenario"]
    wanted = {"broadcast": "announce:bench", "chat": "chat:message", "feed": "feed:new",
              "live": "live:message"}.get(sc)

    def on_event(me: str):
        def handler(event, data):
            if event == "live:viewers" and isinstance(data, dict):
                st.viewers = data.get("count")
            if event != wanted:
                return
            if sc == "chat" and isinstance(data, dict) and data.get("sender_id") == me:
                return  # the sender's own echo
            st.on_stamped(data)
        return handler

    conn = aiohttp.TCPConnector(limit=0, force_close=False)
    session = aiohttp.ClientSession(connector=conn)
    socks: dict[str, LeanSocket] = {}
    stop_progress = asyncio.Event()

    async def progress():
        while not stop_progress.is_set():
            q.put(("progress", idx, st.snapshot()))
            await asyncio.sleep(1)

    prog = asyncio.create_task(progress())
    try:
        # ramp: this process's share of the connect rate
        t_conn0 = time.time()
        interval = 1.0 / max(1e-6, plan["ramp"])
        pending = []
        for a in plan["sockets"]:
            s = LeanSocket(session, a["url"], {"token": a["token"]}, on_event(a["id"]))

            async def go(s=s, a=a):
                t = time.perf_counter()
                try:
                    await s.connect()
                    st.connected += 1
                    st.connect_ms.append((time.perf_counter() - t) * 1000)
                    socks[a["key"]] = s
                except Exception as exc:
                    st.errors[f"connect:{type(exc).__name__}"] += 1
            pending.append(asyncio.create_task(go()))
            await asyncio.sleep(interval)
        await asyncio.gather(*pending)
        t_conn1 = time.time()
        # scenario set-up that needs sockets (joins)
        if sc == "live":
            sid = plan["stream_id"]
            for key, s in socks.items():
                if key.startswith("viewer"):
                    try:
                        ack = await s.call("live:join", {"stream_id": sid})
                        if not ack.get("ok"):
                            st.errors[ack["error"]["code"]] += 1
                    except Exception as exc:
                        st.errors[f"join:{type(exc).__name__}"] += 1
        senders = plan.get("senders", [])
        if sc == "chat":
            await open_conversations(socks, senders, st)
        await asyncio.to_thread(barrier.wait)
        q.put(("phase", idx, "start"))
        cpu_start, wall_start = time.process_time(), time.monotonic()
        t_end = time.monotonic() + plan["duration"]
        if sc == "idle":
            await asyncio.sleep(plan["duration"])
        elif senders:
            per_sender = plan["rate"] / max(1, plan["total_senders"])
            st.first_send = now_ms()

            async def send_loop(spec):
                s = socks.get(spec["key"])
                if s is None:
                    return
                n, gap = 0, (1.0 / per_sender if per_sender > 0 else 0)
                # each sender starts at its own phase within its gap, so `--rate` arrives
                # spread over each second rather than as one burst of every sender at once
                nxt = time.monotonic() + random.uniform(0, gap)
                await asyncio.sleep(max(0.0, nxt - time.monotonic()))
                while time.monotonic() < t_end and (plan["messages"] <= 0 or n < plan["messages"]):
                    stamp = f"lt:{int(now_ms())}"
                    ev, payload = spec["event"], json.loads(
                        json.dumps(spec["payload"]).replace("__STAMP__", stamp)
                        .replace("__N__", str(n)))
                    try:
                        ack = await s.call(ev, payload)
                        st.sent += 1
                        if not (isinstance(ack, dict) and ack.get("ok")):
                            st.errors[(ack or {}).get("error", {}).get("code", "bad_ack")] += 1
                    except Exception as exc:
                        st.errors[f"send:{type(exc).__name__}"] += 1
                    n += 1
                    if gap:
                        nxt += gap
                        await asyncio.sleep(max(0.0, nxt - time.monotonic()))
            await asyncio.gather(*(send_loop(spec) for spec in senders))
        else:
            await asyncio.sleep(plan["duration"])
        q.put(("phase", idx, "end"))
        st.phase_cpu = round(100 * (time.process_time() - cpu_start)
                             / max(1e-9, time.monotonic() - wall_start), 1)
        await asyncio.sleep(plan["drain"])  # let the last deliveries arrive
    finally:
        stop_progress.set()
        await prog
        # close concurrently: one by one, 5,000 close handshakes outlast the run
        await asyncio.gather(*(s.close() for s in socks.values()), return_exceptions=True)
        await session.close()
        q.put(("result", idx, {**st.snapshot(), "lat": st.lat, "sent_at": st.sent_at, "connect_ms": st.connect_ms,
                               "errors_by_code": dict(st.errors), "first_send": st.first_send,
                               "last_recv": st.last_recv, "viewers": st.viewers,
                               "conn_window": [t_conn0, t_conn1],
                               "cpu_percent_timed_phase": st.phase_cpu}))


async def open_conversations(socks: dict, senders: list[dict], st: Stats,
                             concurrency: int = 50) -> None:
    """Chat set-up, not timed: each pair's first message creates its DM (`to`); the timed
    messages then go to the conversation id from that ack, as an app does once it knows it.
    A conversation's first message costs more (the DM is created); it is not the steady state
    this scenario measures."""
    gate = asyncio.Semaphore(concurrency)

    async def open_one(spec):
        s = socks.get(spec["key"])
        if s is None:
            return
        async with gate:
            try:
                ack = await s.call("chat:send", {**spec["payload"], "client_id":
                                                 spec["payload"]["client_id"] + "-open",
                                                 "text": "salam"})
            except Exception as exc:
                st.errors[f"open:{type(exc).__name__}"] += 1
                return
        if isinstance(ack, dict) and ack.get("ok"):
            payload = {k: v for k, v in spec["payload"].items() if k != "to"}
            spec["payload"] = {**payload, "conversation_id": ack["data"]["conversation_id"]}
        else:
            st.errors[(ack or {}).get("error", {}).get("code", "bad_ack")] += 1
    await asyncio.gather(*(open_one(spec) for spec in senders))


def _process_main(idx, plan, q, barrier):
    import uvloop

    uvloop.run(_load_process(idx, plan, q, barrier))


# --- servers' CPU and RSS --------------------------------------------------------------------
def server_processes(urls: list[str]):
    import psutil

    ports = {int(u.rsplit(":", 1)[1].split("/")[0]) for u in urls}
    pids = set()
    for c in psutil.net_connections(kind="tcp"):
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port in ports and c.pid:
            pids.add(c.pid)
    return [psutil.Process(p) for p in sorted(pids)]


def watched_processes(pids: list[int]):
    import psutil

    return [psutil.Process(p) for p in pids]


def tree_cpu(proc) -> float:
    """CPU seconds of a process and its live children (a postmaster and its backends; the
    pool's connections live through the run, so their time is all counted)."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += sum(p.cpu_times()[:2])
        except Exception:
            pass
    return total


def batch_histograms(urls: list[str]) -> dict[str, Counter]:
    """Group-commit batch sizes so far (`sawt_group_commit_batch_size` on each node's /metrics,
    summed over the nodes): {batcher: Counter(bucket upper bound -> cumulative batches), with
    "sum" -> items}. A node without /metrics (or a token) is skipped."""
    import urllib.request

    out: dict[str, Counter] = {}
    pat = re.compile(r'^sawt_group_commit_batch_size_(bucket|sum)\{(?:batch="([^"]+)")?,?'
                     r'(?:le="([^"]+)")?\} ([0-9.e+]+)$')
    for u in urls:
        base = u.replace("ws://", "http://").replace("wss://", "https://").split("/socket.io")[0]
        try:
            with urllib.request.urlopen(base.rstrip("/") + "/metrics", timeout=3) as r:
                text = r.read().decode()
        except Exception:
            continue
        for line in text.splitlines():
            m = pat.match(line)
            if m:
                kind, batch, le, v = m.groups()
                out.setdefault(batch, Counter())["sum" if kind == "sum" else le] += float(v)
    return out


def batch_sizes(before: dict[str, Counter], after: dict[str, Counter]) -> dict:
    """Batches per size bucket between two `batch_histograms` (not cumulative), and the mean."""
    out = {}
    for batch, c1 in after.items():
        c0 = before.get(batch, Counter())
        buckets = sorted((k for k in c1 if k != "sum"), key=float)
        prev, per, n = 0.0, {}, c1.get("+Inf", 0) - c0.get("+Inf", 0)
        for k in buckets:
            cum = c1[k] - c0.get(k, 0)
            if cum - prev:
                per[f"<={k}"] = int(cum - prev)
            prev = cum
        if n:
            out[batch] = {"batches": int(n), "mean": round((c1["sum"] - c0.get("sum", 0)) / n, 1),
                          "sizes": per}
    return out


# --- planning --------------------------------------------------------------------------------
def make_plan(args, users: list[dict], extra: dict) -> list[dict]:
    urls, procs = args.url, args.procs
    sockets = [[] for _ in range(procs)]
    senders = [[] for _ in range(procs)]
    sc = args.scenario

    def place(i, user, key, url_i):
        sockets[i % procs].append({"id": user["id"], "token": user["token"], "key": key,
                                   "url": urls[url_i % len(urls)]})
    if sc in ("idle", "broadcast"):
        body = users[1:] if sc == "broadcast" else users
        for i, u in enumerate(body):
            place(i, u, f"r{i}", i)
        if sc == "broadcast":
            place(0, users[0], "admin", 0)
            senders[0].append({"key": "admin", "event": "system:announce",
                               "payload": {"event": "bench", "data": {"s": "__STAMP__",
                                                                      "i": "__N__"}}})
    elif sc == "chat":
        for k in range(len(users) // 2):
            a, b = users[2 * k], users[2 * k + 1]
            place(k, a, f"a{k}", k)
            place(k, b, f"b{k}", k + 1)  # the peer sits on the next node
            senders[k % procs].append({"key": f"a{k}", "event": "chat:send", "payload": {
                "to": b["id"], "client_id": f"lt-{k}-__N__", "text": "ezayak __STAMP__"}})
    elif sc == "feed":
        for i, u in enumerate(users):
            key = f"author{i}" if i < args.authors else f"f{i}"
            place(i, u, key, i)
            if i < args.authors:
                senders[i % procs].append({"key": key, "event": "feed:post", "payload": {
                    "body": "live from the load test __STAMP__ #n__N__"}})
    elif sc == "live":
        for i, u in enumerate(users):
            place(i, u, f"viewer{i}", i)
            if i < args.chatters:
                senders[i % procs].append({"key": f"viewer{i}", "event": "live:chat", "payload": {
                    "stream_id": extra["stream_id"], "text": "yalla __STAMP__"}})
    total_senders = sum(len(s) for s in senders)
    return [{"scenario": sc, "sockets": sockets[i], "senders": senders[i],
             "total_senders": total_senders, "rate": args.rate, "messages": args.messages,
             "duration": args.duration, "drain": args.drain, "ramp": args.ramp / procs,
             **extra} for i in range(procs)]


async def create_stream(url: str, creator: dict) -> str:
    import aiohttp

    from scripts.sio_client import LeanSocket

    async with aiohttp.ClientSession() as session:
        s = LeanSocket(session, url, {"token": creator["token"]})
        await s.connect()
        ack = await s.call("live:create", {"title": "load test", "visibility": "public"})
        await s.close()
    if not ack.get("ok"):
        raise SystemExit(f"live:create failed: {ack}")
    return ack["data"]["stream"]["id"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.loadtest", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", choices=["idle", "broadcast", "chat", "feed", "live", "storm"])
    ap.add_argument("--url", action="append", required=True, help="a server node (repeat)")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--procs", type=int, default=2, help="load-generating processes")
    ap.add_argument("--ramp", type=float, default=500, help="connects per second in total")
    ap.add_argument("--rate", type=float, default=100, help="messages per second in total")
    ap.add_argument("--messages", type=int, default=0, help="per sender; 0 = until --duration")
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--drain", type=float, default=2)
    ap.add_argument("--authors", type=int, default=10)
    ap.add_argument("--chatters", type=int, default=20)
    ap.add_argument("--kill-after", type=float, default=3,
                    help="storm: seconds of broadcasting before the first node is killed")
    ap.add_argument("--tool-nice", type=int, default=0,
                    help="storm: niceness of the client and balancer processes (they stand "
                         "for other machines; on this one each write to a loopback socket "
                         "wakes them and they take the survivor's CPU)")
    ap.add_argument("--pin", action="store_true",
                    help="storm: servers on CPU 0, clients and balancer on CPU 1 (as the "
                         "reference bench pins them)")
    ap.add_argument("--json", help="write the summary here")
    ap.add_argument("--watch-pid", type=int, action="append", default=[],
                    help="also report this process's CPU (with its children's, e.g. a "
                         "PostgreSQL postmaster) over the timed phase, per message (repeat)")
    args = ap.parse_args(argv)

    n = args.clients + (1 if args.scenario in ("broadcast", "live") else 0)
    t0 = time.perf_counter()
    users = asyncio.run(mint_users(n, admins=1 if args.scenario == "broadcast" else 0,
                                   creators=1 if args.scenario == "live" else 0))
    print(f"minted {len(users)} users in {time.perf_counter() - t0:.1f}s", flush=True)
    extra = {}
    if args.scenario == "live":
        extra["stream_id"] = asyncio.run(create_stream(args.url[0], users[0]))
        users = users[1:]
    if args.scenario == "feed":
        authors = [u["id"] for u in users[: args.authors]]
        asyncio.run(add_follows([(u["id"], authors[i % len(authors)])
                                 for i, u in enumerate(users[args.authors:])]))
    if args.scenario == "storm":
        from scripts.loadtest_storm import run_storm

        summary = run_storm(args, users)
        print(json.dumps(summary, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(summary, indent=2))
        ok = summary["events_lost"] == 0 and summary["recovered"] == summary["sockets_cut"]
        return 0 if ok else 3
    plans = make_plan(args, users, extra)

    servers = server_processes(args.url)
    watched = watched_processes(args.watch_pid)
    cpu0 = {p.pid: sum(p.cpu_times()[:2]) for p in servers}
    rss0 = {p.pid: p.memory_info().rss for p in servers}
    ctx = mp.get_context("spawn")
    q, barrier = ctx.Queue(), ctx.Barrier(args.procs)
    procs = [ctx.Process(target=_process_main, args=(i, plans[i], q, barrier), daemon=True)
             for i in range(args.procs)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    progress, results, peak_rss, phase = {}, {}, Counter(), {}
    batches_at: dict[str, dict] = {}  # group-commit histograms at the timed phase's ends
    held_rss: dict[int, int] = {}  # last RSS seen while every socket was connected
    cpu_full: dict[int, float] = {}  # CPU time when every socket had connected

    def cpu_now() -> dict:
        out = {}
        for p in servers:
            try:
                out[p.pid] = sum(p.cpu_times()[:2])
            except Exception:
                pass
        return out

    deadline = start + args.clients / args.ramp + args.duration + args.drain + 120
    while len(results) < args.procs and time.perf_counter() < deadline:
        try:
            kind, idx, data = q.get(timeout=1)
        except Exception:
            kind = None
        if kind == "progress":
            progress[idx] = data
        elif kind == "phase":  # server CPU over the timed phase only (not minting or ramp)
            phase.setdefault(data, {})[idx] = (time.perf_counter(), cpu_now(),
                                               {w: tree_cpu(w) for w in watched})
            if data == "start" and len(phase["start"]) == 1 or data == "end":
                batches_at[data] = batch_histograms(args.url)
        elif kind == "result":
            results[idx] = data
        for p in servers:
            try:
                peak_rss[p.pid] = max(peak_rss[p.pid], p.memory_info().rss)
            except Exception:
                pass
        tot = Counter()
        for d in progress.values():
            tot.update(d)
        if len(progress) == args.procs and tot["connected"] + tot["errors"] >= args.clients \
                and len(results) == 0:
            for p in servers:
                try:
                    held_rss[p.pid] = p.memory_info().rss
                    cpu_full.setdefault(p.pid, sum(p.cpu_times()[:2]))
                except Exception:
                    pass
        print(f"[{time.perf_counter() - start:6.1f}s] connected={tot['connected']} "
              f"sent={tot['sent']} received={tot['received']} errors={tot['errors']}",
              flush=True)
    for p in procs:
        p.join(10)
    wall = time.perf_counter() - start
    lat = [x for r in results.values() for x in r["lat"]]
    cms = [x for r in results.values() for x in r["connect_ms"]]
    errors = Counter()
    for r in results.values():
        errors.update(r["errors_by_code"])
    # p50/p99 per second of send time: warm-up, steady state and drain told apart
    by_second: dict[int, list[float]] = {}
    t_first = min((t for r in results.values() for t in r["sent_at"]), default=0)
    for r in results.values():
        for t, x in zip(r["sent_at"], r["lat"]):
            by_second.setdefault(int((t - t_first) // 1000), []).append(x)
    timeline = [{"second": k, "n": len(v), "p50": pct(v, 50), "p99": pct(v, 99)}
                for k, v in sorted(by_second.items())]
    firsts = [r["first_send"] for r in results.values() if r["first_send"]]
    lasts = [r["last_recv"] for r in results.values() if r["last_recv"]]
    received = sum(r["received"] for r in results.values())
    span = (max(lasts) - min(firsts)) / 1000 if firsts and lasts else None
    connected = sum(r["connected"] for r in results.values())
    send_cpu, watched_out = {}, []
    sent = sum(r["sent"] for r in results.values())
    if phase.get("start") and phase.get("end"):
        (t0, c0, w0), (t1, c1, w1) = min(phase["start"].values(), key=lambda x: x[0]), \
            max(phase["end"].values(), key=lambda x: x[0])
        send_cpu = {pid: round(100 * (c1[pid] - c0[pid]) / max(1e-9, t1 - t0), 1)
                    for pid in c0 if pid in c1}
        for w in watched:
            used = w1[w] - w0[w]
            watched_out.append({"pid": w.pid, "cpu_s_timed_phase": round(used, 2),
                                "cpu_percent_timed_phase": round(100 * used / max(1e-9, t1 - t0), 1),
                                "cpu_ms_per_sent": round(1000 * used / sent, 4) if sent else None})
    summary = {
        "scenario": args.scenario, "nodes": len(args.url), "clients": args.clients,
        "load_procs": args.procs, "connected": connected,
        "connects_per_s": round(connected / max(1e-9, max(r["conn_window"][1] for r in results.values())
                                                - min(r["conn_window"][0] for r in results.values())), 1)
        if connected else 0,
        "connect_ms_p50_p99": [pct(cms, 50), pct(cms, 99)],
        "sent": sent, "received": received,
        "delivered_per_s": round(received / span, 1) if span else None,
        "latency_ms": {"p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99),
                       "max": pct(lat, 100)},
        "errors": dict(errors), "wall_s": round(wall, 1), "timeline": timeline,
        "viewers_seen": max((r["viewers"] or 0) for r in results.values()) if results else None,
        "servers": [{"pid": p.pid,
                     "cpu_percent": round(100 * (sum(p.cpu_times()[:2]) - cpu0[p.pid]) / wall, 1),
                     "cpu_percent_timed_phase": send_cpu.get(p.pid),
                     "rss_mb": round(p.memory_info().rss / 2**20, 1),
                     "peak_rss_mb": round(peak_rss[p.pid] / 2**20, 1),
                     "rss_before_mb": round(rss0[p.pid] / 2**20, 1),
                     "rss_held_mb": round(held_rss.get(p.pid, 0) / 2**20, 1)}
                    for p in servers if p.is_running()],
    }
    if watched_out:
        summary["watched"] = watched_out
    if batches_at.get("start") is not None and batches_at.get("end") is not None:
        summary["batch_sizes_timed_phase"] = batch_sizes(batches_at["start"], batches_at["end"])
    if phase.get("start") and phase.get("end") and sent:
        # load-independent: CPU the servers spent over the timed phase per message sent
        # there (a chat message is delivered to one peer), whatever share of the machine
        # the run got; `watched` gives PostgreSQL's the same way
        summary["server_cpu_ms_per_sent"] = round(
            1000 * sum(c1[pid] - c0[pid] for pid in c0 if pid in c1) / sent, 4)
    summary["load_procs_cpu_percent_timed_phase"] = [r.get("cpu_percent_timed_phase")
                                                     for r in results.values()]
    if held_rss and connected:
        # server RSS growth while every socket was held, per socket (all servers together)
        summary["rss_per_socket_kb"] = round(
            sum(held_rss[p] - rss0[p] for p in held_rss) / connected / 1024, 2)
        # server CPU spent from the start of the ramp until every socket was in (per connect)
        summary["server_cpu_ms_per_connect"] = round(
            1000 * sum(cpu_full[p] - cpu0[p] for p in cpu_full) / connected, 3)
    print(json.dumps({k: v for k, v in summary.items() if k != "timeline"}, indent=2))
    if timeline:
        print("per second of send time (s: n p50/p99 ms): " + "  ".join(
            f"{b['second']}: {b['n']} {b['p50']:.0f}/{b['p99']:.0f}" for b in timeline))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 0 if not errors else 3


if __name__ == "__main__":
    sys.exit(main())
