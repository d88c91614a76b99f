"""The `storm` scenario of scripts/loadtest.py: a node dies under its sockets.

    python -m scripts.loadtest storm --url A --url B --clients 10000 [--rate 2] \\
        [--kill-after 3] [--duration 20]

Every client connects through one URL: a small loopback TCP balancer this tool starts (its
own process) that hands each new connection to the next node that accepts it, as a load
balancer in front of the nodes would. Once all sockets are in, events are broadcast to every
socket at `--rate` per second (through the Redis adapter, as a worker would); after
`--kill-after` seconds the node of the first `--url` is SIGKILLed. Its sockets see their
connection drop and reconnect through the balancer (after 0.5-1.5 s, socket.io-client's
default reconnection delay) to the survivor with the `pid` and offset they hold: each must
come back recovered (same sid and pid: `socket.recovered === true`) and receive every event
broadcast while it was away. Reported: sockets cut, recovered, not recovered, time from the
kill until the last one was back, events lost and duplicated over all sockets.
"""
from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import queue
import random
import signal
import socket
import time
from collections import Counter

EVENT = "storm:seq"


# --- the balancer ----------------------------------------------------------------------------
class _Pipe(asyncio.Protocol):
    def __init__(self):
        self.transport = None
        self.peer: "_Pipe | None" = None
        self.early: list[bytes] = []

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.write(data)
        else:
            self.early.append(data)

    def connection_lost(self, exc):
        peer = self.peer
        if peer is not None and peer.transport is not None:
            peer.transport.close()


async def _balance(listen: socket.socket, backends: list[tuple[str, int]]) -> None:
    loop = asyncio.get_running_loop()
    turn = 0

    async def accept():
        nonlocal turn
        while True:
            conn, _ = await loop.sock_accept(listen)
            start, turn = turn, turn + 1
            loop.create_task(forward(conn, start))

    async def forward(conn: socket.socket, start: int):
        client_side = _Pipe()
        await loop.connect_accepted_socket(lambda: client_side, conn)
        client_side.transport.pause_reading()
        for k in range(len(backends)):
            host, port = backends[(start + k) % len(backends)]
            try:
                _, server_side = await loop.create_connection(_Pipe, host, port)
            except OSError:
                continue  # that node is down: the next one
            server_side.peer, client_side.peer = client_side, server_side
            for chunk in client_side.early:
                server_side.transport.write(chunk)
            client_side.early.clear()
            client_side.transport.resume_reading()
            return
        client_side.transport.close()

    await accept()


def balancer_main(listen_fd: int, backends: list[tuple[str, int]]) -> None:
    import uvloop

    listen = socket.socket(fileno=listen_fd)
    listen.setblocking(False)
    uvloop.run(_balance(listen, backends))


