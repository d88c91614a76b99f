"""Benchmark: glass-to-glass latency of live streams in Chromium with hls.js.

    python scripts/bench_live_browser.py [--seconds 30] [--warmup 6] [--modes ll,plain] [--runs 1]

Starts a real `python -m server serve` (local PostgreSQL + Redis like the tests, ICE on
loopback), then per mode: creates a stream, and runs scripts/bench/live_browser.mjs in
Debian's Chromium (playwright-core from tests/browser): a page draws the wall-clock time as
a barcode on a 640x360 canvas and publishes it over WHIP; another page plays the master
playlist with hls.js (its default configuration, `lowLatencyMode` true for LL-HLS, false
for plain HLS) and reads the barcode from every presented frame (requestVideoFrameCallback:
expected display time − drawn time). Reports median / p95 per mode and stalls.
Needs: Chromium (scripts/install_chromium.sh), `npm ci` in tests/browser and web/.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from server.migrations import migrate_dsn  # noqa: E402
from server.tokens import TokenKeys  # noqa: E402
from tests.support.servers import ServerProcess, free_port  # noqa: E402
from tests.support.stores import drop_test_stores, isolated_settings  # noqa: E402

HLS_JS = ROOT / "web" / "node_modules" / "hls.js" / "dist" / "hls.min.js"
FLOW = ROOT / "scripts" / "bench" / "live_browser.mjs"


async def create_stream(settings, url: str) -> dict:
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    uid = await conn.fetchval("INSERT INTO users (display_name, role) VALUES "
                              "('bench', 'creator') RETURNING id::text")
    await conn.close()
    token = TokenKeys(settings).sign(uid, role="creator")
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "/v1/live/streams", json={},
                             headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 201, await r.text()
            return await r.json()


async def run_mode(settings, proc: ServerProcess, mode: str, args) -> dict:
    made = await create_stream(settings, proc.url)
    sid = made["stream"]["id"]
    cfg = {"whip": proc.url + made["whip_url"], "key": made["stream_key"],
           "master": f"{proc.url}/v1/live/{sid}/hls/master.m3u8", "mode": mode,
           "warmup_s": args.warmup, "seconds": args.seconds, "hls": str(HLS_JS),
           "player": json.loads(args.player)}
    p = await asyncio.create_subprocess_exec(
        "node", str(FLOW), json.dumps(cfg), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(p.communicate(), args.seconds + args.warmup + 120)
    facts = [json.loads(x) for x in out.decode().splitlines() if x.startswith("{")]
    result = next((f for f in facts if f["event"] == "result"), None)
    if result is None:  # reported, and the other runs go on
        return {"mode": mode, "failed": [f for f in facts if f["event"] != "published"][-2:]}
    lat = sorted(s[1] for s in result["samples"] if 0 < s[1] < 60_000)
    first = next((f["ms"] for f in facts if f["event"] == "first_frame"), None)
    return {"mode": mode, "n": len(lat), "median_ms": statistics.median(lat),
            "p95_ms": lat[int(len(lat) * 0.95) - 1], "min_ms": lat[0], "max_ms": lat[-1],
            "first_frame_ms": first, "hls_target_latency_s": result["target"],
            "stalls": result["events"]["stalls"] - result["stalls_before"],
            "waiting": result["events"]["waiting"] - result["waiting_before"],
            "errors": result["events"]["errors"], "startup": result["events"].get("log"),
            "synced_to": result.get("synced"), "snaps": result.get("snaps") if args.debug else None, "h264_mse": result["codecs"],
            "fps": round(len(lat) / args.seconds, 1),
            # hls.js's own view: distance from the live edge it estimates (the rest of the
            # glass-to-glass figure is capture, WebRTC, transcode and packaging)
            "hls_latency_median_s": round(statistics.median(
                [s[2] for s in result["samples"] if s[2] is not None] or [0]), 3)}


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=6)
    ap.add_argument("--modes", default="ll,plain")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server")
    ap.add_argument("--debug", action="store_true", help="print the player's state every 2 s")
    ap.add_argument("--player", default="{}", help="hls.js config (JSON) beyond lowLatencyMode")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-browser-"))
    settings = isolated_settings(media_root=tmp / "media", data_dir=tmp / "data")
    await migrate_dsn(settings.database_url, settings.database_schema)
    env = {"LIVE_ICE_HOST_ADDRESSES": "127.0.0.1", "LOG_LEVEL": "WARNING",
           **dict(e.split("=", 1) for e in args.env)}
    proc = ServerProcess(settings, free_port(), extra_env=env).start()
    try:
        await proc.wait_ready(60)
        print(f"loadavg {Path('/proc/loadavg').read_text().strip()}", flush=True)
        for _ in range(args.runs):
            for mode in args.modes.split(","):
                t0 = time.monotonic()
                r = await run_mode(settings, proc, mode, args)
                print(json.dumps({**r, "wall_s": round(time.monotonic() - t0, 1)}), flush=True)
        print(f"loadavg {Path('/proc/loadavg').read_text().strip()}", flush=True)
    finally:
        proc.stop()
        await drop_test_stores(settings)


if __name__ == "__main__":
    asyncio.run(main())
