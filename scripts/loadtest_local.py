"""Run `scripts/loadtest.py` against a throwaway two-process deployment on this machine.

    python scripts/loadtest_local.py [--nodes 2] [--env K=V ...] [--profile DIR] \\
        -- chat --clients 5000 --rate 1000 --duration 20 --ramp 500 --json out.json

Starts `--nodes` `python -m server serve` processes on loopback (own PostgreSQL schema and
Redis prefix, as the tests do, the local PostgreSQL and Redis), runs the load tool with
their URLs and environment, then stops them and drops the schema. `--profile DIR` records
each server with py-spy during the load (collapsed stacks per node, from the
timed phase's first message on unless --profile-after).
`--own-postgres` runs them against a throwaway PostgreSQL (initdb in a temporary directory,
a free loopback port, `pg_stat_statements` preloaded, otherwise stock settings) instead of
the shared one: its CPU over the timed phase is reported per message (`watched` in the
summary) and its top statements are printed (and written to `--profile DIR`).
`--server-root DIR` runs the servers from another checkout (a `git worktree` at an older
commit: the "before" of a before/after pair) while the load tool stays this one.
Before the load it prints the share of one core a busy loop gets here (`cpu_share`): on a
shared machine (the kernel's autogroup splits CPU per session) that, not the code, bounds
latency, so it goes in docs/benchmarks.md with the load average.
Not a test: nothing is asserted; figures go to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import ServerProcess, free_port  # noqa: E402
from tests.support.stores import drop_test_stores, isolated_settings, settings_env  # noqa: E402

# py-spy beside this Python, else $PY_SPY, else on PATH (it is a tool, not a dependency)
PY_SPY = next((c for c in (Path(sys.executable).with_name("py-spy"), os.environ.get("PY_SPY"),
                           shutil.which("py-spy")) if c and Path(c).exists()), "py-spy")


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--env", action="append", default=[], help="K=V for the servers")
    ap.add_argument("--profile", help="directory for py-spy profiles of each server")
    ap.add_argument("--profile-after", type=float, default=-1,
                    help="start profiling this many seconds after the load starts "
                         "(default: when the timed phase's first message is sent)")
    ap.add_argument("--profile-for", type=float, default=0,
                    help="profile for this many seconds (default: the whole run)")
    ap.add_argument("--own-postgres", action="store_true",
                    help="a throwaway PostgreSQL with pg_stat_statements (see above)")
    ap.add_argument("--server-root", type=Path, default=ROOT,
                    help="checkout whose `python -m server` the nodes run (default: this one)")
    ap.add_argument("load", nargs=argparse.REMAINDER, help="-- then the loadtest arguments")
    args = ap.parse_args()
    load = args.load[1:] if args.load[:1] == ["--"] else args.load
    pg = ThrowawayPostgres() if args.own_postgres else None
    db = {"database_url": pg.start()} if pg else {}
    settings = isolated_settings(database_schema=f"lt_{uuid.uuid4().hex[:8]}",
                                 data_dir=Path(tempfile.mkdtemp()),
                                 media_root=Path(tempfile.mkdtemp()),
                                 loop_stall_seconds=0.0,  # production's default: no guard
                                 **db)
    extra = {"LOG_LEVEL": "WARNING", **dict(kv.split("=", 1) for kv in args.env)}
    procs: list[ServerProcess] = []
    spies: list[subprocess.Popen] = []
    try:
        procs = [TreeServer(settings, free_port(), extra_env=extra, root=args.server_root)
                 for _ in range(args.nodes)]
        # one at a time: each runs the migrations on start
        for p in procs:
            await p.start_ready()
        print(f"cpu_share={cpu_share():.2f} of a core; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; servers from "
              f"{args.server_root} at {git_head(args.server_root)}", flush=True)
        env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "scripts.loadtest", *load]
        for p in procs:
            cmd += ["--url", p.url]
        if pg:
            cmd += ["--watch-pid", str(pg.pid)]
        load_tool = await asyncio.create_subprocess_exec(*cmd, cwd=ROOT, env=env,
                                                         stdout=asyncio.subprocess.PIPE,
                                                         limit=2**22)
        profile_at = (asyncio.get_running_loop().time() + args.profile_after
                      if args.profile and args.profile_after >= 0 else None)
        while line := await load_tool.stdout.readline():
            text = line.decode(errors="replace")
            sys.stdout.write(text)
            sys.stdout.flush()
            if args.profile and not spies and (
                    (profile_at is not None and asyncio.get_running_loop().time() >= profile_at)
                    or (profile_at is None and SENDING.search(text))):
                spies = start_profiles(procs, Path(args.profile), args.profile_for)
        rc = await load_tool.wait()
        if pg:
            top = await pg.top_statements()
            print(top)
            if args.profile:
                (Path(args.profile) / "pg_stat_statements.txt").write_text(top)
        return rc
    finally:
        for s in spies:
            if s.poll() is None:
                s.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        for s in spies:
            try:
                s.wait(30)
            except subprocess.TimeoutExpired:
                s.kill()
        for p in procs:
            p.stop()
        await drop_test_stores(settings)
        if pg:
            pg.stop()


@dataclass
class TreeServer(ServerProcess):
    """A server node run from `root` (its `server` package, its migrations)."""

    root: Path = ROOT

    def start(self) -> "TreeServer":
        env = {**os.environ, **settings_env(self.settings), **self.extra_env,
               "PYTHONPATH": str(self.root), "MIGRATE_ON_START": "1"}
        self.log_path = Path(f"/tmp/sawt-lt-{self.settings.database_schema}-{self.port}.log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port)], cwd=self.root, env=env, stdout=log,
                stderr=subprocess.STDOUT)
        return self


def cpu_share(seconds: float = 1.0) -> float:
    """The share of one core a CPU-bound loop in this process gets right now."""
    t0, c0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        sum(range(1000))
    return (time.process_time() - c0) / (time.perf_counter() - t0)


def git_head(root: Path) -> str:
    return subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


SENDING = re.compile(r"\bsent=[1-9]")  # the load tool's progress line once sending began


def start_profiles(procs: list, out: Path, seconds: float) -> list[subprocess.Popen]:
    """py-spy on each node (collapsed stacks, `node<i>.txt`; not blocking the node)."""
    out.mkdir(parents=True, exist_ok=True)
    span = ["--duration", str(int(seconds))] if seconds else []
    return [subprocess.Popen([str(PY_SPY), "record", "--pid", str(p.proc.pid), "--rate", "50",
                              "--nonblocking", *span, "--format", "raw",
                              "-o", str(out / f"node{i}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i, p in enumerate(procs)]


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own on a free loopback port, removed on stop."""

    def __init__(self) -> None:
        self.bin = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                       text=True).stdout.strip() or "/usr/lib/postgresql/15/bin")
        self.dir = Path(tempfile.mkdtemp(prefix="lt-pg-"))
        self.port = free_port()
        self.pid = 0
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str) -> None:
        # initdb and postgres refuse to run as root: run them as the postgres user then
        pre = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*pre, *cmd], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres",
                  "--auth=trust", "--no-sync")
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories="
                f"{self.dir} -c shared_preload_libraries=pg_stat_statements "
                f"-c pg_stat_statements.track=all -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-l",
                  str(self.dir / "log"), "start")
        self.pid = int((data / "postmaster.pid").read_text().split()[0])
        subprocess.run([str(self.bin / "psql"), self.url, "-qc",
                        "CREATE EXTENSION pg_stat_statements"], check=True)
        return self.url

    async def top_statements(self, n: int = 15) -> str:
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            rows = await conn.fetch(
                "SELECT calls, round(total_exec_time::numeric, 1) AS exec_ms, "
                "round((total_exec_time / calls)::numeric, 4) AS ms_per_call, rows, "
                "left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query "
                "FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT $1", n)
        finally:
            await conn.close()
        lines = ["calls | exec ms | ms/call | rows | statement"]
        lines += [f"{r['calls']} | {r['exec_ms']} | {r['ms_per_call']} | {r['rows']} | "
                  f"{r['query']}" for r in rows]
        return "\n".join(lines)

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast",
                      "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
