"""Browser tests: Debian's Chromium driven by playwright-core (tests/browser), against a real
`python -m server serve` serving the built web app (web/dist) at `/`."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = ROOT / "tests" / "browser"
SHOTS = BROWSER_DIR / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# A server for a browser: media on loopback, small live rungs,
# cheap password hashing.
SERVER_ENV = {"LIVE_ICE_HOST_ADDRESSES": "127.0.0.1", "LIVE_LADDER": "360:600,180:250",
              "LIVE_VIEWER_TICK": "0.3",
              "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "ARGON2_PARALLELISM": "1"}


def missing() -> str | None:
    """What is absent for browser tests (scripts/test.sh installs all of it), or None."""
    if shutil.which("node") is None:
        return "node"
    if not Path(CHROMIUM).exists():
        return f"Chromium at {CHROMIUM} (apt-get install chromium)"
    if not (BROWSER_DIR / "node_modules" / "playwright-core").exists():
        return "tests/browser/node_modules (cd tests/browser && npm ci)"
    return None


def require_browser() -> None:
    """Skip where the tools are absent, except under CI, where a skip would hide a gap."""
    gap = missing()
    if gap is None:
        return
    if os.environ.get("CI") and gap != "node":
        pytest.fail(f"browser tests need {gap}; scripts/test.sh installs it")
    pytest.skip(f"browser tests need {gap}")


def build_web_app() -> None:
    """web/dist from web/src (skipped by the script when it is up to date)."""
    subprocess.run(["bash", str(ROOT / "scripts" / "build_web.sh")], check=True, timeout=600)
    assert (ROOT / "web" / "dist" / "index.html").is_file(), "the web app did not build"


async def run_flow(flow: str, timeout: float = 150, **config) -> dict:
    """Run tests/browser/flows/<flow>.mjs; returns its facts: timings, screenshots, axe, other
    events by name. Fails with the flow's own error and the tail of its output."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    cfg = {"shots": str(SHOTS), "timeout_s": timeout, **config}
    proc = await asyncio.create_subprocess_exec(
        "node", "run.mjs", flow, json.dumps(cfg), cwd=BROWSER_DIR,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout + 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    lines = [json.loads(x) for x in out.decode().splitlines() if x.startswith("{")]
    facts: dict = {"timings": {}, "screenshots": [], "events": {}}
    for x in lines:
        if x["event"] == "timing":
            facts["timings"][x["name"]] = x["ms"]
        elif x["event"] == "screenshot":
            facts["screenshots"].append(x["name"])
        else:
            facts["events"].setdefault(x["event"], []).append(x)
    errors = [x["message"] for x in facts["events"].get("error", [])] + \
        [json.dumps(x) for x in facts["events"].get("failed_page", [])]
    assert proc.returncode == 0 and "done" in facts["events"], \
        f"flow {flow} failed: {errors}\n{err.decode()[-2000:]}"
    with open(SHOTS / "timings.jsonl", "a") as f:
        f.write(json.dumps({"flow": flow, "timings": facts["timings"],
                            "screenshots": facts["screenshots"]}) + "\n")
    return facts
