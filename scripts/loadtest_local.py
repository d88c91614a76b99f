"""Run `scripts/loadtest.py` against a throwaway two-process deployment on this machine.

    python scripts/loadtest_local.py [--nodes 2] [--env K=V ...] [--profile DIR] \\
        -- chat --clients 5000 --rate 1000 --duration 20 --ramp 500 --json out.json

Starts `--nodes` `python -m server serve` processes on loopback (own PostgreSQL schema and
Redis prefix, as the tests do, the local PostgreSQL and Redis), runs the load tool with
their URLs and environment, then stops them and drops the schema. `--profile DIR` records
each server with py-spy during the load (speedscope JSON and a flame graph SVG per node).
Not a test: nothing is asserted; figures go to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import ServerProcess, free_port  # noqa: E402
from tests.support.stores import drop_test_stores, isolated_settings, settings_env  # noqa: E402

PY_SPY = Path(sys.executable).with_name("py-spy")


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--env", action="append", default=[], help="K=V for the servers")
    ap.add_argument("--profile", help="directory for py-spy profiles of each server")
    ap.add_argument("--profile-after", type=float, default=0,
                    help="start profiling this many seconds after the load starts")
    ap.add_argument("--profile-for", type=float, default=0,
                    help="profile for this many seconds (default: the whole run)")
    ap.add_argument("load", nargs=argparse.REMAINDER, help="-- then the loadtest arguments")
    args = ap.parse_args()
    load = args.load[1:] if args.load[:1] == ["--"] else args.load
    settings = isolated_settings(database_schema=f"lt_{uuid.uuid4().hex[:8]}",
                                 data_dir=Path(tempfile.mkdtemp()),
                                 media_root=Path(tempfile.mkdtemp()))
    extra = {"LOG_LEVEL": "WARNING", **dict(kv.split("=", 1) for kv in args.env)}
    procs: list[ServerProcess] = []
    spies: list[subprocess.Popen] = []
    try:
        procs = [ServerProcess(settings, free_port(), extra_env=extra)
                 for _ in range(args.nodes)]
        # one at a time: each runs the migrations on start
        for p in procs:
            await p.start_ready()
        env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "scripts.loadtest", *load]
        for p in procs:
            cmd += ["--url", p.url]
        run = asyncio.create_task(asyncio.to_thread(subprocess.run, cmd, cwd=ROOT, env=env))
        if args.profile:
            await asyncio.sleep(args.profile_after)
            out = Path(args.profile)
            out.mkdir(parents=True, exist_ok=True)
            span = ["--duration", str(int(args.profile_for))] if args.profile_for else []
            for i, p in enumerate(procs):
                for fmt, ext in (("speedscope", "json"), ("flamegraph", "svg")):
                    spies.append(subprocess.Popen(
                        [str(PY_SPY), "record", "--pid", str(p.proc.pid), "--rate", "50",
                         *span, "--format", fmt, "-o", str(out / f"node{i}.{ext}")],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return (await run).returncode
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


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
