"""Scale-out benchmark: what one broadcast costs the nodes that do not deliver it, single
channel against sharded pub/sub, and how cost per delivery behaves as nodes are added.

Each run starts its own redis-server 7 on a free loopback port (so its CPU is the bench's
alone), N `python -m server serve` processes on that Redis and the test PostgreSQL, and
users whose sockets (python-socketio clients in this process) are spread so that every
user's room `user:<id>` has members on one node or two. A write-only adapter (the one
workers use) then broadcasts to those rooms, paced, in two phases of `--seconds` each:

- foreign: broadcasts only to rooms held on node 0 alone. Nodes 1..N-1 hold no recipient;
  their CPU per broadcast (every thread's run time from /proc/<pid>/task/*/schedstat, the
  same-length idle window before the run subtracted) is what a broadcast costs a node that does not deliver it.
- spread: broadcasts to every room. Deliveries/s counted at the clients, server CPU per
  delivery (all nodes), Redis CPU per broadcast (INFO cpu of the bench's own Redis).

Run (PostgreSQL as the tests use it; one benchmark at a time on a shared machine):
    flock /tmp/bench.lock python scripts/bench_scaleout.py --nodes 4 --modes channel,sharded
    flock /tmp/bench.lock python scripts/bench_scaleout.py --nodes 1,2,4 --modes sharded
Prints one markdown row per (mode, nodes) and writes JSON lines to --out.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, every thread, in seconds: the sum of its threads' schedstat
    run times (nanoseconds; /proc/<pid>/stat's utime+stime count 10 ms ticks, too coarse
    for a few µs per broadcast)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended meanwhile
    return total / 1e9


def start_redis(port: int, workdir: Path) -> subprocess.Popen:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                          text=True).stdout.strip() == "PONG":
            return proc
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("bench redis did not start")


def redis_cpu(port: int) -> float:
    out = subprocess.run(["redis-cli", "-p", str(port), "info", "cpu"], capture_output=True,
                         text=True).stdout
    vals = dict(line.split(":", 1) for line in out.split() if ":" in line)
    return float(vals["used_cpu_sys"]) + float(vals["used_cpu_user"])


def start_server(port: int, env: dict, log: Path) -> subprocess.Popen:
    out = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        if "READY" in log.read_text(errors="replace"):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server not ready: {log.read_text()[-2000:]}")


async def connect_clients(urls: list[str], tokens: list[str], counts: dict):
    """User i: a device on node i % N; every other user a second device on the next node.
    Returns (clients, homes) where homes[i] is the set of nodes holding user i's room."""
    import socketio

    clients, homes = [], []
    n = len(urls)
    for i, token in enumerate(tokens):
        nodes = {i % n} if (i % 2 == 0 or n == 1) else {i % n, (i + 1) % n}
        homes.append(nodes)
        for node in sorted(nodes):
            c = socketio.AsyncClient(reconnection=False)

            @c.on("*")
            async def _any(event, *args):
                counts["got"] += 1

            await c.connect(urls[node], auth={"token": token}, transports=["websocket"],
                            wait_timeout=30)
            clients.append(c)
    return clients, homes


async def broadcast(emitter, rooms: list[str], rate: int, seconds: float) -> int:
    """`rate` broadcasts/s to random rooms for `seconds`, in 10 ms batches (one script call
    each, as the chat domain's group commit sends them)."""
    sent = 0
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(elapsed * rate) - sent
        if due > 0:
            items = [("bench:msg", {"i": sent + k}, random.choice(rooms)) for k in range(due)]
            await emitter.emit_many(items)
            sent += due
        await asyncio.sleep(0.01)
    return sent