def start_balancer(urls: list[str], n_conns: int) -> tuple[str, list, socket.socket]:
    backends = []
    for u in urls:
        host, port = u.split("//", 1)[1].rstrip("/").rsplit(":", 1)
        backends.append((host, int(port)))
    listen = socket.socket()
    listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listen.bind(("127.0.0.1", 0))
    listen.listen(4096)
    # each relayed connection costs the balancer two descriptors: several workers accept
    # from the one listening socket so that none passes the per-process limit
    workers = max(1, -(-2 * n_conns // 15_000))
    procs = [mp.get_context("fork").Process(target=balancer_main,
                                            args=(listen.fileno(), backends), daemon=True)
             for _ in range(workers)]
    for proc in procs:
        proc.start()
    return f"http://127.0.0.1:{listen.getsockname()[1]}", procs, listen


# --- the clients -----------------------------------------------------------------------------
class StormClient:
    """One socket that reconnects like socket.io-client and counts what it receives."""

    def __init__(self, session, url: str, token: str):
        from scripts.sio_client import LeanSocket

        self.seqs: list[int] = []
        self.sock = LeanSocket(session, url, {"token": token}, self._on_event)
        self.cuts = 0
        self.recovered = 0
        self.back_at: float | None = None  # when it reconnected after its last cut
        self.failed: str | None = None

    def _on_event(self, event, data):
        if event == EVENT and isinstance(data, dict):
            self.seqs.append(data["i"])

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.sock.connect(timeout=60)
        except Exception as exc:
            self.failed = f"first connect: {type(exc).__name__}"
            return
        while not stop.is_set():
            reader = self.sock._reader
            done, _ = await asyncio.wait([reader, asyncio.ensure_future(stop.wait())],
                                         return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                return
            self.cuts += 1
            await self._reconnect(stop)

    async def _reconnect(self, stop: asyncio.Event) -> None:
        delay = random.uniform(0.5, 1.5)  # socket.io-client: 1 s, randomization 0.5
        for _ in range(10):  # bounded, as reconnectionAttempts would be
            await asyncio.sleep(delay)
            if stop.is_set():
                return
            try:
                await self.sock.connect(recover=True)
            except Exception as exc:
                self.failed = type(exc).__name__
                delay = min(delay * 2, 5.0)
                continue
            self.failed = None
            self.back_at = time.time()
            self.recovered += self.sock.recovered
            return


async def _clients(plan: dict, q, go, stop_q) -> None:
    import aiohttp

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    stop = asyncio.Event()
    clients = [StormClient(session, plan["url"], t) for t in plan["tokens"]]
    tasks = []
    interval = 1.0 / max(1e-6, plan["ramp"])

    async def progress():
        while not stop.is_set():
            q.put(("progress", plan["idx"], {
                "connected": sum(1 for c in clients if c.sock.sid and not c.sock.closed_reason),
                "failed": sum(1 for c in clients if c.sock.sid is None and c.failed),
                "received": sum(len(c.seqs) for c in clients)}))
            await asyncio.sleep(1)

    prog = asyncio.create_task(progress())
    for c in clients:
        tasks.append(asyncio.create_task(c.run(stop)))
        await asyncio.sleep(interval)
    await asyncio.to_thread(stop_q.get)  # the main process says when the run is over
    stop.set()
    await prog
    for t in tasks:  # a socket still retrying stays counted as not back
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    q.put(("result", plan["idx"], {
        "sockets": len(clients), "seqs": [c.seqs for c in clients],
        "cuts": [c.cuts for c in clients], "recovered": [c.recovered for c in clients],
        "back_at": [c.back_at for c in clients], "failed": [c.failed for c in clients]}))
    await asyncio.gather(*(c.sock.close() for c in clients), return_exceptions=True)
    await session.close()


def _clients_main(plan, q, go, stop_q):
    import uvloop

    uvloop.run(_clients(plan, q, go, stop_q))


# --- the run ---------------------------------------------------------------------------------
async def _broadcast(settings_prefix: str, redis_url: str, rate: float, seconds: float,
                     kill_at: float, kill) -> tuple[int, float | None]:
    """Emit seq events to every socket at `rate` for `seconds`; kill the node at `kill_at`."""
    from server.emitter import channel_name
    from server.engine import RedisManager

    emitter = RedisManager(redis_url, channel=channel_name(settings_prefix), write_only=True)
    sent, killed_at = 0, None
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds:
            if killed_at is None and time.monotonic() - t0 >= kill_at:
                kill()
                killed_at = time.time()
            await emitter.emit(EVENT, {"i": sent})
            sent += 1
            await asyncio.sleep(max(0.0, t0 + sent / rate - time.monotonic()))
    finally:
        await emitter.close()
    return sent, killed_at


def run_storm(args, users: list[dict]) -> dict:
    from scripts.loadtest import server_processes
    from server.config import Settings

    settings = Settings.from_env()
    url, balancers, listen = start_balancer(args.url, args.clients)
    victims = server_processes(args.url[:1])
    ctx = mp.get_context("spawn")
    q, stop_q = ctx.Queue(), ctx.Queue()
    per = [users[i::args.procs] for i in range(args.procs)]
    procs = [ctx.Process(target=_clients_main, daemon=True, args=(
        {"idx": i, "url": url, "tokens": [u["token"] for u in per[i]],
         "ramp": args.ramp / args.procs}, q, None, stop_q)) for i in range(args.procs)]
    for p in procs:
        p.start()
    progress, results = {}, {}
    t_start = time.perf_counter()
    deadline = t_start + args.clients / args.ramp + 120
    while time.perf_counter() < deadline:  # until every socket is in
        try:
            kind, idx, data = q.get(timeout=5)
        except queue.Empty:
            continue
        if kind == "progress":
            progress[idx] = data
        if len(progress) == args.procs and \
                sum(d["connected"] + d["failed"] for d in progress.values()) >= args.clients:
            break
    ramp_s = time.perf_counter() - t_start
    first_failed = sum(d["failed"] for d in progress.values())
    print(f"{args.clients - first_failed} sockets in through {url} in {ramp_s:.1f}s "
          f"({first_failed} failed to connect); broadcasting at "
          f"{args.rate}/s, SIGKILL of {args.url[0]} after {args.kill_after}s", flush=True)

    def kill():
        for p in victims:
            os.kill(p.pid, signal.SIGKILL)

    load0 = open("/proc/loadavg").read().split()[:3]
    sent, killed_at = asyncio.run(_broadcast(
        settings.redis_prefix, settings.redis_url, args.rate, args.duration, args.kill_after,
        kill))
    time.sleep(args.drain)
    for _ in procs:
        stop_q.put("stop")
    while len(results) < args.procs:
        kind, idx, data = q.get(timeout=120)
        if kind == "result":
            results[idx] = data
    for p in procs:
        p.join(10)
    for b in balancers:
        b.kill()
    listen.close()
    seqs = [s for r in results.values() for s in r["seqs"]]
    cuts = [c for r in results.values() for c in r["cuts"]]
    recovered = [c for r in results.values() for c in r["recovered"]]
    back = [b for r in results.values() for b in r["back_at"]]
    failed = Counter(f for r in results.values() for f in r["failed"] if f)
    lost = sum(len(set(range(sent)) - set(s)) for s in seqs)
    dup = sum(len(s) - len(set(s)) for s in seqs)
    cut_idx = [i for i, c in enumerate(cuts) if c]
    back_times = [back[i] - killed_at for i in cut_idx if back[i] and killed_at]
    return {
        "scenario": "storm", "clients": args.clients, "first_connect_failed": first_failed,
        "balancer": url,
        "killed": args.url[0], "ramp_s": round(ramp_s, 1), "events_sent": sent,
        "sockets_cut": len(cut_idx),
        "recovered": sum(1 for i in cut_idx if recovered[i]),
        "not_back": sum(1 for i in cut_idx if not back[i]),
        "not_recovered": sum(1 for i in cut_idx if back[i] and not recovered[i]),
        "all_back_s": round(max(back_times), 2) if back_times and len(back_times) == len(
            cut_idx) else None,
        "back_s_p50_p99": [round(sorted(back_times)[len(back_times) // 2], 2),
                           round(sorted(back_times)[int(len(back_times) * 0.99)], 2)]
        if back_times else None,
        "events_lost": lost, "events_duplicated": dup, "reconnect_failures": dict(failed),
        "loadavg_before": load0, "loadavg_after": open("/proc/loadavg").read().split()[:3],
    }
