"""Connect-rate benchmark: node socket.io and one or more trees of our server, alternated.

Only the connect phase counts: `--clients` sockets connect over websocket (100 in flight,
each as its own user with a JWT, as `bench_broadcast.py` does), then one broadcast ends the
run. Servers alternate in the order given, `--repeat` times (node, A, B, node, A, B, ...), so a
drift in the machine's load falls on all of them; the table gives every run and the medians,
with CPU per connect (the server's utime+stime over the connect phase / sockets connected).

    cp -r scripts/bench/node_reference /tmp/bench && (cd /tmp/bench && npm ci)
    python scripts/bench_connect.py --ref /tmp/bench --servers node,sawt=.,before=/tmp/old-tree \
        --clients 3000 --repeat 3 [--profile DIR]

`name=PATH` runs our server from the tree at PATH (a checkout or `git archive` of the code to
measure); `--profile DIR` records each of our servers with py-spy over its connect phase
(`--duration` seconds, collapsed stacks, one file per run).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench_broadcast import (drop_store, prepare_store, start_server,  # noqa: E402
                                     stop_server)


def loadgen(port: int, pid: int, label: str, args, extra: list[str]) -> dict:
    env = dict(os.environ, NODE_PATH=str(Path(args.ref) / "node_modules"))
    cmd = ["taskset", "-c", "1", "node", str(ROOT / "scripts/bench/loadgen.js"),
           "--port", str(port), "--clients", str(args.clients), "--messages", "1",
           "--rate", "5", "--parser", "json", "--pid", str(pid), "--label", label,
           "--connect-timeout-ms", "60000", "--paced-seconds", "0.2", *extra]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"loadgen failed for {label}: {out.stderr[-2000:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ref", default="/tmp/bench")
    ap.add_argument("--servers", default="node,sawt=.",
                    help="comma list: node, or name=PATH of a tree of our server")
    ap.add_argument("--clients", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", default=None, help="directory for py-spy profiles")
    ap.add_argument("--duration", type=int, default=2, help="py-spy seconds")
    ap.add_argument("--db", default=os.environ.get("DATABASE_URL",
                                                    "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--out", default="/tmp/sawt-bench")
    args = ap.parse_args()
    servers = []
    for item in args.servers.split(","):
        name, _, path = item.partition("=")
        servers.append((name, "node" if name == "node" else "sawt",
                        Path(path or ".").resolve()))
    out = Path(args.out)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    schema, prefix = f"bench_{tag}", f"bench:{tag}:"
    _, tokens, admin = asyncio.run(prepare_store(args.db, args.redis, schema, args.clients))
    auth_file = out / f"connect_auth_{tag}.json"
    auth_file.write_text(json.dumps([{"token": t} for t in tokens]))
    store_env = {"APP_ENV": "test", "DATABASE_URL": args.db, "DATABASE_SCHEMA": schema,
                 "REDIS_URL": args.redis, "REDIS_PREFIX": prefix, "LOG_LEVEL": "WARNING",
                 "JWT_SECRET": "bench-secret-" + "x" * 32, "MIGRATE_ON_START": "0"}
    spy_bin = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    rows: dict[str, list[tuple[int, float]]] = {name: [] for name, _, _ in servers}
    load_before = os.getloadavg()[0]
    try:
        for rep in range(args.repeat):
            for i, (name, kind, root) in enumerate(servers):
                port = 4200 + i
                proc = start_server(kind, port, {}, args, store_env,
                                    out / "logs" / f"c-{name}.log", root=root)
                spy = None
                if args.profile and kind == "sawt":
                    Path(args.profile).mkdir(parents=True, exist_ok=True)
                    spy = subprocess.Popen(
                        [spy_bin, "record", "-p", str(proc.pid), "-r", "300",
                         "-d", str(max(1, round(args.duration))), "--format", "raw",
                         "-o", str(Path(args.profile) / f"{name}-{rep}.txt")],
                        stdout=subprocess.DEVNULL, stderr=open(Path(args.profile) / f"{name}-{rep}.log", "wb"))
                    time.sleep(0.5)  # py-spy attached before the first connect
                extra = [] if kind == "node" else [
                    "--recv-auth-file", str(auth_file),
                    "--sender-auth", json.dumps({"token": admin}), "--announce-all", "1"]
                try:
                    c = loadgen(port, proc.pid, name, args, extra)["connect"]
                finally:
                    if spy is not None:
                        spy.wait(60)
                    stop_server(proc)
                cpu_ms = 1000 * c["server_cpu_util"] * c["seconds"] / max(1, c["connected"])
                rows[name].append((c["conns_per_s"], cpu_ms))
                print(f"{name} run {rep + 1}: {c['conns_per_s']:,} connects/s, "
                      f"{cpu_ms:.3f} ms CPU per connect, server at {c['server_cpu_util']:.2f} "
                      f"of a core, failed {c['failed']}", file=sys.stderr, flush=True)
                time.sleep(1)
    finally:
        auth_file.unlink(missing_ok=True)
        asyncio.run(drop_store(args.db, args.redis, schema, prefix))
    print(f"\nload average {load_before:.1f} -> {os.getloadavg()[0]:.1f}, "
          f"{args.clients} sockets per run\n")
    print("| server | connects/s per run | median | CPU per connect (ms) per run | median |")
    print("|---|---|---|---|---|")
    for name, rs in rows.items():
        print(f"| {name} | {' / '.join(f'{r:,}' for r, _ in rs)} | "
              f"{statistics.median(r for r, _ in rs):,.0f} | "
              f"{' / '.join(f'{c:.3f}' for _, c in rs)} | "
              f"{statistics.median(c for _, c in rs):.3f} |")
    if "node" in rows and rows["node"]:
        node = [r for r, _ in rows["node"]]
        for name, rs in rows.items():
            if name != "node":
                pairs = [r / n for (r, _), n in zip(rs, node)]
                print(f"\n{name} / node per run: {' / '.join(f'{p:.2f}x' for p in pairs)}; "
                      f"medians {statistics.median(r for r, _ in rs) / statistics.median(node):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
