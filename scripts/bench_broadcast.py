"""Room broadcast benchmark: our server (create_app, real `system:announce` dispatch, Redis
adapter) side by side with the node socket.io reference, same load generator, same run.

N receivers connect over websocket, each as its own user (`--receivers users`, the default);
an admin socket sends `system:announce {event: "msg", data}` M times; the handler emits to
every socket through the Redis adapter (python-socketio's namespace-wide room, the same
delivery path as any room), and every receiver gets `announce:msg` (the admin's own copies are
not counted). `--receivers one-user` is the older setup: every receiver with one user's token,
the broadcast to that user's room `user:{id}` — it measures the same delivery, but connecting
N devices of one user is quadratic in the chat domain's presence (each connect reads every
device of the user), so a 4,000-socket room took minutes to connect. The load
generator (scripts/bench/loadgen.js, the reference bench's load generator with token auth)
reports connect rate, RSS per 1k idle sockets, p50/p99 at paced rates and burst msgs/s.

Setup (once): copy the reference, never edit it in place:
    cp -r scripts/bench/node_reference /tmp/bench && (cd /tmp/bench && npm ci)
Run (needs PostgreSQL and Redis, as the tests do; pins servers to CPU 0, loadgen to CPU 1):
    python scripts/bench_broadcast.py --ref /tmp/bench --sizes 1000,4000 --messages 200
Writes results/*.jsonl under --out (default /tmp/sawt-bench) and prints markdown tables;
--plot PATH draws delivered msgs/s against room size for every server.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIGS = {
    # label: (kind, extra env)
    "node": ("node", {}),
    "node-redis": ("node", {"REDIS_URL": None}),
    "sawt": ("sawt", {}),
    "sawt-gc-default": ("sawt", {"GC_TUNING": "0"}),
}


async def prepare_store(db_url: str, redis_url: str, schema: str, receivers: int = 1):
    """A schema with migrations applied, `receivers` users and an admin; their tokens."""
    import asyncpg

    from server.config import Settings
    from server.migrations import migrate_dsn
    from server.tokens import TokenKeys

    await migrate_dsn(db_url, schema)
    conn = await asyncpg.connect(db_url, server_settings={"search_path": schema})
    try:
        recvs = [r[0] for r in await conn.fetch(
            "INSERT INTO users (display_name, role) SELECT 'bench-' || i, 'user' "
            "FROM generate_series(1, $1) AS i RETURNING id::text", receivers)]
        recv = recvs[0]
        admin = await conn.fetchval("INSERT INTO users (display_name, role) VALUES "
                                    "('bench-admin', 'admin') RETURNING id::text")
        sessions = {}
        if await conn.fetchval("SELECT to_regclass('auth_sessions') IS NOT NULL"):
            # the auth domain's connect guard wants a live session
            rows = await conn.fetch(
                "INSERT INTO auth_sessions (user_id, label, method) SELECT u::uuid, 'bench', "
                "'test' FROM unnest($1::text[]) AS u RETURNING user_id::text, id::text",
                recvs + [admin])
            sessions = dict(rows)
    finally:
        await conn.close()
    keys = TokenKeys(Settings(jwt_secret="bench-secret-" + "x" * 32, access_token_ttl=86400))
    tokens = [keys.sign(u, ttl=86400, session_id=sessions.get(u)) for u in recvs]
    return (recv, tokens, keys.sign(admin, role="admin", ttl=86400,
                                    session_id=sessions.get(admin)))


async def drop_store(db_url: str, redis_url: str, schema: str, prefix: str) -> None:
    import asyncpg
    import redis.asyncio as aioredis

    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()
    r = aioredis.from_url(redis_url)
    try:
        keys = [k async for k in r.scan_iter(match=prefix + "*", count=1000)]
        for i in range(0, len(keys), 500):
            await r.delete(*keys[i:i + 500])
    finally:
        await r.aclose()


def start_server(kind: str, port: int, env_extra: dict, args, store_env: dict, log: Path,
                 root: Path = ROOT):
    """Start node (from args.ref) or our server (from the tree at `root`), pinned to CPU 0;
    returns once it printed READY."""
    env = dict(os.environ)
    if kind == "node":
        env.update({"PORT": str(port)})
        for k, v in env_extra.items():
            env[k] = args.redis if v is None and k == "REDIS_URL" else v
        cmd = ["taskset", "-c", "0", "node", "node_server.js"]
        cwd = args.ref
    else:
        env.update(store_env)
        env.update({k: v for k, v in env_extra.items() if v is not None})
        env["PYTHONPATH"] = str(root)
        cmd = ["taskset", "-c", "0", sys.executable, "-m", "server", "serve", "--host",
               "127.0.0.1", "--port", str(port)]
        cwd = root
    out = open(log, "wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{kind} server exited: {log.read_text()[-2000:]}")
        if "READY" in log.read_text(errors="replace"):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} server not ready: {log.read_text()[-2000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL after 15 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_loadgen(port: int, pid: int, label: str, n: int, args, extra: list[str]) -> dict:
    env = dict(os.environ, NODE_PATH=str(Path(args.ref) / "node_modules"))
    cmd = ["taskset", "-c", "1", "node", str(ROOT / "scripts/bench/loadgen.js"),
           "--port", str(port), "--clients", str(n), "--messages", str(args.messages),
           "--rate", args.rates, "--parser", "json", "--pid", str(pid), "--label", label,
           "--connect-timeout-ms", "60000", "--paced-seconds", str(args.paced_seconds),
           *extra]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"loadgen failed for {label}: {out.stderr[-2000:]}")


def summarise(rows: list[dict]) -> str:
    by: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        by.setdefault((r["label"], r["clients"]), []).append(r)

    def med(rs, f):
        return statistics.median(f(r) for r in rs)

    lines = ["| server | room size | delivered msgs/s | burst p50 / p99 ms | server CPU µs/delivery "
             "| paced p50 / p99 ms (per rate) | connect/s | RSS MB per 1k idle | runs |",
             "|---|---|---|---|---|---|---|---|---|"]
    table = {}
    for (label, n), rs in sorted(by.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        dps = med(rs, lambda r: r["burst"]["deliveries_per_s"])
        frac = min(r["burst"]["delivered"] / r["burst"]["expected"] for r in rs)
        paced = []
        for i, p in enumerate(rs[0]["paced"]):
            paced.append(f"{p['rate_msgs_per_s'] * n}/s: "
                         f"{med(rs, lambda r, i=i: r['paced'][i]['p50_ms']):.1f} / "
                         f"{med(rs, lambda r, i=i: r['paced'][i]['p99_ms']):.1f}")
        table[(label, n)] = dict(dps=dps, cps=med(rs, lambda r: r["connect"]["conns_per_s"]),
                                 rss=med(rs, lambda r: r["memory"]["rss_per_1k_conns_mb"]),
                                 cpu=med(rs, lambda r: r["burst"]["server_cpu_us_per_delivery"]),
                                 p99=[med(rs, lambda r, i=i: r["paced"][i]["p99_ms"])
                                      for i in range(len(rs[0]["paced"]))])
        miss = "" if frac == 1 else f" ({frac:.1%} delivered)"
        lines.append(
            f"| {label}{miss} | {n} | {dps:,.0f} | {med(rs, lambda r: r['burst']['p50_ms']):.0f} / "
            f"{med(rs, lambda r: r['burst']['p99_ms']):.0f} | "
            f"{med(rs, lambda r: r['burst']['server_cpu_us_per_delivery']):.1f} | "
            f"{'; '.join(paced)} | {table[(label, n)]['cps']:,.0f} | "
            f"{table[(label, n)]['rss']:.1f} | {len(rs)} |")
    lines.append("")
    for (label, n), t in sorted(table.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if not label.startswith("sawt"):
            continue
        for ref in ("node", "node-redis"):
            b = table.get((ref, n))
            if b:
                lines.append(
                    f"- {n} sockets, {label} / {ref}: throughput {t['dps'] / b['dps']:.2f}x, "
                    f"CPU per delivery {t['cpu'] / b['cpu']:.2f}x, connect rate "
                    f"{t['cps'] / b['cps']:.2f}x, RSS per idle socket {t['rss'] / b['rss']:.2f}x, "
                    f"paced p99 {' / '.join(f'{x:.0f}' for x in t['p99'])} ms vs "
                    f"{' / '.join(f'{x:.0f}' for x in b['p99'])} ms")
    return "\n".join(lines)


def plot(rows: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series: dict[str, dict[int, list[float]]] = {}
    for r in rows:
        series.setdefault(r["label"], {}).setdefault(r["clients"], []).append(
            r["burst"]["deliveries_per_s"])
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for label, pts in sorted(series.items()):
        xs = sorted(pts)
        ax.plot(xs, [statistics.median(pts[x]) for x in xs], marker="o", label=label)
    ax.set_xlabel("sockets in the room")
    ax.set_ylabel("delivered msgs/s (burst)")
    ax.set_title("Room broadcast, one server process on one core")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ref", default="/tmp/bench", help="a copy of scripts/bench/node_reference, npm ci'd")
    ap.add_argument("--sizes", default="1000,4000")
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--rates", default="5,20", help="paced rates (broadcasts/s)")
    ap.add_argument("--paced-seconds", type=float, default=6,
                    help="length of each paced phase (p99 of a short phase is one broadcast's tail)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--configs", default="node,node-redis,sawt,sawt-gc-default")
    ap.add_argument("--db", default=os.environ.get("DATABASE_URL",
                                                    "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--out", default="/tmp/sawt-bench")
    ap.add_argument("--plot", default=None)
    ap.add_argument("--profile", default=None,
                    help="directory: record each sawt server with py-spy (collapsed stacks)")
    ap.add_argument("--receivers", choices=("users", "one-user"), default="users",
                    help="one user per receiver (default) or every receiver as one user")
    args = ap.parse_args()
    out = Path(args.out)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    schema, prefix = f"bench_{tag}", f"bench:{tag}:"
    sizes = [int(x) for x in args.sizes.split(",")]
    n_users = max(sizes) if args.receivers == "users" else 1
    recv, recv_tokens, admin_token = asyncio.run(prepare_store(args.db, args.redis, schema,
                                                               n_users))
    auth_file = out / f"recv_auth_{tag}.json"
    auth_file.write_text(json.dumps([{"token": t} for t in recv_tokens]))
    store_env = {"APP_ENV": "test", "DATABASE_URL": args.db, "DATABASE_SCHEMA": schema,
                 "REDIS_URL": args.redis, "REDIS_PREFIX": prefix, "LOG_LEVEL": "WARNING",
                 "JWT_SECRET": "bench-secret-" + "x" * 32, "MIGRATE_ON_START": "0"}
    results = out / f"run_{time.strftime('%Y%m%d_%H%M%S')}.jsonl"
    rows: list[dict] = []
    try:
        for _ in range(args.repeat):
            for n in sizes:
                for i, label in enumerate(args.configs.split(",")):
                    kind, env_extra = CONFIGS[label]
                    port = 4100 + i
                    proc = start_server(kind, port, env_extra, args, store_env,
                                        out / "logs" / f"{label}.log")
                    spy = None
                    if args.profile and kind == "sawt":
                        Path(args.profile).mkdir(parents=True, exist_ok=True)
                        py_spy = Path(sys.executable).with_name("py-spy")
                        spy = subprocess.Popen(
                            [str(py_spy) if py_spy.exists() else "py-spy", "record", "-p",
                             str(proc.pid), "-r", "250", "--nonblocking", "--format", "raw",
                             "-o", str(Path(args.profile) / f"{label}-{n}.txt")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    try:
                        if kind == "node":
                            extra = []
                        elif args.receivers == "users":
                            extra = ["--recv-auth-file", str(auth_file),
                                     "--sender-auth", json.dumps({"token": admin_token}),
                                     "--announce-all", "1"]
                        else:
                            extra = ["--recv-auth", json.dumps({"token": recv_tokens[0]}),
                                     "--sender-auth", json.dumps({"token": admin_token}),
                                     "--announce-user", recv]
                        row = run_loadgen(port, proc.pid, label, n, args, extra)
                        rows.append(row)
                        with open(results, "a") as f:
                            f.write(json.dumps(row) + "\n")
                        print(f"{label} n={n}: {row['burst']['deliveries_per_s']:,} msgs/s",
                              file=sys.stderr, flush=True)
                    finally:
                        if spy is not None:
                            spy.send_signal(signal.SIGINT)  # py-spy writes its file and ends
                            spy.wait(30)
                        stop_server(proc)
                    time.sleep(1)
    finally:
        auth_file.unlink(missing_ok=True)
        asyncio.run(drop_store(args.db, args.redis, schema, prefix))
    print(summarise(rows))
    print(f"\nraw results: {results}", file=sys.stderr)
    if args.plot:
        plot(rows, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