async def one_run(args, mode: str, nodes: int, tokens: list[str], store_env: dict,
                  redis_port: int, logdir: Path) -> dict:
    from server.emitter import write_only_emitter
    from server.user_rooms import user_room

    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    env = dict(os.environ, **store_env, REDIS_PREFIX=prefix, SOCKETIO_PUBSUB=mode,
               PYTHONPATH=str(ROOT))
    procs, urls = [], []
    try:
        for k in range(nodes):
            port = free_port()
            procs.append(start_server(port, env, logdir / f"{mode}-{nodes}-{k}.log"))
            urls.append(f"http://127.0.0.1:{port}")
        counts = {"got": 0}
        clients, homes = await connect_clients(urls, tokens, counts)
        rooms_of = [user_room(uid) for uid in args.user_ids]
        emitter = write_only_emitter(f"redis://127.0.0.1:{redis_port}", prefix, pubsub=mode)
        await asyncio.sleep(1.0)  # subscriptions settle

        pids = [p.pid for p in procs]
        # idle window: timers, heartbeats
        c0 = [cpu_seconds(p) for p in pids]
        r0 = redis_cpu(redis_port)
        await asyncio.sleep(args.seconds)
        idle = [(cpu_seconds(p) - c) / args.seconds for p, c in zip(pids, c0)]
        redis_idle = (redis_cpu(redis_port) - r0) / args.seconds

        result = {"mode": mode, "nodes": nodes, "rate": args.rate, "seconds": args.seconds,
                  "sockets": len(clients), "users": len(tokens)}
        # foreign: rooms held by node 0 alone
        if nodes > 1:
            only0 = [rooms_of[i] for i, h in enumerate(homes) if h == {0}]
            c0 = [cpu_seconds(p) for p in pids]
            t0 = time.monotonic()
            sent = await broadcast(emitter, only0, args.rate, args.seconds)
            dt = time.monotonic() - t0
            await asyncio.sleep(0.5)
            used = [cpu_seconds(p) - c for p, c in zip(pids, c0)]
            per = [(u - i * dt) / sent * 1e6 for u, i in zip(used, idle)]
            result["foreign_us_per_broadcast"] = [round(x, 2) for x in per[1:]]
            result["delivering_us_per_broadcast"] = round(per[0], 2)
            result["foreign_sent"] = sent

        # spread: every room
        got0 = counts["got"]
        c0 = [cpu_seconds(p) for p in pids]
        r0 = redis_cpu(redis_port)
        t0 = time.monotonic()
        sent = await broadcast(emitter, rooms_of, args.rate, args.seconds)
        deadline = time.monotonic() + 5
        expected = None
        while time.monotonic() < deadline:  # the last deliveries land
            await asyncio.sleep(0.2)
            if expected is None:
                expected = sent * sum(len(h) for h in homes) / len(homes)
            if counts["got"] - got0 >= expected * 0.999:
                break
        dt = time.monotonic() - t0
        used = sum(cpu_seconds(p) - c for p, c in zip(pids, c0)) - sum(idle) * dt
        delivered = counts["got"] - got0
        result.update({
            "spread_sent": sent, "delivered": delivered,
            "deliveries_per_s": round(delivered / args.seconds),
            "server_cpu_us_per_delivery": round(used / max(delivered, 1) * 1e6, 2),
            "redis_cpu_us_per_broadcast": round(
                (redis_cpu(redis_port) - r0 - redis_idle * dt) / sent * 1e6, 2),
            "idle_cpu_per_node": [round(i, 4) for i in idle]})
        for c in clients:
            await c.disconnect()
        await emitter._target.close()
        return result
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def row(r: dict) -> str:
    foreign = r.get("foreign_us_per_broadcast")
    f = " / ".join(f"{x:.1f}" for x in foreign) if foreign else "–"
    d = f"{r['delivering_us_per_broadcast']:.1f}" if "delivering_us_per_broadcast" in r else "–"
    return (f"| {r['mode']} | {r['nodes']} | {r['sockets']} | {f} | {d} | "
            f"{r['deliveries_per_s']:,} ({r['delivered']:,} of {r['spread_sent']:,} broadcasts) | "
            f"{r['server_cpu_us_per_delivery']:.1f} | {r['redis_cpu_us_per_broadcast']:.1f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", default="4", help="comma-separated process counts")
    ap.add_argument("--modes", default="channel,sharded")
    ap.add_argument("--users", type=int, default=40)
    ap.add_argument("--rate", type=int, default=1000, help="broadcasts per second")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--db", default=os.environ.get("TEST_DATABASE_URL",
                                                    "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--out", default="/tmp/sawt-bench/scaleout.jsonl")
    args = ap.parse_args()

    from bench_broadcast import drop_store, prepare_store

    workdir = Path(tempfile.mkdtemp(prefix="sawt-scaleout-"))
    redis_port = free_port()
    redis = start_redis(redis_port, workdir)
    redis_url = f"redis://127.0.0.1:{redis_port}"
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    rows = []
    try:
        _, tokens, _ = asyncio.run(prepare_store(args.db, redis_url, schema, args.users))
        args.user_ids = [t for t in _user_ids(tokens)]
        store_env = {"APP_ENV": "test", "DATABASE_URL": args.db, "DATABASE_SCHEMA": schema,
                     "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING",
                     "JWT_SECRET": "bench-secret-" + "x" * 32, "MIGRATE_ON_START": "0",
                     "INPROCESS_JOBS": "0", "RECOVERY_WINDOW": "120"}
        for mode in args.modes.split(","):
            for n in (int(x) for x in args.nodes.split(",")):
                r = asyncio.run(one_run(args, mode, n, tokens, store_env, redis_port, workdir))
                r["load_avg"] = os.getloadavg()
                rows.append(r)
                print(json.dumps(r), flush=True)
    finally:
        asyncio.run(drop_store(args.db, redis_url, schema, "bench:"))
        redis.terminate()
        redis.wait(10)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "a") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print("| pub/sub | nodes | sockets | foreign node CPU µs per broadcast (nodes 1..N-1) "
          "| delivering node µs per broadcast | deliveries/s (spread) "
          "| server CPU µs per delivery | Redis CPU µs per broadcast |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(row(r))


def _user_ids(tokens: list[str]) -> list[str]:
    import jwt

    return [jwt.decode(t, options={"verify_signature": False})["sub"] for t in tokens]


if __name__ == "__main__":
    main()
