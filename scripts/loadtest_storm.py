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
import json
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


def balancer_main(listen_fd: int, backends: list[tuple[str, int]], nice: int = 0,
                  cpus: set | None = None) -> None:
    import uvloop

    os.nice(nice)
    if cpus:
        os.sched_setaffinity(0, cpus)
    listen = socket.socket(fileno=listen_fd)
    listen.setblocking(False)
    uvloop.run(_balance(listen, backends))


def start_balancer(urls: list[str], n_conns: int, nice: int = 0, cpus: set | None = None
                   ) -> tuple[str, list, socket.socket]:
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
                                            args=(listen.fileno(), backends, nice, cpus),
                                            daemon=True)
             for _ in range(workers)]
    for proc in procs:
        proc.start()
    return f"http://127.0.0.1:{listen.getsockname()[1]}", procs, listen


# --- the clients ---------------------------------------------------------------------------
# The clients share the machine's two cores with the server under test, so each socket is a
# bare asyncio protocol speaking just enough of the protocol (websocket handshake, unmasked
# server frames, zero-masked client frames, Engine.IO open/ping, Socket.IO CONNECT and
# events): no aiohttp client, no task per socket, one small object per connection. Measured
# in the evening run of docs/benchmarks.md, the aiohttp-based client of the first runs took
# 2-3 times the survivor's CPU during the storm.
UPGRADE = (b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\n"
           b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: c2F3dC1zdG9ybS1jbGllbg==\r\nSec-WebSocket-Version: 13\r\n\r\n")
CONNECT_TIMEOUT = 20.0  # s: socket.io-client's `timeout`


def client_frame(text: str) -> bytes:
    """A masked text frame (RFC 6455 5.3) with the all-zero key: the payload is unchanged."""
    data = text.encode()
    n = len(data)
    head = bytes((0x81, 0x80 | n)) if n < 126 else bytes((0x81, 0x80 | 126)) + n.to_bytes(2, "big")
    return head + b"\0\0\0\0" + data


PONG = client_frame("3")
FAILURES: Counter = Counter()  # every failed attempt of this process's clients, by reason


def backoff(attempt: int) -> float:
    """socket.io-client's reconnection delay (Backoff: 1 s doubling to 5 s, jitter 0.5)."""
    ms = 1000 * 2 ** min(attempt, 10)
    rand = random.random()
    deviation = int(rand * 0.5 * ms)
    ms = ms - deviation if int(rand * 10) & 1 == 0 else ms + deviation
    return min(ms, 5000) / 1000


class StormConn(asyncio.Protocol):
    """One connection attempt of a StormClient, from the TCP connect to the close."""

    __slots__ = ("client", "transport", "buf", "upgraded", "done", "status")

    def __init__(self, client: "StormClient", done: asyncio.Future):
        self.client = client
        self.transport = None
        self.buf = b""
        self.upgraded = False
        self.done = done  # the CONNECT answer (or why there was none)
        self.status = 0

    def connection_made(self, transport):
        self.transport = transport
        transport.write(UPGRADE % self.client.host)

    def data_received(self, data):
        buf = self.buf + data if self.buf else data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            status = buf[9:12]
            if status != b"101":
                self._fail(f"HTTP {status.decode(errors='replace')}")
                self.transport.close()
                return
            self.upgraded = True
            buf = buf[end + 4:]
        pos, n = 0, len(buf)
        while n - pos >= 2:
            op, ln = buf[pos] & 0x0F, buf[pos + 1] & 0x7F
            head = 2
            if ln == 126:
                if n - pos < 4:
                    break
                ln, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif ln == 127:
                if n - pos < 10:
                    break
                ln, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if n - pos < head + ln:
                break
            payload = buf[pos + head:pos + head + ln]
            pos += head + ln
            if op == 0x1:
                self._message(payload)
            elif op == 0x8:
                self.transport.close()
                return
        self.buf = buf[pos:] if pos < n else b""

    def _message(self, m: bytes) -> None:
        kind = m[:1]
        if kind == b"4":
            t = m[1:2]
            if t == b"2":  # EVENT: [name, data, offset?]
                args = json.loads(m[2:])
                if len(args) > 2 and isinstance(args[-1], str):
                    self.client.offset = args[-1]
                if args[0] == EVENT:
                    self.client.seqs.append(args[1]["i"])
            elif t == b"0":
                if not self.done.done():
                    self.done.set_result(json.loads(m[2:]) if m[2:3] == b"{" else {})
            elif t == b"4" and not self.done.done():
                self._fail(f"connect_error {m[2:80].decode(errors='replace')}")
        elif kind == b"2":  # Engine.IO ping
            self.transport.write(PONG)
        elif kind == b"0":  # Engine.IO open: the namespace CONNECT, with recovery's auth
            self.transport.write(client_frame("40" + json.dumps(self.client.auth())))
        elif kind == b"1":
            self.transport.close()

    def _fail(self, why: str) -> None:
        if not self.done.done():
            self.done.set_exception(ConnectionError(why))

    def connection_lost(self, exc):
        self._fail("closed before CONNECT")
        self.client.lost(self)


class StormClient:
    """One socket that reconnects like socket.io-client and counts what it receives."""

    __slots__ = ("addr", "host", "token", "seqs", "sid", "pid", "offset", "conn", "cut",
                 "cuts", "recovered", "back_at", "failed", "attempts")

    def __init__(self, url: str, token: str):
        hostport = url.split("//", 1)[1].rstrip("/")
        host, port = hostport.rsplit(":", 1)
        self.addr = (host, int(port))
        self.host = hostport.encode()
        self.token = token
        self.seqs: list[int] = []
        self.sid = self.pid = self.offset = None
        self.conn: StormConn | None = None  # the live connection
        self.cut: asyncio.Future | None = None  # set when the live connection drops
        self.cuts = 0
        self.recovered = 0
        self.back_at: float | None = None  # when it reconnected after its last cut
        self.failed: str | None = None
        self.attempts = 0

    def auth(self) -> dict:
        if self.pid is None:
            return {"token": self.token}
        auth = {"token": self.token, "pid": self.pid}
        if self.offset:
            auth["offset"] = self.offset
        return auth

    def lost(self, conn: StormConn) -> None:
        if conn is self.conn:
            self.conn = None
            if self.cut is not None and not self.cut.done():
                self.cut.set_result(None)

    async def connect(self, timeout: float) -> bool:
        """One attempt (connected if `self.conn` is set); True if it was recovered."""
        loop = asyncio.get_running_loop()
        self.attempts += 1
        done = loop.create_future()
        conn = StormConn(self, done)
        transport = None
        try:
            async with asyncio.timeout(timeout):
                transport, _ = await loop.create_connection(lambda: conn, *self.addr)
                answer = await done
        except Exception as exc:
            self.failed = "timeout" if isinstance(exc, TimeoutError) else str(exc)[:40]
            FAILURES[self.failed] += 1
            if transport is not None:
                transport.abort()
            return False
        old = (self.sid, self.pid)
        self.sid, self.pid = answer.get("sid"), answer.get("pid")
        recovered = old[1] is not None and old == (self.sid, self.pid)
        self.failed = None
        self.conn, self.cut = conn, loop.create_future()
        if conn.transport.is_closing():
            self.lost(conn)
        return recovered

    async def run(self, stop: asyncio.Event) -> None:
        for attempt in range(12):  # socket.io-client retries a failed first connect too
            await self.connect(CONNECT_TIMEOUT)
            if self.conn is not None or stop.is_set():
                break
            await asyncio.sleep(backoff(attempt))
        if self.conn is None:
            self.failed = f"first connect: {self.failed}"
            return
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                await asyncio.wait([self.cut, stopping], return_when=asyncio.FIRST_COMPLETED)
                if stop.is_set():
                    return
                self.cuts += 1
                await self._reconnect(stop)
                if self.conn is None and not stop.is_set():
                    return  # gave up (bounded attempts)
        finally:
            stopping.cancel()

    async def _reconnect(self, stop: asyncio.Event) -> None:
        for attempt in range(40):  # bounded (socket.io-client retries forever)
            await asyncio.sleep(backoff(attempt))
            if stop.is_set():
                return
            recovered = await self.connect(CONNECT_TIMEOUT)
            if self.conn is not None:
                self.back_at = time.time()
                self.recovered += recovered
                return

    def close(self) -> None:
        if self.conn is not None and self.conn.transport is not None:
            self.conn.transport.close()


async def _clients(plan: dict, q, go, stop_q) -> None:
    stop = asyncio.Event()
    clients = [StormClient(plan["url"], t) for t in plan["tokens"]]
    tasks = []
    interval = 1.0 / max(1e-6, plan["ramp"])

    async def progress():
        while not stop.is_set():
            q.put(("progress", plan["idx"], {
                "connected": sum(1 for c in clients if c.conn is not None),
                "failed": sum(1 for c in clients if c.sid is None and c.failed
                              and c.failed.startswith("first connect")),
                "attempts": sum(c.attempts for c in clients),
                "received": sum(len(c.seqs) for c in clients)}))
            await asyncio.sleep(1)

    prog = asyncio.create_task(progress())
    t0 = time.monotonic()
    for i, c in enumerate(clients):
        tasks.append(asyncio.create_task(c.run(stop)))
        await asyncio.sleep(max(0.0, t0 + (i + 1) * interval - time.monotonic()))
    await asyncio.to_thread(stop_q.get)  # the main process says when the run is over
    stop.set()
    await prog
    for t in tasks:  # a socket still retrying stays counted as not back
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    q.put(("result", plan["idx"], {
        "sockets": len(clients), "seqs": [c.seqs for c in clients],
        "cuts": [c.cuts for c in clients], "recovered": [c.recovered for c in clients],
        "back_at": [c.back_at for c in clients], "failed": [c.failed for c in clients],
        "attempts": sum(c.attempts for c in clients), "failures": dict(FAILURES)}))
    for c in clients:
        c.close()
    await asyncio.sleep(0.5)


def _clients_main(plan, q, go, stop_q):
    import uvloop

    os.nice(plan.get("nice", 0))
    if plan.get("cpus"):
        os.sched_setaffinity(0, plan["cpus"])
    uvloop.run(_clients(plan, q, go, stop_q))


# --- the run ---------------------------------------------------------------------------------
def _cpu(groups: dict[str, list]) -> dict[str, float]:
    """CPU seconds (user + system) of each group of processes so far."""
    out = {}
    for name, members in groups.items():
        total = 0.0
        for p in members:
            try:
                total += sum(p.cpu_times()[:2])
            except Exception:  # psutil.NoSuchProcess: it died (the killed node)
                pass
        out[name] = total
    return out


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
                # loadtest_local --profile starts py-spy on this line: the recovery phase
                print(f"killed after sent={sent}", flush=True)
            await emitter.emit(EVENT, {"i": sent})
            sent += 1
            await asyncio.sleep(max(0.0, t0 + sent / rate - time.monotonic()))
    finally:
        await emitter.close()
    return sent, killed_at


def run_storm(args, users: list[dict]) -> dict:
    import psutil

    from scripts.loadtest import server_processes
    from server.config import Settings

    settings = Settings.from_env()
    url, balancers, listen = start_balancer(args.url, args.clients, args.tool_nice,
                                            {1} if args.pin else None)
    victims = server_processes(args.url[:1])
    if args.pin:  # the servers on CPU 0, the tool on CPU 1
        for p in server_processes(args.url):
            os.sched_setaffinity(p.pid, {0})
    ctx = mp.get_context("spawn")
    q, stop_q = ctx.Queue(), ctx.Queue()
    per = [users[i::args.procs] for i in range(args.procs)]
    procs = [ctx.Process(target=_clients_main, daemon=True, args=(
        {"idx": i, "url": url, "tokens": [u["token"] for u in per[i]],
         "ramp": args.ramp / args.procs, "nice": args.tool_nice,
         "cpus": {1} if args.pin else None}, q, None, stop_q))
             for i in range(args.procs)]
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

    survivors = server_processes(args.url[1:])
    groups = {"survivor": survivors, "clients": [psutil.Process(p.pid) for p in procs],
              "balancer": [psutil.Process(b.pid) for b in balancers],
              "redis": server_processes(
                  [(settings.redis_url or "redis://127.0.0.1:6379").split("/")[2]])}
    cpu_at_kill: dict[str, float] = {}

    def kill():
        cpu_at_kill.update(_cpu(groups))
        for p in victims:
            os.kill(p.pid, signal.SIGKILL)

    load0 = open("/proc/loadavg").read().split()[:3]
    sent, killed_at = asyncio.run(_broadcast(
        settings.redis_prefix, settings.redis_url, args.rate, args.duration, args.kill_after,
        kill))
    time.sleep(args.drain)
    cpu_end, cpu_wall = _cpu(groups), time.time() - (killed_at or time.time())
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
        "scenario": "storm", "clients": args.clients, "tool_nice": args.tool_nice,
        "pinned": args.pin, "first_connect_failed": first_failed,
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
        "back_by_s": {str(t): sum(1 for b in back_times if b <= t) for t in (5, 10, 15, 20)},
        "recovered_by_15s": sum(1 for i in cut_idx if recovered[i] and back[i] and killed_at
                                and back[i] - killed_at <= 15),
        # CPU (share of one core) of each part from the kill to the end: on a 2-core machine
        # the clients and the balancer compete with the survivor
        "cpu_cores_after_kill": {k: round((cpu_end[k] - cpu_at_kill.get(k, 0)) / cpu_wall, 2)
                                 for k in cpu_end} if cpu_wall > 0 and cpu_at_kill else None,
        "events_lost": lost, "events_duplicated": dup, "still_failing": dict(failed),
        "attempts": sum(r["attempts"] for r in results.values()),
        "failed_attempts": dict(sum((Counter(r["failures"]) for r in results.values()),
                                    Counter())),
        "loadavg_before": load0, "loadavg_after": open("/proc/loadavg").read().split()[:3],
    }
