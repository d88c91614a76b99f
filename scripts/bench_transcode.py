"""Benchmark: 60 s 1080p30 clip -> 3-rung HLS ladder (real-time factor), and tus upload
throughput over loopback into a real `python -m server serve` process.

    python scripts/bench_transcode.py [--seconds 60] [--presets superfast,veryfast]
                                      [--upload-mib 256] [--skip-upload]

Needs PostgreSQL and Redis like the tests (TEST_DATABASE_URL / TEST_REDIS_URL, defaults
127.0.0.1). Real-time factor = clip seconds / wall seconds (> 1 is faster than real time).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import base64
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av  # noqa: E402
import numpy as np  # noqa: E402

from media.probe import probe  # noqa: E402
from media.transcode import transcode  # noqa: E402


def make_source(path: Path, seconds: int, width=1920, height=1080, fps=30) -> Path:
    """Camera-like enough: moving gradients, a moving block and per-frame noise."""
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp.mp4")
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 24, size=(8, height, width, 1), dtype=np.uint8)
    yy, xx = np.mgrid[0:height, 0:width]
    with av.open(str(tmp), "w") as out:
        v = out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        v.bit_rate = 8_000_000
        v.options = {"preset": "ultrafast"}
        a = out.add_stream("aac", rate=48000)
        a.layout = "stereo"
        for i in range(seconds * fps):
            img = np.empty((height, width, 3), np.uint8)
            img[..., 0] = ((xx + i * 4) % 256).astype(np.uint8)
            img[..., 1] = ((yy + i * 2) % 256).astype(np.uint8)
            img[..., 2] = ((xx + yy) // 8 % 256).astype(np.uint8)
            x = (i * 13) % (width - 300)
            img[300:600, x:x + 300] = 240
            img += noise[i % 8]
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts = i
            for p in v.encode(f):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        for k in range(0, seconds * 48000, 1024):
            t = (np.arange(1024) + k) / 48000
            tone = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
            fr = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp",
                                            layout="stereo")
            fr.sample_rate, fr.pts = 48000, k
            for p in a.encode(fr):
                out.mux(p)
        for p in a.encode():
            out.mux(p)
    tmp.rename(path)
    return path


def bench_transcode(src: Path, preset: str, segment_seconds: float = 4.0) -> dict:
    info = probe(src, max_duration=3600)
    out = Path(tempfile.mkdtemp(prefix="bench-ladder-"))
    try:
        ru0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        ladder = transcode(src, out, info, segment_seconds=segment_seconds, preset=preset)
        wall = time.perf_counter() - t0
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        return {"preset": preset, "clip_seconds": info.duration, "wall_seconds": round(wall, 1),
                "realtime_factor": round(info.duration / wall, 2),
                "cpu_seconds": round(cpu, 1), "frames": ladder.frames,
                "rungs": [f"{r.rung.name} {r.rung.width}x{r.rung.height} "
                          f"avg {r.average_bandwidth // 1000} kb/s, {len(r.segments)} segs"
                          for r in ladder.renditions],
                "output_mib": round(size / 2**20, 1)}
    finally:
        shutil.rmtree(out, ignore_errors=True)


async def bench_upload(mib: int) -> list[dict]:
    import aiohttp
    import asyncpg
    from tusclient.client import TusClient

    from server.migrations import migrate_dsn
    from server.tokens import TokenKeys
    from tests.support.servers import ServerProcess, free_port
    from tests.support.stores import drop_test_stores, isolated_settings

    tmp = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    settings = isolated_settings(media_root=tmp / "media", data_dir=tmp / "data",
                                 log_level="WARNING")
    await migrate_dsn(settings.database_url, settings.database_schema)
    conn = await asyncpg.connect(settings.database_url,
                                 server_settings={"search_path": settings.database_schema})
    uid = await conn.fetchval("INSERT INTO users (display_name) VALUES ('bench') "
                              "RETURNING id::text")
    sid = await conn.fetchval("INSERT INTO auth_sessions (user_id, label, method) "
                              "VALUES ($1::uuid, 'bench', 'test') RETURNING id::text", uid)
    await conn.close()
    token = TokenKeys(settings).sign(uid, session_id=sid)
    data = tmp / "payload.bin"
    with open(data, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(2**20))
    size = data.stat().st_size
    server = ServerProcess(settings, free_port(), extra_env={
        "MEDIA_MAX_UPLOAD_BYTES": str(size * 2)}).start()
    results = []
    try:
        await server.wait_ready()
        # (a) tuspy, the real client, 8 MiB chunks each with a sha1 Upload-Checksum
        def with_tuspy() -> float:
            client = TusClient(server.url + "/v1/uploads/",
                               headers={"Authorization": f"Bearer {token}"})
            up = client.uploader(str(data), chunk_size=8 * 2**20, upload_checksum=True,
                                 metadata={"filename": "x.mp4", "filetype": "video/mp4"})
            t0 = time.perf_counter()
            up.upload()
            return time.perf_counter() - t0
        secs = await asyncio.to_thread(with_tuspy)
        results.append({"client": "tuspy, 8 MiB chunks, sha1 per chunk", "mib": mib,
                        "seconds": round(secs, 2), "mib_per_s": round(mib / secs, 1)})
        # (b) one streaming PATCH (aiohttp), no checksum: the server's own ceiling
        hdr = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
        async with aiohttp.ClientSession() as http:
            async with http.post(server.url + "/v1/uploads/",
                                 headers={**hdr, "Upload-Length": str(size)}) as r:
                loc = r.headers["Location"]

            async def body():
                with open(data, "rb") as f:
                    while chunk := f.read(1 << 20):
                        yield chunk
            t0 = time.perf_counter()
            async with http.patch(server.url + loc, data=body(), headers={
                    **hdr, "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(size)}) as r:
                assert r.status == 204, await r.text()
            secs = time.perf_counter() - t0
        results.append({"client": "aiohttp, one streaming PATCH, no checksum", "mib": mib,
                        "seconds": round(secs, 2), "mib_per_s": round(mib / secs, 1)})
    finally:
        server.stop()
        await drop_test_stores(settings)
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--presets", default="superfast,veryfast")
    ap.add_argument("--upload-mib", type=int, default=256)
    ap.add_argument("--skip-upload", action="store_true")
    ap.add_argument("--skip-transcode", action="store_true")
    args = ap.parse_args()
    print(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(),
                      "loadavg": os.getloadavg(), "pyav": av.__version__}))
    if not args.skip_transcode:
        src = make_source(Path(tempfile.gettempdir()) / f"sawt-bench-1080p30-{args.seconds}s.mp4",
                          args.seconds)
        for preset in args.presets.split(","):
            print(json.dumps(bench_transcode(src, preset.strip())), flush=True)
            print(json.dumps({"loadavg_after": os.getloadavg()}), flush=True)
    if not args.skip_upload:
        for row in asyncio.run(bench_upload(args.upload_mib)):
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
