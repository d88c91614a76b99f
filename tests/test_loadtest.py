"""The load tool drives every scenario against a real two-process deployment."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from tests.support.servers import ROOT
from tests.support.stores import settings_env

SCENARIOS = {
    # scenario: (args, what a correct run must show)
    "idle": (["--clients", "20", "--duration", "1"], lambda s: s["connected"] == 20),
    "broadcast": (["--clients", "20", "--messages", "5", "--rate", "20"],
                  lambda s: s["received"] == 21 * 5),  # every receiver and the admin, 5 each
    "chat": (["--clients", "10", "--rate", "10", "--duration", "2"],
             lambda s: s["sent"] > 0 and s["received"] == s["sent"]),
    "feed": (["--clients", "12", "--authors", "2", "--rate", "4", "--duration", "2"],
             lambda s: s["sent"] > 0 and s["received"] == s["sent"] * 5),  # 10 followers / 2
    "live": (["--clients", "10", "--chatters", "2", "--rate", "4", "--duration", "2"],
             lambda s: s["sent"] > 0 and s["received"] == s["sent"] * 10),
}


@pytest.mark.timeout(900)
async def test_every_scenario_runs_against_two_processes(server_procs, settings, tmp_path):
    a, b = await server_procs(2)
    env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT)}
    for scenario, (args, correct) in SCENARIOS.items():
        out = tmp_path / f"{scenario}.json"
        run = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "scripts.loadtest", scenario, "--url", a.url, "--url", b.url,
             "--procs", "1", "--ramp", "200", "--drain", "1.5", "--json", str(out), *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=int(os.environ.get("LOADTEST_TIMEOUT", 240)))
        assert run.returncode == 0, f"{scenario}: {run.stdout[-2000:]}\n{run.stderr[-2000:]}"
        summary = json.loads(out.read_text())
        assert summary["errors"] == {}, (scenario, summary["errors"])
        assert correct(summary), (scenario, summary)
        assert "connected=" in run.stdout  # the progress line
        assert all(s["rss_mb"] > 0 for s in summary["servers"]) and len(summary["servers"]) == 2
